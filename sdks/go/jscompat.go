package licensor

// Helpers that reproduce the JavaScript behaviour the TypeScript SDK relies on (atob, TextDecoder,
// Date.parse, String.prototype.trim/toUpperCase), so both SDKs accept and refuse exactly the same input.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// undefinedValue stands for JavaScript's undefined inside decoded JSON values (a missing property).
type undefinedValue struct{}

var undefined = undefinedValue{}

// isJSSpace reports whether r is in JavaScript's \s class (also what String.prototype.trim removes).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x00a0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func removeJSSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if isJSSpace(r) {
			return -1
		}
		return r
	}, s)
}

func jsTrim(s string) string { return strings.TrimFunc(s, isJSSpace) }

// jsUpper is String.prototype.toUpperCase, including the common one-to-many mappings.
var jsSpecialUpper = strings.NewReplacer("ß", "SS", "ﬀ", "FF", "ﬁ", "FI", "ﬂ", "FL", "ﬃ", "FFI", "ﬄ", "FFL", "ﬅ", "ST", "ﬆ", "ST", "ŉ", "ʼN")

func jsUpper(s string) string { return strings.ToUpper(jsSpecialUpper.Replace(s)) }

var base64Pattern = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)

// isBase64 is core's isBase64: padded standard base64 only.
func isBase64(s string) bool { return len(s)%4 == 0 && base64Pattern.MatchString(s) }

// atob decodes like the browser's atob (WHATWG forgiving-base64): ASCII whitespace ignored, padding optional.
func atob(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\f', '\r', ' ':
			return -1
		}
		return r
	}, s)
	if len(s)%4 == 0 {
		if strings.HasSuffix(s, "==") {
			s = s[:len(s)-2]
		} else if strings.HasSuffix(s, "=") {
			s = s[:len(s)-1]
		}
	}
	if len(s)%4 == 1 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return nil, false
		}
	}
	out, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return out, true
}

// textDecode is TextDecoder#decode (UTF-8): a leading byte-order mark is dropped.
func textDecode(b []byte) []byte {
	return bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
}

// jsonParse is JSON.parse over UTF-8 bytes (as TextDecoder would decode them); objects become
// map[string]any, numbers float64.
func jsonParse(b []byte) (any, bool) {
	b = textDecode(b)
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, false
	}
	return v, true
}

var isoDate = regexp.MustCompile(`^([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?([Zz]|[+-]\d{2}:?\d{2})?$`)

const maxJSTime = 8.64e15

// dateParse is Date.parse for the ISO 8601 forms (as V8 reads them): milliseconds since the epoch,
// false where JavaScript gives NaN. Date-only forms are UTC; date-times without an offset are local time.
func dateParse(s string) (int64, bool) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	if m[1] == "-000000" {
		return 0, false
	}
	year, _ := strconv.Atoi(m[1])
	num := func(text string, def int) int {
		if text == "" {
			return def
		}
		n, _ := strconv.Atoi(text)
		return n
	}
	month, day := num(m[2], 1), num(m[3], 1)
	hour, minute, second := num(m[4], 0), num(m[5], 0), num(m[6], 0)
	ms := 0
	if m[7] != "" {
		frac := (m[7] + "00")[:3]
		ms, _ = strconv.Atoi(frac)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 59 {
		return 0, false
	}
	if hour == 24 && (minute != 0 || second != 0 || ms != 0) {
		return 0, false
	}
	loc := time.UTC
	if m[8] == "" && m[4] != "" {
		loc = time.Local
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, ms*int(time.Millisecond), loc)
	if off := m[8]; off != "" && off != "Z" && off != "z" {
		digits := strings.ReplaceAll(off[1:], ":", "")
		h, _ := strconv.Atoi(digits[:2])
		mm, _ := strconv.Atoi(digits[2:])
		if h > 23 || mm > 59 {
			return 0, false
		}
		shift := time.Duration(h)*time.Hour + time.Duration(mm)*time.Minute
		if off[0] == '+' {
			t = t.Add(-shift)
		} else {
			t = t.Add(shift)
		}
	}
	v := t.UnixMilli()
	if float64(v) > maxJSTime || float64(v) < -maxJSTime {
		return 0, false
	}
	return v, true
}

// jsTruthy is JavaScript's ToBoolean over a decoded JSON value.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil, undefinedValue:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && x == x
	case string:
		return x != ""
	}
	return true
}

// prop is `value.name` over a decoded JSON value (undefined when there is no such property).
func prop(v any, name string) any {
	if m, ok := v.(map[string]any); ok {
		if p, ok := m[name]; ok {
			return p
		}
	}
	return undefined
}

// orNull is `value ?? null`.
func orNull(v any) any {
	if v == nil || v == undefined {
		return nil
	}
	return v
}

// strictEqual is `===` over decoded JSON values (objects and arrays are never equal by value).
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case undefinedValue:
		return b == undefined
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return false
}
