package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

func TestCycle_ScoringClosesObjectivesAndCarriesTickedOnesOver(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, carried, done := closeWithObjectives(t, h)
	h.waitDMs(member, 1)
	msgs := h.srv.Messages(h.srv.DM(member))
	before := h.srv.TopView(member)
	_, err := h.srv.ClickButton(ctx, member, slackfake.MessageRef{Channel: msgs[0].Channel, TS: msgs[0].TS}, "cycle_score", itoa(h.cycleNamed("2026-Q4").ID))
	must(t, err)
	var v *slackfake.View
	h.waitFor("the scoring modal", func() bool {
		v = h.srv.TopView(member)
		return v != nil && v.CallbackID == "okr_score" && before == nil
	})
	doneScore, carriedScore := "score_"+itoa(done.ID), "score_"+itoa(carried.ID)
	// Pre-filled with progress, to a tenth: 70%, and (0.4 + 1 + 0) / 3.
	if got := viewInput(t, v, doneScore); got != "0.7" {
		t.Errorf("%s pre-filled with %q", doneScore, got)
	}
	if got := viewInput(t, v, carriedScore); got != "0.5" {
		t.Errorf("%s pre-filled with %q", carriedScore, got)
	}
	if r := h.srv.RenderView(v); !strings.Contains(r, "Carry over to 2027-Q1") {
		t.Fatalf("the modal offers no carry-over:\n%s", r)
	}

	res := h.submit(member, slackfake.Inputs{doneScore: "1.5", carriedScore: "lots", "carry_" + itoa(carried.ID): []string{"carry"}})
	for _, block := range []string{doneScore, carriedScore} {
		if !strings.Contains(res.Errors[block], "A score is from 0.0 to 1.0, like 0.7, or a percentage like 70%.") {
			t.Errorf("error under %s = %q (all %v)", block, res.Errors[block], res.Errors)
		}
	}
	if v := h.srv.TopView(member); v == nil || viewInput(t, v, doneScore) != "1.5" {
		t.Fatal("the modal lost what was typed")
	}
	if o, _ := h.db.FindObjectiveByID(ctx, done.ID); o.Status != okr.StatusActive {
		t.Fatalf("a refused submission closed %s", o.Ref())
	}

	res = h.submit(member, slackfake.Inputs{doneScore: "70%", carriedScore: ".4"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	for id, want := range map[int64]float64{done.ID: 0.7, carried.ID: 0.4} {
		o, err := h.db.FindObjectiveByID(ctx, id)
		must(t, err)
		if o.Status != okr.StatusClosed || o.Score == nil || *o.Score != want {
			t.Errorf("%s: status %s score %v, want closed at %v", o.Ref(), o.Status, o.Score, want)
		}
	}
	next := h.cycleNamed("2027-Q1")
	if next.Status != okr.CycleUpcoming {
		t.Fatalf("2027-Q1 is %s, want upcoming", next.Status)
	}
	copies, _, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &next.ID})
	must(t, err)
	if len(copies) != 1 || copies[0].Title != "Launch the CLI" || copies[0].OwnerID != member || copies[0].Level != okr.LevelPersonal || copies[0].HasParent() {
		t.Fatalf("carried over = %+v", copies)
	}
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &copies[0].ID})
	must(t, err)
	// The met key result stays behind; the others start where they were.
	if len(krs) != 2 || krs[0].Title != "Beta users" || krs[0].Start != 4 || krs[0].Current != 4 || krs[0].Target != 10 || krs[0].Unit != "users" ||
		krs[1].Title != "Release 1.0" || krs[1].Kind != okr.KindMilestone || krs[1].Current != 0 {
		t.Fatalf("carried key results = %+v", krs)
	}

	// The DM now says what was recorded.
	h.waitFor("the DM to show the scores", func() bool {
		d := h.dm(member)
		return len(d) == 1 && strings.Contains(d[0], "Scored your 2026-Q4 objectives")
	})
	dm := h.dm(member)[0]
	for _, want := range []string{
		"*" + done.Ref() + "* Grow the docs · score *0.7*",
		"*" + carried.Ref() + "* Launch the CLI · score *0.4* · carried over to 2027-Q1 as *" + copies[0].Ref() + "* with 2 key results (1 key result already met stayed behind)",
	} {
		if !strings.Contains(dm, want) {
			t.Errorf("the DM lacks %q:\n%s", want, dm)
		}
	}

	// Starting the next cycle picks up the upcoming 2027-Q1 made for the copy.
	h.command(admin, "cycle start")
	h.reply(admin, "Start *2027-Q1* (1 Jan – 31 Mar 2027) as the current cycle?")
}

func TestCycle_ScoreButtonWhenAllScored(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, carried, done := closeWithObjectives(t, h)
	h.waitDMs(member, 1)
	must(t, h.db.CloseObjective(ctx, done.ID, 0.9))
	must(t, h.db.CloseObjective(ctx, carried.ID, 0.3))
	msgs := h.srv.Messages(h.srv.DM(member))
	_, err := h.srv.ClickButton(ctx, member, slackfake.MessageRef{Channel: msgs[0].Channel, TS: msgs[0].TS}, "cycle_score", itoa(h.cycleNamed("2026-Q4").ID))
	must(t, err)
	h.reply(member, "Your objectives in *2026-Q4* are all scored.")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a modal opened with nothing to score: %s", v.CallbackID)
	}
}

func TestCycle_ScoringManyObjectivesTakesSeveralForms(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const n = 47 // more than one form holds
	for i := range n {
		h.objective(&okr.Objective{Title: "Objective " + itoa(int64(i+1)), Level: okr.LevelPersonal, OwnerID: member},
			&okr.KeyResult{Title: "Progress", Kind: okr.KindIncrease, Start: 0, Target: 10, Current: float64(i % 11), OwnerID: member})
	}
	h.command(admin, "cycle close")
	h.clickInReply(admin, "Close *2026-Q4*", "cycle_close", itoa(h.cycleNamed("2026-Q4").ID))
	dm := h.waitDMs(member, 1)[0]
	if !strings.Contains(dm, "Objective 47") && !strings.Contains(dm, "…and") {
		t.Fatalf("the DM neither lists every objective nor says how many more: %s", dm)
	}
	msgs := h.srv.Messages(h.srv.DM(member))
	_, err := h.srv.ClickButton(ctx, member, slackfake.MessageRef{Channel: msgs[0].Channel, TS: msgs[0].TS}, "cycle_score", itoa(h.cycleNamed("2026-Q4").ID))
	must(t, err)
	v := h.scoringModal(member)
	if r := h.srv.RenderView(v); !strings.Contains(r, "You have 2 more; score these, then click the button again for the rest.") {
		t.Fatalf("the first form does not say more are left:\n%s", r)
	}
	if res := h.submit(member, slackfake.Inputs{}); len(res.Errors) > 0 {
		t.Fatalf("accepting the pre-filled scores answered %v", res.Errors)
	}
	h.waitFor("the DM to offer the rest", func() bool {
		d := h.dm(member)
		return len(d) == 1 && strings.Contains(d[0], "2 objectives are still to score.")
	})
	active := okr.StatusActive
	owner := member
	if _, left, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{OwnerID: &owner, Status: &active}); err != nil || left != 2 {
		t.Fatalf("%d objectives left open (%v), want 2", left, err)
	}
	msgs = h.srv.Messages(h.srv.DM(member))
	_, err = h.srv.ClickButton(ctx, member, slackfake.MessageRef{Channel: msgs[0].Channel, TS: msgs[0].TS}, "cycle_score", itoa(h.cycleNamed("2026-Q4").ID))
	must(t, err)
	h.waitFor("the second scoring modal", func() bool {
		top := h.srv.TopView(member)
		return top != nil && top.CallbackID == "okr_score" && top.ID != v.ID
	})
	if res := h.submit(member, slackfake.Inputs{}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.waitFor("every objective scored", func() bool {
		_, left, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{OwnerID: &owner, Status: &active})
		return err == nil && left == 0
	})
}

// scoringModal waits for the scoring modal to be the person's top view.
func (h *harness) scoringModal(user string) *slackfake.View {
	h.t.Helper()
	var v *slackfake.View
	h.waitFor("the scoring modal", func() bool {
		v = h.srv.TopView(user)
		return v != nil && v.CallbackID == "okr_score"
	})
	return v
}

// postScoreButton posts to a person's DM, as the bot, a button to score
// the cycle: what the scheduler's request to score in a cycle's last week
// carries.
func (h *harness) postScoreButton(user string, cycleID int64) slackfake.MessageRef {
	h.t.Helper()
	api := slack.New(h.srv.BotToken(), slack.OptionAPIURL(h.srv.APIURL()))
	score := slack.NewButtonBlockElement("cycle_score", itoa(cycleID), slack.NewTextBlockObject(slack.PlainTextType, "Score my objectives", false, false))
	ch, ts, err := api.PostMessage(user, slack.MsgOptionText("Time to score", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("score", score)))
	must(h.t, err)
	return slackfake.MessageRef{Channel: ch, TS: ts}
}

func TestCycle_ScoringInTheLastWeekOfTheCurrentCycle(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Ship the platform", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Releases", lead, 0, 4))
	c := h.cycleNamed("2026-Q4")
	ref := h.postScoreButton(lead, c.ID)
	click := func() {
		t.Helper()
		_, err := h.srv.ClickButton(ctx, lead, ref, "cycle_score", itoa(c.ID))
		must(t, err)
	}

	// Week 7 of 13 is too early.
	click()
	h.reply(lead, ":warning: 2026-Q4 cannot be scored yet: objectives are scored in the last week of their cycle or once it closes.")
	if v := h.srv.TopView(lead); v != nil {
		t.Fatalf("a modal opened before the last week: %s", v.CallbackID)
	}

	// Monday 28 December is in the last seven days.
	h.clock.Advance(c.End.Add(-4 * 24 * time.Hour).Sub(h.clock.Now()))
	// A list before the scoring shows it active (and keeps what it read).
	h.command(lead, "list")
	h.reply(lead, "*"+o.Ref()+"* Ship the platform · Team · ")
	click()
	v := h.scoringModal(lead)
	if r := h.srv.RenderView(v); !strings.Contains(r, "Carry over to 2027-Q1") {
		t.Fatalf("the modal offers no carry-over:\n%s", r)
	}
	score := "score_" + itoa(o.ID)
	if res := h.submit(lead, slackfake.Inputs{score: "0.8", "carry_" + itoa(o.ID): []string{"carry"}}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	got, err := h.db.FindObjectiveByID(ctx, o.ID)
	must(t, err)
	if got.Status != okr.StatusClosed || got.Score == nil || *got.Score != 0.8 {
		t.Fatalf("%s: status %s score %v, want closed at 0.8", got.Ref(), got.Status, got.Score)
	}
	if c := h.cycleNamed("2026-Q4"); c.Status != okr.CycleCurrent {
		t.Fatalf("scoring changed the cycle to %s", c.Status)
	}
	next := h.cycleNamed("2027-Q1")
	if next.Status != okr.CycleUpcoming {
		t.Fatalf("2027-Q1 is %s, want upcoming", next.Status)
	}
	copies, _, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &next.ID})
	must(t, err)
	if len(copies) != 1 || copies[0].Title != "Ship the platform" || copies[0].OwnerID != lead {
		t.Fatalf("carried over = %+v", copies)
	}
	h.waitFor("the DM to show the score", func() bool {
		d := h.dm(lead)
		return len(d) == 1 && strings.Contains(d[0], "*"+o.Ref()+"* Ship the platform · score *0.8* · carried over to 2027-Q1")
	})
	// The cycle is still open: the list shows the objective scored.
	h.command(lead, "list")
	h.reply(lead, "🏁 *"+o.Ref()+"* Ship the platform · Team · ▰▰▰▰▰▰▰▰▱▱ final score 0.8")
}
