package licensor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeServer answers the app API as the Licensor server does: the body serialized once, signed with
// the vendor's key over those exact bytes, echoing the request. rewrite changes the echo (a relay).
type fakeServer struct {
	key     testKey
	now     time.Time
	rewrite func(echo map[string]any)
	unsign  bool
	sent    []map[string]any
	accept  []string // the Licensor-Accept-Signature header of each request
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.sent = append(f.sent, body)
	f.accept = append(f.accept, r.Header.Get("Licensor-Accept-Signature"))
	nonce := body["nonce"]
	resource := func() map[string]any {
		res, _ := body["resource"].(map[string]any)
		return map[string]any{"kind": res["kind"], "id": res["id"]}
	}
	key, _ := body["key"].(string)
	var answer map[string]any
	var echo map[string]any
	status := http.StatusOK
	switch {
	case r.URL.Path == "/v1/validate":
		var res any
		if body["resource"] != nil {
			res = resource()
		}
		caps, _ := body["capabilities"].([]any)
		if caps == nil {
			caps = []any{}
		}
		fp := body["fingerprint"]
		echo = map[string]any{"key": NormaliseKey(key), "product": body["product"], "resource": res, "fingerprint": fp, "capabilities": caps, "nonce": nonce}
		answer = map[string]any{"valid": true, "code": "VALID", "detail": "", "nonce": nonce, "key": map[string]any{"id": "k-1", "customer": map[string]any{"id": "c-1", "name": "Client"}},
			"licenses": []any{map[string]any{"id": "lic-1", "product": "aistudio", "status": "active", "expiresAt": nil, "capabilities": []any{"run"}}}, "capabilities": []any{"run"}, "expiresAt": nil}
	case r.URL.Path == "/v1/activate":
		if body["product"] == "full" {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"code":"SEATS_EXHAUSTED","message":"no free seat","details":[]}}`))
			return
		}
		echo = map[string]any{"key": NormaliseKey(key), "product": body["product"], "resource": resource(), "nonce": nonce}
		answer = map[string]any{"id": "b-1", "licenseId": "lic-1", "product": body["product"], "resource": map[string]any{"kind": "machine", "id": "m-1", "name": nil}, "createdAt": "2026-02-01T00:00:00.000Z"}
		status = http.StatusCreated
	case r.URL.Path == "/v1/sessions":
		echo = map[string]any{"key": NormaliseKey(key), "product": body["product"], "resource": resource(), "nonce": nonce}
		answer = map[string]any{"id": "s/1", "expiresAt": "2026-02-01T00:01:00.000Z"}
		status = http.StatusCreated
	case strings.HasPrefix(r.URL.Path, "/v1/sessions/") && strings.HasSuffix(r.URL.Path, "/heartbeat"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/sessions/"), "/heartbeat")
		echo = map[string]any{"session": id, "nonce": nonce}
		answer = map[string]any{"expiresAt": "2026-02-01T00:02:00.000Z"}
	case r.URL.Path == "/v1/coupons/redeem":
		coupon, _ := body["coupon"].(string)
		echo = map[string]any{"key": NormaliseKey(key), "coupon": NormaliseCoupon(coupon), "nonce": nonce}
		answer = map[string]any{"redemptionId": "r-1", "keyId": "k-1", "licenses": []any{}}
	default:
		http.NotFound(w, r)
		return
	}
	if f.rewrite != nil {
		f.rewrite(echo)
	}
	answer["ts"] = f.now.UTC().Format("2006-01-02T15:04:05.000Z")
	answer["request"] = echo
	out, _ := json.Marshal(answer)
	if !f.unsign {
		w.Header().Set("Licensor-Signature", `kid="`+f.key.kid+`", alg="ed25519", sig="`+f.key.sign(out)+`"`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func TestClient(t *testing.T) {
	key := newTestKey(t, "k1")
	now := at("2026-02-01T00:00:00Z")
	fake := &fakeServer{key: key, now: now}
	server := httptest.NewServer(fake)
	defer server.Close()
	client := NewClient(server.URL, map[string]string{"k1": key.publicKey})
	client.Now = func() time.Time { return now }
	ctx := context.Background()
	body := "ABCDEFGHJKMNPQRSTVWXYZ01"
	licenseKey := "PRMO-" + body[:5] + "-" + body[5:10] + "-" + body[10:15] + "-" + body[15:20] + "-" + body[20:] + string(checkSymbol(body))

	result, err := client.Validate(ctx, ValidateRequest{Key: strings.ToLower(licenseKey), Product: "aistudio", Resource: &Resource{Kind: "agent", ID: "a-1"}, Capabilities: []string{"run"}})
	if err != nil || !result.Valid || result.Code != "VALID" || result.Key.Customer.Name != "Client" || len(result.Licenses) != 1 {
		t.Fatalf("validate: %+v %v", result, err)
	}
	if n1, n2 := fake.sent[0]["nonce"], result.Nonce; n1 != n2 || len(result.Nonce) != 32 {
		t.Errorf("nonce not sent or not echoed: %v %v", n1, n2)
	}
	if _, err := client.Validate(ctx, ValidateRequest{Key: licenseKey, Product: "aistudio"}); err != nil {
		t.Errorf("validate for the key as a whole: %v", err)
	}
	if fake.sent[0]["nonce"] == fake.sent[1]["nonce"] {
		t.Errorf("a nonce was reused")
	}
	for i, accept := range fake.accept {
		if accept != "ed25519-tree" {
			t.Errorf("request %d does not accept tree signatures: %q", i, accept)
		}
	}
	activation, err := client.Activate(ctx, ActivateRequest{Key: licenseKey, Product: "aistudio", Resource: NamedResource{Kind: "machine", ID: "m-1", Name: "PC", Metadata: map[string]any{"cores": 8}}})
	if err != nil || activation.LicenseID != "lic-1" {
		t.Fatalf("activate: %+v %v", activation, err)
	}
	session, err := client.OpenSession(ctx, SessionRequest{Key: licenseKey, Product: "aistudio", Resource: NamedResource{Kind: "machine", ID: "m-1"}, TTLSeconds: 60})
	if err != nil || session.ID != "s/1" {
		t.Fatalf("session: %+v %v", session, err)
	}
	beat, err := client.Heartbeat(ctx, session.ID)
	if err != nil || beat.ExpiresAt == "" {
		t.Fatalf("heartbeat: %+v %v", beat, err)
	}
	redeemed, err := client.RedeemCoupon(ctx, RedeemRequest{Key: licenseKey, Coupon: "prmoupd-abcd-efgh-jkmn-pqr" + string(checkSymbol("ABCDEFGHJKMNPQR"))})
	if err != nil || redeemed.RedemptionID != "r-1" {
		t.Fatalf("redeem: %+v %v", redeemed, err)
	}

	_, err = client.Activate(ctx, ActivateRequest{Key: licenseKey, Product: "full", Resource: NamedResource{Kind: "machine", ID: "m-2"}})
	if e, ok := err.(*Error); !ok || e.Code != "SEATS_EXHAUSTED" || e.Status != http.StatusConflict || e.Message != "no free seat" {
		t.Errorf("a server error keeps its code: %#v", err)
	}

	refusals := []struct {
		name  string
		setup func(f *fakeServer, c *Client)
		code  string
	}{
		{"a relay swaps the key", func(f *fakeServer, c *Client) {
			f.rewrite = func(e map[string]any) { e["key"] = "PRMO-SOMEONE-ELSE" }
		}, CodeRequestMismatch},
		{"a relay swaps the resource", func(f *fakeServer, c *Client) {
			f.rewrite = func(e map[string]any) { e["resource"] = map[string]any{"kind": "agent", "id": "a-2"} }
		}, CodeRequestMismatch},
		{"a replayed answer", func(f *fakeServer, c *Client) {
			f.rewrite = func(e map[string]any) { e["nonce"] = "old" }
		}, CodeNonceMismatch},
		{"an unsigned answer", func(f *fakeServer, c *Client) { f.unsign = true }, CodeUnsigned},
		{"a key we do not know", func(f *fakeServer, c *Client) { f.key = newTestKey(t, "k9") }, CodeUnknownKey},
		{"a forged signature", func(f *fakeServer, c *Client) { f.key = testKey{kid: "k1", private: newTestKey(t, "x").private} }, CodeBadSignature},
		{"a stale answer", func(f *fakeServer, c *Client) { f.now = now.Add(-301 * time.Second) }, CodeStaleAnswer},
		{"a tighter max age", func(f *fakeServer, c *Client) { f.now = now.Add(-11 * time.Second); c.MaxAge = 10 * time.Second }, CodeStaleAnswer},
	}
	for _, r := range refusals {
		f := &fakeServer{key: key, now: now}
		s := httptest.NewServer(f)
		c := NewClient(s.URL, map[string]string{"k1": key.publicKey})
		c.Now = func() time.Time { return now }
		r.setup(f, c)
		_, err := c.Validate(ctx, ValidateRequest{Key: licenseKey, Product: "aistudio", Resource: &Resource{Kind: "agent", ID: "a-1"}})
		if ErrorCode(err) != r.code {
			t.Errorf("%s: want %s, got %v", r.name, r.code, err)
		}
		s.Close()
	}
}

func TestEncodeURIComponent(t *testing.T) {
	if got := encodeURIComponent("s/1 ü?&=+:@!*'()~._-"); got != "s%2F1%20%C3%BC%3F%26%3D%2B%3A%40!*'()~._-" {
		t.Errorf("encodeURIComponent: %s", got)
	}
}
