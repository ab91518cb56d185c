package okr_test

import (
	"math"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestKeyResult_ProgressAt(t *testing.T) {
	tests := []struct {
		name                 string
		kind                 okr.Kind
		start, target, value float64
		want                 float64
	}{
		{"increase/at start", okr.KindIncrease, 10, 20, 10, 0},
		{"increase/halfway", okr.KindIncrease, 10, 20, 15, 0.5},
		{"increase/at target", okr.KindIncrease, 10, 20, 20, 1},
		{"increase/past target clamps to 1", okr.KindIncrease, 10, 20, 35, 1},
		{"increase/wrong way counts as 0", okr.KindIncrease, 10, 20, 4, 0},
		{"increase/negative range", okr.KindIncrease, -10, 10, 0, 0.5},
		{"decrease/at start", okr.KindDecrease, 8, 5, 8, 0},
		{"decrease/a third", okr.KindDecrease, 8, 5, 7, 1.0 / 3},
		{"decrease/at target", okr.KindDecrease, 8, 5, 5, 1},
		{"decrease/beyond target clamps to 1", okr.KindDecrease, 8, 5, 2, 1},
		{"decrease/wrong way counts as 0", okr.KindDecrease, 8, 5, 9.5, 0},
		{"stay above/held", okr.KindStayAbove, 0, 99.9, 99.95, 1},
		{"stay above/exactly at threshold", okr.KindStayAbove, 0, 99.9, 99.9, 1},
		{"stay above/broken", okr.KindStayAbove, 0, 99.9, 99.5, 0},
		{"stay below/held", okr.KindStayBelow, 0, 200, 180, 1},
		{"stay below/broken", okr.KindStayBelow, 0, 200, 250, 0},
		{"milestone/not done", okr.KindMilestone, 0, 1, 0, 0},
		{"milestone/done", okr.KindMilestone, 0, 1, 1, 1},
		{"unknown kind", okr.Kind("bogus"), 0, 1, 1, 0},
		{"degenerate span", okr.KindIncrease, 5, 5, 9, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := &okr.KeyResult{Kind: tt.kind, Start: tt.start, Target: tt.target}
			if got := kr.ProgressAt(tt.value); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("ProgressAt(%v) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestKeyResult_Validate(t *testing.T) {
	valid := func() *okr.KeyResult {
		return &okr.KeyResult{Title: "Grow MRR", Kind: okr.KindIncrease, Start: 100, Target: 200, OwnerID: "U1"}
	}
	tests := []struct {
		name   string
		change func(*okr.KeyResult)
		field  string
		msg    string
	}{
		{"ok", func(*okr.KeyResult) {}, "", ""},
		{"ErrTitleRequired", func(k *okr.KeyResult) { k.Title = "  " }, "title", "Title is 1-150 characters."},
		{"ErrTitleTooLong", func(k *okr.KeyResult) { k.Title = strings.Repeat("x", 151) }, "title", "Title is 1-150 characters."},
		{"ErrTargetEqualsStart", func(k *okr.KeyResult) { k.Target = 100 }, "target", "Target must differ from start."},
		{"ErrIncreaseGoesDown", func(k *okr.KeyResult) { k.Target = 50 }, "target", "Target must be above start for an increase; choose Decrease to go down."},
		{"ErrDecreaseGoesUp", func(k *okr.KeyResult) { k.Kind = okr.KindDecrease }, "target", "Target must be below start for a decrease; choose Increase to go up."},
		{"ErrKind", func(k *okr.KeyResult) { k.Kind = "sideways" }, "kind", "Kind is increase, decrease, stay above, stay below or milestone."},
		{"ErrOwner", func(k *okr.KeyResult) { k.OwnerID = "" }, "owner", "Choose who owns this key result."},
		{"ErrWeight", func(k *okr.KeyResult) { k.Weight = -1 }, "weight", "Weight is a number above 0 and at most 100."},
		{"ErrUnitTooLong", func(k *okr.KeyResult) { k.Unit = "a very long unit name here" }, "unit", "Unit is at most 20 characters."},
		{"ErrValueNaN", func(k *okr.KeyResult) { k.Current = math.NaN() }, "current", "Current must be a number between -1e15 and 1e15."},
		{"ErrMilestoneHalfDone", func(k *okr.KeyResult) { k.Kind = okr.KindMilestone; k.Current = 0.5 }, "current", "A milestone is done or not done."},
		{"threshold target may equal start", func(k *okr.KeyResult) { k.Kind = okr.KindStayBelow; k.Target = 100 }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := valid()
			tt.change(kr)
			err := kr.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if got := okr.ErrorCode(err); got != okr.EINVALID {
				t.Fatalf("code = %q, want %q", got, okr.EINVALID)
			}
			if got := okr.FieldErrors(err)[tt.field]; got != tt.msg {
				t.Fatalf("field %q error = %q, want %q (all: %v)", tt.field, got, tt.msg, okr.FieldErrors(err))
			}
		})
	}
}

func TestKeyResult_ValidateReportsEveryField(t *testing.T) {
	kr := &okr.KeyResult{Kind: okr.KindIncrease, Start: 5, Target: 5}
	got := okr.FieldErrors(kr.Validate())
	for _, field := range []string{"title", "owner", "target"} {
		if got[field] == "" {
			t.Errorf("no error for %q; errors: %v", field, got)
		}
	}
	if kr.Weight != 1 {
		t.Errorf("weight defaulted to %v, want 1", kr.Weight)
	}
}

func TestKeyResultUpdate_Apply(t *testing.T) {
	kr := &okr.KeyResult{ID: 7, Title: "Grow MRR", Kind: okr.KindIncrease, Start: 100, Target: 200, OwnerID: "U1", Weight: 1}
	target := 300.0
	next, err := okr.KeyResultUpdate{Target: &target}.Apply(kr)
	if err != nil {
		t.Fatal(err)
	}
	if next.Target != 300 || kr.Target != 200 {
		t.Fatalf("Apply changed %v -> %v; original %v must stay", kr.Target, next.Target, kr.Target)
	}
	bad := 100.0
	if _, err := (okr.KeyResultUpdate{Target: &bad}).Apply(kr); okr.FieldErrors(err)["target"] == "" {
		t.Fatalf("Apply with target = start: %v, want a target error", err)
	}
}
