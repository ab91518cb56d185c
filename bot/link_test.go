package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

func TestLink_AdminLeadAndMemberAlignTeamToCompany(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	company := h.objective(&okr.Objective{Title: "Delight our customers", Level: okr.LevelCompany, OwnerID: admin},
		&okr.KeyResult{Title: "Raise NPS", Kind: okr.KindIncrease, Start: 30, Target: 45, Current: 30, OwnerID: admin})
	krs, _ := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &company.ID})
	team := h.objective(&okr.Objective{Title: "Faster support replies", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Replies", lead, 0, 10))
	peer := h.objective(&okr.Objective{Title: "Self-service help center", Level: okr.LevelTeam, OwnerID: member}, metricKR("Articles", member, 0, 10))

	// A member who is neither owner nor lead cannot align the lead's objective.
	h.command(member, "link "+team.Ref())
	h.reply(member, "Only the owner or team lead of "+team.Ref()+" can change it")

	// Pre-filled parent from "to O1".
	v := h.modal(lead, "link "+team.Ref()+" to "+company.Ref(), "okr_link")
	if !strings.Contains(string(v.State["parent"]["v"]), "o:"+itoa(company.ID)) {
		t.Fatalf("parent not pre-filled: %s", v.State["parent"]["v"])
	}
	res := h.submit(lead, slackfake.Inputs{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "now supports")
	got, _ := h.db.FindObjectiveByID(ctx, team.ID)
	if got.ParentObjectiveID != company.ID {
		t.Fatalf("parent = %d", got.ParentObjectiveID)
	}

	// A refused link shows under the field: a team objective cannot support a peer.
	h.modal(lead, "link "+team.Ref(), "okr_link")
	res = h.submit(lead, slackfake.Inputs{"parent": "o:" + itoa(peer.ID)})
	if !strings.Contains(res.Errors["parent"], "can only support a higher level") {
		t.Fatalf("errors = %v", res.Errors)
	}
	// Depends on the peer instead.
	res = h.submit(lead, slackfake.Inputs{"parent": "o:" + itoa(peer.ID), "kind": "depends_on"})
	if len(res.Errors) > 0 {
		t.Fatalf("depends on: %v", res.Errors)
	}
	h.reply(lead, "now depends on")
	links, _ := h.db.FindLinks(ctx, team.ID)
	if len(links) != 1 || links[0].Kind != okr.LinkDependsOn || links[0].ToID != peer.ID {
		t.Fatalf("links = %+v", links)
	}

	// Delivering a company key result.
	h.modal(lead, "link "+team.Ref(), "okr_link")
	res = h.submit(lead, slackfake.Inputs{"parent": "kr:" + itoa(krs[0].ID)})
	if len(res.Errors) > 0 {
		t.Fatalf("inherit: %v", res.Errors)
	}
	h.reply(lead, "now delivers *"+krs[0].Ref()+"*")
	got, _ = h.db.FindObjectiveByID(ctx, team.ID)
	if got.ParentKeyResultID != krs[0].ID || got.ParentObjectiveID != company.ID {
		t.Fatalf("parent = O%d/KR%d", got.ParentObjectiveID, got.ParentKeyResultID)
	}

	// Unlink.
	h.command(lead, "unlink "+team.Ref())
	h.reply(lead, "no longer supports")
	got, _ = h.db.FindObjectiveByID(ctx, team.ID)
	if got.HasParent() {
		t.Fatal("still linked")
	}
	h.command(lead, "unlink "+team.Ref())
	h.reply(lead, "is not linked to a parent")
}

func TestLink_CrossCycleOnlyWhenAsked(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	team := h.objective(&okr.Objective{Title: "Team goal", Level: okr.LevelTeam, OwnerID: lead}, metricKR("k", lead, 0, 1))
	next := okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.January, time.UTC, okr.CycleUpcoming)
	must(t, h.db.CreateCycle(ctx, next))
	yearly := h.objective(&okr.Objective{Title: "Yearly company goal", Level: okr.LevelCompany, OwnerID: admin, CycleID: next.ID}, metricKR("k", admin, 0, 1))

	h.modal(lead, "link "+team.Ref(), "okr_link")
	res := h.submit(lead, slackfake.Inputs{"parent": "o:" + itoa(yearly.ID)})
	if !strings.Contains(res.Errors["parent"], "is in another cycle") {
		t.Fatalf("errors = %v", res.Errors)
	}
	res = h.submit(lead, slackfake.Inputs{"options": []string{"cross_cycle"}})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "now supports")
}

func TestTypeAhead(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	company := h.objective(&okr.Objective{Title: "Reduce customer churn", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Retention cohort analysis", admin, 0, 1))
	h.objective(&okr.Objective{Title: "Launch in Japan", Level: okr.LevelCompany, OwnerID: admin}, metricKR("Tokyo office", admin, 0, 1))
	team := h.objective(&okr.Objective{Title: "Onboarding that keeps customers", Level: okr.LevelTeam, OwnerID: lead},
		metricKR("Churn in first 30 days", lead, 0, 1))

	h.modal(lead, "link "+team.Ref(), "okr_link")
	opts, err := h.srv.Suggest(ctx, lead, "parent", "v", "")
	must(t, err)
	if len(opts) == 0 || opts[0].Value != "o:"+itoa(company.ID) {
		t.Fatalf("suggestions = %+v, want the churn objective first", opts)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "japan")
	must(t, err)
	if len(opts) != 1 || !strings.Contains(opts[0].Text, "Launch in Japan") {
		t.Fatalf("search japan = %+v", opts)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "cohort")
	must(t, err)
	if len(opts) != 1 || !strings.HasPrefix(opts[0].Value, "kr:") {
		t.Fatalf("search cohort = %+v, want the key result", opts)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "zzzz")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != "none" {
		t.Fatalf("no match = %+v", opts)
	}
	res := h.submit(lead, slackfake.Inputs{"parent": "none"})
	if res.Errors["parent"] != "Choose what this objective links to." {
		t.Fatalf("submitting no match: %v", res.Errors)
	}
}

func TestKeyResultEditAndArchive(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Ship the API", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Endpoints", lead, 0, 10))

	// Add a key result.
	h.modal(lead, "kr "+o.Ref(), "okr_kr")
	res := h.submit(lead, slackfake.Inputs{"title": "p99 latency", "kind": "decrease", "start": "800 ms", "target": "300 ms"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Added")
	krs, _ := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	if len(krs) != 2 || krs[1].Unit != "ms" || krs[1].Start != 800 || krs[1].Kind != okr.KindDecrease {
		t.Fatalf("key results = %+v", krs[1])
	}
	// A member cannot add to the lead's objective.
	h.command(member, "kr "+o.Ref())
	h.reply(member, "Only the owner or team lead")

	// Edit the key result: pre-filled values round-trip, a bad target is refused.
	v := h.modal(lead, "edit "+krs[1].Ref(), "okr_edit_kr")
	if !strings.Contains(string(v.State["start"]["v"]), "800 ms") {
		t.Fatalf("start not pre-filled: %s", v.State["start"]["v"])
	}
	res = h.submit(lead, slackfake.Inputs{"target": "900 ms"})
	if res.Errors["target"] != "Target must be below start for a decrease; choose Increase to go up." {
		t.Fatalf("errors = %v", res.Errors)
	}
	res = h.submit(lead, slackfake.Inputs{"target": "250 ms", "title": "p99 API latency"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Updated")
	kr, _ := h.db.FindKeyResultByID(ctx, krs[1].ID)
	if kr.Target != 250 || kr.Title != "p99 API latency" {
		t.Fatalf("edited = %+v", kr)
	}

	// Edit the objective: raising a team objective to company level needs an admin.
	h.modal(lead, "edit "+o.Ref(), "okr_edit_objective")
	res = h.submit(lead, slackfake.Inputs{"level": "company"})
	if !strings.Contains(res.Errors["level"], "Only admins") {
		t.Fatalf("errors = %v", res.Errors)
	}
	res = h.submit(lead, slackfake.Inputs{"level": "team", "title": "Ship the public API"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Saved")

	// Archive asks first; Keep it leaves it alone; Archive archives.
	h.command(lead, "archive "+o.Ref())
	h.reply(lead, "Archive *"+o.Ref()+"*")
	msg := lastEphemeral(h, lead, "Archive *"+o.Ref()+"*")
	_, err := h.srv.ClickButton(ctx, lead, slackfake.MessageRef{Channel: msg.Channel, TS: msg.TS}, "archive_confirm", o.Ref())
	must(t, err)
	h.waitFor("the archive", func() bool {
		got, err := h.db.FindObjectiveByID(ctx, o.ID)
		return err == nil && got.Status == okr.StatusArchived
	})
	h.reply(lead, "Archived")
}

// lastEphemeral finds the newest ephemeral shown to user containing text.
func lastEphemeral(h *harness, user, text string) slackfake.Message {
	h.t.Helper()
	ms := h.srv.Ephemerals(user)
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(slackfake.RenderMessage(ms[i]), text) {
			return ms[i]
		}
	}
	h.t.Fatalf("no ephemeral contains %q", text)
	return slackfake.Message{}
}

// TestTypeAhead_FindsWhatWasJustCreated: an objective created through the
// bot, and its key results, are in type-ahead from the next keystroke on,
// with the index already built: no waiting for a rebuild.
func TestTypeAhead_FindsWhatWasJustCreated(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	linkFormWithNoNordicParent(t, h, "Onboarding that keeps customers")

	h.modal(admin, "new company", "okr_new")
	res := h.submit(admin, slackfake.Inputs{"title": "Win the Nordic market", "kr1_title": "Sign 12 partners in Sweden", "kr1_start": "0", "kr1_target": "12"})
	if len(res.Errors) > 0 {
		t.Fatalf("submission answered %v", res.Errors)
	}
	objs, _, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{Search: ptr("Nordic")})
	must(t, err)
	if len(objs) != 1 {
		t.Fatalf("stored %d objectives", len(objs))
	}
	opts, err := h.srv.Suggest(ctx, lead, "parent", "v", "nordic")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != "o:"+itoa(objs[0].ID) {
		t.Fatalf("search nordic = %+v, want O%d", opts, objs[0].ID)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "sweden")
	must(t, err)
	if len(opts) != 1 || !strings.HasPrefix(opts[0].Value, "kr:") || !strings.Contains(opts[0].Text, "Sign 12 partners in Sweden") {
		t.Fatalf("search sweden = %+v, want the new key result", opts)
	}
	// Retitled, it is found by its new title and no longer by the old.
	h.modal(admin, "edit "+objs[0].Ref(), "okr_edit_objective")
	if res := h.submit(admin, slackfake.Inputs{"title": "Win the Baltic market"}); len(res.Errors) > 0 {
		t.Fatalf("edit answered %v", res.Errors)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "baltic")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != "o:"+itoa(objs[0].ID) {
		t.Fatalf("search baltic = %+v, want O%d", opts, objs[0].ID)
	}
	opts, err = h.srv.Suggest(ctx, lead, "parent", "v", "nordic")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != "none" {
		t.Fatalf("search nordic after the edit = %+v", opts)
	}
}

// TestSuggestions_SeeWhatAnotherProcessWrote: objectives that okrbot import
// (another process on the same database) makes while the bot runs, with
// the index already built, reach the type-ahead once its background
// rebuild is done, and the index shared with the scheduler's nudges at
// once.
func TestSuggestions_SeeWhatAnotherProcessWrote(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	team := linkFormWithNoNordicParent(t, h, "Nordic customers onboarded well")

	importer, err := storage.Open(ctx, h.db.Path())
	must(t, err)
	defer importer.Close()
	nordic := &okr.Objective{Title: "Win the Nordic market", Level: okr.LevelCompany, OwnerID: admin, CycleID: team.CycleID}
	must(t, importer.CreateObjective(ctx, nordic, []*okr.KeyResult{metricKR("Partners in Sweden", admin, 0, 12)}, okr.LinkOptions{}))

	ix, err := h.bot.SuggestionIndex(ctx, team.CycleID)
	must(t, err)
	if objs, _ := ix.Match("nordic", team.CycleID, okr.LevelTeam, 5); len(objs) != 1 || objs[0].ID != nordic.ID {
		t.Errorf("the shared index matches nordic with %+v, want %s", objs, nordic.Ref())
	}
	h.waitFor("the type-ahead to find the imported objective", func() bool {
		opts, err := h.srv.Suggest(ctx, lead, "parent", "v", "nordic")
		return err == nil && len(opts) == 1 && opts[0].Value == "o:"+itoa(nordic.ID)
	})
}

// linkFormWithNoNordicParent makes a company objective and a team one with
// that title, opens the team one's link form as its lead, and searches it
// for "nordic", which builds the suggestion index and finds no parent yet.
func linkFormWithNoNordicParent(t *testing.T, h *harness, teamTitle string) *okr.Objective {
	t.Helper()
	h.objective(&okr.Objective{Title: "Reduce customer churn", Level: okr.LevelCompany, OwnerID: admin}, metricKR("Retention", admin, 0, 1))
	team := h.objective(&okr.Objective{Title: teamTitle, Level: okr.LevelTeam, OwnerID: lead},
		metricKR("Churn in first 30 days", lead, 0, 1))
	h.modal(lead, "link "+team.Ref(), "okr_link")
	opts, err := h.srv.Suggest(context.Background(), lead, "parent", "v", "nordic")
	must(t, err)
	if len(opts) != 1 || opts[0].Value != "none" {
		t.Fatalf("search nordic before = %+v", opts)
	}
	return team
}
