package licensor

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func at(iso string) time.Time {
	ms, ok := dateParse(iso)
	if !ok {
		panic("bad date " + iso)
	}
	return time.UnixMilli(ms)
}

func codeOf(err error) string { return ErrorCode(err) }

func TestVerifyLicenseFile(t *testing.T) {
	key := newTestKey(t, "k1")
	other := newTestKey(t, "k2")
	opts := VerifyOptions{PublicKeys: map[string]string{"k1": key.publicKey}, Vendor: "PRMO", Product: "aistudio", InstallationID: "inst-1", Now: at("2026-02-01T00:00:00Z")}
	good := seal(t, key, testPayload(nil), "")

	payload, err := VerifyLicenseFile(good, opts)
	if err != nil {
		t.Fatalf("a good file is refused: %v", err)
	}
	if payload.ID != "lic-1" || payload.Customer.Name != "Client" || len(payload.Capabilities) != 2 || payload.ExpiresAt == nil {
		t.Fatalf("payload read wrong: %+v", payload)
	}

	tamperedEnvelope := func() string {
		body, _ := unarmor(good)
		raw, _ := base64.StdEncoding.DecodeString(body)
		var env map[string]string
		_ = json.Unmarshal(raw, &env)
		plain, _ := base64.StdEncoding.DecodeString(env["enc"])
		env["enc"] = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(plain), "lic-1", "lic-2", 1)))
		out, _ := json.Marshal(env)
		return armor(licenseFileLabel, base64.StdEncoding.EncodeToString(out))
	}()

	cases := []struct {
		name   string
		file   string
		change func(o *VerifyOptions)
		code   RejectionCode
	}{
		{"not a license file", "hello", nil, Malformed},
		{"two blocks", good + good, nil, Malformed},
		{"unknown key", seal(t, other, testPayload(nil), ""), nil, UnknownKey},
		{"signature by another key under our kid", seal(t, testKey{kid: "k1", private: other.private}, testPayload(nil), ""), nil, BadSignature},
		{"tampered payload", tamperedEnvelope, nil, BadSignature},
		{"unreadable payload", seal(t, key, map[string]any{"v": 1}, ""), nil, Malformed},
		{"other vendor", seal(t, key, testPayload(map[string]any{"vendor": "ACME"}), ""), nil, WrongVendor},
		{"other product", seal(t, key, testPayload(map[string]any{"product": "x"}), ""), nil, WrongProduct},
		{"other installation", seal(t, key, testPayload(map[string]any{"installationId": "inst-2"}), ""), nil, WrongInstallation},
		{"not started", good, func(o *VerifyOptions) { o.Now = at("2025-12-31T23:59:59.999Z") }, NotStarted},
		{"expired at the instant", good, func(o *VerifyOptions) { o.Now = at("2026-03-02T00:00:00Z") }, Expired},
		{"file expired", seal(t, key, testPayload(map[string]any{"fileExpiresAt": "2026-01-15T00:00:00Z"}), ""), nil, Expired},
		{"encrypted without the key", seal(t, key, testPayload(nil), "PRMO-KEY"), nil, Malformed},
		{"encrypted with the wrong key", seal(t, key, testPayload(nil), "PRMO-KEY"), func(o *VerifyOptions) { o.LicenseKey = "PRMO-OTHER" }, Malformed},
		{"clock rolled back", good, func(o *VerifyOptions) { o.ClockGuard = &MemoryClockGuard{LastSeen: at("2026-02-02T00:00:00Z")} }, ClockRollback},
	}
	for _, c := range cases {
		o := opts
		if c.change != nil {
			c.change(&o)
		}
		_, err := VerifyLicenseFile(c.file, o)
		var verr *VerifyError
		if !errors.As(err, &verr) || verr.Code != c.code {
			t.Errorf("%s: want %s, got %v", c.name, c.code, err)
		}
	}

	perpetual := seal(t, key, testPayload(map[string]any{"expiresAt": nil}), "")
	if _, err := VerifyLicenseFile(perpetual, VerifyOptions{PublicKeys: opts.PublicKeys, Vendor: "PRMO", Product: "aistudio", AnyInstallation: true, Now: at("2099-01-01T00:00:00Z")}); err != nil {
		t.Errorf("a perpetual file for any installation is refused: %v", err)
	}
	encrypted := seal(t, key, testPayload(nil), "PRMO-KEY")
	o := opts
	o.LicenseKey = "PRMO-KEY"
	if _, err := VerifyLicenseFile(encrypted, o); err != nil {
		t.Errorf("an encrypted file with its key is refused: %v", err)
	}
	if _, err := VerifyLicenseFile(good, VerifyOptions{PublicKeys: opts.PublicKeys, Vendor: "PRMO", Product: "aistudio"}); err != ErrInstallationRequired {
		t.Errorf("no installation said: want ErrInstallationRequired, got %v", err)
	}
}

func TestBundles(t *testing.T) {
	key := newTestKey(t, "k1")
	opts := VerifyOptions{PublicKeys: map[string]string{"k1": key.publicKey}, Vendor: "PRMO", Product: "aistudio", InstallationID: "inst-1", Now: at("2026-02-01T00:00:00Z")}
	bundle := seal(t, key, testPayload(nil), "") + "\r\n" + seal(t, key, testPayload(map[string]any{"id": "lic-2", "product": "other"}), "") +
		"-----BEGIN LICENSE FILE-----\n!!!\n-----END LICENSE FILE-----\n"
	if n := len(ReadBundle(bundle)); n != 3 {
		t.Fatalf("want 3 files, got %d", n)
	}
	results := VerifyBundle(bundle, opts)
	if results[0].Err != nil || results[0].Payload.ID != "lic-1" || codeOf(results[1].Err) != "WRONG_PRODUCT" || codeOf(results[2].Err) != "MALFORMED" {
		t.Fatalf("bundle results wrong: %+v", results)
	}
	if results := VerifyBundle("nothing here", opts); len(results) != 1 || codeOf(results[0].Err) != "MALFORMED" {
		t.Fatalf("a text with no block is one malformed file: %+v", results)
	}
}

func TestJSCompat(t *testing.T) {
	// Values from V8 (Node 20, TZ=UTC) for Date.parse.
	dates := map[string]int64{
		"2026-01-01": 1767225600000, "2026-01": 1767225600000, "2026": 1767225600000,
		"2026-01-01T00:00:00.1Z": 1767225600100, "2026-01-01T00:00:00.123456Z": 1767225600123,
		"2026-01-01 00:00:00Z": 1767225600000, "2026-01-01t00:00:00z": 1767225600000,
		"2026-01-01T24:00:00Z": 1767312000000, "+002026-01-01T00:00:00Z": 1767225600000,
		"2026-01-01T00:00:00+0100": 1767222000000, "2026-01-01T00:00:00+01:00": 1767222000000,
	}
	for text, want := range dates {
		if got, ok := dateParse(text); !ok || got != want {
			t.Errorf("Date.parse(%q): want %d, got %d %v", text, want, got, ok)
		}
	}
	for _, text := range []string{"not a date", "", " 2026-01-01T00:00:00Z", "2026-01-01T00:00:00.Z", "10000-01-01T00:00:00Z"} {
		if _, ok := dateParse(text); ok {
			t.Errorf("Date.parse(%q) should be NaN", text)
		}
	}
	if b, ok := atob(" YWJj\nZA "); !ok || string(b) != "abcd" {
		t.Errorf("atob forgiving: %q %v", b, ok)
	}
}

func TestNormaliseKey(t *testing.T) {
	body := "ABCDEFGHJKMNPQRSTVWXYZ01"
	key := "PRMO-" + body[:5] + "-" + body[5:10] + "-" + body[10:15] + "-" + body[15:20] + "-" + body[20:] + string(checkSymbol(body))
	if got := NormaliseKey(strings.ToLower(strings.ReplaceAll(key, "-", " "))); got != key {
		t.Errorf("NormaliseKey: want %s, got %s", key, got)
	}
	if got := NormaliseKey("  prmo-not-a-key "); got != "PRMO-NOT-A-KEY" {
		t.Errorf("NormaliseKey fallback: %s", got)
	}
	coupon := "PRMOUPD-" + body[:4] + "-" + body[4:8] + "-" + body[8:12] + "-" + body[12:15] + string(checkSymbol(body[:15]))
	if got := NormaliseCoupon(strings.ToLower(coupon)); got != coupon {
		t.Errorf("NormaliseCoupon: want %s, got %s", coupon, got)
	}
}
