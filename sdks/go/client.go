package licensor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls the app API from a vendor's application. It trusts only answers that are signed by the
// vendor's key, repeat exactly what it asked (key, product, resource, capabilities and a fresh nonce)
// and are fresh, so neither a fake server, nor a replayed answer, nor a relay that swaps the key or the
// resource can unlock the application. Refusals and server errors are *Error values.
type Client struct {
	// BaseURL is the Licensor server, e.g. https://licensing.example.com
	BaseURL string
	// PublicKeys: kid → base64 raw public key (`GET /v1/vendors/{prefix}/signing-keys`).
	PublicKeys map[string]string
	// HTTPClient is http.DefaultClient when nil.
	HTTPClient *http.Client
	// MaxAge is how old a signed answer may be (DefaultMaxAge when zero).
	MaxAge time.Duration
	// Now is this device's clock (time.Now when nil).
	Now func() time.Time
}

// NewClient is a Client for a server and the vendor's public keys.
func NewClient(baseURL string, publicKeys map[string]string) *Client {
	return &Client{BaseURL: baseURL, PublicKeys: publicKeys}
}

// Resource is what a seat binds to.
type Resource struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// ValidateRequest asks whether a key may use a product (and a resource, and capabilities).
type ValidateRequest struct {
	Key          string    `json:"key"`
	Product      string    `json:"product"`
	Fingerprint  string    `json:"fingerprint,omitempty"`
	Resource     *Resource `json:"resource,omitempty"`
	Capabilities []string  `json:"capabilities,omitempty"`
}

// LicenseSummary is one license of a key in a validation answer.
type LicenseSummary struct {
	ID           string   `json:"id"`
	Product      string   `json:"product"`
	Type         string   `json:"type"`
	Scope        string   `json:"scope"`
	Mode         string   `json:"mode"`
	Status       string   `json:"status"`
	StartsAt     string   `json:"startsAt"`
	ExpiresAt    *string  `json:"expiresAt"`
	Capabilities []string `json:"capabilities"`
}

// ValidationResult is a verified validation answer; outcomes such as EXPIRED are Valid false with a Code.
type ValidationResult struct {
	Valid  bool   `json:"valid"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Ts     string `json:"ts"`
	Nonce  string `json:"nonce,omitempty"`
	Key    *struct {
		ID       string `json:"id"`
		Customer struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"customer"`
	} `json:"key"`
	Licenses     []LicenseSummary `json:"licenses"`
	Capabilities []string         `json:"capabilities"`
	ExpiresAt    *string          `json:"expiresAt"`
}

// ActivateRequest binds a resource to a free seat.
type ActivateRequest struct {
	Key      string        `json:"key"`
	Product  string        `json:"product"`
	Resource NamedResource `json:"resource"`
}

// NamedResource is a resource with an optional name and metadata.
type NamedResource struct {
	Kind     string         `json:"kind"`
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Activation is the binding of a resource to a license.
type Activation struct {
	ID        string `json:"id"`
	LicenseID string `json:"licenseId"`
	Product   string `json:"product"`
	Resource  struct {
		Kind string  `json:"kind"`
		ID   string  `json:"id"`
		Name *string `json:"name"`
	} `json:"resource"`
	CreatedAt string `json:"createdAt"`
}

// SessionRequest checks out a session (floating licenses count them).
type SessionRequest struct {
	Key        string        `json:"key"`
	Product    string        `json:"product"`
	Resource   NamedResource `json:"resource"`
	TTLSeconds int           `json:"ttlSeconds,omitempty"`
}

// Session is a checked-out session.
type Session struct {
	ID        string `json:"id"`
	ExpiresAt string `json:"expiresAt"`
}

// Heartbeat is a session's new expiry.
type Heartbeat struct {
	ExpiresAt string `json:"expiresAt"`
}

// RedeemRequest redeems a coupon against a key.
type RedeemRequest struct {
	Key    string `json:"key"`
	Coupon string `json:"coupon"`
}

// Redeemed is the key's licenses after a redemption.
type Redeemed struct {
	RedemptionID string `json:"redemptionId"`
	KeyID        string `json:"keyId"`
	Licenses     []struct {
		ID        string  `json:"id"`
		Product   string  `json:"product"`
		Status    string  `json:"status"`
		ExpiresAt *string `json:"expiresAt"`
	} `json:"licenses"`
}

// RandomNonce is 16 random bytes in hex, from crypto/rand.
func RandomNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// withNonce is the request's JSON with a nonce added.
func withNonce(request any, nonce string) ([]byte, error) {
	body := map[string]any{}
	if request != nil {
		encoded, err := json.Marshal(request)
		if err != nil {
			return nil, err
		}
		decoder := json.NewDecoder(bytes.NewReader(encoded))
		decoder.UseNumber()
		if err := decoder.Decode(&body); err != nil {
			return nil, err
		}
	}
	body["nonce"] = nonce
	return json.Marshal(body)
}

// Validate asks whether the key may use the product; the outcome is in the result's Valid and Code.
func (c *Client) Validate(ctx context.Context, request ValidateRequest) (*ValidationResult, error) {
	var out ValidationResult
	return &out, c.call(ctx, CallValidate, "/v1/validate", request, "", &out)
}

// Activate binds the resource to a free seat (idempotent).
func (c *Client) Activate(ctx context.Context, request ActivateRequest) (*Activation, error) {
	var out Activation
	return &out, c.call(ctx, CallActivate, "/v1/activate", request, "", &out)
}

// OpenSession checks out a session.
func (c *Client) OpenSession(ctx context.Context, request SessionRequest) (*Session, error) {
	var out Session
	return &out, c.call(ctx, CallSession, "/v1/sessions", request, "", &out)
}

// Heartbeat keeps a session alive.
func (c *Client) Heartbeat(ctx context.Context, sessionID string) (*Heartbeat, error) {
	var out Heartbeat
	path := "/v1/sessions/" + encodeURIComponent(sessionID) + "/heartbeat"
	return &out, c.call(ctx, CallHeartbeat, path, nil, sessionID, &out)
}

// RedeemCoupon redeems a coupon against a key.
func (c *Client) RedeemCoupon(ctx context.Context, request RedeemRequest) (*Redeemed, error) {
	var out Redeemed
	return &out, c.call(ctx, CallRedeem, "/v1/coupons/redeem", request, "", &out)
}

func (c *Client) call(ctx context.Context, call Call, path string, request any, sessionID string, out any) error {
	nonce, err := RandomNonce()
	if err != nil {
		return err
	}
	body, err := withNonce(request, nonce)
	if err != nil {
		return err
	}
	expected, err := EchoFor(call, body, sessionID)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(AcceptSignatureHeader[0], AcceptSignatureHeader[1])
	httpClient := c.HTTPClient
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answerBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	answer := Answer{
		Status:    resp.StatusCode,
		Signature: strings.Join(resp.Header.Values("Licensor-Signature"), ", "),
		Body:      answerBody,
	}
	if _, err := VerifyAnswer(expected, answer, AnswerOptions{PublicKeys: c.PublicKeys, Now: now, MaxAge: c.MaxAge}); err != nil {
		return err
	}
	if err := decodeAnswer(answerBody, out); err != nil {
		return fmt.Errorf("licensor: reading the answer: %w", err)
	}
	return nil
}

// encodeURIComponent escapes as JavaScript's encodeURIComponent.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
