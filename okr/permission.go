package okr

import (
	"fmt"
	"slices"
	"strings"
)

// Actor is the person asking for a change, with what the permission rules
// need to know about them.
type Actor struct {
	ID    string
	Admin bool // workspace admin or owner, or listed in OKRBOT_ADMINS
	// Admins lists who can do admin-only things, so a refusal can say so.
	Admins []string
}

// who names the people in ids for a refusal ("<@U1> or <@U2>"); user IDs are
// Slack's own and safe in mrkdwn.
func who(ids []string) string {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var parts []string
	for _, id := range ids {
		if id != "" {
			parts = append(parts, "<@"+id+">")
		}
	}
	switch len(parts) {
	case 0:
		return "a workspace admin"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func (a Actor) adminsOnly(what string) error {
	if a.Admin {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only admins can %s. Ask %s.", what, who(a.Admins))
}

// CanCreateObjective allows anyone to create objectives below company level;
// company objectives belong to admins.
func (a Actor) CanCreateObjective(level Level) error {
	if level == LevelCompany {
		return a.adminsOnly("create company objectives")
	}
	return nil
}

// CanEditObjective allows the owner, the lead of its team and admins to
// change an objective (its key results, links, and archiving included);
// company objectives are for admins only.
func (a Actor) CanEditObjective(o *Objective, team *Team) error {
	if a.Admin {
		return nil
	}
	if o.Level == LevelCompany {
		return a.adminsOnly("change company objectives")
	}
	if a.ID == o.OwnerID || team != nil && team.LeadID == a.ID {
		return nil
	}
	people := []string{o.OwnerID}
	if team != nil && team.LeadID != "" {
		people = append(people, team.LeadID)
	}
	return Errorf(EFORBIDDEN, "Only the owner or team lead of %s can change it: %s, or an admin.", o.Ref(), who(people))
}

// CanCheckIn allows the key result's owner, and admins, to record progress.
func (a Actor) CanCheckIn(kr *KeyResult) error {
	if a.Admin || a.ID == kr.OwnerID {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only %s, who owns %s, can check in on it.", who([]string{kr.OwnerID}), kr.Ref())
}

// CanManageTeam allows the team's lead and admins to change a team; only
// admins create teams.
func (a Actor) CanManageTeam(t *Team) error {
	if a.Admin || t != nil && t.ID != 0 && t.LeadID == a.ID {
		return nil
	}
	if t == nil || t.ID == 0 {
		return a.adminsOnly("create teams")
	}
	return Errorf(EFORBIDDEN, "Only %s, who leads %s, or an admin can change the team.", who([]string{t.LeadID}), Quote(t.Name))
}

// CanManageCycles and CanChangeSettings are for admins.
func (a Actor) CanManageCycles() error   { return a.adminsOnly("start or close cycles") }
func (a Actor) CanChangeSettings() error { return a.adminsOnly("change settings") }

func (a Actor) String() string { return fmt.Sprintf("%s (admin=%v)", a.ID, a.Admin) }
