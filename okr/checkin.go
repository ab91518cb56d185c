package okr

import (
	"context"
	"math"
	"time"
	"unicode/utf8"
)

// Confidence is how the owner feels about reaching a key result.
type Confidence string

const (
	OnTrack  Confidence = "on_track"
	AtRisk   Confidence = "at_risk"
	OffTrack Confidence = "off_track"
)

// Confidences lists every confidence from best to worst.
var Confidences = []Confidence{OnTrack, AtRisk, OffTrack}

// Valid reports whether c is a known confidence.
func (c Confidence) Valid() bool { return c == OnTrack || c == AtRisk || c == OffTrack }

// Label names the confidence for people.
func (c Confidence) Label() string {
	switch c {
	case OnTrack:
		return "On track"
	case AtRisk:
		return "At risk"
	case OffTrack:
		return "Off track"
	}
	return "No check-in"
}

// Checkin is one dated update of a key result. Check-ins are history: they
// are appended, never changed or deleted.
type Checkin struct {
	ID          int64
	KeyResultID int64
	AuthorID    string
	Value       float64
	Previous    float64 // the key result's value just before this check-in
	Confidence  Confidence
	Note        string
	Blockers    string
	CreatedAt   time.Time
}

// Validate normalises the note and blockers (see NormaliseText) and checks
// what the person typed, naming the field that is wrong.
func (c *Checkin) Validate() error {
	var errs []error
	c.Note = NormaliseText(c.Note)
	c.Blockers = NormaliseText(c.Blockers)
	if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) || math.Abs(c.Value) > MaxMetricValue {
		errs = append(errs, FieldErrorf("value", "New value must be a number between -1e15 and 1e15."))
	}
	if !c.Confidence.Valid() {
		errs = append(errs, FieldErrorf("confidence", "Confidence is on track, at risk or off track."))
	}
	if utf8.RuneCountInString(c.Note) > MaxNoteLength {
		errs = append(errs, FieldErrorf("note", "Note is at most %d characters.", MaxNoteLength))
	}
	if utf8.RuneCountInString(c.Blockers) > MaxNoteLength {
		errs = append(errs, FieldErrorf("blockers", "Blockers is at most %d characters.", MaxNoteLength))
	}
	if c.AuthorID == "" {
		errs = append(errs, Errorf(EINVALID, "A check-in needs an author."))
	}
	return joinErrors(errs)
}

// CheckinFilter selects check-ins; nil fields do not filter.
type CheckinFilter struct {
	KeyResultID *int64
	AuthorID    *string
	Since       *time.Time
	Limit       int // newest first; 0 means all
}

// CheckinService records and reads check-in history.
type CheckinService interface {
	// CreateCheckins records every check-in in one transaction and copies
	// each onto its key result, which it sets by hand (KeyResult.ByHand):
	// from then on its own value is its progress, even where objectives
	// deliver it. Either all are stored or none is.
	// ECONFLICT for an archived key result or one in a closed cycle.
	CreateCheckins(ctx context.Context, checkins []*Checkin) error
	// FindCheckins lists check-ins, newest first.
	FindCheckins(ctx context.Context, filter CheckinFilter) ([]*Checkin, error)
}

// DueKeyResults are the key results that still owe a check-in for the
// period that began at since: live ones that existed before it and have
// had no check-in since. A key result made during the period waits for the
// next one.
func DueKeyResults(krs []*KeyResult, since time.Time) []*KeyResult {
	var due []*KeyResult
	for _, kr := range krs {
		if kr.Archived || !kr.CreatedAt.Before(since) {
			continue
		}
		if kr.CheckedAt.Before(since) {
			due = append(due, kr)
		}
	}
	return due
}
