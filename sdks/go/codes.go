package licensor

import (
	"regexp"
	"strings"
)

// Crockford base32, as in @licensor/core: no I, L, O, U; O, I and L are read as 0, 1 and 1.
const crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func symbolValue(c rune) (int, bool) {
	switch c {
	case 'O':
		return 0, true
	case 'I', 'L':
		return 1, true
	}
	if i := strings.IndexRune(crockfordAlphabet, c); i >= 0 && c < 128 {
		return i, true
	}
	return 0, false
}

// checkSymbol is Luhn mod 32 over the symbols (core's checkSymbol).
func checkSymbol(symbols string) byte {
	factor, sum := 2, 0
	for i := len(symbols) - 1; i >= 0; i-- {
		value, _ := symbolValue(rune(symbols[i]))
		addend := factor * value
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		addend = addend/32 + addend%32
		sum += addend
	}
	return crockfordAlphabet[(32-sum%32)%32]
}

type codeFormat struct {
	marker    string
	groups    int
	groupSize int
}

var (
	licenseKeyFormat = codeFormat{marker: "", groups: 5, groupSize: 5}
	couponCodeFormat = codeFormat{marker: "UPD", groups: 4, groupSize: 4}
	vendorPrefix     = regexp.MustCompile(`^[A-Z]{4}$`)
	spacesAndDashes  = regexp.MustCompile(`-+`)
)

// parseCode returns the canonical form of a typed code (any case, dashes and spaces anywhere,
// Crockford aliases), or false when it is not one.
func parseCode(f codeFormat, input string) (string, bool) {
	compact := spacesAndDashes.ReplaceAllString(removeJSSpace(jsUpper(input)), "")
	if len(compact) < 4 || !vendorPrefix.MatchString(compact[:4]) {
		return "", false
	}
	prefix := compact[:4]
	after := compact[4:]
	if !strings.HasPrefix(after, f.marker) {
		return "", false
	}
	raw := after[len(f.marker):]
	if len(raw) != f.groups*f.groupSize {
		return "", false
	}
	body := make([]byte, 0, len(raw))
	for _, c := range raw {
		v, ok := symbolValue(c)
		if !ok {
			return "", false
		}
		body = append(body, crockfordAlphabet[v])
	}
	if checkSymbol(string(body[:len(body)-1])) != body[len(body)-1] {
		return "", false
	}
	parts := make([]string, 0, f.groups)
	for i := 0; i < len(body); i += f.groupSize {
		parts = append(parts, string(body[i:i+f.groupSize]))
	}
	return prefix + f.marker + "-" + strings.Join(parts, "-"), true
}

// NormaliseKey is a license key as the server looks it up (and echoes it): canonical when
// well-formed, otherwise as typed, trimmed and in upper case.
func NormaliseKey(input string) string {
	if code, ok := parseCode(licenseKeyFormat, input); ok {
		return code
	}
	return jsUpper(jsTrim(input))
}

// NormaliseCoupon is NormaliseKey for coupon codes.
func NormaliseCoupon(input string) string {
	if code, ok := parseCode(couponCodeFormat, input); ok {
		return code
	}
	return jsUpper(jsTrim(input))
}
