package bot

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

const digestHostile = "<!channel> & <https://evil|x>"

// digestTestCycle is 2026-Q4 in UTC: 92 days, 13 weeks.
func digestTestCycle() *okr.Cycle {
	return &okr.Cycle{ID: 1, Name: "2026-Q4", Status: okr.CycleCurrent,
		Start: time.Date(2026, time.October, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC)}
}

// digestTestNow is in the seventh week of the cycle: 6 weeks and 2 days in.
var digestTestNow = time.Date(2026, time.November, 14, 9, 0, 0, 0, time.UTC)

// digestTestGraph is a small company:
//
//	O1 company  Grow revenue            KR1 leads 0→100 at 40 (30 a week ago), KR2 milestone done this week
//	  O3 dept   Sales pipeline          KR4 deals 0→10 at 2, off track
//	    O4 team Outbound                KR5 calls 0→50 at 10, last check-in 14 days ago (stale, behind)
//	  O5 team   Partner channel (delivers KR1)  KR6 partners 0→4 at 1, at risk
//	O2 company  Delight customers       KR3 churn 8%→5% at 7%, on track; nothing supports it
//	O6 team     <hostile title>         KR7, aligned with nothing
//	O7 personal Learn Go                aligned with nothing, no key result
func digestTestGraph() *okr.Graph {
	c := digestTestCycle()
	created := c.Start.Add(24 * time.Hour)
	recent := digestTestNow.Add(-2 * 24 * time.Hour)
	obj := func(id int64, level okr.Level, title, owner string, parent, parentKR int64) *okr.Objective {
		return &okr.Objective{ID: id, Title: title, Level: level, OwnerID: owner, CycleID: c.ID, Status: okr.StatusActive,
			ParentObjectiveID: parent, ParentKeyResultID: parentKR, Weight: 1, CreatedAt: created}
	}
	kr := func(id, objective int64, title string, kind okr.Kind, start, target, current float64, unit, owner string,
		checked time.Time, conf okr.Confidence) *okr.KeyResult {
		// A key result checked in is set by hand, as a check-in stores it.
		return &okr.KeyResult{ID: id, ObjectiveID: objective, Title: title, Kind: kind, Start: start, Target: target, Current: current,
			Unit: unit, OwnerID: owner, Weight: 1, CreatedAt: created, CheckedAt: checked, Confidence: conf, ByHand: !checked.IsZero()}
	}
	return &okr.Graph{
		Cycle: c,
		Objectives: []*okr.Objective{
			obj(1, okr.LevelCompany, "Grow revenue", "UCEO", 0, 0),
			obj(2, okr.LevelCompany, "Delight customers", "UCPO", 0, 0),
			obj(3, okr.LevelDepartment, "Sales pipeline", "USALES", 1, 0),
			obj(4, okr.LevelTeam, "Outbound", "UOUT", 3, 0),
			obj(5, okr.LevelTeam, "Partner channel", "UPART", 1, 1),
			obj(6, okr.LevelTeam, digestHostile, "UEVIL", 0, 0),
			obj(7, okr.LevelPersonal, "Learn Go", "UDEV", 0, 0),
		},
		KeyResults: []*okr.KeyResult{
			kr(1, 1, "Qualified leads", okr.KindIncrease, 0, 100, 40, "leads", "UCEO", recent, okr.OnTrack),
			kr(2, 1, "Launch the new pricing", okr.KindMilestone, 0, 1, 1, "", "UCEO", recent, okr.OnTrack),
			kr(3, 2, "Churn", okr.KindDecrease, 8, 5, 7, "%", "UCPO", recent, okr.OnTrack),
			kr(4, 3, "Deals closed", okr.KindIncrease, 0, 10, 2, "deals", "USALES", recent, okr.OffTrack),
			// Last checked in at 02:00 UTC on October 31, over two weeks ago:
			// still October 30 in New York.
			kr(5, 4, "Calls made", okr.KindIncrease, 0, 50, 10, "calls", "UOUT", time.Date(2026, time.October, 31, 2, 0, 0, 0, time.UTC), okr.OnTrack),
			kr(6, 5, "Signed partners", okr.KindIncrease, 0, 4, 1, "partners", "UPART", recent, okr.AtRisk),
			kr(7, 6, digestHostile, okr.KindIncrease, 0, 10, 5, "", "UEVIL", recent, okr.OnTrack),
		},
		// A week ago (same index as KeyResults).
		WeekAgo: []float64{30, 0, 7.5, 2, 10, 1, 5},
	}
}

// digestFrom builds a digest the way the scheduler does: the company
// objectives with everything aligned under them (level by level, each by
// ID), the week's wins, the gaps, and the weekly progress history.
func digestFrom(t testing.TB, g *okr.Graph, now time.Time, values map[int64][]float64) (*okr.Digest, *okr.Analysis) {
	t.Helper()
	p := okr.DefaultPolicy()
	a := okr.Analyze(g, now, p)
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	d := &okr.Digest{Key: "digest:2026-Q4:2026-W46:COKRS:0", Channel: "COKRS", Cycle: g.Cycle, At: now, Location: loc,
		Expected: g.Cycle.Elapsed(now), Aligned: a.Aligned, Alignable: a.Alignable,
		AtRisk: a.AtRisk, Stale: a.Stale, Orphans: a.Orphans, Unsupported: a.Unsupported,
		Participation: okr.Participation{Due: 24, Done: 18}}
	var ids []int64
	for _, st := range a.Objectives {
		if st.Objective.Level != okr.LevelCompany {
			continue
		}
		var supporters []*okr.ObjectiveState
		level := []*okr.ObjectiveState{st}
		seen := map[int64]bool{st.Objective.ID: true}
		for len(level) > 0 {
			var next []*okr.ObjectiveState
			for _, parent := range level {
				for _, c := range parent.Children {
					if cs := a.Objective(c.ID); cs != nil && !seen[c.ID] {
						seen[c.ID] = true
						next = append(next, cs)
					}
				}
			}
			slices.SortFunc(next, func(x, y *okr.ObjectiveState) int { return cmp.Compare(x.Objective.ID, y.Objective.ID) })
			supporters = append(supporters, next...)
			level = next
		}
		d.Objectives = append(d.Objectives, okr.DigestObjective{State: st, Supporters: supporters})
		ids = append(ids, st.Objective.ID)
	}
	for _, st := range a.Objectives {
		for _, k := range st.KeyResults {
			if k.Progress >= 1 && k.Previous < 1 {
				d.Wins = append(d.Wins, k)
			}
			if k.Driven {
				if d.DrivenBy == nil {
					d.DrivenBy = map[int64][]int64{}
				}
				d.DrivenBy[k.KeyResult.ID] = a.DeliveredBy(k.KeyResult.ID)
			}
		}
	}
	if len(ids) > 0 {
		times := okr.CycleWeeks(g.Cycle, now)
		d.History = okr.ProgressHistory(g, values, times, p, ids)
	}
	return d, a
}

// digestTestValues is the key results' values at the end of each of the
// first weeks of the cycle (the current value afterwards).
func digestTestValues(g *okr.Graph, weeks int) map[int64][]float64 {
	out := map[int64][]float64{}
	for _, kr := range g.KeyResults {
		var vs []float64
		for w := range weeks {
			f := float64(w+1) / float64(weeks+1)
			vs = append(vs, kr.Start+(kr.Current-kr.Start)*f)
		}
		out[kr.ID] = append(vs, kr.Current)
	}
	return out
}

// digestTexts are the texts of every block of a message, in order: what
// Slack shows (and parses).
func digestTexts(m message) []string {
	var out []string
	for _, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			out = append(out, b.Text.Text)
		case *slack.SectionBlock:
			if b.Text != nil {
				out = append(out, b.Text.Text)
			}
			for _, f := range b.Fields {
				out = append(out, f.Text)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					out = append(out, t.Text)
				}
			}
		}
	}
	return out
}

// digestRender is a message as plain text, roughly as Slack lays it out.
func digestRender(m message) string { return strings.Join(digestTexts(m), "\n") }

// digestCheckLimits fails the test if m breaks one of Slack's limits for a
// message (docs/slack-platform.md, "Block Kit limits").
func digestCheckLimits(t *testing.T, name string, m message) {
	t.Helper()
	if n := len(m.Blocks); n == 0 || n > maxMessageBlocks {
		t.Errorf("%s: %d blocks, want 1 to %d", name, n, maxMessageBlocks)
	}
	if n := utf8.RuneCountInString(m.Text); n == 0 || n > 300 {
		t.Errorf("%s: fallback text of %d characters, want a short one: %q", name, n, m.Text)
	}
	ids := map[string]bool{}
	for i, b := range m.Blocks {
		if id := blockID(b); id != "" {
			if utf8.RuneCountInString(id) > 255 || ids[id] {
				t.Errorf("%s: block %d has a block ID too long or repeated: %q", name, i, id)
			}
			ids[id] = true
		}
		switch b := b.(type) {
		case *slack.HeaderBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n == 0 || n > maxHeaderText || b.Text.Type != slack.PlainTextType {
				t.Errorf("%s: header of %d characters (%s)", name, n, b.Text.Type)
			}
		case *slack.SectionBlock:
			if b.Text == nil {
				t.Errorf("%s: section %d without text", name, i)
				continue
			}
			if n := utf8.RuneCountInString(b.Text.Text); n == 0 || n > maxSectionText {
				t.Errorf("%s: section %d of %d characters", name, i, n)
			}
		case *slack.ContextBlock:
			els := b.ContextElements.Elements
			if len(els) == 0 || len(els) > maxContextElements {
				t.Errorf("%s: context %d with %d elements", name, i, len(els))
			}
			for _, e := range els {
				if tx, ok := e.(*slack.TextBlockObject); ok && utf8.RuneCountInString(tx.Text) > maxSectionText {
					t.Errorf("%s: context text of %d characters", name, utf8.RuneCountInString(tx.Text))
				}
			}
		case *slack.DividerBlock:
		default:
			t.Errorf("%s: unexpected block %T", name, b)
		}
	}
	// Slack refuses blocks of about 12,000 characters in all
	// (msg_blocks_too_long, reported in slackapi/bolt-js issue 2509).
	if n := utf8.RuneCountInString(digestRender(m)); n > 11000 {
		t.Errorf("%s: %d characters of text in all, want at most 11,000", name, n)
	}
}

func blockID(b slack.Block) string {
	switch b := b.(type) {
	case *slack.HeaderBlock:
		return b.BlockID
	case *slack.SectionBlock:
		return b.BlockID
	case *slack.ContextBlock:
		return b.BlockID
	case *slack.DividerBlock:
		return b.BlockID
	}
	return ""
}

// threadParts renders a digest's thread and lists its parts' names.
func threadParts(d *okr.Digest) (names []string, msgs []message) {
	for _, p := range digestThread(d) {
		names, msgs = append(names, p.name), append(msgs, p.msg)
	}
	return names, msgs
}

// markedID is the first block ID a message ends up with once the sender
// marks it with a delivery key, as every digest message is marked.
func markedID(m message, key string) string { return blockID(marked(m.Blocks, deliveryMarker(key))[0]) }

func TestDigestSummary_NumbersMatchTheAnalysis(t *testing.T) {
	g := digestTestGraph()
	d, a := digestFrom(t, g, digestTestNow, digestTestValues(g, 6))

	// The analysis itself, worked out by hand: O1 is the mean of KR1 (40%,
	// 30% a week ago) and KR2 (done this week, not a week ago).
	o1 := a.Objective(1)
	if got, want := pct(o1.Progress), "70%"; got != want {
		t.Fatalf("O1 progress = %s, want %s", got, want)
	}
	if got, want := change(o1.Change), "+55"; got != want {
		t.Fatalf("O1 change = %s, want %s", got, want)
	}
	if got, want := pct(d.Expected), "48%"; got != want { // 44 of 92 days
		t.Fatalf("expected = %s, want %s", got, want)
	}

	m := digestSummary(d)
	digestCheckLimits(t, "summary", m)
	texts := digestTexts(m)
	if got, want := texts[0], "📊 Weekly OKR digest · 2026-Q4"; got != want {
		t.Errorf("header = %q, want %q", got, want)
	}
	if got, want := texts[1], "Week 7 of 13 · expected by now 48% · Check-ins: 18 of 24 owners (75%)"; got != want {
		t.Errorf("context = %q, want %q", got, want)
	}
	if got, want := markedID(m, "digest:2026-Q4:2026-W47:C1"), "okrbot:digest:2026-Q4:2026-W47:C1"; got != want {
		t.Errorf("first block ID once marked = %q, want %q", got, want)
	}
	text := digestRender(m)
	for _, want := range []string{
		"*Company objectives*",
		// O1: its progress, the plan, the week's change, what supports it.
		"🟢 *O1* Grow revenue\n▰▰▰▰▰▰▰▱▱▱ *70%* · expected 48% · +55 pts this week · supported by 3 objectives",
		// O2: churn 8% → 7% of the way to 5% is a third, unchanged since 7.5%
		// a week ago was a sixth: +17; behind the plan by more than 25 points
		// is not the case, so it is on track. Nothing supports it.
		fmt.Sprintf("*O2* Delight customers\n%s *33%%* · expected 48%% · +17 pts this week · nothing aligned under it yet", bar(1.0/3)),
		"🏆 *1 key result* reached its target this week\n• *KR2* Launch the new pricing · <@UCEO>",
		// Worst first; KR5 is stale and behind the plan (20% < 48% - 25).
		"⚠️ *3 key results* at risk, off track or behind\n• 🔴 *KR4* Deals closed · Off track · <@USALES>\n" +
			"• 🟡 *KR6* Signed partners · At risk · <@UPART>\n• 🟠 *KR5* Calls made · Behind schedule · <@UOUT>",
		"⏳ *1 key result* without a recent check-in\n• *KR5* Calls made · <@UOUT> · last check-in Oct 30",
		"🔗 *60% of objectives aligned* (3 of 5 below company level)",
		"• 2 objectives aligned with nothing: *O6* &lt;!channel&gt; &amp; &lt;https://evil|x&gt; (<@UEVIL>), *O7* Learn Go (<@UDEV>)",
		"• 1 company objective nothing supports: *O2* Delight customers (<@UCPO>)",
		"Details and the progress chart are in the thread 🧵",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	// Every figure shown is the analysis's.
	for _, do := range d.Objectives {
		st := do.State
		line := fmt.Sprintf("*%s* · expected %s · %s pts this week", pct(st.Progress), pct(d.Expected), change(st.Change))
		if !strings.Contains(text, line) {
			t.Errorf("summary lacks %s's figures %q", st.Objective.Ref(), line)
		}
	}
	if got, want := m.Text, "📊 Weekly OKR digest · 2026-Q4, week 7 of 13: 3 at risk"; got != want {
		t.Errorf("fallback text = %q, want %q", got, want)
	}
}

func TestDigestSummary_ParticipationAndWeek(t *testing.T) {
	g := digestTestGraph()
	for _, tc := range []struct {
		name string
		at   time.Time
		p    okr.Participation
		want string
	}{
		{"FirstDay", digestTestCycle().Start.Add(time.Hour), okr.Participation{}, "Week 1 of 13 · expected by now 0% · Check-ins: none due this week"},
		{"Everyone", digestTestNow, okr.Participation{Due: 3, Done: 3}, "Week 7 of 13 · expected by now 48% · Check-ins: 3 of 3 owners (100%)"},
		{"One", digestTestNow, okr.Participation{Due: 1, Done: 0}, "Week 7 of 13 · expected by now 48% · Check-ins: 0 of 1 owner (0%)"},
		{"LastDay", digestTestCycle().End.Add(-time.Hour), okr.Participation{Due: 1200, Done: 1100},
			"Week 13 of 13 · expected by now 100% · Check-ins: 1,100 of 1,200 owners (92%)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := digestFrom(t, g, tc.at, nil)
			d.Participation = tc.p
			if got := digestTexts(digestSummary(d))[1]; got != tc.want {
				t.Fatalf("context = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDigest_DrivenKeyResult: a key result an objective drives shows so in
// the summary's and the thread's lists and its objective's part, and its
// objective counts the driver once, through it.
func TestDigest_DrivenKeyResult(t *testing.T) {
	g := digestTestGraph()
	// KR1 was never checked in: O5, which delivers it, drives it, at risk
	// and a quarter of the way (1 of 4 partners).
	kr1 := g.KeyResults[0]
	kr1.CheckedAt, kr1.Confidence, kr1.ByHand = time.Time{}, "", false
	d, a := digestFrom(t, g, digestTestNow, digestTestValues(g, 6))
	if got := a.Objective(1).Progress; math.Abs(got-(0.25+1)/2) > 1e-9 {
		t.Fatalf("O1 progress = %v, want (25%% + 100%%) / 2", got)
	}
	names, msgs := threadParts(d)
	o1 := digestRender(msgs[slices.Index(names, "O1")])
	for _, want := range []string{
		"🟡 *KR1* Qualified leads · 0 leads → 100 leads, driven by O5 · 25% · <@UCEO>",
		"└ 🟡 *O5* Partner channel · Team · ▰▰▰▱▱▱▱▱▱▱ 25% · <@UPART> · drives KR1",
	} {
		if !strings.Contains(o1, want) {
			t.Errorf("O1's part lacks %q:\n%s", want, o1)
		}
	}
	atRisk := digestRender(msgs[slices.Index(names, "at-risk")])
	if want := "🟡 *KR1* Qualified leads · 0 leads → 100 leads, driven by O5 · 25% · <@UCEO> · At risk · in *O1*"; !strings.Contains(atRisk, want) {
		t.Errorf("the at-risk part lacks %q:\n%s", want, atRisk)
	}
	if summary := digestRender(digestSummary(d)); !strings.Contains(summary, "*KR1* Qualified leads · At risk · <@UCEO> · driven by O5") {
		t.Errorf("the summary does not show KR1 as driven:\n%s", summary)
	}
}

func TestDigestThread_DetailOfEachPart(t *testing.T) {
	g := digestTestGraph()
	d, _ := digestFrom(t, g, digestTestNow, digestTestValues(g, 6))
	names, msgs := threadParts(d)
	if got, want := strings.Join(names, " "), "O1 O2 wins at-risk stale orphans unsupported"; got != want {
		t.Fatalf("parts = %s, want %s", got, want)
	}
	if len(msgs) != len(names) {
		t.Fatalf("%d messages for %d parts", len(msgs), len(names))
	}
	for i, m := range msgs {
		digestCheckLimits(t, names[i], m)
		if got, want := markedID(m, "digest:test:"+names[i]), "okrbot:digest:test:"+names[i]; got != want {
			t.Errorf("part %s: first block ID once marked = %q, want %q", names[i], got, want)
		}
	}
	part := func(name string) string { return digestRender(msgs[slices.Index(names, name)]) }

	o1 := part("O1")
	for _, want := range []string{
		"🟢 *O1* Grow revenue · Company · ▰▰▰▰▰▰▰▱▱▱ 70% · <@UCEO>\nexpected 48% by now · +55 pts this week · supported by 3 objectives",
		"*Key results*\n🟢 *KR1* Qualified leads · 0 leads → 100 leads, now 40 leads · 40% · <@UCEO>\n🟢 *KR2* Launch the new pricing · milestone, now done · 100% · <@UCEO>",
		// The tree: O3 and O5 under O1, O4 under O3, one em space deeper.
		"*Aligned under it*\n└ 🔴 *O3* Sales pipeline · Department · ▰▰▱▱▱▱▱▱▱▱ 20% · <@USALES>\n\u2003└ 🟠 *O4* Outbound · Team · ▰▰▱▱▱▱▱▱▱▱ 20% · <@UOUT>\n" +
			"└ 🟡 *O5* Partner channel · Team · ▰▰▰▱▱▱▱▱▱▱ 25% · <@UPART> · delivers KR1",
	} {
		if !strings.Contains(o1, want) {
			t.Errorf("O1's part lacks %q:\n%s", want, o1)
		}
	}
	if o2 := part("O2"); !strings.Contains(o2, "Nothing is aligned under it yet") {
		t.Errorf("O2's part does not say nothing supports it:\n%s", o2)
	}
	atRisk := part("at-risk")
	off, risk, behind := strings.Index(atRisk, "*KR4*"), strings.Index(atRisk, "*KR6*"), strings.Index(atRisk, "*KR5*")
	if off < 0 || risk < 0 || behind < 0 || off > risk || risk > behind {
		t.Errorf("at-risk is not worst first:\n%s", atRisk)
	}
	for _, want := range []string{
		"🔴 *KR4* Deals closed · 0 deals → 10 deals, now 2 deals · 20% · <@USALES> · Off track · in *O3*",
		"🟡 *KR6* Signed partners · 0 partners → 4 partners, now 1 partners · 25% · <@UPART> · At risk · in *O5*",
		"🟠 *KR5* Calls made · 0 calls → 50 calls, now 10 calls · 20% · <@UOUT> · Behind schedule · in *O4*",
	} {
		if !strings.Contains(atRisk, want) {
			t.Errorf("at-risk lacks %q:\n%s", want, atRisk)
		}
	}
	// The last check-in is a date in the company's zone (New York), not UTC.
	if s := part("stale"); !strings.Contains(s, "*KR5* Calls made · 0 calls → 50 calls, now 10 calls · 20% · <@UOUT> · last check-in Oct 30") {
		t.Errorf("stale part:\n%s", s)
	}
	if s := part("orphans"); !strings.Contains(s, "*O7* Learn Go · Personal · <@UDEV> · `/okr link O7`") {
		t.Errorf("orphans part:\n%s", s)
	}
	if s := part("wins"); !strings.Contains(s, "*KR2* Launch the new pricing") || strings.Contains(s, "*KR1*") {
		t.Errorf("wins part:\n%s", s)
	}
	if s := part("unsupported"); !strings.Contains(s, "*O2* Delight customers · <@UCPO>") {
		t.Errorf("unsupported part:\n%s", s)
	}
}

func TestDigest_EscapesWhatPeopleTyped(t *testing.T) {
	g := digestTestGraph()
	// A hostile company objective, team and cycle name too.
	g.Objectives[0].Title = digestHostile
	g.Cycle.Name = "<!here>"
	d, _ := digestFrom(t, g, digestTestNow, digestTestValues(g, 6))
	team := &okr.Team{ID: 9, Name: "<@U123> & <!everyone>", Channel: "CTEAM"}

	for _, tc := range []struct {
		name string
		team *okr.Team
	}{{"Company", nil}, {"Team", team}} {
		t.Run(tc.name, func(t *testing.T) {
			d.Team = tc.team
			_, thread := threadParts(d)
			msgs := append([]message{digestSummary(d)}, thread...)
			all := ""
			for _, m := range msgs {
				all += m.Text + "\n" + digestRender(m) + "\n"
			}
			for _, bad := range []string{"<!channel>", "<https://evil", "<!here>", "<@U123>", "<!everyone>"} {
				if strings.Contains(all, bad) {
					t.Errorf("%q reached Slack unescaped:\n%s", bad, all)
				}
			}
			if !strings.Contains(all, "&lt;!channel&gt; &amp; &lt;https://evil|x&gt;") {
				t.Errorf("the hostile title is not shown escaped:\n%s", all)
			}
			if tc.team != nil {
				if got, want := digestTexts(msgs[0])[0], "📊 &lt;@U123&gt; &amp; &lt;!everyone&gt; · weekly OKR digest · &lt;!here&gt;"; got != want {
					t.Errorf("header = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestDigestText_NeverCutsAnEntity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"R&D", 10, "R&amp;D"},
		{"R&D", 5, "R…"},
		{"ab&&", 7, "ab…"},
		{"ab&&", 8, "ab&amp;…"},
		{"line\nbreak\ttab", 40, "line break tab"},
		{"<<<<", 9, "&lt;&lt;…"},
	} {
		if got := digestText(tc.in, tc.n); got != tc.want {
			t.Errorf("digestText(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestDigest_EmptyDigestSaysWhatToDo(t *testing.T) {
	g := &okr.Graph{Cycle: digestTestCycle()}
	d, _ := digestFrom(t, g, digestTestNow, nil)
	d.Participation = okr.Participation{}
	m := digestSummary(d)
	digestCheckLimits(t, "summary", m)
	text := digestRender(m)
	if !strings.Contains(text, "There are no company objectives in 2026-Q4 yet. Admins start with `/okr new company`") {
		t.Errorf("empty summary:\n%s", text)
	}
	if strings.Contains(text, "thread") {
		t.Errorf("an empty digest points to a thread it does not have:\n%s", text)
	}
	if msgs := digestThread(d); msgs != nil {
		t.Errorf("an empty digest has a thread of %d messages", len(msgs))
	}

	// A team without objectives is told to draft one.
	d.Team = &okr.Team{ID: 3, Name: "Platform"}
	if text := digestRender(digestSummary(d)); !strings.Contains(text, "Platform has no objectives in 2026-Q4 yet. Draft one with `/okr new team`") {
		t.Errorf("empty team summary:\n%s", text)
	}
}

// digestLargeGraph is a big company: 300 company objectives, 2,000 team
// objectives of which half are aligned (1,000 under O1 alone, in three
// levels) and half are not, and 5,000 key results nobody checked in for a
// month, 3,000 of them at risk. Every title is as long as allowed and full
// of characters that escaping lengthens.
func digestLargeGraph() *okr.Graph {
	c := digestTestCycle()
	created := c.Start.Add(time.Hour)
	long := strings.Repeat("<&>", okr.MaxTitleLength/3)
	g := &okr.Graph{Cycle: c}
	for i := range 300 {
		g.Objectives = append(g.Objectives, &okr.Objective{ID: int64(i + 1), Title: long, Level: okr.LevelCompany,
			OwnerID: fmt.Sprintf("UC%03d", i), CycleID: c.ID, Status: okr.StatusActive, Weight: 1, RollupChildren: true, CreatedAt: created})
	}
	for i := range 2000 {
		id := int64(1000 + i)
		o := &okr.Objective{ID: id, Title: long, Level: okr.LevelTeam, OwnerID: fmt.Sprintf("UT%04d", i), CycleID: c.ID,
			Status: okr.StatusActive, Weight: 1, CreatedAt: created}
		switch {
		case i < 10:
			o.ParentObjectiveID = 1
		case i < 100:
			o.ParentObjectiveID = 1000 + int64(i%10)
		case i < 1000:
			o.ParentObjectiveID = 1010 + int64(i%90)
		}
		g.Objectives = append(g.Objectives, o)
	}
	for i := range 5000 {
		kr := &okr.KeyResult{ID: int64(i + 1), ObjectiveID: int64(1000 + i%2000), Title: long, Kind: okr.KindIncrease,
			Start: 0, Target: 100, Current: float64(i % 50), Unit: "leads", OwnerID: fmt.Sprintf("UK%04d", i%700), Weight: 1,
			CreatedAt: created, CheckedAt: digestTestNow.Add(-30 * 24 * time.Hour), Confidence: okr.OnTrack}
		if i%5 < 3 {
			kr.Confidence = okr.AtRisk
		}
		g.KeyResults = append(g.KeyResults, kr)
	}
	return g
}

func TestDigest_StaysWithinLimitsAtScale(t *testing.T) {
	g := digestLargeGraph()
	d, a := digestFrom(t, g, digestTestNow, nil)
	if len(d.Objectives) != 300 || len(d.Stale) != 5000 || len(d.AtRisk) < 3000 || len(d.Orphans) != 1000 || len(d.Unsupported) != 299 {
		t.Fatalf("the large company is not what the test needs: %d objectives, %d stale, %d at risk, %d orphans, %d unsupported",
			len(d.Objectives), len(d.Stale), len(d.AtRisk), len(d.Orphans), len(d.Unsupported))
	}
	if n := len(d.Objectives[0].Supporters); n != 1000 {
		t.Fatalf("O1 has %d supporters, want 1000", n)
	}
	key := strings.Repeat("k", 300) // longer than a block ID may be
	for _, team := range []*okr.Team{nil, {ID: 1, Name: strings.Repeat("&", 80)}} {
		d.Team = team
		summary := digestSummary(d)
		digestCheckLimits(t, "summary", summary)
		if got := markedID(summary, key); got != trunc("okrbot:"+key, 255) {
			t.Errorf("summary's first block ID once marked = %q", got)
		}
		text := digestRender(summary)
		for _, want := range []string{"…and 290 more in the thread", "…and 4,997 more in the thread", "…and 997 more"} {
			if !strings.Contains(text, want) {
				t.Errorf("summary lacks %q", want)
			}
		}

		names, msgs := threadParts(d)
		if len(msgs) > 20 {
			t.Errorf("the thread has %d messages; a digest should not flood the channel", len(msgs))
		}
		seen := map[string]bool{}
		for i, m := range msgs {
			digestCheckLimits(t, names[i], m)
			if seen[names[i]] {
				t.Errorf("part %s twice", names[i])
			}
			seen[names[i]] = true
			if got, want := markedID(m, "digest:test:"+names[i]), "okrbot:digest:test:"+names[i]; got != want {
				t.Errorf("part %s: first block ID once marked = %q, want %q", names[i], got, want)
			}
		}
		part := func(name string) string {
			i := slices.Index(names, name)
			if i < 0 {
				t.Fatalf("no part %s in %v", name, names)
			}
			return digestRender(msgs[i])
		}
		// Each list shows what fits in one message and says how many more
		// there are and where to find them.
		more := func(name, command string, total int) int {
			m := regexp.MustCompile("…and ([0-9,]+) more — " + regexp.QuoteMeta(command)).FindStringSubmatch(part(name))
			if m == nil {
				t.Errorf("part %s does not say how many more %s shows", name, command)
				return 0
			}
			n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
			if n <= 0 || n >= total {
				t.Errorf("part %s: …and %d more of %d", name, n, total)
			}
			return n
		}
		more("O1", "`/okr tree O1`", 1000)
		more("objectives-more", "`/okr tree`", 290)
		more("orphans", "`/okr gaps orphans`", 1000)
		more("unsupported", "`/okr gaps unsupported`", 299)
		more("at-risk", "`/okr gaps at-risk`", len(a.AtRisk))
		shown := strings.Count(part("stale"), "last check-in Oct 15")
		if rest := more("stale", "`/okr gaps stale`", 5000); shown < 10 || shown+rest != 5000 {
			t.Errorf("the stale part lists %d key results and %d more, want at least 10 and 5,000 in all", shown, rest)
		}
	}
}
