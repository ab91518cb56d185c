package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// More than a select holds: a team past the hundredth is offered by
// type-ahead and kept when an objective is edited.
func TestTeamsBeyondOneHundred(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var last *okr.Team
	for i := range 105 {
		last = h.seedTeam(&okr.Team{Name: fmt.Sprintf("Team %03d", i), LeadID: lead})
	}
	o := h.objective(&okr.Objective{Title: "Team 104's goal", Level: okr.LevelTeam, OwnerID: lead, TeamID: last.ID}, metricKR("k", lead, 0, 1))
	h.modal(lead, "edit "+o.Ref(), "okr_edit_objective")
	opts, err := h.srv.Suggest(ctx, lead, "team", "v", "104")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != itoa(last.ID) {
		t.Fatalf("team type-ahead = %+v", opts)
	}
	if res := h.submit(lead, slackfake.Inputs{"title": "Team 104's renamed goal"}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Saved")
	got, err := h.db.FindObjectiveByID(ctx, o.ID)
	must(t, err)
	if got.TeamID != last.ID || got.Title != "Team 104's renamed goal" {
		t.Fatalf("after the edit: team %d, title %q; want team %d kept", got.TeamID, got.Title, last.ID)
	}
}

// The edit form shows numbers rounded for reading; saving without touching
// them keeps the exact values.
func TestEditKeyResultKeepsExactNumbers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Precision", Level: okr.LevelTeam, OwnerID: lead},
		&okr.KeyResult{Title: "Error rate", Kind: okr.KindDecrease, Start: 0.004, Target: 0.001, Current: 0.004, OwnerID: lead})
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	must(t, err)
	h.modal(lead, "edit "+krs[0].Ref(), "okr_edit_kr")
	if res := h.submit(lead, slackfake.Inputs{"title": "Error rate per request"}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Updated")
	kr, err := h.db.FindKeyResultByID(ctx, krs[0].ID)
	must(t, err)
	if kr.Start != 0.004 || kr.Target != 0.001 || kr.Title != "Error rate per request" {
		t.Fatalf("after the edit: %+v", kr)
	}
}

// A team name is typed by people: it stays text in refusals too.
func TestTeamNameInRefusalsIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.seedTeam(&okr.Team{Name: "<!channel> <https://evil.example|Platform>", LeadID: lead})
	h.command(member, "team platform")
	h.waitFor("the refusal", func() bool { return len(h.srv.Ephemerals(member)) > 0 })
	for _, m := range h.srv.Ephemerals(member) {
		raw := string(m.Blocks) + m.Text
		if strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<https://evil") {
			t.Fatalf("a team name reached mrkdwn as markup: %s", raw)
		}
	}
}

// After an admin closes a cycle, nothing starts the next one behind their
// back: commands say there is no current cycle.
func TestClosedCycleIsNotRestartedByOtherCommands(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Q4 goal", Level: okr.LevelTeam, OwnerID: member}, metricKR("k", member, 0, 1))
	must(t, h.db.CloseCycle(ctx, o.CycleID))
	h.command(member, "new")
	h.reply(member, "There is no current cycle yet")
	if c, err := h.db.CurrentCycle(ctx); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("a cycle was started: %v %v", c, err)
	}
}

// Type-ahead answers are acks, which Slack drops at 20 KB: long titles in
// a script of several bytes a character, with characters JSON escapes,
// are cut to fit rather than lost.
func TestTypeAheadFitsInAnAck(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	long := strings.Repeat("<&>顧", 30) // JSON writes each of <, & and > as 6 bytes, 顧 takes 3
	for i := range 60 {
		h.objective(&okr.Objective{Title: fmt.Sprintf("%02d %s", i, long), Level: okr.LevelCompany, OwnerID: admin},
			metricKR(fmt.Sprintf("%02d %s", i, long), admin, 0, 1))
	}
	team := h.objective(&okr.Objective{Title: "Team goal", Level: okr.LevelTeam, OwnerID: lead}, metricKR("k", lead, 0, 1))
	h.modal(lead, "link "+team.Ref(), "okr_link")
	opts, err := h.srv.Suggest(ctx, lead, "parent", "v", "顧")
	must(t, err)
	if len(opts) < 10 {
		t.Fatalf("only %d options", len(opts))
	}
	for _, a := range h.srv.Acks() {
		if a.Dropped || a.Size >= 20*1024 {
			t.Fatalf("an ack of %d bytes (dropped=%v)", a.Size, a.Dropped)
		}
	}
}

// A confirmation whose response_url Slack no longer takes (30 minutes,
// five uses) goes to the person's DM instead of being lost.
func TestConfirmationFallsBackToDM(t *testing.T) {
	h := newHarness(t)
	h.modal(member, "new", "okr_new")
	h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Status: 404, Count: 10})
	res := h.submit(member, slackfake.Inputs{"title": "Confirm me", "kr1_title": "k", "kr1_start": "0", "kr1_target": "1"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.waitFor("the DM", func() bool {
		for _, m := range h.dm(member) {
			if strings.Contains(m, "Created") && strings.Contains(m, "Confirm me") {
				return true
			}
		}
		return false
	})
}
