package okr

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is how a key result is measured.
type Kind string

const (
	KindIncrease  Kind = "increase"   // a metric that should go up from start to target
	KindDecrease  Kind = "decrease"   // a metric that should go down (churn 8% -> 5%)
	KindStayAbove Kind = "stay_above" // a threshold to hold: current >= target
	KindStayBelow Kind = "stay_below" // a threshold to hold: current <= target
	KindMilestone Kind = "milestone"  // done (1) or not done (0)
)

// Kinds lists every kind in the order a form shows them.
var Kinds = []Kind{KindIncrease, KindDecrease, KindStayAbove, KindStayBelow, KindMilestone}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindIncrease, KindDecrease, KindStayAbove, KindStayBelow, KindMilestone:
		return true
	}
	return false
}

// Label names the kind for people.
func (k Kind) Label() string {
	switch k {
	case KindIncrease:
		return "Increase to"
	case KindDecrease:
		return "Decrease to"
	case KindStayAbove:
		return "Stay above"
	case KindStayBelow:
		return "Stay below"
	case KindMilestone:
		return "Milestone"
	}
	return string(k)
}

// HigherIsBetter is the key result's direction.
func (k Kind) HigherIsBetter() bool { return k != KindDecrease && k != KindStayBelow }

// KeyResult is a measurable outcome under one objective. The last check-in
// is copied onto it (Current, CheckedAt, Confidence) when it is recorded, so
// reading a cycle never needs the check-in history.
type KeyResult struct {
	ID          int64
	ObjectiveID int64
	Title       string
	Kind        Kind
	Start       float64
	Target      float64
	Current     float64
	Unit        string // "%", "$", or a free word such as "leads"
	OwnerID     string
	Weight      float64 // relative weight within the objective; default 1
	Archived    bool
	CreatedAt   time.Time
	UpdatedAt   time.Time

	CheckedAt  time.Time  // the last check-in; zero when none
	Confidence Confidence // the last check-in's confidence; "" when none

	// ByHand keeps the key result's progress its own value even when
	// objectives deliver it; otherwise they drive it (okr/driven.go). A
	// check-in sets it; KeyResultUpdate.ByHand clears it (/okr drive).
	ByHand bool
}

// Ref is the key result's reference people type in Slack ("KR45").
func (kr *KeyResult) Ref() string { return KeyResultRef(kr.ID) }

// Done reports whether a milestone is done.
func (kr *KeyResult) Done() bool { return kr.Kind == KindMilestone && kr.Current >= 1 }

// Progress is the key result's progress at its current value.
func (kr *KeyResult) Progress() float64 { return kr.ProgressAt(kr.Current) }

// ProgressAt is the progress the key result would have at value, in [0, 1]:
// the share of the way from start to target for a metric (movement the wrong
// way counts as 0), 1 or 0 for a threshold held or not and for a milestone
// done or not.
func (kr *KeyResult) ProgressAt(value float64) float64 {
	switch kr.Kind {
	case KindIncrease, KindDecrease:
		span := kr.Target - kr.Start
		if span == 0 {
			return 0
		}
		return clamp01((value - kr.Start) / span)
	case KindStayAbove:
		return boolProgress(value >= kr.Target)
	case KindStayBelow:
		return boolProgress(value <= kr.Target)
	case KindMilestone:
		return boolProgress(value >= 1)
	}
	return 0
}

// Validate normalises the text a person typed (see NormaliseLine) and the
// defaults, then checks every field, returning one field error per wrong
// field (joined); lengths count the normalised text.
func (kr *KeyResult) Validate() error {
	var errs []error
	kr.Title = NormaliseLine(kr.Title)
	kr.Unit = NormaliseLine(kr.Unit)
	if n := utf8.RuneCountInString(kr.Title); n < 1 || n > MaxTitleLength {
		errs = append(errs, FieldErrorf("title", "Title is 1-%d characters.", MaxTitleLength))
	}
	if !kr.Kind.Valid() {
		errs = append(errs, FieldErrorf("kind", "Kind is increase, decrease, stay above, stay below or milestone."))
	}
	if utf8.RuneCountInString(kr.Unit) > MaxUnitLength {
		errs = append(errs, FieldErrorf("unit", "Unit is at most %d characters.", MaxUnitLength))
	}
	if kr.OwnerID == "" {
		errs = append(errs, FieldErrorf("owner", "Choose who owns this key result."))
	}
	if kr.Weight == 0 {
		kr.Weight = 1
	}
	if kr.Weight < 0 || kr.Weight > 100 || math.IsNaN(kr.Weight) {
		errs = append(errs, FieldErrorf("weight", "Weight is a number above 0 and at most 100."))
	}
	for _, v := range []struct {
		field string
		value float64
	}{{"start", kr.Start}, {"target", kr.Target}, {"current", kr.Current}} {
		if math.IsNaN(v.value) || math.IsInf(v.value, 0) || math.Abs(v.value) > MaxMetricValue {
			errs = append(errs, FieldErrorf(v.field, "%s must be a number between -1e15 and 1e15.", fieldLabel(v.field)))
		}
	}
	switch kr.Kind {
	case KindIncrease:
		if kr.Target == kr.Start {
			errs = append(errs, FieldErrorf("target", "Target must differ from start."))
		} else if kr.Target < kr.Start {
			errs = append(errs, FieldErrorf("target", "Target must be above start for an increase; choose Decrease to go down."))
		}
	case KindDecrease:
		if kr.Target == kr.Start {
			errs = append(errs, FieldErrorf("target", "Target must differ from start."))
		} else if kr.Target > kr.Start {
			errs = append(errs, FieldErrorf("target", "Target must be below start for a decrease; choose Increase to go up."))
		}
	case KindMilestone:
		kr.Start, kr.Target, kr.Unit = 0, 1, ""
		if kr.Current != 0 && kr.Current != 1 {
			errs = append(errs, FieldErrorf("current", "A milestone is done or not done."))
		}
	}
	return joinErrors(errs)
}

// Limits on what people type, enforced in forms and re-checked here.
const (
	MaxTitleLength       = 150
	MaxDescriptionLength = 2000
	MaxUnitLength        = 20
	MaxNoteLength        = 2000
	MaxMetricValue       = 1e15
)

// KeyResultUpdate changes a key result; nil fields stay as they are.
type KeyResultUpdate struct {
	Title   *string
	Kind    *Kind
	Start   *float64
	Target  *float64
	Unit    *string
	OwnerID *string
	Weight  *float64
	// ByHand false lets the objectives that deliver the key result drive
	// its progress again.
	ByHand *bool
}

// Apply returns a copy of kr with the update applied and validated.
func (u KeyResultUpdate) Apply(kr *KeyResult) (*KeyResult, error) {
	next := *kr
	set(&next.Title, u.Title)
	set(&next.Kind, u.Kind)
	set(&next.Start, u.Start)
	set(&next.Target, u.Target)
	set(&next.Unit, u.Unit)
	set(&next.OwnerID, u.OwnerID)
	set(&next.Weight, u.Weight)
	set(&next.ByHand, u.ByHand)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return &next, nil
}

// KeyResultFilter selects key results; nil fields do not filter.
type KeyResultFilter struct {
	IDs         []int64 // when not nil, only these (none when empty)
	ObjectiveID *int64
	OwnerID     *string
	CycleID     *int64
	Archived    *bool
	// Linked keeps only key results of objectives with a parent objective
	// or a child (see ObjectiveFilter.Linked).
	Linked bool
	Limit  int
}

// KeyResultText is a key result's title and whose it is, without its
// numbers.
type KeyResultText struct {
	ID, ObjectiveID int64
	Title           string
}

// KeyResultService stores key results.
type KeyResultService interface {
	// CreateKeyResult adds a key result to an active objective.
	CreateKeyResult(ctx context.Context, kr *KeyResult) error
	// FindKeyResultByID returns ENOTFOUND when there is none.
	FindKeyResultByID(ctx context.Context, id int64) (*KeyResult, error)
	// FindKeyResults lists key results by ID.
	FindKeyResults(ctx context.Context, filter KeyResultFilter) ([]*KeyResult, error)
	// FindKeyResultTexts lists the key results' titles alone, by ID:
	// indexing 50,000 key results for search needs nothing else of them.
	FindKeyResultTexts(ctx context.Context, filter KeyResultFilter) ([]KeyResultText, error)
	// UpdateKeyResult applies the update and returns the key result as stored.
	UpdateKeyResult(ctx context.Context, id int64, upd KeyResultUpdate) (*KeyResult, error)
	// ArchiveKeyResult hides a key result; its check-ins stay.
	ArchiveKeyResult(ctx context.Context, id int64) error
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func boolProgress(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

func fieldLabel(field string) string {
	if field == "" {
		return ""
	}
	return strings.ToUpper(field[:1]) + field[1:]
}

// joinErrors is errors.Join that returns nil for no errors and the error
// itself for one, so that a single *Error stays directly comparable.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return &joined{errs: errs}
}

// joined behaves like errors.Join's result but reads as its first error, so
// that logs show the first problem rather than a multi-line blob.
type joined struct{ errs []error }

func (j *joined) Error() string   { return j.errs[0].Error() }
func (j *joined) Unwrap() []error { return j.errs }
