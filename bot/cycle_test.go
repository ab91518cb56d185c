package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// clickInReply clicks a button in the latest ephemeral answer to user that
// contains text.
func (h *harness) clickInReply(user, text, actionID, value string) {
	h.t.Helper()
	h.reply(user, text)
	var ref slackfake.MessageRef
	for _, m := range h.srv.Ephemerals(user) {
		if strings.Contains(slackfake.RenderMessage(m), text) {
			ref = slackfake.MessageRef{Channel: m.Channel, TS: m.TS}
		}
	}
	if _, err := h.srv.ClickButton(context.Background(), user, ref, actionID, value); err != nil {
		h.t.Fatalf("click %s: %v", actionID, err)
	}
}

// waitDMs waits until user has n DMs from the bot and returns them.
func (h *harness) waitDMs(user string, n int) []string {
	h.t.Helper()
	h.waitFor("DMs to "+user, func() bool { return len(h.dm(user)) >= n })
	got := h.dm(user)
	if len(got) != n {
		h.t.Fatalf("%s has %d DMs, want %d:\n%s", user, len(got), n, strings.Join(got, "\n---\n"))
	}
	return got
}

func (h *harness) cycleNamed(name string) *okr.Cycle {
	h.t.Helper()
	c, err := h.db.FindCycleByName(context.Background(), name)
	must(h.t, err)
	return c
}

func TestCycle_ShowsWhereTheCurrentCycleStands(t *testing.T) {
	h := newHarness(t)
	// The first use starts the quarter we are in.
	h.command(member, "cycle")
	got := h.reply(member, "*2026-Q4* · current · 1 Oct – 31 Dec 2026")
	// Monday 16 November is in week 7 of 13, half-way through.
	if !strings.Contains(got, "Week 7 of 13") || !strings.Contains(got, "50% of the cycle has passed") || !strings.Contains(got, "0 active objectives") {
		t.Fatalf("/okr cycle = %s", got)
	}

	ctx := context.Background()
	must(t, h.db.CreateCycle(ctx, okr.NewCycle(okr.Quarter{Year: 2026, Q: 3}, time.January, time.UTC, okr.CycleClosed)))
	must(t, h.db.CreateCycle(ctx, okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.January, time.UTC, okr.CycleUpcoming)))
	h.objective(&okr.Objective{Title: "Ship it", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Releases", lead, 0, 4))
	h.command(member, "cycles")
	got = h.reply(member, "1 active objective")
	for _, want := range []string{"*Upcoming*\n• *2027-Q1* · 1 Jan – 31 Mar 2027", "*Closed*\n• *2026-Q3* · 1 Jul – 30 Sep 2026"} {
		if !strings.Contains(got, want) {
			t.Errorf("/okr cycle lacks %q:\n%s", want, got)
		}
	}
}

func TestCycle_StartAndCloseAreForAdmins(t *testing.T) {
	h := newHarness(t)
	h.objective(&okr.Objective{Title: "Ship it", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Releases", lead, 0, 4))
	refusals := func() int {
		n := 0
		for _, r := range h.replies(member) {
			if strings.Contains(r, ":no_entry: Only admins can start or close cycles. Ask <@UADMIN>.") {
				n++
			}
		}
		return n
	}
	for i, text := range []string{"cycle start", "cycle close"} {
		h.command(member, text)
		h.waitFor("the refusal of "+text, func() bool { return refusals() == i+1 })
	}
	c, err := h.db.CurrentCycle(context.Background())
	must(t, err)
	if c.Name != "2026-Q4" {
		t.Fatalf("current cycle is %s", c.Name)
	}
}

func TestCycle_BadArguments(t *testing.T) {
	h := newHarness(t)
	h.objective(&okr.Objective{Title: "Ship it", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Releases", lead, 0, 4))
	for text, want := range map[string]string{
		"cycle frobnicate":      "“frobnicate” is not something I do with cycles.",
		"cycle start 2027":      "“2027” is not a cycle: cycles are quarters, named like 2027-Q1.",
		"cycle start 2026-Q1":   "2026-Q1 ended on 31 March 2026; start a cycle that has not ended yet.",
		"cycle start 2026-Q4":   "*2026-Q4* is already the current cycle.",
		"cycle start a b":       "Name one cycle to start",
		"cycle close now":       "`/okr cycle close` closes the current cycle; it takes nothing after it.",
		"cycle start <!here>q1": "“&lt;!here&gt;q1” is not a cycle",
	} {
		h.command(admin, text)
		h.reply(admin, want)
	}
	for _, r := range h.replies(admin) {
		if strings.Contains(r, "<!here>") {
			t.Fatalf("typed text reached mrkdwn unescaped: %s", r)
		}
	}
}

func TestCycle_StartAsksFirstThenStartsTheNextQuarter(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Ship the platform", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Releases", lead, 0, 4))

	h.command(admin, "cycle start")
	got := h.reply(admin, "Start *2027-Q1* (1 Jan – 31 Mar 2027) as the current cycle?")
	if !strings.Contains(got, "*2026-Q4* closes and becomes read-only.") || !strings.Contains(got, "carry it over to *2027-Q1*") {
		t.Fatalf("confirmation = %s", got)
	}
	// Asking changed nothing.
	if c, err := h.db.CurrentCycle(ctx); err != nil || c.Name != "2026-Q4" {
		t.Fatalf("current = %v, %v", c, err)
	}
	if _, err := h.db.FindCycleByName(ctx, "2027-Q1"); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("asking created the cycle: %v", err)
	}
	h.clickInReply(admin, "Start *2027-Q1*", "cycle_cancel", "start")
	h.reply(admin, "Nothing changed; the current cycle goes on.")
	if c, err := h.db.CurrentCycle(ctx); err != nil || c.Name != "2026-Q4" {
		t.Fatalf("after cancel, current = %v, %v", c, err)
	}

	h.command(admin, "cycle start")
	h.clickInReply(admin, "Start *2027-Q1*", "cycle_start", "2027-Q1")
	got = h.reply(admin, ":rocket: *2027-Q1* is now the current cycle (1 Jan – 31 Mar 2027).")
	if !strings.Contains(got, "*2026-Q4* is closed. I am asking 1 owner to score 1 open objective") {
		t.Fatalf("answer = %s", got)
	}
	if c, err := h.db.CurrentCycle(ctx); err != nil || c.Name != "2027-Q1" {
		t.Fatalf("current = %v, %v", c, err)
	}
	if old := h.cycleNamed("2026-Q4"); old.Status != okr.CycleClosed {
		t.Fatalf("2026-Q4 is %s", old.Status)
	}
	// The old cycle's owner is asked to score.
	dm := h.waitDMs(lead, 1)[0]
	if !strings.Contains(dm, "*2026-Q4* has closed") || !strings.Contains(dm, o.Ref()) || !strings.Contains(dm, "carried over to 2027-Q1") {
		t.Fatalf("DM = %s", dm)
	}

	// The next start proposes the quarter after.
	h.command(admin, "cycle start")
	h.reply(admin, "Start *2027-Q2* (1 Apr – 30 Jun 2027)")
}

func TestCycle_StartNamedUpcomingCycle(t *testing.T) {
	h := newHarness(t)
	h.command(admin, "cycle") // creates 2026-Q4
	h.reply(admin, "2026-Q4")
	h.command(admin, "cycle start 2027q1")
	h.clickInReply(admin, "Start *2027-Q1*", "cycle_start", "2027-Q1")
	h.reply(admin, "*2027-Q1* is now the current cycle")
	if c := h.cycleNamed("2027-Q1"); c.Status != okr.CycleCurrent {
		t.Fatalf("2027-Q1 is %s", c.Status)
	}
	h.command(admin, "cycle start 2026-Q4")
	h.reply(admin, "*2026-Q4* is closed; closed cycles cannot start again.")
}

// closeWithObjectives seeds a team objective of the lead and two personal
// objectives of the member (one aligned under the team objective), then has
// the admin close 2026-Q4 through Slack.
func closeWithObjectives(t *testing.T, h *harness) (teamObj, carried, done *okr.Objective) {
	t.Helper()
	teamObj = h.objective(&okr.Objective{Title: "Run a reliable platform", Level: okr.LevelTeam, OwnerID: lead},
		metricKR("Uptime incidents fixed", lead, 0, 10))
	done = h.objective(&okr.Objective{Title: "Grow the docs", Level: okr.LevelPersonal, OwnerID: member},
		&okr.KeyResult{Title: "Guides written", Kind: okr.KindIncrease, Start: 0, Target: 10, Current: 7, OwnerID: member})
	carried = h.objective(&okr.Objective{Title: "Launch the CLI", Level: okr.LevelPersonal, OwnerID: member, ParentObjectiveID: teamObj.ID},
		&okr.KeyResult{Title: "Beta users", Kind: okr.KindIncrease, Start: 0, Target: 10, Current: 4, Unit: "users", OwnerID: member},
		&okr.KeyResult{Title: "Commands ported", Kind: okr.KindIncrease, Start: 0, Target: 5, Current: 5, OwnerID: member},
		&okr.KeyResult{Title: "Release 1.0", Kind: okr.KindMilestone, Target: 1, OwnerID: member},
	)
	h.command(admin, "cycle close")
	got := h.reply(admin, "Close *2026-Q4* (1 Oct – 31 Dec 2026)?")
	if !strings.Contains(got, "Its 3 open objectives stay as they are until their owners score them: each of the 2 owners gets a DM") ||
		!strings.Contains(got, "carry unfinished ones over to *2027-Q1*") {
		t.Fatalf("confirmation = %s", got)
	}
	if c := h.cycleNamed("2026-Q4"); c.Status != okr.CycleCurrent {
		t.Fatal("asking closed the cycle")
	}
	h.clickInReply(admin, "Close *2026-Q4*", "cycle_close", itoa(h.cycleNamed("2026-Q4").ID))
	got = h.reply(admin, ":checkered_flag: Closed *2026-Q4*.")
	if !strings.Contains(got, "I am asking 2 owners to score 3 open objectives between them") {
		t.Fatalf("answer = %s", got)
	}
	if c := h.cycleNamed("2026-Q4"); c.Status != okr.CycleClosed {
		t.Fatalf("2026-Q4 is %s", c.Status)
	}
	return teamObj, carried, done
}

func TestCycle_CloseAsksEachOwnerToScoreOnce(t *testing.T) {
	h := newHarness(t)
	teamObj, carried, done := closeWithObjectives(t, h)
	dm := h.waitDMs(member, 1)[0]
	for _, want := range []string{
		"*2026-Q4* has closed. Time to score your objectives:",
		"*" + done.Ref() + "* Grow the docs · ▰▰▰▰▰▰▰▱▱▱ 70%",
		"*" + carried.Ref() + "* Launch the CLI",
		"[Score my objectives]",
	} {
		if !strings.Contains(dm, want) {
			t.Errorf("member's DM lacks %q:\n%s", want, dm)
		}
	}
	if dm := h.waitDMs(lead, 1)[0]; !strings.Contains(dm, teamObj.Ref()) || strings.Contains(dm, done.Ref()) {
		t.Errorf("lead's DM = %s", dm)
	}

	// Closing again says so and asks nobody twice.
	h.command(admin, "cycle close")
	h.reply(admin, "*2026-Q4* is already closed (1 Oct – 31 Dec 2026)")
	h.waitDMs(member, 1)
	h.waitDMs(lead, 1)
	if got := h.dm(admin); len(got) != 0 {
		t.Fatalf("the admin, who owns nothing, got %v", got)
	}
	// Everything else is read-only now.
	h.command(member, "new")
	h.reply(member, "There is no current cycle yet; an admin can start one with `/okr cycle start`.")
}

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
	var v *slackfake.View
	h.waitFor("the scoring modal", func() bool {
		v = h.srv.TopView(member)
		return v != nil && v.CallbackID == "okr_score"
	})
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
