// Package licensor is the Go SDK of Licensor: offline verification of signed license files and
// `.lcs` bundles, verification of signed app-API answers, and an online client. It uses only the
// standard library and behaves exactly as the TypeScript SDK (@licensor/sdk).
package licensor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"time"
)

// RejectionCode says why a license file is refused; each rejection of DESIGN §5 has its own code.
type RejectionCode string

// The rejection codes, as in the TypeScript SDK's verify.ts.
const (
	Malformed         RejectionCode = "MALFORMED"
	UnknownKey        RejectionCode = "UNKNOWN_KEY"
	BadSignature      RejectionCode = "BAD_SIGNATURE"
	WrongVendor       RejectionCode = "WRONG_VENDOR"
	WrongProduct      RejectionCode = "WRONG_PRODUCT"
	WrongInstallation RejectionCode = "WRONG_INSTALLATION"
	ClockRollback     RejectionCode = "CLOCK_ROLLBACK"
	NotStarted        RejectionCode = "NOT_STARTED"
	Expired           RejectionCode = "EXPIRED"
)

// VerifyError is a refused license file. Payload is set when the file was genuine but does not
// apply (wrong vendor, product or installation, not started, expired, clock rollback).
type VerifyError struct {
	Code    RejectionCode
	Message string
	Payload *Payload
}

func (e *VerifyError) Error() string { return fmt.Sprintf("licensor: %s: %s", e.Code, e.Message) }

// CodeInvalidOptions is the code of an argument error (not a verdict on a file): the conformance
// vectors' name for what the TypeScript SDK throws as a TypeError.
const CodeInvalidOptions = "INVALID_OPTIONS"

// ErrInstallationRequired (an *Error with Code INVALID_OPTIONS): VerifyOptions must name the
// InstallationID, or say AnyInstallation, so no product accepts another installation's file by
// forgetting it. It is an argument error, never a *VerifyError.
var ErrInstallationRequired error = &Error{Code: CodeInvalidOptions, Message: "VerifyLicenseFile needs the InstallationID, or AnyInstallation: true"}

// ClockGuard remembers the latest time seen; Check is false when now is earlier (a rolled-back clock).
type ClockGuard interface {
	Check(now time.Time) bool
}

// RollbackTolerance is how far back the clock may step before it counts as a rollback.
const RollbackTolerance = 5 * time.Minute

// MemoryClockGuard is a ClockGuard kept in memory (LastSeen may be saved and restored by the caller).
type MemoryClockGuard struct{ LastSeen time.Time }

// Check is true when now is acceptable, and records it as the latest time seen.
func (g *MemoryClockGuard) Check(now time.Time) bool {
	if !g.LastSeen.IsZero() && now.UnixMilli() < g.LastSeen.UnixMilli()-RollbackTolerance.Milliseconds() {
		return false
	}
	if now.After(g.LastSeen) {
		g.LastSeen = now
	}
	return true
}

// VerifyOptions say whose files are accepted and for what.
type VerifyOptions struct {
	// PublicKeys are the vendor's published keys: kid → base64 of the raw 32-byte Ed25519 key.
	// Retired keys stay here; revoked ones are removed.
	PublicKeys map[string]string
	// Vendor is the vendor's key prefix.
	Vendor  string
	Product string
	// InstallationID is the installation this product runs as; a file for another one is refused.
	// Leaving it out must be said out loud with AnyInstallation.
	InstallationID  string
	AnyInstallation bool
	// LicenseKey decrypts files encrypted for this license key. It may be typed as the customer typed
	// it (any case, with or without dashes, Crockford aliases O→0, I/L→1): a well-formed key is read in
	// its canonical form, the form the server encrypts for; any other text is used exactly as given.
	LicenseKey string
	// Now is the current time (time.Now() when zero).
	Now        time.Time
	ClockGuard ClockGuard
}

// Customer is who a license was issued to.
type Customer struct {
	ID   string
	Name string
}

// Term is a grant's length by the calendar.
type Term struct {
	Unit  string // day, month or year
	Count int
}

// Payload is what a license file grants (DESIGN §5).
type Payload struct {
	ID             string
	Vendor         string
	Customer       Customer
	Product        string
	Type           string
	Scope          string
	Mode           string
	ResourceKind   *string
	Capabilities   []string
	Seats          *int
	StartsAt       string
	ExpiresAt      *string // nil: perpetual
	Term           *Term   // nil: perpetual or not carried (see HasTerm)
	HasTerm        bool
	InstallationID string
	Tenant         string
	IssuedAt       string
	FileExpiresAt  string
	// Raw is the payload exactly as signed (decoded JSON: objects are map[string]any, numbers float64).
	Raw map[string]any
}

type envelope struct {
	enc, sig, alg, kid string
}

func readEnvelope(body string) (*envelope, bool) {
	decoded, ok := atob(body)
	if !ok {
		return nil, false
	}
	value, ok := jsonParse(decoded)
	if !ok {
		return nil, false
	}
	m, ok := value.(map[string]any)
	if !ok {
		return nil, false
	}
	enc, encOK := m["enc"].(string)
	sig, sigOK := m["sig"].(string)
	alg, _ := m["alg"].(string)
	kid, kidOK := m["kid"].(string)
	if !encOK || !isBase64(enc) || !sigOK || !isBase64(sig) {
		return nil, false
	}
	if (alg != "ed25519" && alg != "ed25519+aes256gcm") || !kidOK || kid == "" {
		return nil, false
	}
	return &envelope{enc: enc, sig: sig, alg: alg, kid: kid}, true
}

func decodeLicenseFile(text string) (*envelope, bool) {
	body, ok := unarmor(text)
	if !ok {
		return nil, false
	}
	return readEnvelope(body)
}

// verifyEd25519 checks a signature with a base64 raw public key; malformed keys or signatures are false.
func verifyEd25519(publicKey string, signature []byte, message []byte) bool {
	raw, ok := atob(publicKey)
	if !ok || len(raw) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(raw), message, signature)
}

const ivBytes = 12

// fileKeyText is the string a file's AES key is derived from: the canonical license key when the
// given one parses (as the server encrypts for the canonical key), else the text exactly as given.
func fileKeyText(licenseKey string) string {
	if code, ok := parseCode(licenseKeyFormat, licenseKey); ok {
		return code
	}
	return licenseKey
}

func openPayload(env *envelope, licenseKey string) (any, bool) {
	if env.alg == "ed25519" {
		plain, ok := atob(env.enc)
		if !ok {
			return nil, false
		}
		return jsonParse(plain)
	}
	if licenseKey == "" {
		return nil, false
	}
	joined, ok := atob(env.enc)
	if !ok || len(joined) < ivBytes+16 {
		return nil, false
	}
	key := sha256.Sum256([]byte(fileKeyText(licenseKey)))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, false
	}
	plain, err := gcm.Open(nil, joined[:ivBytes], joined[ivBytes:], nil)
	if err != nil {
		return nil, false
	}
	return jsonParse(plain)
}

func nonEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && s != ""
}

func isDate(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, ok = dateParse(s)
	return ok
}

func isTerm(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	unit := m["unit"]
	count, ok := m["count"].(float64)
	return (unit == "day" || unit == "month" || unit == "year") && ok && count == float64(int64(count)) && count > 0 && count <= 1000
}

// isLicensePayload checks the fields a product relies on (core's isLicensePayload).
func isLicensePayload(value any) (map[string]any, bool) {
	p, ok := value.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := p["v"].(float64)
	if !ok || v != 1 {
		return nil, false
	}
	customer, has := p["customer"]
	switch customer.(type) {
	case map[string]any, []any:
	default:
		has = false
	}
	caps, capsOK := p["capabilities"].([]any)
	if capsOK {
		for _, c := range caps {
			if _, ok := c.(string); !ok {
				capsOK = false
			}
		}
	}
	expires, hasExpires := p["expiresAt"]
	term, hasTerm := p["term"]
	fileExpires, hasFileExpires := p["fileExpiresAt"]
	ok = nonEmptyString(p["id"]) && nonEmptyString(p["vendor"]) && has &&
		nonEmptyString(p["product"]) && nonEmptyString(p["scope"]) && nonEmptyString(p["installationId"]) &&
		capsOK && isDate(p["startsAt"]) &&
		hasExpires && (expires == nil || isDate(expires)) &&
		(!hasTerm || term == nil || isTerm(term)) &&
		isDate(p["issuedAt"]) &&
		(!hasFileExpires || isDate(fileExpires))
	return p, ok
}

func toPayload(p map[string]any) *Payload {
	str := func(name string) string { s, _ := p[name].(string); return s }
	out := &Payload{
		ID: str("id"), Vendor: str("vendor"), Product: str("product"), Type: str("type"),
		Scope: str("scope"), Mode: str("mode"), StartsAt: str("startsAt"), InstallationID: str("installationId"),
		Tenant: str("tenant"), IssuedAt: str("issuedAt"), FileExpiresAt: str("fileExpiresAt"), Raw: p,
	}
	if c, ok := p["customer"].(map[string]any); ok {
		out.Customer.ID, _ = c["id"].(string)
		out.Customer.Name, _ = c["name"].(string)
	}
	if s, ok := p["resourceKind"].(string); ok {
		out.ResourceKind = &s
	}
	out.Capabilities = []string{}
	for _, c := range p["capabilities"].([]any) {
		out.Capabilities = append(out.Capabilities, c.(string))
	}
	if n, ok := p["seats"].(float64); ok {
		seats := int(n)
		out.Seats = &seats
	}
	if s, ok := p["expiresAt"].(string); ok {
		out.ExpiresAt = &s
	}
	if t, ok := p["term"]; ok {
		out.HasTerm = true
		if m, ok := t.(map[string]any); ok {
			unit, _ := m["unit"].(string)
			count, _ := m["count"].(float64)
			out.Term = &Term{Unit: unit, Count: int(count)}
		}
	}
	return out
}

func refuse(code RejectionCode, message string, payload *Payload) error {
	return &VerifyError{Code: code, Message: message, Payload: payload}
}

// VerifyLicenseFile verifies a `.license` file, checking in this order: readable (MALFORMED), signed by
// a known key (UNKNOWN_KEY), signature (BAD_SIGNATURE), payload readable (MALFORMED), vendor, product,
// installation, clock rollback, start, and expiry of the license and of the file itself. A refusal is
// a *VerifyError.
func VerifyLicenseFile(text string, opts VerifyOptions) (*Payload, error) {
	if opts.InstallationID == "" && !opts.AnyInstallation {
		return nil, ErrInstallationRequired
	}
	env, ok := decodeLicenseFile(text)
	if !ok {
		return nil, refuse(Malformed, "not a license file", nil)
	}
	publicKey := opts.PublicKeys[env.kid]
	if publicKey == "" {
		return nil, refuse(UnknownKey, "signed by an unknown or revoked key "+env.kid, nil)
	}
	sig, _ := atob(env.sig)
	if !verifyEd25519(publicKey, sig, []byte("license/"+env.enc)) {
		return nil, refuse(BadSignature, "the signature does not match the file", nil)
	}
	value, ok := openPayload(env, opts.LicenseKey)
	var raw map[string]any
	if ok {
		raw, ok = isLicensePayload(value)
	}
	if !ok {
		if env.alg == "ed25519" {
			return nil, refuse(Malformed, "the payload is unreadable", nil)
		}
		return nil, refuse(Malformed, "the file is encrypted: the license key is needed", nil)
	}
	payload := toPayload(raw)
	if payload.Vendor != opts.Vendor {
		return nil, refuse(WrongVendor, "issued by "+payload.Vendor, payload)
	}
	if payload.Product != opts.Product {
		return nil, refuse(WrongProduct, "issued for "+payload.Product, payload)
	}
	if !opts.AnyInstallation && payload.InstallationID != opts.InstallationID {
		return nil, refuse(WrongInstallation, "issued for installation "+payload.InstallationID, payload)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if opts.ClockGuard != nil && !opts.ClockGuard.Check(now) {
		return nil, refuse(ClockRollback, "the clock is earlier than the last time seen", payload)
	}
	nowMs := now.UnixMilli()
	if starts, _ := dateParse(payload.StartsAt); starts > nowMs {
		return nil, refuse(NotStarted, "starts "+payload.StartsAt, payload)
	}
	if payload.ExpiresAt != nil {
		if expires, _ := dateParse(*payload.ExpiresAt); expires <= nowMs {
			return nil, refuse(Expired, "expired "+*payload.ExpiresAt, payload)
		}
	}
	if payload.FileExpiresAt != "" {
		if expires, _ := dateParse(payload.FileExpiresAt); expires <= nowMs {
			return nil, refuse(Expired, "the file expired "+payload.FileExpiresAt, payload)
		}
	}
	return payload, nil
}

// BundleResult is the outcome for one license file of a bundle: Payload when valid, Err otherwise.
type BundleResult struct {
	File    string
	Payload *Payload
	Err     error
}

// VerifyBundle verifies each license file of a `.lcs` bundle (or a single `.license`) on its own.
// Text holding no license-file block at all is verified as one file (and so refused as MALFORMED),
// as the TypeScript LicenseManager imports it.
func VerifyBundle(text string, opts VerifyOptions) []BundleResult {
	files := ReadBundle(text)
	if len(files) == 0 {
		files = []string{text}
	}
	results := make([]BundleResult, 0, len(files))
	for _, file := range files {
		payload, err := VerifyLicenseFile(file, opts)
		results = append(results, BundleResult{File: file, Payload: payload, Err: err})
	}
	return results
}
