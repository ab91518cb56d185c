package okr

import (
	"context"
	"slices"
	"unicode/utf8"
)

// Team is a group of people with a lead. A team may belong to a department,
// which is itself a team with no parent: the organisation is at most two
// levels deep, as department OKRs sit between the company and its teams.
type Team struct {
	ID       int64
	Name     string
	ParentID int64    // the department; 0 when none
	LeadID   string   // Slack user ID; "" when none
	Members  []string // Slack user IDs, sorted, without duplicates
	// Channel, when set, gets a weekly digest of the team's objectives.
	Channel string
}

// HasMember reports whether the user is the team's lead or a member.
func (t *Team) HasMember(userID string) bool {
	return userID != "" && (t.LeadID == userID || slices.Contains(t.Members, userID))
}

// Validate normalises the team's name (see NormaliseLine) and member list
// and checks its own fields.
func (t *Team) Validate() error {
	t.Name = NormaliseLine(t.Name)
	if n := utf8.RuneCountInString(t.Name); n < 1 || n > 80 {
		return FieldErrorf("name", "Team name is 1-80 characters.")
	}
	if t.ParentID != 0 && t.ParentID == t.ID {
		return FieldErrorf("parent", "A team cannot be its own department.")
	}
	members := slices.Clone(t.Members)
	slices.Sort(members)
	t.Members = slices.Compact(members)
	return nil
}

// TeamService stores teams.
type TeamService interface {
	// CreateTeam adds a team; ECONFLICT if the name is taken, EINVALID if the
	// department is itself part of a department.
	CreateTeam(ctx context.Context, t *Team) error
	// UpdateTeam replaces name, department, lead and members.
	UpdateTeam(ctx context.Context, t *Team) error
	// FindTeamByID and FindTeamByName (case-insensitive, the name
	// normalised as stored names are) return ENOTFOUND.
	FindTeamByID(ctx context.Context, id int64) (*Team, error)
	FindTeamByName(ctx context.Context, name string) (*Team, error)
	// FindTeams lists all teams by name.
	FindTeams(ctx context.Context) ([]*Team, error)
}
