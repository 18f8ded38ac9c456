package kite

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Fingerprint returns the stable identity of a problem. With a caller key it
// is derived from namespace + key, so a caller can group reports its own way;
// otherwise from namespace + issue type + scope, the original's dedupe rule.
// Parts are joined with NUL, which validation forbids inside them, so two
// different tuples can never hash the same input.
func Fingerprint(namespace string, t IssueType, s Scope, key string) string {
	h := sha256.New()
	if key != "" {
		writeParts(h, "key", namespace, key)
	} else {
		writeParts(h, "scope", namespace, string(t), s.ResourceType, s.ResourceName, s.ResourceNamespace)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ScopeID returns a UUID-shaped identifier for a fingerprint (version 8,
// "custom"), so the v1 field scopeId stays stable across restarts and equal
// for every issue record of one scope.
func ScopeID(fingerprint string) string {
	sum := sha256.Sum256([]byte("scope\x00" + fingerprint))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x80
	b[8] = (b[8] & 0x3f) | 0x80
	return FormatUUID(b)
}

// FormatUUID formats 16 bytes in the canonical 8-4-4-4-12 hex form.
func FormatUUID(b []byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	return string(buf[:])
}

func writeParts(h hash.Hash, parts ...string) {
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
}
