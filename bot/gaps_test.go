package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

func TestGaps_ReportsEveryKindOfGap(t *testing.T) {
	// Lee also holds two more team objectives: four at one level, one over
	// the advice.
	var extra []*okr.Objective
	h, o := newOrgHarness(t, func(ctx context.Context, db *storage.DB, o *org) {
		for _, title := range []string{"Automate the deploys", "Document the platform"} {
			x := &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: lead, CycleID: o.reliable.CycleID, ParentObjectiveID: o.scale.ID}
			must(t, db.CreateObjective(ctx, x, []*okr.KeyResult{metricKR(title+" first", lead, 0, 1), metricKR(title+" second", lead, 0, 1)}, okr.LinkOptions{}))
			extra = append(extra, x)
		}
	})
	got := h.answer(member, "gaps")
	for _, want := range []string{
		"*Alignment gaps* · 2026-Q4",
		"▰▰▰▰▰▰▰▱▱▱ *71%* of objectives below company level are aligned (5 of 7).",
		// Orphans, each with its best parents, the words they share, and buttons.
		"⚠️ *Unaligned objectives: 2* · below company level and supporting nothing",
		fmt.Sprintf("🟠 *%s* Learn Go deeply · Personal", ref(o.learnGo)),
		// No word in common: the person's own team's objectives.
		fmt.Sprintf("↳ could support *%s* Make the platform reliable · Team · _your team's objective_", ref(o.reliable)),
		fmt.Sprintf("↳ could support *%s* Grow revenue in Europe · Company · _above your department's objectives; shares europe, revenue, sign_\n", ref(o.revenue)) +
			fmt.Sprintf("\u2003↳ could support *%s* Scale the engineering platform · Department · _1 objective of your team links here_\n[Link to %s] [Link to %s] [Align…]", ref(o.scale), ref(o.revenue), ref(o.scale)),
		// Company objectives nothing supports.
		"🏢 *Company objectives nothing supports: 1*",
		fmt.Sprintf("*%s* Build a great engineering culture", ref(o.culture)),
		// At risk, worst first, counted even when cut.
		"🔴 *Key results at risk: 13* · off track, at risk or behind schedule, worst first (first 5 shown)\n" +
			fmt.Sprintf("🔴 *%s* Sign enterprise customers in Germany", krRef(o.sign)),
		"[See all 13]",
		fmt.Sprintf("⏳ *Stale key results: 7* · no check-in for 14 days (first 5 shown)\n⏳ *%s* Raise ARR", krRef(o.arr)),
		fmt.Sprintf("<@UADMIN> · in %s · no check-in yet", ref(o.revenue)),
		"🏋️ *Owners over the limit: 1* · more than 3 objectives at one level\n<@ULEAD> owns 4 team objectives (the advice is at most 3)",
		"📏 *Too few key results: 4* · fewer than 2",
		fmt.Sprintf("*%s* Win enterprise deals in Germany · Team · ▱▱▱▱▱▱▱▱▱▱ 0%% · <@UMEMBER> · ↑ %s · *1 key result* (aim for 2–5)", ref(o.deals), krRef(o.sign)),
		"🤫 *No check-in this week: 1* · owners of key results who have not updated any in 7 days\n<@UMEMBER>",
		"> ✅ All clear: too many key results",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("gaps lacks %q:\n%s", want, got)
		}
	}
	for _, x := range extra { // aligned, with enough key results: no gap of their own
		if strings.Contains(got, ref(x)+"* ") {
			t.Errorf("%s is reported as a gap:\n%s", ref(x), got)
		}
	}
	m := h.shown(member, "*Alignment gaps*")
	assertButton(t, m, "link_suggested", ref(o.portal)+">o:"+itoa(o.revenue.ID))
	assertButton(t, m, "link_open", ref(o.learnGo))

	// See all: one kind on its own, with a way back.
	page := h.click(member, m, "page_more", gapsValue(o.reliable.CycleID, "stale"))
	stale := slackfake.RenderMessage(page)
	if !strings.Contains(stale, "⏳ *Stale key results: 7* · no check-in for 14 days · 2026-Q4") ||
		!strings.Contains(stale, fmt.Sprintf("*%s* Sign partners", krRef(o.partners))) || !strings.Contains(stale, "[Back to all gaps]") {
		t.Fatalf("stale page:\n%s", stale)
	}
	back := slackfake.RenderMessage(h.click(member, page, "page_back", ""))
	if !strings.Contains(back, "*Alignment gaps* · 2026-Q4") {
		t.Fatalf("back to the overview:\n%s", back)
	}

	// One click links the orphan to its suggested parent.
	h.answer(lead, "gaps")
	m = h.shown(lead, "*Alignment gaps*")
	h.click(lead, m, "link_suggested", ref(o.portal)+">o:"+itoa(o.revenue.ID))
	linked, err := h.db.FindObjectiveByID(context.Background(), o.portal.ID)
	must(t, err)
	if linked.ParentObjectiveID != o.revenue.ID {
		t.Fatalf("%s parent = %d, want %d", ref(o.portal), linked.ParentObjectiveID, o.revenue.ID)
	}
	// The next report counts the fix.
	got = h.answer(lead, "gaps")
	if !strings.Contains(got, "*86%* of objectives below company level are aligned (6 of 7).") ||
		!strings.Contains(got, "⚠️ *Unaligned objectives: 1*") || strings.Contains(got, "could support *"+ref(o.revenue)) {
		t.Fatalf("gaps after the link:\n%s", got)
	}
}

func TestGaps_NoGapsIsGoodNews(t *testing.T) {
	h := newHarness(t)
	company := h.objective(&okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("ARR", admin, 0, 10), metricKR("Customers", admin, 0, 10))
	team := h.objective(&okr.Objective{Title: "Sell more", Level: okr.LevelTeam, OwnerID: lead, ParentObjectiveID: company.ID},
		metricKR("Deals", lead, 0, 10), metricKR("Pipeline", lead, 0, 10))
	var checkins []*okr.Checkin
	for _, o := range []*okr.Objective{company, team} {
		krs, err := h.db.FindKeyResults(context.Background(), okr.KeyResultFilter{ObjectiveID: &o.ID})
		must(t, err)
		for _, kr := range krs {
			checkins = append(checkins, &okr.Checkin{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: 6, Confidence: okr.OnTrack})
		}
	}
	must(t, h.db.CreateCheckins(context.Background(), checkins))
	got := h.answer(member, "gaps")
	if !strings.Contains(got, "▰▰▰▰▰▰▰▰▰▰ *100%* of objectives below company level are aligned (1 of 1).") ||
		!strings.Contains(got, ":tada: No gaps in 2026-Q4: everything is aligned, checked in and on track.") {
		t.Fatalf("gaps of a healthy org:\n%s", got)
	}
	if got := h.answer(member, "gaps frobs"); !strings.Contains(got, "There is no kind of gap called “frobs”") {
		t.Fatalf("unknown kind of gap answered %s", got)
	}
}

var orphanLine = regexp.MustCompile(`(?m)^\S+ \*(O\d+)\* .* ⚠️ unaligned$`)

// gapsValue is the value of the button that shows one kind of gap.
func gapsValue(cycleID int64, kind string) string {
	return fmt.Sprintf("c=%d&f=%s&v=gaps", cycleID, kind)
}

func TestGaps_ThousandObjectivesStayWithinLimits(t *testing.T) {
	h, objs := newLargeHarness(t, 1000)
	h.clock.Advance(15 * 24 * time.Hour) // everything goes stale
	got := h.answer(member, "gaps")
	for _, want := range []string{
		"*90%* of objectives below company level are aligned (810 of 900).",
		"⚠️ *Unaligned objectives: 90* · below company level and supporting nothing (first 3 shown)",
		"[See all 90]",
		"⏳ *Stale key results: 2,000* · no check-in for 14 days (first 5 shown)",
		"🤫 *No check-in this week: 3*",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("gaps lacks %q:\n%s", want, got)
		}
	}
	overview := h.shown(member, "*Alignment gaps*")
	checkMessageLimits(t, overview)

	// Every orphan, page by page, each with its Align button.
	first := h.click(member, overview, "page_more", gapsValue(objs[0].CycleID, "orphans"))
	pages := h.pageThrough(member, first)
	seen := map[string]bool{}
	for _, p := range pages {
		for _, m := range orphanLine.FindAllStringSubmatch(p, -1) {
			if seen[m[1]] {
				t.Fatalf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != 90 {
		t.Fatalf("paging through the orphans showed %d, want 90", len(seen))
	}
	for _, o := range objs {
		if o.Level != okr.LevelCompany && !o.HasParent() && !seen[ref(o)] {
			t.Fatalf("orphan %s never shown", ref(o))
		}
	}
	// And the stale key results, all 2,000 of them, to the last page.
	m := h.shown(member, "Unaligned objectives")
	m = h.click(member, m, "page_back", "")
	stale := h.pageThrough(member, h.click(member, m, "page_more", gapsValue(objs[0].CycleID, "stale")))
	if n := len(stale); n != 100 {
		t.Errorf("2,000 stale key results took %d pages, want 100", n)
	}
	if last := stale[len(stale)-1]; !strings.Contains(last, "Showing 1,981–2,000 of 2,000 stale key results") {
		t.Errorf("last page of stale key results:\n%s", last)
	}
}

// TestGaps_TwoSuggestionsMakeTwoWorkingButtons: an orphan with two likely
// parents gets a Link button for each in one block; Slack refuses a block
// whose buttons share an action ID, so they are numbered, and the second
// links to the second parent.
func TestGaps_TwoSuggestionsMakeTwoWorkingButtons(t *testing.T) {
	var asia *okr.Objective
	h, o := newOrgHarness(t, func(ctx context.Context, db *storage.DB, o *org) {
		asia = &okr.Objective{Title: "Grow partner revenue in Asia through the portal", Level: okr.LevelCompany, OwnerID: admin, CycleID: o.reliable.CycleID}
		must(t, db.CreateObjective(ctx, asia, []*okr.KeyResult{metricKR("Partner revenue in Asia", admin, 0, 10)}, okr.LinkOptions{}))
	})
	h.answer(lead, "gaps")
	m := h.shown(lead, "*Alignment gaps*")
	assertButton(t, m, "link_suggested", ref(o.portal)+">o:"+itoa(asia.ID))
	assertButton(t, m, "link_suggested#2", ref(o.portal)+">o:"+itoa(o.revenue.ID))
	h.click(lead, m, "link_suggested#2", ref(o.portal)+">o:"+itoa(o.revenue.ID))
	linked, err := h.db.FindObjectiveByID(context.Background(), o.portal.ID)
	must(t, err)
	if linked.ParentObjectiveID != o.revenue.ID {
		t.Fatalf("%s parent = %d, want %d (the second suggestion)", ref(o.portal), linked.ParentObjectiveID, o.revenue.ID)
	}
}
