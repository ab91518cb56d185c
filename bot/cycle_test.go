package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
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

// TestCycle_ScoringRequestsGoOutOnceOverTheLedger: a request Slack failed
// to take for a moment (an internal_error) is sent again after a pause;
// one Slack refused for good (an owner who is not in Slack) is recorded as
// failed and never sent again; one sent is never sent twice, also when the
// cycle is closed again.
func TestCycle_ScoringRequestsGoOutOnceOverTheLedger(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const gone = "UGONE" // owns an objective but is not in the workspace
	for _, owner := range []string{gone, lead, member} {
		h.objective(&okr.Objective{Title: "Objective of " + owner, Level: okr.LevelPersonal, OwnerID: owner}, metricKR("Progress", owner, 0, 4))
	}
	c := h.cycleNamed("2026-Q4")
	// Requests go out by user ID: the second, the lead's, fails once.
	h.srv.SetFault("chat.postMessage", slackfake.Fault{Error: "internal_error", OnCall: 2, Count: 1})
	h.command(admin, "cycle close")
	h.clickInReply(admin, "Close *2026-Q4*", "cycle_close", itoa(c.ID))
	h.reply(admin, "I am asking 3 owners to score 3 open objectives between them")
	h.waitDMs(member, 1)
	h.waitDMs(lead, 1)
	delivery := func(user string) *okr.Delivery {
		d, err := h.db.FindDelivery(ctx, okr.ScoreKey(c.ID, user))
		must(t, err)
		return d
	}
	h.waitFor("the refusal to be recorded", func() bool { return delivery(gone).Failed() })
	if d := delivery(gone); d.Error != "channel_not_found" {
		t.Fatalf("the refused request is recorded as %+v", d)
	}
	h.waitFor("the retried request to be recorded", func() bool { return delivery(lead).Sent() })
	leadPosts := func() int {
		n := 0
		for _, call := range h.srv.CallsTo("chat.postMessage") {
			if call.Params["channel"] == lead {
				n++
			}
		}
		return n
	}
	if n := leadPosts(); n != 2 {
		t.Fatalf("the lead's request was posted %d times, want twice (refused once, then sent)", n)
	}

	h.command(admin, "cycle close")
	h.reply(admin, "*2026-Q4* is already closed")
	if len(h.dm(lead)) != 1 || len(h.dm(member)) != 1 || leadPosts() != 2 {
		t.Fatalf("closing again asked again: lead %v, member %v", h.dm(lead), h.dm(member))
	}
	toGone := 0
	for _, call := range h.srv.CallsTo("chat.postMessage") {
		if call.Params["channel"] == gone {
			toGone++
		}
	}
	if toGone != 1 {
		t.Fatalf("a request Slack refused for good was sent %d times", toGone)
	}
	// The refusal is the point of this test, not a mistake of the bot's.
	for _, v := range h.srv.Violations() {
		if v.Error != "channel_not_found" {
			t.Fatalf("unexpected violation %+v", v)
		}
	}
	h.srv.ResetRecords()
}

// TestCycle_ScoringRequestsCutShortAreFinishedAtStart: a process stopped
// half-way through a cycle's scoring requests leaves them in the ledger;
// the next one to start sends those never sent and none twice.
func TestCycle_ScoringRequestsCutShortAreFinishedAtStart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "okrbot.db")
	db, err := storage.Open(ctx, path)
	must(t, err)
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, db.CreateCycle(ctx, c))
	for _, owner := range []string{lead, member} {
		o := &okr.Objective{CycleID: c.ID, Title: "Objective of " + owner, Level: okr.LevelPersonal, OwnerID: owner}
		must(t, db.CreateObjective(ctx, o, []*okr.KeyResult{metricKR("Progress", owner, 0, 4)}, okr.LinkOptions{}))
	}
	must(t, db.CloseCycle(ctx, c.ID))
	// The stopped process had asked the lead and not yet the member.
	if _, err := db.Claim(ctx, okr.ScoreKey(c.ID, lead), lead, "stopped"); err != nil {
		t.Fatal(err)
	}
	must(t, db.MarkSent(ctx, okr.ScoreKey(c.ID, lead), "D1:1.0"))
	must(t, db.Close())

	h := newHarness(t, func(c *harnessConfig) { c.dbPath = path })
	dm := h.waitDMs(member, 1)[0]
	if !strings.Contains(dm, "*2026-Q4* has closed. Time to score your objective:") {
		t.Fatalf("member's DM = %s", dm)
	}
	h.waitFor("the member's request to be recorded", func() bool {
		d, err := h.db.FindDelivery(ctx, okr.ScoreKey(c.ID, member))
		return err == nil && d.Sent()
	})
	if got := h.dm(lead); len(got) != 0 {
		t.Fatalf("the lead, asked before the stop, was asked again: %v", got)
	}
}
