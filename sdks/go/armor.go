package licensor

import (
	"regexp"
	"strings"
)

const licenseFileLabel = "LICENSE FILE"

var licenseFileBlock = regexp.MustCompile(`-----BEGIN LICENSE FILE-----([\s\S]*?)-----END LICENSE FILE-----`)

// armor wraps base64 in `-----BEGIN LABEL-----` / `-----END LABEL-----` with 64-character lines.
func armor(label, b64 string) string {
	var lines []string
	for len(b64) > 64 {
		lines = append(lines, b64[:64])
		b64 = b64[64:]
	}
	lines = append(lines, b64)
	return "-----BEGIN " + label + "-----\n" + strings.Join(lines, "\n") + "\n-----END " + label + "-----\n"
}

// unarmorAll is every license-file block in the text, whitespace removed, in order.
func unarmorAll(text string) []string {
	matches := licenseFileBlock.FindAllStringSubmatch(text, -1)
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, removeJSSpace(m[1]))
	}
	return out
}

// unarmor is the single block of a file; false when absent, repeated, empty or not base64.
func unarmor(text string) (string, bool) {
	blocks := unarmorAll(text)
	if len(blocks) != 1 || blocks[0] == "" || !isBase64(blocks[0]) {
		return "", false
	}
	return blocks[0], true
}

// ReadBundle returns the license files of a `.lcs` bundle (or of a single `.license`), each as its own
// text; unreadable blocks are kept so that verifying them reports why.
func ReadBundle(text string) []string {
	blocks := unarmorAll(text)
	files := make([]string, 0, len(blocks))
	for _, body := range blocks {
		files = append(files, armor(licenseFileLabel, body))
	}
	return files
}
