package licensor

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The shared conformance vectors (conformance/README.md) every Licensor SDK must pass, and this SDK's
// own cross-check vectors in the same format (testdata/crosscheck, outcomes computed by the TypeScript SDK).
const conformanceDir = "../../conformance/vectors"

type vectorOptions struct {
	PublicKeys      map[string]string `json:"publicKeys"`
	Vendor          *string           `json:"vendor"`
	Product         *string           `json:"product"`
	InstallationID  string            `json:"installationId"`
	AnyInstallation bool              `json:"anyInstallation"`
	LicenseKey      string            `json:"licenseKey"`
	Now             string            `json:"now"`
	LastSeen        string            `json:"lastSeen"`
	MaxAgeSeconds   *float64          `json:"maxAgeSeconds"`
}

type keysFile struct {
	Vendor            string            `json:"vendor"`
	Product           string            `json:"product"`
	PublicKeys        map[string]string `json:"publicKeys"`
	RetiredKids       []string          `json:"retiredKids"`
	RevokedKids       []string          `json:"revokedKids"`
	RevokedPublicKeys map[string]string `json:"revokedPublicKeys"`
}

type outcome struct {
	OK        bool           `json:"ok"`
	Code      string         `json:"code"`
	Payload   map[string]any `json:"payload"`
	LicenseID string         `json:"licenseId"`
}

type fileVectors struct {
	Vectors []struct {
		Name        string        `json:"name"`
		Description string        `json:"description"`
		File        string        `json:"file"`
		Options     vectorOptions `json:"options"`
		Expect      outcome       `json:"expect"`
	} `json:"vectors"`
}

type bundleVectors struct {
	Vectors []struct {
		Name    string        `json:"name"`
		Bundle  string        `json:"bundle"`
		Options vectorOptions `json:"options"`
		Expect  struct {
			Files []outcome `json:"files"`
		} `json:"expect"`
	} `json:"vectors"`
}

type answerVectors struct {
	Vectors []struct {
		Name      string          `json:"name"`
		Call      Call            `json:"call"`
		Sent      json.RawMessage `json:"sent"`
		SessionID string          `json:"sessionId"`
		Response  struct {
			Status     int     `json:"status"`
			Signature  *string `json:"signature"`
			BodyBase64 string  `json:"bodyBase64"`
		} `json:"response"`
		Options vectorOptions `json:"options"`
		Expect  outcome       `json:"expect"`
	} `json:"vectors"`
}

func readJSON(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func vectorNow(t *testing.T, iso string) time.Time {
	if iso == "" {
		return time.Time{}
	}
	ms, ok := dateParse(iso)
	if !ok {
		t.Fatalf("vector time %q is not a date", iso)
	}
	return time.UnixMilli(ms)
}

func (o vectorOptions) verifyOptions(t *testing.T, keys keysFile) VerifyOptions {
	opts := VerifyOptions{
		PublicKeys: o.PublicKeys, Vendor: keys.Vendor, Product: keys.Product, InstallationID: o.InstallationID,
		AnyInstallation: o.AnyInstallation, LicenseKey: o.LicenseKey, Now: vectorNow(t, o.Now),
	}
	if opts.PublicKeys == nil {
		opts.PublicKeys = keys.PublicKeys
	}
	if o.LastSeen != "" {
		// The product's clock guard last saw this time (README: lastSeen).
		opts.ClockGuard = &MemoryClockGuard{LastSeen: vectorNow(t, o.LastSeen)}
	}
	if o.Vendor != nil {
		opts.Vendor = *o.Vendor
	}
	if o.Product != nil {
		opts.Product = *o.Product
	}
	return opts
}

// jsonValue decodes as this SDK decodes payloads, for comparison.
func jsonValue(v any) any {
	data, _ := json.Marshal(v)
	out, _ := jsonParse(data)
	return out
}

// runVectors asserts every vector of a directory; it returns how many were checked.
func runVectors(t *testing.T, dir string) (files, bundles, answers int) {
	var keys keysFile
	readJSON(t, filepath.Join(dir, "keys.json"), &keys)
	for kid, key := range keys.PublicKeys {
		if raw, ok := atob(key); !ok || len(raw) != 32 {
			t.Errorf("keys.json: %s is not a raw 32-byte Ed25519 key", kid)
		}
	}
	for _, kid := range keys.RetiredKids {
		if keys.PublicKeys[kid] == "" {
			t.Errorf("keys.json: retired key %s must still be published (it still verifies)", kid)
		}
	}
	for _, kid := range keys.RevokedKids {
		if keys.PublicKeys[kid] != "" {
			t.Errorf("keys.json: revoked key %s must not be published", kid)
		}
	}

	var fv fileVectors
	readJSON(t, filepath.Join(dir, "license-files.json"), &fv)
	for _, v := range fv.Vectors {
		payload, err := VerifyLicenseFile(v.File, v.Options.verifyOptions(t, keys))
		files++
		switch {
		case v.Expect.OK && err != nil:
			t.Errorf("license-files %q: want ok, got %v", v.Name, err)
		case v.Expect.OK && v.Expect.Payload != nil && !reflect.DeepEqual(jsonValue(payload.Raw), jsonValue(v.Expect.Payload)):
			t.Errorf("license-files %q: payload\n got %v\nwant %v", v.Name, payload.Raw, v.Expect.Payload)
		case !v.Expect.OK && ErrorCode(err) != v.Expect.Code:
			t.Errorf("license-files %q: want %s, got %v", v.Name, v.Expect.Code, err)
		}
	}

	var bv bundleVectors
	readJSON(t, filepath.Join(dir, "bundles.json"), &bv)
	for _, v := range bv.Vectors {
		results := VerifyBundle(v.Bundle, v.Options.verifyOptions(t, keys))
		bundles++
		if len(results) != len(v.Expect.Files) {
			t.Errorf("bundles %q: want %d files, got %d", v.Name, len(v.Expect.Files), len(results))
			continue
		}
		for i, want := range v.Expect.Files {
			got := results[i]
			switch {
			case want.OK && got.Err != nil:
				t.Errorf("bundles %q file %d: want ok, got %v", v.Name, i, got.Err)
			case want.OK && want.LicenseID != "" && got.Payload.ID != want.LicenseID:
				t.Errorf("bundles %q file %d: want license %s, got %s", v.Name, i, want.LicenseID, got.Payload.ID)
			case !want.OK && ErrorCode(got.Err) != want.Code:
				t.Errorf("bundles %q file %d: want %s, got %v", v.Name, i, want.Code, got.Err)
			}
		}
	}

	var av answerVectors
	readJSON(t, filepath.Join(dir, "answers.json"), &av)
	for _, v := range av.Vectors {
		answers++
		err := checkAnswerVector(v.Call, v.Sent, v.SessionID, v.Response.Status, v.Response.Signature, v.Response.BodyBase64, v.Options, keys)
		switch {
		case v.Expect.OK && err != nil:
			t.Errorf("answers %q: want ok, got %v", v.Name, err)
		case !v.Expect.OK && ErrorCode(err) != v.Expect.Code:
			t.Errorf("answers %q: want %s, got %v", v.Name, v.Expect.Code, err)
		}
	}
	return files, bundles, answers
}

func checkAnswerVector(call Call, sent json.RawMessage, sessionID string, status int, signature *string, bodyBase64 string, o vectorOptions, keys keysFile) error {
	if string(sent) == "null" {
		sent = nil
	}
	expected, err := EchoFor(call, sent, sessionID)
	if err != nil {
		return err
	}
	body, err := base64.StdEncoding.DecodeString(bodyBase64)
	if err != nil {
		return fmt.Errorf("bodyBase64: %w", err)
	}
	answer := Answer{Status: status, Body: body}
	if signature != nil {
		answer.Signature = *signature
	}
	opts := AnswerOptions{PublicKeys: o.PublicKeys}
	if opts.PublicKeys == nil {
		opts.PublicKeys = keys.PublicKeys
	}
	if o.Now != "" {
		ms, ok := dateParse(o.Now)
		if !ok {
			return errors.New("options.now is not a date")
		}
		opts.Now = time.UnixMilli(ms)
	}
	if o.MaxAgeSeconds != nil {
		opts.MaxAge = time.Duration(*o.MaxAgeSeconds * float64(time.Second))
		if opts.MaxAge == 0 {
			opts.MaxAge = time.Nanosecond // zero tolerance: ages are whole milliseconds
		}
	}
	_, err = VerifyAnswer(expected, answer, opts)
	return err
}

func TestCrossCheckWithTypeScript(t *testing.T) {
	f, b, a := runVectors(t, filepath.Join("testdata", "crosscheck"))
	t.Logf("cross-check vectors (outcomes from the TypeScript SDK): %d license files, %d bundles, %d answers", f, b, a)
}

func TestConformance(t *testing.T) {
	if _, err := os.Stat(filepath.Join(conformanceDir, "keys.json")); err != nil {
		t.Fatalf("no conformance vectors at %s: %v", conformanceDir, err)
	}
	f, b, a := runVectors(t, conformanceDir)
	fmt.Printf("conformance: %d vectors checked (%d license files, %d bundles, %d answers)\n", f+b+a, f, b, a)
}
