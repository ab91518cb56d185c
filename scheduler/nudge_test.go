package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
)

// TestNudges_BudgetHoldsTheRestForNextWeek: someone with five objectives
// aligned with nothing gets three nudges the first week (the budget), the
// other two the next, and no objective twice in a week.
func TestNudges_BudgetHoldsTheRestForNextWeek(t *testing.T) {
	const owner, ceo = "UOWNER", "UCEO"
	r := newRig(t, rigConfig{start: monday10.Add(-8 * 24 * time.Hour), users: []slackfake.User{
		{ID: owner, Name: "owner", TZ: "UTC"}, {ID: ceo, Name: "ceo", TZ: "UTC", IsAdmin: true},
	}})
	ctx := context.Background()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, r.db.CreateCycle(ctx, c))
	company := &okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: ceo, CycleID: c.ID}
	must(t, r.db.CreateObjective(ctx, company, []*okr.KeyResult{{Title: "ARR", Kind: okr.KindIncrease, Target: 10, OwnerID: ceo}}, okr.LinkOptions{}))
	var orphans []*okr.Objective
	for _, title := range []string{"Ship the app", "Hire two engineers", "Cut cloud costs", "Win three logos", "Write the handbook"} {
		o := &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: owner, CycleID: c.ID}
		must(t, r.db.CreateObjective(ctx, o, []*okr.KeyResult{
			{Title: "One", Kind: okr.KindIncrease, Target: 10, OwnerID: owner},
			{Title: "Two", Kind: okr.KindIncrease, Target: 10, OwnerID: owner},
		}, okr.LinkOptions{}))
		orphans = append(orphans, o)
	}
	checkInEverything(t, r, monday10.Add(-time.Hour)) // keeps the stale nudge out of the way

	r.startScheduler()
	nudged := func() map[string][]string { // week -> subjects
		out := map[string][]string{}
		for _, m := range withKind(r.dms(owner), "nudge") {
			parts := strings.Split(m.Key, ":") // nudge:user:week:kind:subject
			out[parts[2]] = append(out[parts[2]], parts[3]+":"+parts[4])
		}
		return out
	}
	week1, week2 := okr.WeekPeriod(monday10), okr.WeekPeriod(monday10.Add(7*24*time.Hour))
	r.runUntil(monday10.Add(5*24*time.Hour), nil) // through Friday
	if got := nudged()[week1]; len(got) != 3 || got[0] != "orphan:"+orphans[0].Ref() || got[2] != "orphan:"+orphans[2].Ref() {
		t.Fatalf("the first week's nudges = %v, want the first three orphans", got)
	}
	r.runUntil(monday10.Add(12*24*time.Hour), nil)
	got := nudged()[week2]
	if len(got) != 3 {
		t.Fatalf("the second week's nudges = %v, want three", got)
	}
	if got[0] != "orphan:"+orphans[0].Ref() && got[0] != "orphan:"+orphans[3].Ref() {
		t.Fatalf("the second week's nudges = %v", got)
	}
	seen := map[string]bool{}
	for _, subjects := range nudged() {
		for _, s := range subjects {
			seen[s] = true
		}
	}
	for _, o := range orphans {
		if !seen["orphan:"+o.Ref()] {
			t.Errorf("%s was never nudged about", o.Ref())
		}
	}
	for _, m := range withKind(r.dms(owner), "nudge") {
		if text := slackfake.RenderMessage(m.Message); !strings.Contains(text, company.Ref()) || !strings.Contains(text, "[Link to "+company.Ref()+"]") {
			t.Fatalf("an orphan nudge does not offer the company objective:\n%s", text)
		}
	}
}

// TestDigest_TeamChannelGetsItsOwnObjectives: a team with a channel gets a
// digest of its objectives there, beside the company's.
func TestDigest_TeamChannelGetsItsOwnObjectives(t *testing.T) {
	const lead, member, ceo = "ULEAD", "UMEMBER", "UCEO"
	friday := time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
	r := newRig(t, rigConfig{
		start: friday.Add(-10 * 24 * time.Hour),
		users: []slackfake.User{{ID: lead, Name: "lead", TZ: "UTC"}, {ID: member, Name: "member", TZ: "UTC"}, {ID: ceo, Name: "ceo", TZ: "UTC"}},
		channels: []slackfake.Channel{
			{ID: "CCOMPANY", Name: "okrs", BotMember: true},
			{ID: "CPLATFORM", Name: "platform", BotMember: true},
		},
		schedOpts: func(o *scheduler.Options) { o.Defaults = okr.Settings{Location: time.UTC, DigestChannel: "CCOMPANY"} },
	})
	ctx := context.Background()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, r.db.CreateCycle(ctx, c))
	platform := &okr.Team{Name: "Platform", LeadID: lead, Members: []string{member}, Channel: "CPLATFORM"}
	must(t, r.db.CreateTeam(ctx, platform))
	company := &okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: ceo, CycleID: c.ID}
	must(t, r.db.CreateObjective(ctx, company, []*okr.KeyResult{{Title: "ARR", Kind: okr.KindIncrease, Target: 10, OwnerID: ceo}}, okr.LinkOptions{}))
	ours := &okr.Objective{Title: "Make deploys boring", Level: okr.LevelTeam, OwnerID: lead, TeamID: platform.ID, CycleID: c.ID, ParentObjectiveID: company.ID}
	must(t, r.db.CreateObjective(ctx, ours, []*okr.KeyResult{{Title: "Deploys a day", Kind: okr.KindIncrease, Target: 10, OwnerID: member}}, okr.LinkOptions{}))
	other := &okr.Objective{Title: "Open two new markets", Level: okr.LevelTeam, OwnerID: ceo, CycleID: c.ID}
	must(t, r.db.CreateObjective(ctx, other, []*okr.KeyResult{{Title: "Markets", Kind: okr.KindIncrease, Target: 2, OwnerID: ceo}}, okr.LinkOptions{}))

	r.clock.Set(friday.Add(-time.Minute))
	r.startScheduler()
	r.advanceTo(friday)
	summary := func(channel string) string {
		r.waitFor("the digest in "+channel, func() bool {
			for _, p := range withKind(r.posts(channel), "digest") {
				if p.ThreadTS == "" {
					return true
				}
			}
			return false
		})
		for _, p := range withKind(r.posts(channel), "digest") {
			if p.ThreadTS == "" {
				return slackfake.RenderMessage(p.Message)
			}
		}
		return ""
	}
	team := summary("CPLATFORM")
	if !strings.Contains(team, "Platform") || !strings.Contains(team, ours.Ref()) || strings.Contains(team, other.Ref()) || strings.Contains(team, "*"+company.Ref()+"*") {
		t.Fatalf("the team digest:\n%s", team)
	}
	all := summary("CCOMPANY")
	if !strings.Contains(all, company.Ref()) || !strings.Contains(all, other.Ref()) {
		t.Fatalf("the company digest:\n%s", all)
	}
}

// TestNudges_OrphanGetsRankedParentsWithReasons: the orphan nudge ranks by
// the organisation chart and related terms, and says why, when the orphan
// shares no word with any parent.
// The scheduler makes its own analysis and suggestion index, or, as okrbot
// serve wires it, shares the bot's: the nudge is the same.
func TestNudges_OrphanGetsRankedParentsWithReasons(t *testing.T) {
	t.Run("own", func(t *testing.T) { testOrphanNudge(t, false) })
	t.Run("shared with the bot", func(t *testing.T) { testOrphanNudge(t, true) })
}

func testOrphanNudge(t *testing.T, shared bool) {
	const owner, ceo = "UOWNER", "UCEO"
	r := newRig(t, rigConfig{start: monday10.Add(-8 * 24 * time.Hour), shared: shared, users: []slackfake.User{
		{ID: owner, Name: "owner", TZ: "UTC"}, {ID: ceo, Name: "ceo", TZ: "UTC", IsAdmin: true},
	}})
	ctx := context.Background()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, r.db.CreateCycle(ctx, c))
	commercial := &okr.Team{Name: "Commercial"}
	must(t, r.db.CreateTeam(ctx, commercial))
	revenue := &okr.Team{Name: "Revenue management", ParentID: commercial.ID, LeadID: owner}
	must(t, r.db.CreateTeam(ctx, revenue))
	objective := func(o *okr.Objective, kr string) *okr.Objective {
		o.CycleID = c.ID
		must(t, r.db.CreateObjective(ctx, o, []*okr.KeyResult{{Title: kr, Kind: okr.KindIncrease, Target: 10, OwnerID: o.OwnerID}}, okr.LinkOptions{}))
		return o
	}
	revpar := objective(&okr.Objective{Title: "Grow revenue per available room", Level: okr.LevelCompany, OwnerID: ceo}, "RevPAR from $142 to $155")
	objective(&okr.Objective{Title: "Open three hotels in Spain", Level: okr.LevelCompany, OwnerID: ceo}, "Sign three leases")
	corporate := objective(&okr.Objective{Title: "Win more group and corporate business", Level: okr.LevelDepartment, TeamID: commercial.ID, OwnerID: ceo},
		"Corporate accounts signed")
	objective(&okr.Objective{Title: "Fill empty midweek beds", Level: okr.LevelTeam, TeamID: revenue.ID, OwnerID: owner}, "Midweek occupancy from 61% to 75%")
	checkInEverything(t, r, monday10.Add(-time.Hour))

	r.startScheduler()
	r.runUntil(monday10.Add(24*time.Hour), nil)
	nudges := withKind(r.dms(owner), "nudge")
	if len(nudges) == 0 {
		t.Fatal("no orphan nudge")
	}
	text := slackfake.RenderMessage(nudges[0].Message)
	for _, want := range []string{
		"*" + corporate.Ref() + "* Win more group and corporate business · Department\n_your department's objective",
		"*" + revpar.Ref() + "* Grow revenue per available room · Company\n_",
		"[Link to " + revpar.Ref() + "]", "[Not related]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the nudge lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, " ~ ") {
		t.Errorf("the nudge names no related terms:\n%s", text)
	}
	// Shared, the pass's analysis was the bot's: the bot made it.
	if made := r.bot.Stats().Analyses; shared != (made > 0) {
		t.Errorf("shared %v, yet the bot made %d analyses", shared, made)
	}
}

// checkInEverything records a check-in on every live key result at that
// time, by its owner.
func checkInEverything(t *testing.T, r *rig, at time.Time) {
	t.Helper()
	r.clock.Set(at)
	live := false
	krs, err := r.db.FindKeyResults(context.Background(), okr.KeyResultFilter{Archived: &live})
	must(t, err)
	var cs []*okr.Checkin
	for _, kr := range krs {
		cs = append(cs, &okr.Checkin{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: 1, Confidence: okr.OnTrack})
	}
	must(t, r.db.CreateCheckins(context.Background(), cs))
}
