package licensor

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// The codes of a refused answer (as the TypeScript LicensorClient); a server error keeps the server's
// own code (SEATS_EXHAUSTED, TOO_MANY_SESSIONS, …), or HTTP_ERROR when its body carries none.
const (
	CodeUnsigned        = "UNSIGNED"
	CodeUnknownKey      = "UNKNOWN_KEY"
	CodeBadSignature    = "BAD_SIGNATURE"
	CodeNonceMismatch   = "NONCE_MISMATCH"
	CodeRequestMismatch = "REQUEST_MISMATCH"
	CodeStaleAnswer     = "STALE_ANSWER"
	CodeHTTPError       = "HTTP_ERROR"
	// CodeMalformedAnswer: a correctly signed answer whose body is not JSON (the same code in every SDK).
	CodeMalformedAnswer = "MALFORMED_ANSWER"
)

// DefaultMaxAge is how old (or how far ahead of this clock) a signed answer may be unless set.
const DefaultMaxAge = 300 * time.Second

// Error is a refused answer or an error of the server (Status is its HTTP status, 0 for a refusal).
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return fmt.Sprintf("licensor: %s: %s", e.Code, e.Message) }

// ErrorCode is the Code of a *Error or *VerifyError anywhere in err's chain, or "".
func ErrorCode(err error) string {
	var answerErr *Error
	if errors.As(err, &answerErr) {
		return answerErr.Code
	}
	var verifyErr *VerifyError
	if errors.As(err, &verifyErr) {
		return string(verifyErr.Code)
	}
	return ""
}

// Call names an app-API call whose answer is signed and bound to its request.
type Call string

// The signed calls.
const (
	CallValidate  Call = "validate"
	CallActivate  Call = "activate"
	CallSession   Call = "session"
	CallHeartbeat Call = "heartbeat"
	CallRedeem    Call = "redeem"
)

// Echo is what a signed answer must repeat of its request (its `request` member): codes normalised,
// absent fields null. Build it with EchoFor.
type Echo map[string]any

// EchoFor builds the echo expected for a request body exactly as it was sent (the JSON the client
// posted, nonce included); sessionID is the session of a heartbeat.
func EchoFor(call Call, sent []byte, sessionID string) (Echo, error) {
	var body any
	if len(sent) > 0 {
		v, ok := jsonParse(sent)
		if !ok {
			return nil, errors.New("licensor: the sent body is not JSON")
		}
		body = v
	}
	key := func() (string, error) {
		k, ok := prop(body, "key").(string)
		if !ok {
			return "", errors.New("licensor: the request has no key")
		}
		return NormaliseKey(k), nil
	}
	resourceOf := func(r any) any {
		return map[string]any{"kind": prop(r, "kind"), "id": prop(r, "id")}
	}
	switch call {
	case CallValidate:
		k, err := key()
		if err != nil {
			return nil, err
		}
		var resource any
		if r := prop(body, "resource"); jsTruthy(r) {
			resource = resourceOf(r)
		}
		capabilities := []any{}
		switch c := prop(body, "capabilities").(type) {
		case nil, undefinedValue:
		case []any:
			capabilities = append(capabilities, c...)
		case string:
			for _, r := range c {
				capabilities = append(capabilities, string(r))
			}
		default:
			return nil, errors.New("licensor: capabilities is not a list")
		}
		return Echo{
			"key":          k,
			"product":      prop(body, "product"),
			"resource":     resource,
			"fingerprint":  orNull(prop(body, "fingerprint")),
			"capabilities": capabilities,
			"nonce":        orNull(prop(body, "nonce")),
		}, nil
	case CallActivate, CallSession:
		k, err := key()
		if err != nil {
			return nil, err
		}
		r := prop(body, "resource")
		if r == nil || r == undefined {
			return nil, errors.New("licensor: the request has no resource")
		}
		return Echo{"key": k, "product": prop(body, "product"), "resource": resourceOf(r), "nonce": orNull(prop(body, "nonce"))}, nil
	case CallHeartbeat:
		return Echo{"session": sessionID, "nonce": orNull(prop(body, "nonce"))}, nil
	case CallRedeem:
		k, err := key()
		if err != nil {
			return nil, err
		}
		coupon, ok := prop(body, "coupon").(string)
		if !ok {
			return nil, errors.New("licensor: the request has no coupon")
		}
		return Echo{"key": k, "coupon": NormaliseCoupon(coupon), "nonce": orNull(prop(body, "nonce"))}, nil
	}
	return nil, fmt.Errorf("licensor: unknown call %q", call)
}

// sameEcho is structural equality of two decoded JSON values (key order does not matter).
func sameEcho(a, b any) bool {
	if strictEqual(a, b) {
		return true
	}
	am, aMap := a.(map[string]any)
	as, aArr := a.([]any)
	bm, bMap := b.(map[string]any)
	bs, bArr := b.([]any)
	if a == nil || b == nil || !(aMap || aArr) || !(bMap || bArr) || aArr != bArr {
		return false
	}
	if aArr {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !sameEcho(as[i], bs[i]) {
				return false
			}
		}
		return true
	}
	if len(am) != len(bm) {
		return false
	}
	for k, v := range am {
		w, ok := bm[k]
		if !ok {
			w = undefined
		}
		if !sameEcho(v, w) {
			return false
		}
	}
	return true
}

// Answer is an app-API answer as received: HTTP status, the Licensor-Signature header ("" when
// absent; several headers joined with ", ") and the exact body bytes.
type Answer struct {
	Status    int
	Signature string
	Body      []byte
}

// AnswerOptions say which answers are trusted.
type AnswerOptions struct {
	// PublicKeys: kid → base64 of the raw Ed25519 key (`GET /v1/vendors/{prefix}/signing-keys`).
	PublicKeys map[string]string
	// Now is this device's clock (time.Now() when zero).
	Now time.Time
	// MaxAge is how far the answer's ts may be from Now (DefaultMaxAge when zero).
	MaxAge time.Duration
}

var signatureField = regexp.MustCompile(`(\w+)="([^"]*)"`)

// ParseSignatureHeader reads `kid="…", alg="ed25519", sig="…"`; false when missing or malformed, or
// when the header is a tree signature (read those with ParseAnswerSignature).
func ParseSignatureHeader(header string) (kid, sig string, ok bool) {
	s, ok := ParseAnswerSignature(header)
	if !ok || s.Alg != AlgEd25519 {
		return "", "", false
	}
	return s.Kid, s.Sig, true
}

// The signature algorithms of app-API answers.
const (
	// AlgEd25519 signs the exact body bytes.
	AlgEd25519 = "ed25519"
	// AlgEd25519Tree signs the root of a SHA-256 tree over the answers of one server turn; the answer carries
	// its Index and Path (DESIGN §4, conformance/README.md). Asked for with AcceptSignatureHeader.
	AlgEd25519Tree = "ed25519-tree"
)

// AcceptSignatureHeader is the request header (name and value) with which a client accepts tree signatures.
var AcceptSignatureHeader = [2]string{"Licensor-Accept-Signature", AlgEd25519Tree}

// AnswerSignature is a parsed Licensor-Signature header.
type AnswerSignature struct {
	Alg, Kid, Sig string
	// Index and Path (base64 of the sibling hashes) of a tree signature.
	Index int
	Path  string
}

var treeIndex = regexp.MustCompile(`^(0|[1-9][0-9]{0,5})$`)

// ParseAnswerSignature reads a Licensor-Signature header of either algorithm; false when it is missing or
// malformed (an unknown alg, no kid or sig, a tree signature without a well-formed index or a path).
func ParseAnswerSignature(header string) (AnswerSignature, bool) {
	if header == "" {
		return AnswerSignature{}, false
	}
	fields := map[string]string{}
	for _, m := range signatureField.FindAllStringSubmatch(header, -1) {
		fields[m[1]] = m[2]
	}
	if fields["kid"] == "" || fields["sig"] == "" {
		return AnswerSignature{}, false
	}
	s := AnswerSignature{Alg: fields["alg"], Kid: fields["kid"], Sig: fields["sig"]}
	switch s.Alg {
	case AlgEd25519:
		return s, true
	case AlgEd25519Tree:
		path, hasPath := fields["path"]
		if !treeIndex.MatchString(fields["index"]) || !hasPath {
			return AnswerSignature{}, false
		}
		s.Index, _ = strconv.Atoi(fields["index"])
		s.Path = path
		return s, true
	}
	return AnswerSignature{}, false
}

const (
	hashBytes    = sha256.Size
	maxTreeDepth = 16
)

var strictBase64 = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)

// treeRoot is the root an answer's body leads to by its index and path; false when the path is malformed
// (not base64 of whole hashes, deeper than maxTreeDepth, or the index outside its tree).
func treeRoot(body []byte, index int, path string) ([]byte, bool) {
	if len(path)%4 != 0 || !strictBase64.MatchString(path) {
		return nil, false
	}
	siblings, err := base64.StdEncoding.DecodeString(path)
	if err != nil || len(siblings)%hashBytes != 0 {
		return nil, false
	}
	depth := len(siblings) / hashBytes
	if depth > maxTreeDepth || index < 0 || index >= 1<<depth {
		return nil, false
	}
	hash := sha256.Sum256(append([]byte{0x00}, body...))
	for level := 0; level < depth; level++ {
		sibling := siblings[level*hashBytes : (level+1)*hashBytes]
		node := []byte{0x01}
		if (index>>level)&1 == 1 {
			node = append(append(node, sibling...), hash[:]...)
		} else {
			node = append(append(node, hash[:]...), sibling...)
		}
		hash = sha256.Sum256(node)
	}
	return hash[:], true
}

// verifyAnswerSignature says whether the signature by publicKey covers exactly body: directly, or through
// its tree's root. False, never a panic, when anything is malformed.
func verifyAnswerSignature(publicKey string, s AnswerSignature, body []byte) bool {
	signature, ok := atob(s.Sig)
	if !ok {
		return false
	}
	if s.Alg == AlgEd25519 {
		return verifyEd25519(publicKey, signature, body)
	}
	root, ok := treeRoot(body, s.Index, s.Path)
	return ok && verifyEd25519(publicKey, signature, append([]byte("licensor-tree/"), root...))
}

// VerifyAnswer checks an answer against the request it answers, in the TypeScript client's order: a
// server error (non-2xx: the server's code), UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE (also for a malformed
// signature or public key), MALFORMED_ANSWER (a signed body that is not JSON), NONCE_MISMATCH,
// REQUEST_MISMATCH, STALE_ANSWER. It returns the decoded answer (a JSON object as map[string]any).
func VerifyAnswer(expected Echo, answer Answer, opts AnswerOptions) (map[string]any, error) {
	if answer.Status < 200 || answer.Status > 299 {
		code, message := CodeHTTPError, fmt.Sprintf("HTTP %d", answer.Status)
		if parsed, ok := jsonParse(answer.Body); ok {
			e := prop(parsed, "error")
			if c, ok := prop(e, "code").(string); ok {
				code = c
			}
			if m, ok := prop(e, "message").(string); ok {
				message = m
			}
		}
		return nil, &Error{Code: code, Message: message, Status: answer.Status}
	}
	signature, ok := ParseAnswerSignature(answer.Signature)
	if !ok {
		return nil, &Error{Code: CodeUnsigned, Message: "the answer carries no signature"}
	}
	publicKey := opts.PublicKeys[signature.Kid]
	if publicKey == "" {
		return nil, &Error{Code: CodeUnknownKey, Message: "the answer is signed by an unknown key " + signature.Kid}
	}
	if !verifyAnswerSignature(publicKey, signature, answer.Body) {
		return nil, &Error{Code: CodeBadSignature, Message: "the signature does not match"}
	}
	parsed, ok := jsonParse(answer.Body)
	if !ok {
		return nil, &Error{Code: CodeMalformedAnswer, Message: "the signed answer is not JSON"}
	}
	request := prop(parsed, "request")
	if !strictEqual(prop(request, "nonce"), expected["nonce"]) {
		return nil, &Error{Code: CodeNonceMismatch, Message: "the answer is not for this request (a replay?)"}
	}
	if !sameEcho(request, map[string]any(expected)) {
		return nil, &Error{Code: CodeRequestMismatch, Message: "the answer is for another key, product or resource"}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	ts, isString := prop(parsed, "ts").(string)
	at, parsedTs := dateParse(ts)
	if !isString || !parsedTs || math.Abs(float64(now.UnixMilli()-at)) > float64(maxAge)/float64(time.Millisecond) {
		return nil, &Error{Code: CodeStaleAnswer, Message: "the answer is too old, or this clock is far from the server’s"}
	}
	m, _ := parsed.(map[string]any)
	return m, nil
}

// decodeAnswer fills a typed answer from the verified body.
func decodeAnswer(body []byte, out any) error {
	return json.Unmarshal(textDecode(body), out)
}
