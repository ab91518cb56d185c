package okr

import (
	"context"
	"time"
	"unicode/utf8"
)

// ObjectiveStatus is where an objective is in its life.
type ObjectiveStatus string

const (
	StatusActive   ObjectiveStatus = "active"
	StatusClosed   ObjectiveStatus = "closed"   // scored at the end of its cycle
	StatusArchived ObjectiveStatus = "archived" // deleted by a person; history kept
)

// Objective is a qualitative goal with one owner in one cycle.
//
// Its parent is the objective it supports (ParentObjectiveID) or, for an
// objective that inherits a key result, that key result (ParentKeyResultID)
// together with the key result's objective (ParentObjectiveID), so that
// walking up the tree never needs the key result.
type Objective struct {
	ID          int64
	Title       string
	Description string
	Level       Level
	OwnerID     string
	TeamID      int64 // 0 when none
	CycleID     int64
	Status      ObjectiveStatus
	Score       *float64 // the final score in [0, 1], set when closed

	ParentObjectiveID int64
	ParentKeyResultID int64

	// RollupChildren makes the aligned objectives count towards this one's
	// progress, each with its Weight, beside this objective's key results.
	RollupChildren bool
	Weight         float64 // weight in the parent's rollup; default 1

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Ref is the objective's reference people type in Slack ("O12").
func (o *Objective) Ref() string { return ObjectiveRef(o.ID) }

// HasParent reports whether the objective is linked upward.
func (o *Objective) HasParent() bool { return o.ParentObjectiveID != 0 }

// Validate normalises the text a person typed (see NormaliseLine and
// NormaliseText) and the defaults, then checks every field, one field error
// per wrong field; lengths count the normalised text.
func (o *Objective) Validate() error {
	var errs []error
	o.Title = NormaliseLine(o.Title)
	o.Description = NormaliseText(o.Description)
	if n := utf8.RuneCountInString(o.Title); n < 1 || n > MaxTitleLength {
		errs = append(errs, FieldErrorf("title", "Title is 1-%d characters.", MaxTitleLength))
	}
	if utf8.RuneCountInString(o.Description) > MaxDescriptionLength {
		errs = append(errs, FieldErrorf("description", "Description is at most %d characters.", MaxDescriptionLength))
	}
	if !o.Level.Valid() {
		errs = append(errs, FieldErrorf("level", "Level is one of company, department, team or personal."))
	}
	if o.OwnerID == "" {
		errs = append(errs, FieldErrorf("owner", "Choose who owns this objective."))
	}
	if o.CycleID == 0 {
		errs = append(errs, FieldErrorf("cycle", "Choose the cycle of this objective."))
	}
	if o.Status == "" {
		o.Status = StatusActive
	}
	if o.Weight == 0 {
		o.Weight = 1
	}
	if o.Weight < 0 || o.Weight > 100 {
		errs = append(errs, FieldErrorf("weight", "Weight is a number above 0 and at most 100."))
	}
	if o.Score != nil && (*o.Score < 0 || *o.Score > 1) {
		errs = append(errs, FieldErrorf("score", "Score is between 0.0 and 1.0."))
	}
	return joinErrors(errs)
}

// ObjectiveUpdate changes an objective; nil fields stay as they are. Links
// change through ObjectiveService.SetParent, not here.
type ObjectiveUpdate struct {
	Title          *string
	Description    *string
	Level          *Level
	OwnerID        *string
	TeamID         *int64
	RollupChildren *bool
	Weight         *float64
}

// Apply returns a copy of o with the update applied and validated.
func (u ObjectiveUpdate) Apply(o *Objective) (*Objective, error) {
	next := *o
	set(&next.Title, u.Title)
	set(&next.Description, u.Description)
	set(&next.Level, u.Level)
	set(&next.OwnerID, u.OwnerID)
	set(&next.TeamID, u.TeamID)
	set(&next.RollupChildren, u.RollupChildren)
	set(&next.Weight, u.Weight)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return &next, nil
}

// ObjectiveFilter selects objectives; nil fields do not filter.
type ObjectiveFilter struct {
	IDs      []int64
	CycleID  *int64
	Level    *Level
	OwnerID  *string
	TeamID   *int64
	ParentID *int64 // objectives whose parent objective is this one
	// Linked keeps only objectives with a parent objective or a child.
	Linked bool
	Status *ObjectiveStatus
	// TitlePrefix matches titles starting with it, case-insensitively.
	TitlePrefix *string
	// Search matches titles containing it, case-insensitively.
	Search *string
	Offset int
	Limit  int // 0 means all
}

// ObjectiveService stores objectives and their vertical links.
type ObjectiveService interface {
	// CreateObjective stores the objective and its key results in one
	// transaction. A parent set on it is checked as SetParent checks it.
	CreateObjective(ctx context.Context, o *Objective, krs []*KeyResult, link LinkOptions) error
	// FindObjectiveByID returns ENOTFOUND when there is none.
	FindObjectiveByID(ctx context.Context, id int64) (*Objective, error)
	// FindObjectives lists objectives by ID and the total that match,
	// ignoring Offset and Limit.
	FindObjectives(ctx context.Context, filter ObjectiveFilter) ([]*Objective, int, error)
	// UpdateObjective applies the update; a level change that would break a
	// link is refused (EINVALID on "level").
	UpdateObjective(ctx context.Context, id int64, upd ObjectiveUpdate) (*Objective, error)
	// SetParent links the objective to a parent objective or key result
	// (see CheckParent); a zero target removes the parent.
	SetParent(ctx context.Context, id int64, target LinkTarget, opts LinkOptions) error
	// ArchiveObjective hides an objective with its key results; check-ins
	// and links stay, children become orphans.
	ArchiveObjective(ctx context.Context, id int64) error
	// CloseObjective records the final score.
	CloseObjective(ctx context.Context, id int64, score float64) error
	// CloseObjectives records several final scores and creates the
	// carried-over copies, all in one transaction: all or nothing.
	CloseObjectives(ctx context.Context, closings []Closing) error
}

// Closing is the end of one objective: its final score and, when it carries
// over, the copy to create in the next cycle with its key results. A parent
// set on the copy that no longer holds (closed, or a loop) is dropped: the
// copy is created unaligned rather than not at all.
type Closing struct {
	ObjectiveID     int64
	Score           float64
	CarryOver       *Objective
	CarryKeyResults []*KeyResult
}
