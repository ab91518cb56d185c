package okr

import (
	"strconv"
	"strings"
)

// References are the short, stable names people type in Slack: "O12" for an
// objective and "KR45" for a key result. They are the database IDs, which
// are never reused, so a reference means the same thing forever.

// ObjectiveRef formats an objective ID as a reference.
func ObjectiveRef(id int64) string { return "O" + strconv.FormatInt(id, 10) }

// KeyResultRef formats a key-result ID as a reference.
func KeyResultRef(id int64) string { return "KR" + strconv.FormatInt(id, 10) }

// RefKind says what a reference points at.
type RefKind int

const (
	RefNone      RefKind = iota // not a reference: maybe a title
	RefObjective                // O12
	RefKeyResult                // KR45
)

// ParseRef reads "O12", "o12", "#O12" or "KR45" and returns the kind and ID.
// Anything else returns RefNone, so the caller can try it as a title prefix.
func ParseRef(s string) (RefKind, int64) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	upper := strings.ToUpper(s)
	kind, digits := RefNone, ""
	switch {
	case strings.HasPrefix(upper, "KR"):
		kind, digits = RefKeyResult, upper[2:]
	case strings.HasPrefix(upper, "O"):
		kind, digits = RefObjective, upper[1:]
	default:
		return RefNone, 0
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return RefNone, 0
	}
	// Every positive int64 is an ID a reference can name; ParseInt refuses
	// what does not fit.
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return RefNone, 0
	}
	return kind, id
}
