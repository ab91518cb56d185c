package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// TestScenario_AdminLeadAndMemberRunAQuarter is issue 4's "done when": a new
// admin, a team lead and a member, only through Slack as the emulator shows
// it, create company and team OKRs, link the team objective to the company
// one, check in, and see the tree and the gaps.
func TestScenario_AdminLeadAndMemberRunAQuarter(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	// The admin creates the company objective with its key result.
	h.modal(admin, "new company", "okr_new")
	res := h.submit(admin, slackfake.Inputs{
		"title": "Delight our customers", "description": "Support that answers before people give up",
		"kr1_title": "Customer satisfaction", "kr1_start": "72%", "kr1_target": "90%",
		"kr2_title": "Support tickets answered within a day", "kr2_start": "60%", "kr2_target": "95%",
	})
	if len(res.Errors) > 0 {
		t.Fatalf("company objective: %v", res.Errors)
	}
	h.reply(admin, "Created")

	// The admin sets up the Support team with its lead and member.
	h.modal(admin, "team new", "okr_team")
	res = h.submit(admin, slackfake.Inputs{"name": "Support", "lead": lead, "members": []string{member}})
	if len(res.Errors) > 0 {
		t.Fatalf("team: %v", res.Errors)
	}
	h.reply(admin, "Support")

	// The lead creates the team objective; the member owns its key result.
	h.modal(lead, "new team", "okr_new")
	res = h.submit(lead, slackfake.Inputs{
		"title": "Answer support tickets faster", "team": "Support",
		"kr1_title": "Median first response time", "kr1_kind": "decrease", "kr1_start": "6 hours", "kr1_target": "2 hours",
		"kr1_owner": member,
	})
	if len(res.Errors) > 0 {
		t.Fatalf("team objective: %v", res.Errors)
	}
	// It supports nothing yet, and okrbot points at the company objective.
	suggestion := h.reply(lead, "supports nothing yet")
	company, team := mustFind(t, h, okr.LevelCompany), mustFind(t, h, okr.LevelTeam)
	if !strings.Contains(suggestion, company.Ref()) {
		t.Fatalf("suggestions do not name %s:\n%s", company.Ref(), suggestion)
	}

	// The lead links it.
	h.modal(lead, "link "+team.Ref()+" to "+company.Ref(), "okr_link")
	if res = h.submit(lead, slackfake.Inputs{}); len(res.Errors) > 0 {
		t.Fatalf("link: %v", res.Errors)
	}
	h.reply(lead, "now supports")

	// The member checks in on the key result they own.
	h.modal(member, "checkin", "okr_checkin")
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &team.ID})
	must(t, err)
	p := "kr" + itoa(krs[0].ID) + "_"
	res = h.submit(member, slackfake.Inputs{p + "value": "4 hours", p + "confidence": "at_risk", p + "note": "Two people out sick"})
	if len(res.Errors) > 0 {
		t.Fatalf("check-in: %v", res.Errors)
	}
	h.reply(member, "4 hours")
	kr, err := h.db.FindKeyResultByID(ctx, krs[0].ID)
	must(t, err)
	if kr.Current != 4 || kr.Confidence != okr.AtRisk {
		t.Fatalf("after the check-in: %+v", kr)
	}

	// Everyone can see the tree: the team objective under the company one.
	h.command(member, "tree")
	tree := h.reply(member, company.Ref())
	ci, ti := strings.Index(tree, company.Ref()), strings.Index(tree, team.Ref())
	if ci < 0 || ti < ci || !strings.Contains(tree, "50%") {
		t.Fatalf("tree:\n%s", tree)
	}

	// And the gaps: everything is aligned, and the at-risk key result shows.
	h.command(admin, "gaps")
	gaps := h.reply(admin, "aligned")
	for _, want := range []string{"100%", kr.Ref()} {
		if !strings.Contains(gaps, want) {
			t.Fatalf("gaps lack %q:\n%s", want, gaps)
		}
	}
}

func mustFind(t *testing.T, h *harness, level okr.Level) *okr.Objective {
	t.Helper()
	found, _, err := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{Level: &level})
	must(t, err)
	if len(found) != 1 {
		t.Fatalf("%d %s objectives, want 1", len(found), level)
	}
	return found[0]
}
