package licensor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
)

type testKey struct {
	kid       string
	publicKey string
	private   ed25519.PrivateKey
}

func newTestKey(t *testing.T, kid string) testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, publicKey: base64.StdEncoding.EncodeToString(pub), private: priv}
}

func (k testKey) sign(message []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(k.private, message))
}

func testPayload(over map[string]any) map[string]any {
	p := map[string]any{
		"v": 1, "id": "lic-1", "vendor": "PRMO", "customer": map[string]any{"id": "c-1", "name": "Client"},
		"product": "aistudio", "type": "Platform", "scope": "installation", "mode": "subscription",
		"resourceKind": nil, "capabilities": []string{"manage", "build"}, "seats": nil,
		"startsAt": "2026-01-01T00:00:00.000Z", "expiresAt": "2026-03-02T00:00:00.000Z",
		"installationId": "inst-1", "issuedAt": "2026-01-01T00:00:00.000Z",
	}
	for k, v := range over {
		if v == nil {
			if _, ok := over[k]; ok {
				p[k] = nil
			}
			continue
		}
		p[k] = v
	}
	return p
}

// seal builds a license file as core's sealLicenseFile does.
func seal(t *testing.T, key testKey, payload any, encryptFor string) string {
	t.Helper()
	plain, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(plain)
	alg := "ed25519"
	if encryptFor != "" {
		digest := sha256.Sum256([]byte(encryptFor))
		block, _ := aes.NewCipher(digest[:])
		gcm, _ := cipher.NewGCM(block)
		iv := make([]byte, 12)
		if _, err := rand.Read(iv); err != nil {
			t.Fatal(err)
		}
		enc = base64.StdEncoding.EncodeToString(gcm.Seal(iv, iv, plain, nil))
		alg = "ed25519+aes256gcm"
	}
	envelope, _ := json.Marshal(map[string]string{"enc": enc, "sig": key.sign([]byte("license/" + enc)), "alg": alg, "kid": key.kid})
	return armor(licenseFileLabel, base64.StdEncoding.EncodeToString(envelope))
}
