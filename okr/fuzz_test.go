package okr_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
)

// FuzzParseNumber: no text makes ParseNumber panic; a number it accepts is
// finite and within MaxMetricValue, and is accepted again, to the same
// value and unit, when written back plainly; a text it refuses gets a
// field error written for a person, never a Go error string.
// The seeds are in testdata/fuzz/FuzzParseNumber.
func FuzzParseNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, unit, err := okr.ParseNumber("target", "Target", s)
		if err != nil {
			checkNumberError(t, s, err)
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > okr.MaxMetricValue {
			t.Fatalf("ParseNumber(%q) = %v: not a finite value within the limit", s, v)
		}
		if utf8.RuneCountInString(unit) > okr.MaxUnitLength || unit != strings.TrimSpace(unit) {
			t.Fatalf("ParseNumber(%q) unit = %q", s, unit)
		}
		again := writeNumber(v, unit)
		v2, unit2, err := okr.ParseNumber("target", "Target", again)
		if err != nil || v2 != v || unit2 != unit {
			t.Fatalf("ParseNumber(%q) = %v %q, written back as %q, reads %v %q (%v)", s, v, unit, again, v2, unit2, err)
		}
	})
}

// writeNumber writes a value and unit the way the bot shows them: a
// currency before the number, a percent sign after it, a word after a
// space. 'f' with precision -1 writes the shortest digits that read back
// to exactly v.
func writeNumber(v float64, unit string) string {
	n := strconv.FormatFloat(math.Abs(v), 'f', -1, 64)
	sign := ""
	if math.Signbit(v) {
		sign = "-"
	}
	switch unit {
	case "":
		return sign + n
	case "%":
		return sign + n + "%"
	case "$", "€", "£", "¥":
		return sign + unit + n
	}
	return sign + n + " " + unit
}

// checkNumberError: a refusal is an EINVALID error on the named field, with
// a message that starts with the field's label.
func checkNumberError(t *testing.T, s string, err error) {
	t.Helper()
	var e *okr.Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseNumber(%q) error %T %v is not a domain error", s, err, err)
	}
	if e.Code != okr.EINVALID || e.Field != "target" {
		t.Fatalf("ParseNumber(%q) error code %q field %q, want invalid on target", s, e.Code, e.Field)
	}
	if msg := okr.ErrorMessage(err); !strings.HasPrefix(msg, "Target ") || !strings.HasSuffix(msg, ".") {
		t.Fatalf("ParseNumber(%q) message %q is not a sentence about Target", s, msg)
	}
}

// FuzzParseRef: no text makes ParseRef panic; a reference it reads is a
// positive ID that formats to a reference reading back the same; and
// every ID formats to a reference ParseRef reads back, however it is
// typed (lower case, with a # or spaces around).
func FuzzParseRef(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, id int64) {
		kind, got := okr.ParseRef(s)
		switch kind {
		case okr.RefNone:
			if got != 0 {
				t.Fatalf("ParseRef(%q) = none with ID %d", s, got)
			}
		case okr.RefObjective, okr.RefKeyResult:
			if got <= 0 {
				t.Fatalf("ParseRef(%q) = ID %d", s, got)
			}
			if k, again := okr.ParseRef(formatRef(kind, got)); k != kind || again != got {
				t.Fatalf("ParseRef(%q) = %v %d, but its reference %q reads %v %d", s, kind, got, formatRef(kind, got), k, again)
			}
		default:
			t.Fatalf("ParseRef(%q) = kind %v", s, kind)
		}
		if id <= 0 {
			return
		}
		for _, kind := range []okr.RefKind{okr.RefObjective, okr.RefKeyResult} {
			ref := formatRef(kind, id)
			for _, typed := range []string{ref, strings.ToLower(ref), "#" + ref, " " + ref + "\t"} {
				if k, again := okr.ParseRef(typed); k != kind || again != id {
					t.Fatalf("ParseRef(%q) = %v %d, want %v %d", typed, k, again, kind, id)
				}
			}
		}
	})
}

func formatRef(kind okr.RefKind, id int64) string {
	if kind == okr.RefKeyResult {
		return okr.KeyResultRef(id)
	}
	return okr.ObjectiveRef(id)
}
