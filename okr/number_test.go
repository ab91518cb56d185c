package okr_test

import (
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in    string
		value float64
		unit  string
	}{
		{"1200", 1200, ""},
		{"1,200", 1200, ""},
		{"12,345,678.5", 12345678.5, ""},
		{"12.5%", 12.5, "%"},
		{"12.5 %", 12.5, "%"},
		{"$3k", 3000, "$"},
		{"$ 3k", 3000, "$"},
		{"1.2M", 1.2e6, ""},
		{"1.2m", 1.2e6, ""},
		{"2bn", 2e9, ""},
		{"-4", -4, ""},
		{"−4", -4, ""},
		{"$-5", -5, "$"},
		{"€2.5m", 2.5e6, "€"},
		{"3 leads", 3, "leads"},
		{"3k leads", 3000, "leads"},
		{"5 months", 5, "months"},
		{"5min", 5, "min"},
		{"0.5", 0.5, ""},
		{".5", 0.5, ""},
		{"  42  ", 42, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, u, err := okr.ParseNumber("target", "Target", tt.in)
			if err != nil || v != tt.value || u != tt.unit {
				t.Fatalf("ParseNumber(%q) = %v, %q, %v; want %v, %q", tt.in, v, u, err, tt.value, tt.unit)
			}
		})
	}
	for _, in := range []string{"abc", "1,20", "1.2.3", "12%%", "$5%", "1e5", "0x10", "1e400", "9999999999999999", "--5", "5 <!channel>"} {
		t.Run("bad/"+in, func(t *testing.T) {
			_, _, err := okr.ParseNumber("target", "Target", in)
			if got := okr.FieldErrors(err)["target"]; got == "" {
				t.Fatalf("ParseNumber(%q) error = %v, want a target field error", in, err)
			}
		})
	}
	_, _, err := okr.ParseNumber("start", "Start", "")
	if got, want := okr.FieldErrors(err)["start"], "Start is required."; got != want {
		t.Fatalf("empty: %q, want %q", got, want)
	}
	_, _, err = okr.ParseNumber("start", "Start", "abc")
	if got, want := okr.FieldErrors(err)["start"], "Start must be a number, like 1,200 or 12.5% or $3k."; got != want {
		t.Fatalf("bad: %q, want %q", got, want)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		kind okr.RefKind
		id   int64
	}{
		{"O12", okr.RefObjective, 12},
		{"o12", okr.RefObjective, 12},
		{"#O12", okr.RefObjective, 12},
		{"KR45", okr.RefKeyResult, 45},
		{"kr45", okr.RefKeyResult, 45},
		{"O", okr.RefNone, 0},
		{"O0", okr.RefNone, 0},
		{"Onboarding", okr.RefNone, 0},
		{"KR-1", okr.RefNone, 0},
		{"O99999999999999999999", okr.RefNone, 0},
		{"Grow revenue", okr.RefNone, 0},
	}
	for _, tt := range tests {
		kind, id := okr.ParseRef(tt.in)
		if kind != tt.kind || id != tt.id {
			t.Errorf("ParseRef(%q) = %v, %v; want %v, %v", tt.in, kind, id, tt.kind, tt.id)
		}
	}
	if okr.ObjectiveRef(12) != "O12" || okr.KeyResultRef(45) != "KR45" {
		t.Error("refs do not format as O12 / KR45")
	}
}
