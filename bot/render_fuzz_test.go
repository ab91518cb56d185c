package bot

import (
	"math"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// FuzzFormatNumber: every value a key result can hold, shown with any unit
// ParseNumber can give it, reads back through ParseNumber to the same unit
// and to the value within the two decimals shown: a person can paste
// what the bot shows into a form.
// The seeds are in testdata/fuzz/FuzzFormatNumber.
func FuzzFormatNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, v float64, unit string) {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > okr.MaxMetricValue {
			return
		}
		switch unit {
		case "", "%", "$", "€", "£", "¥":
		default:
			if _, u, err := okr.ParseNumber("unit", "Unit", "1 "+unit); err != nil || u != unit {
				return // not a unit a form takes
			}
		}
		kr := &okr.KeyResult{Kind: okr.KindIncrease, Unit: unit}
		shown := value(kr, v)
		got, gotUnit, err := okr.ParseNumber("value", "Value", shown)
		if err != nil {
			t.Fatalf("%v %q is shown as %q, which ParseNumber refuses: %v", v, unit, shown, err)
		}
		// %.2f rounds to the nearest hundredth; past 2^53 the digits are
		// exact and the spacing of float64 is the error.
		tolerance := 0.005 + 2*math.Abs(v)*0x1p-52
		if gotUnit != unit || math.Abs(got-v) > tolerance {
			t.Fatalf("%v %q is shown as %q, which reads %v %q", v, unit, shown, got, gotUnit)
		}
	})
}
