package licensor

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// buildTree is the server's tree (packages/core/src/answer-tree.ts): leaves SHA-256(0x00 ‖ body), padded to a
// power of two with SHA-256(0x02), nodes SHA-256(0x01 ‖ left ‖ right); each body's path from the leaf up.
func buildTree(bodies [][]byte) (root []byte, paths []string) {
	width := 1
	for width < len(bodies) {
		width *= 2
	}
	pad := sha256.Sum256([]byte{0x02})
	level := make([][]byte, width)
	for i := range level {
		if i < len(bodies) {
			leaf := sha256.Sum256(append([]byte{0x00}, bodies[i]...))
			level[i] = leaf[:]
		} else {
			level[i] = pad[:]
		}
	}
	siblings := make([][]byte, len(bodies))
	for step := 1; len(level) > 1; step *= 2 {
		for i := range bodies {
			siblings[i] = append(siblings[i], level[(i/step)^1]...)
		}
		next := make([][]byte, 0, len(level)/2)
		for j := 0; j < len(level); j += 2 {
			node := sha256.Sum256(append(append([]byte{0x01}, level[j]...), level[j+1]...))
			next = append(next, node[:])
		}
		level = next
	}
	for _, s := range siblings {
		paths = append(paths, base64.StdEncoding.EncodeToString(s))
	}
	return level[0], paths
}

// treeAnswers signs n answers (each its own nonce) as one tree and returns their bodies and headers.
func treeAnswers(t *testing.T, key testKey, n int) ([][]byte, []string) {
	t.Helper()
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprintf(`{"valid":true,"ts":"2026-02-01T00:00:00.000Z","request":{"session":"s-1","nonce":"n-%d"}}`, i))
	}
	root, paths := buildTree(bodies)
	sig := key.sign(append([]byte("licensor-tree/"), root...))
	headers := make([]string, n)
	for i := range headers {
		headers[i] = fmt.Sprintf(`kid="%s", alg="ed25519-tree", sig="%s", index="%d", path="%s"`, key.kid, sig, i, paths[i])
	}
	return bodies, headers
}

func checkTreeAnswer(key testKey, nonce string, header string, body []byte) string {
	_, err := VerifyAnswer(Echo{"session": "s-1", "nonce": nonce}, Answer{Status: 200, Signature: header, Body: body},
		AnswerOptions{PublicKeys: map[string]string{key.kid: key.publicKey}, Now: at("2026-02-01T00:00:00Z")})
	return ErrorCode(err)
}

func TestTreeSignedAnswersVerifyEachAlone(t *testing.T) {
	key := newTestKey(t, "k1")
	for _, n := range []int{1, 2, 3, 5, 8} {
		bodies, headers := treeAnswers(t, key, n)
		for i := range bodies {
			if code := checkTreeAnswer(key, fmt.Sprintf("n-%d", i), headers[i], bodies[i]); code != "" {
				t.Errorf("tree of %d, answer %d: refused with %s", n, i, code)
			}
		}
	}
}

func TestTreeSignedAnswersRefused(t *testing.T) {
	key := newTestKey(t, "k1")
	bodies, headers := treeAnswers(t, key, 5)
	field := func(header, name, value string) string {
		start := strings.Index(header, name+`="`)
		end := strings.Index(header[start+len(name)+2:], `"`) + start + len(name) + 2
		return header[:start] + name + `="` + value + `"` + header[end+1:]
	}
	deep := base64.StdEncoding.EncodeToString(make([]byte, 17*32))
	cases := []struct {
		name, header string
		body         []byte
		code         string
	}{
		{"another body", headers[0], bodies[1], CodeBadSignature},
		{"the neighbour's place and path", field(field(headers[0], "index", "1"), "path", strings.Split(strings.Split(headers[1], `path="`)[1], `"`)[0]), bodies[0], CodeBadSignature},
		{"an index outside the tree", field(headers[0], "index", "8"), bodies[0], CodeBadSignature},
		{"a path that is not base64", field(headers[0], "path", "!!not*base64!!"), bodies[0], CodeBadSignature},
		{"a path of 17 hashes", field(field(headers[0], "index", "0"), "path", deep), bodies[0], CodeBadSignature},
		{"a path of 33 bytes", field(headers[0], "path", base64.StdEncoding.EncodeToString(make([]byte, 33))), bodies[0], CodeBadSignature},
		{"the tree header read as ed25519", field(headers[0], "alg", "ed25519"), bodies[0], CodeBadSignature},
		{"an index with a leading zero", field(headers[0], "index", "00"), bodies[0], CodeUnsigned},
		{"an index of 01", field(field(headers[1], "index", "01"), "path", strings.Split(strings.Split(headers[1], `path="`)[1], `"`)[0]), bodies[1], CodeUnsigned},
		{"an index with a final newline", field(headers[0], "index", "0\n"), bodies[0], CodeUnsigned},
		{"an index of seven digits", field(headers[0], "index", "1000000"), bodies[0], CodeUnsigned},
		{"an index far outside the tree", field(headers[0], "index", "16"), bodies[0], CodeBadSignature},
		{"an unknown algorithm", field(headers[0], "alg", "ed25519-forest"), bodies[0], CodeUnsigned},
		{"no index", strings.Replace(headers[0], `, index="0"`, "", 1), bodies[0], CodeUnsigned},
		{"no path", strings.Split(headers[0], `, path="`)[0], bodies[0], CodeUnsigned},
		{"no kid", strings.Replace(headers[0], `kid="k1", `, "", 1), bodies[0], CodeUnsigned},
		{"an unknown kid", field(headers[0], "kid", "k2"), bodies[0], CodeUnknownKey},
	}
	for _, c := range cases {
		if code := checkTreeAnswer(key, "n-0", c.header, c.body); code != c.code {
			t.Errorf("%s: want %s, got %q (%s)", c.name, c.code, code, c.header)
		}
	}
}

// TestClientAsksForAndTakesTreeSignatures: the client sends Licensor-Accept-Signature: ed25519-tree, and an
// answer signed as one leaf of a turn's tree (beside two other clients' answers) passes its checks.
func TestClientAsksForAndTakesTreeSignatures(t *testing.T) {
	key := newTestKey(t, "k1")
	var accepted []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accepted = append(accepted, r.Header.Get("Licensor-Accept-Signature"))
		var sent map[string]any
		_ = json.NewDecoder(r.Body).Decode(&sent)
		answer := func(nonce any) []byte {
			out, _ := json.Marshal(map[string]any{"expiresAt": "2026-02-01T00:05:00.000Z", "ts": "2026-02-01T00:00:00.000Z",
				"request": map[string]any{"session": "s-1", "nonce": nonce}})
			return out
		}
		bodies := [][]byte{answer("other-0"), answer(sent["nonce"]), answer("other-2")}
		root, paths := buildTree(bodies)
		w.Header().Set("Licensor-Signature", fmt.Sprintf(`kid="k1", alg="ed25519-tree", sig="%s", index="1", path="%s"`,
			key.sign(append([]byte("licensor-tree/"), root...)), paths[1]))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[1])
	}))
	defer server.Close()
	client := NewClient(server.URL, map[string]string{"k1": key.publicKey})
	client.Now = func() time.Time { return at("2026-02-01T00:00:00Z") }
	heartbeat, err := client.Heartbeat(context.Background(), "s-1")
	if err != nil || heartbeat.ExpiresAt != "2026-02-01T00:05:00.000Z" {
		t.Fatalf("heartbeat with a tree-signed answer: %+v %v", heartbeat, err)
	}
	if len(accepted) != 1 || accepted[0] != "ed25519-tree" {
		t.Errorf("Licensor-Accept-Signature sent: %q", accepted)
	}
}

func TestParseAnswerSignature(t *testing.T) {
	s, ok := ParseAnswerSignature(`kid="k1", alg="ed25519-tree", sig="c2ln", index="999999", path=""`)
	if !ok || s != (AnswerSignature{Alg: AlgEd25519Tree, Kid: "k1", Sig: "c2ln", Index: 999999, Path: ""}) {
		t.Errorf("tree header: %+v %v", s, ok)
	}
	if _, _, ok := ParseSignatureHeader(`kid="k1", alg="ed25519-tree", sig="c2ln", index="0", path=""`); ok {
		t.Errorf("ParseSignatureHeader took a tree header")
	}
	if kid, sig, ok := ParseSignatureHeader(`kid="k1", alg="ed25519", sig="c2ln"`); !ok || kid != "k1" || sig != "c2ln" {
		t.Errorf("ParseSignatureHeader: %q %q %v", kid, sig, ok)
	}
}
