package okr_test

import (
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestPermissions(t *testing.T) {
	admins := []string{"UADMIN2", "UADMIN"}
	admin := okr.Actor{ID: "UADMIN", Admin: true, Admins: admins}
	lead := okr.Actor{ID: "ULEAD", Admins: admins}
	owner := okr.Actor{ID: "UOWN", Admins: admins}
	other := okr.Actor{ID: "UOTHER", Admins: admins}
	team := &okr.Team{ID: 1, Name: "Platform", LeadID: "ULEAD"}
	teamObj := &okr.Objective{ID: 7, Level: okr.LevelTeam, OwnerID: "UOWN", TeamID: 1}
	company := &okr.Objective{ID: 1, Level: okr.LevelCompany, OwnerID: "UOWN"}
	kr := &okr.KeyResult{ID: 45, OwnerID: "UOWN"}

	tests := []struct {
		name string
		err  error
		want string // "" means allowed
	}{
		{"admin creates company", admin.CanCreateObjective(okr.LevelCompany), ""},
		{"member creates company", other.CanCreateObjective(okr.LevelCompany), "Only admins can create company objectives. Ask <@UADMIN> or <@UADMIN2>."},
		{"member creates team", other.CanCreateObjective(okr.LevelTeam), ""},
		{"owner edits", owner.CanEditObjective(teamObj, team), ""},
		{"lead edits", lead.CanEditObjective(teamObj, team), ""},
		{"other edits", other.CanEditObjective(teamObj, team), "Only the owner or team lead of O7 can change it: <@ULEAD> or <@UOWN>, or an admin."},
		{"owner of company objective is not enough", owner.CanEditObjective(company, nil), "Only admins can change company objectives. Ask <@UADMIN> or <@UADMIN2>."},
		{"owner checks in", owner.CanCheckIn(kr), ""},
		{"admin checks in", admin.CanCheckIn(kr), ""},
		{"other checks in", other.CanCheckIn(kr), "Only <@UOWN>, who owns KR45, can check in on it."},
		{"lead manages team", lead.CanManageTeam(team), ""},
		{"other manages team", other.CanManageTeam(team), "Only <@ULEAD>, who leads Platform, or an admin can change the team."},
		{"other creates team", other.CanManageTeam(&okr.Team{Name: "New"}), "Only admins can create teams. Ask <@UADMIN> or <@UADMIN2>."},
		{"cycles", lead.CanManageCycles(), "Only admins can start or close cycles. Ask <@UADMIN> or <@UADMIN2>."},
		{"settings without configured admins", okr.Actor{ID: "U1"}.CanChangeSettings(), "Only admins can change settings. Ask a workspace admin."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" {
				if tt.err != nil {
					t.Fatalf("refused: %v", tt.err)
				}
				return
			}
			if okr.ErrorCode(tt.err) != okr.EFORBIDDEN || okr.ErrorMessage(tt.err) != tt.want {
				t.Fatalf("got %v (%q), want forbidden %q", okr.ErrorCode(tt.err), okr.ErrorMessage(tt.err), tt.want)
			}
		})
	}
}
