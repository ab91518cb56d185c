package okr

import (
	"context"
	"time"
)

// LinkKind is how one objective relates to another.
type LinkKind string

const (
	// LinkSupports makes the target objective the parent (vertical alignment).
	LinkSupports LinkKind = "supports"
	// LinkInherits makes a key result the parent: the child objective is how
	// its team delivers that key result (explicit alignment).
	LinkInherits LinkKind = "inherits"
	// LinkDependsOn records that the objective needs a peer's objective
	// (horizontal alignment). It is shown, not rolled up.
	LinkDependsOn LinkKind = "depends_on"
	// LinkRelatesTo is a loose, directional reference: shown, not rolled up.
	LinkRelatesTo LinkKind = "relates_to"
)

// Valid reports whether k is a known link kind.
func (k LinkKind) Valid() bool {
	switch k {
	case LinkSupports, LinkInherits, LinkDependsOn, LinkRelatesTo:
		return true
	}
	return false
}

// Vertical reports whether the link is a parent link.
func (k LinkKind) Vertical() bool { return k == LinkSupports || k == LinkInherits }

// Label describes the link for people.
func (k LinkKind) Label() string {
	switch k {
	case LinkSupports:
		return "Supports"
	case LinkInherits:
		return "Delivers key result"
	case LinkDependsOn:
		return "Depends on"
	case LinkRelatesTo:
		return "Relates to"
	}
	return string(k)
}

// LinkTarget names what a link points at: an objective or a key result.
// The zero value means no target.
type LinkTarget struct {
	ObjectiveID int64
	KeyResultID int64
}

// IsZero reports whether the target is empty.
func (t LinkTarget) IsZero() bool { return t.ObjectiveID == 0 && t.KeyResultID == 0 }

// LinkOptions are the choices a person makes when linking.
type LinkOptions struct {
	// AllowCrossCycle permits a parent in another cycle (for example a
	// quarterly team objective under a yearly company objective).
	AllowCrossCycle bool
}

// Link is a horizontal or directional link. Parent links live on the
// objective itself (Objective.ParentObjectiveID).
type Link struct {
	ID        int64
	FromID    int64
	ToID      int64
	Kind      LinkKind // LinkDependsOn or LinkRelatesTo
	CreatedBy string
	CreatedAt time.Time
}

// CheckParent decides whether child may be linked under parent. chain is the
// parent's ancestors, nearest first, as stored (it may end early if a link
// is broken). The rules: the parent is active and strictly higher in level,
// in the same cycle unless opts allow otherwise, and the link makes no cycle.
// Refusals are EINVALID on the "parent" field, worded for the person.
func CheckParent(child, parent *Objective, chain []*Objective, opts LinkOptions) error {
	switch {
	case parent.ID == child.ID:
		return FieldErrorf("parent", "An objective cannot support itself.")
	case parent.Status != StatusActive:
		return FieldErrorf("parent", "%s is %s; choose an active objective.", parent.Ref(), parent.Status)
	case !parent.Level.Above(child.Level):
		return FieldErrorf("parent", "A %s objective can only support a higher level; %s is %s level.",
			child.Level, parent.Ref(), parent.Level)
	case parent.CycleID != child.CycleID && !opts.AllowCrossCycle:
		return FieldErrorf("parent", "%s is in another cycle; tick \"Allow another cycle\" to link across cycles.", parent.Ref())
	}
	for _, a := range chain {
		if a.ID == child.ID {
			return FieldErrorf("parent", "Linking under %s would make a loop: %s is already above it.", parent.Ref(), child.Ref())
		}
	}
	return nil
}

// CheckChildren decides whether o may take a new level given the levels of
// the objectives linked under it: every child must stay strictly lower.
func CheckChildren(o *Objective, newLevel Level, children []*Objective) error {
	for _, c := range children {
		if !newLevel.Above(c.Level) {
			return FieldErrorf("level", "%s supports this objective at %s level; a %s objective cannot be above it.",
				c.Ref(), c.Level, newLevel)
		}
	}
	return nil
}

// CheckLink decides whether a horizontal or directional link from -> to is
// allowed. reachable lists the objectives to already depends on, directly or
// not, so a dependency loop is refused.
func CheckLink(from, to *Objective, kind LinkKind, reachable []int64, opts LinkOptions) error {
	switch {
	case kind != LinkDependsOn && kind != LinkRelatesTo:
		return FieldErrorf("kind", "Choose supports, delivers key result, depends on or relates to.")
	case from.ID == to.ID:
		return FieldErrorf("parent", "An objective cannot link to itself.")
	case to.Status == StatusArchived:
		return FieldErrorf("parent", "%s is archived; choose an active objective.", to.Ref())
	case from.CycleID != to.CycleID && !opts.AllowCrossCycle:
		return FieldErrorf("parent", "%s is in another cycle; tick \"Allow another cycle\" to link across cycles.", to.Ref())
	}
	if kind == LinkDependsOn {
		if from.Level != to.Level {
			return FieldErrorf("parent", "A dependency is between peers; %s is %s level, this objective is %s level. Use \"supports\" for a higher level.",
				to.Ref(), to.Level, from.Level)
		}
		for _, id := range reachable {
			if id == from.ID {
				return FieldErrorf("parent", "%s already depends on this objective; a two-way dependency is a loop.", to.Ref())
			}
		}
	}
	return nil
}

// LinkService stores horizontal and directional links.
type LinkService interface {
	// CreateLink checks the link with CheckLink and stores it; ECONFLICT if
	// the same link exists.
	CreateLink(ctx context.Context, l *Link, opts LinkOptions) error
	// DeleteLink removes a horizontal or directional link.
	DeleteLink(ctx context.Context, id int64) error
	// FindLinks lists the links from or to an objective.
	FindLinks(ctx context.Context, objectiveID int64) ([]*Link, error)
}
