package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// org is a small, realistic organisation: two company objectives, a
// department, two teams, a personal objective; alignment by objective and
// by key result, a horizontal dependency; check-ins on track, at risk and
// off track, stale key results; and a closed cycle with final scores.
type org struct {
	eng, platform, sales, design *okr.Team

	revenue, culture, scale, reliable, deals, learnGo, portal *okr.Objective
	sign, arr, hire, build, onboard, uptime, incidents        *okr.KeyResult
	closeDeals, goCourse, partners                            *okr.KeyResult

	launched, hiring *okr.Objective // 2026-Q3, closed with scores 0.7 and 0.3
}

// Hostile text a person could type, which must never reach mrkdwn as markup.
const (
	hostileNote     = "<!channel> pager storm, see <https://evil.example|the runbook>"
	hostileBlockers = "Vendor & <@UADMIN> outage"
)

// newOrgHarness seeds the org before the bot starts, as a workspace that
// already has OKRs: the suggestion index the bot builds at start then sees
// all of it. The org is seeded 15 days before "now", so key results never
// checked in are stale; seed can add more.
func newOrgHarness(t *testing.T, seed ...func(ctx context.Context, db *storage.DB, o *org)) (*harness, *org) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "org.db")
	db, err := storage.Open(ctx, path)
	must(t, err)
	clk := &clock{}
	db.Now = clk.Now
	o := seedOrg(t, db, clk)
	for _, s := range seed {
		s(ctx, db, o)
	}
	must(t, db.Close())
	h := newHarness(t, func(c *harnessConfig) { c.dbPath = path })
	h.clock.Advance(clk.offset)
	return h, o
}

func seedOrg(t *testing.T, db *storage.DB, clk *clock) *org {
	t.Helper()
	ctx := context.Background()
	o := &org{}
	team := func(tm *okr.Team) *okr.Team {
		must(t, db.CreateTeam(ctx, tm))
		return tm
	}
	o.eng = team(&okr.Team{Name: "Engineering", LeadID: lead})
	o.platform = team(&okr.Team{Name: "Platform", ParentID: o.eng.ID, LeadID: lead, Members: []string{member}})
	o.sales = team(&okr.Team{Name: "Sales", LeadID: admin, Members: []string{member}})
	o.design = team(&okr.Team{Name: "Design", LeadID: admin})

	q4 := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, db.CreateCycle(ctx, q4))
	objective := func(obj *okr.Objective, krs ...*okr.KeyResult) *okr.Objective {
		if obj.CycleID == 0 {
			obj.CycleID = q4.ID
		}
		must(t, db.CreateObjective(ctx, obj, krs, okr.LinkOptions{}))
		return obj
	}
	o.sign = metricKR("Sign enterprise customers in Germany", admin, 0, 20)
	o.arr = &okr.KeyResult{Title: "Raise ARR", Kind: okr.KindIncrease, Start: 2e6, Target: 5e6, Current: 2e6, Unit: "$", OwnerID: admin}
	o.revenue = objective(&okr.Objective{Title: "Grow revenue in Europe", Description: "Europe is where our customers are.",
		Level: okr.LevelCompany, OwnerID: admin}, o.sign, o.arr)
	o.hire = metricKR("Hire senior engineers", admin, 0, 15)
	o.culture = objective(&okr.Objective{Title: "Build a great engineering culture", Level: okr.LevelCompany, OwnerID: admin}, o.hire)
	o.build = &okr.KeyResult{Title: "Ship the new build system", Kind: okr.KindMilestone, OwnerID: lead}
	o.onboard = metricKR("Onboard teams to the platform", lead, 0, 12)
	o.scale = objective(&okr.Objective{Title: "Scale the engineering platform", Level: okr.LevelDepartment, OwnerID: lead,
		TeamID: o.eng.ID, ParentObjectiveID: o.revenue.ID}, o.build, o.onboard)
	o.uptime = &okr.KeyResult{Title: "Uptime", Kind: okr.KindStayAbove, Start: 99, Target: 99.9, Current: 99.5, Unit: "%", OwnerID: member}
	o.incidents = &okr.KeyResult{Title: "Cut paging incidents", Kind: okr.KindDecrease, Start: 10, Target: 2, Current: 10, OwnerID: lead}
	o.reliable = objective(&okr.Objective{Title: "Make the platform reliable", Level: okr.LevelTeam, OwnerID: lead,
		TeamID: o.platform.ID, ParentObjectiveID: o.scale.ID}, o.uptime, o.incidents)
	o.closeDeals = metricKR("Close enterprise deals", member, 0, 8)
	o.deals = objective(&okr.Objective{Title: "Win enterprise deals in Germany", Level: okr.LevelTeam, OwnerID: member,
		TeamID: o.sales.ID, ParentKeyResultID: o.sign.ID}, o.closeDeals)
	o.goCourse = &okr.KeyResult{Title: "Finish the Go course", Kind: okr.KindMilestone, OwnerID: member}
	o.learnGo = objective(&okr.Objective{Title: "Learn Go deeply", Level: okr.LevelPersonal, OwnerID: member}, o.goCourse)
	o.partners = metricKR("Sign partners", lead, 0, 10)
	o.portal = objective(&okr.Objective{Title: "Grow partner revenue in Europe through the portal", Level: okr.LevelTeam,
		OwnerID: lead, TeamID: o.platform.ID}, o.partners)
	must(t, db.CreateLink(ctx, &okr.Link{FromID: o.reliable.ID, ToID: o.deals.ID, Kind: okr.LinkDependsOn, CreatedBy: lead}, okr.LinkOptions{}))
	must(t, db.CreateLink(ctx, &okr.Link{FromID: o.portal.ID, ToID: o.reliable.ID, Kind: okr.LinkRelatesTo, CreatedBy: lead}, okr.LinkOptions{}))

	// Last quarter, scored and closed.
	q3 := okr.NewCycle(okr.Quarter{Year: 2026, Q: 3}, time.January, time.UTC, okr.CycleUpcoming)
	must(t, db.CreateCycle(ctx, q3))
	o.launched = objective(&okr.Objective{Title: "Launch in Germany", Level: okr.LevelCompany, OwnerID: admin, CycleID: q3.ID},
		metricKR("Open the Berlin office", admin, 0, 1))
	o.hiring = objective(&okr.Objective{Title: "Hire a sales team", Level: okr.LevelTeam, OwnerID: member, CycleID: q3.ID, TeamID: o.sales.ID},
		metricKR("Hire account executives", member, 0, 5))
	must(t, db.CloseObjective(ctx, o.launched.ID, 0.7))
	must(t, db.CloseObjective(ctx, o.hiring.ID, 0.3))
	must(t, db.CloseCycle(ctx, q3.ID))

	// Check-ins: Mia's a week and a day ago, the others today.
	checkin := func(kr *okr.KeyResult, author string, v float64, c okr.Confidence, note, blockers string) {
		must(t, db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: author, Value: v, Confidence: c, Note: note, Blockers: blockers}}))
	}
	clk.Advance(8 * 24 * time.Hour)
	checkin(o.uptime, member, 99.95, okr.OnTrack, "All good", "")
	clk.Advance(7 * 24 * time.Hour)
	checkin(o.incidents, lead, 9, okr.AtRisk, "Quiet week", "")
	checkin(o.incidents, lead, 8, okr.AtRisk, hostileNote, hostileBlockers)
	checkin(o.sign, admin, 5, okr.OffTrack, "Slow quarter", "")
	return o
}

// answer runs a command and returns the answer it gets, rendered.
func (h *harness) answer(user, text string) string {
	h.t.Helper()
	before := len(h.srv.Ephemerals(user))
	h.command(user, text)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.srv.WaitFor(ctx, "an answer to "+text, func() bool { return len(h.srv.Ephemerals(user)) > before }); err != nil {
		h.t.Fatalf("/okr %s got no answer", text)
	}
	ms := h.srv.Ephemerals(user)
	return slackfake.RenderMessage(ms[len(ms)-1])
}

// shown waits for the newest ephemeral message to user containing want.
func (h *harness) shown(user, want string) slackfake.Message {
	h.t.Helper()
	var msg slackfake.Message
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := h.srv.WaitFor(ctx, "a message containing "+want, func() bool {
		ms := h.srv.Ephemerals(user)
		for i := len(ms) - 1; i >= 0; i-- {
			if strings.Contains(slackfake.RenderMessage(ms[i]), want) {
				msg = ms[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no message to %s contains %q; messages:\n%s", user, want, strings.Join(h.replies(user), "\n---\n"))
	}
	return msg
}

// click clicks a button (value "" for the first with that action ID) on a
// message and waits for the message to be replaced, returning it.
func (h *harness) click(user string, m slackfake.Message, actionID, value string) slackfake.Message {
	h.t.Helper()
	versions := len(m.Versions)
	_, err := h.srv.ClickButton(context.Background(), user, slackfake.MessageRef{Channel: m.Channel, TS: m.TS}, actionID, value)
	must(h.t, err)
	var out slackfake.Message
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.srv.WaitFor(ctx, "the message to change", func() bool {
		for _, e := range h.srv.Ephemerals(user) {
			if e.TS == m.TS && len(e.Versions) > versions {
				out = e
				return true
			}
		}
		return false
	}); err != nil {
		h.t.Fatalf("clicking %s did not change the message: %v", actionID, err)
	}
	return out
}

// pageThrough clicks "Show more" until the last page, checking each page
// against Slack's message limits, and returns every page rendered.
func (h *harness) pageThrough(user string, first slackfake.Message) []string {
	h.t.Helper()
	pages := []string{slackfake.RenderMessage(first)}
	m := first
	for hasButton(m, "page_more") {
		if len(pages) > 200 {
			h.t.Fatal("paging never ends")
		}
		checkMessageLimits(h.t, m)
		m = h.click(user, m, "page_more", "")
		pages = append(pages, slackfake.RenderMessage(m))
	}
	checkMessageLimits(h.t, m)
	return pages
}

func hasButton(m slackfake.Message, actionID string) bool {
	return strings.Contains(string(m.Blocks), `"action_id":"`+actionID+`"`)
}

// checkMessageLimits checks a message against Slack's Block Kit limits
// (docs/slack-platform.md, "Block Kit limits"), besides the emulator's own check of every post.
func checkMessageLimits(t testing.TB, m slackfake.Message) {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
			Text  any    `json:"text"`
		} `json:"elements"`
	}
	must(t, json.Unmarshal(m.Blocks, &blocks))
	if len(blocks) > 50 {
		t.Fatalf("a message has %d blocks", len(blocks))
	}
	for i, b := range blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > 3000 {
			t.Fatalf("block %d has %d characters", i, len([]rune(b.Text.Text)))
		}
		if b.Type == "actions" && len(b.Elements) > 25 {
			t.Fatalf("actions block %d has %d elements", i, len(b.Elements))
		}
		for _, e := range b.Elements {
			if len(e.Value) > 2000 {
				t.Fatalf("a button value has %d characters", len(e.Value))
			}
		}
	}
	if n := len([]rune(m.Text)); n > 4000 {
		t.Fatalf("message text has %d characters", n)
	}
}

// messageStrings is every string a message sends to Slack (texts, button
// values, …), decoded from JSON, joined: what Slack would parse as mrkdwn.
func messageStrings(t testing.TB, m slackfake.Message) string {
	t.Helper()
	var v any
	must(t, json.Unmarshal(m.Blocks, &v))
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return m.Text + "\n" + strings.Join(out, "\n")
}

func ref(o *okr.Objective) string   { return o.Ref() }
func krRef(k *okr.KeyResult) string { return k.Ref() }

func TestList_DefaultsToMineThenCompany(t *testing.T) {
	h, o := newOrgHarness(t)
	got := h.answer(member, "list")
	for _, want := range []string{
		"*Your objectives* · 2026-Q4 · 3 objectives",
		// Mia owns two objectives and key results of two more.
		fmt.Sprintf("*%s* Make the platform reliable · Team", ref(o.reliable)),
		fmt.Sprintf("*%s* Win enterprise deals in Germany · Team", ref(o.deals)),
		fmt.Sprintf("*%s* Learn Go deeply · Personal", ref(o.learnGo)),
		// Alignment in its compact form.
		"· ↑ " + ref(o.scale),
		"· <@UMEMBER> · ↑ " + krRef(o.sign),
		"· <@UMEMBER> · ⚠️ unaligned",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Grow revenue in Europe") {
		t.Errorf("the list shows an objective Mia has nothing to do with:\n%s", got)
	}
	// Higher levels come first.
	if strings.Index(got, ref(o.learnGo)+"*") < strings.Index(got, ref(o.reliable)+"*") {
		t.Errorf("a personal objective is listed before a team one:\n%s", got)
	}

	// Someone who owns nothing sees the company's objectives, told why.
	h2 := newHarness(t)
	h2.objective(&okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: admin}, metricKR("ARR", admin, 1, 2))
	got = h2.answer(member, "list")
	if !strings.Contains(got, "You own nothing in 2026-Q4, so here are the company objectives.") || !strings.Contains(got, "Grow revenue") {
		t.Fatalf("fallback list = %s", got)
	}
}

func TestList_Filters(t *testing.T) {
	h, o := newOrgHarness(t)
	tests := []struct {
		name, text   string
		heading      string
		want, absent []string
	}{
		{name: "company", text: "list company", heading: "*Company objectives* · 2026-Q4 · 2 objectives",
			want:   []string{ref(o.revenue) + "* Grow revenue in Europe · Company", ref(o.culture) + "* Build a great engineering culture"},
			absent: []string{"Scale the engineering platform", "unaligned"}},
		{name: "person", text: "list <@ULEAD|lee>", heading: "*Objectives of <@ULEAD>* · 2026-Q4 · 3 objectives",
			want:   []string{"Scale the engineering platform", "Make the platform reliable", "Grow partner revenue in Europe through the portal"},
			absent: []string{"Learn Go deeply", "Win enterprise deals"}},
		{name: "team, any case", text: "list team platform", heading: "*Platform objectives* · 2026-Q4 · 2 objectives",
			want:   []string{"Make the platform reliable", "Grow partner revenue in Europe through the portal · Team · ▱▱▱▱▱▱▱▱▱▱ 0% · <@ULEAD> · ⚠️ unaligned"},
			absent: []string{"Scale the engineering platform", "Win enterprise deals"}},
		{name: "department includes its teams", text: "list team Engineering", heading: "*Engineering objectives* · 2026-Q4 · 3 objectives",
			want: []string{"Scale the engineering platform", "Make the platform reliable"}},
		{name: "at risk, worst first", text: "list at-risk", heading: "*At-risk key results* · 2026-Q4",
			want: []string{
				fmt.Sprintf("🔴 *%s* Sign enterprise customers in Germany · 0 → 20, now 5 · 25%% · <@UADMIN> · last check-in Dec 1", krRef(o.sign)),
				fmt.Sprintf("\u2003└ 🟡 *%s* Cut paging incidents · 10 → 2, now 8 · 25%% · <@ULEAD> · last check-in Dec 1", krRef(o.incidents)),
			},
			absent: []string{krRef(o.uptime) + "*"}},
		{name: "at risk, two words", text: "list at risk", heading: "*At-risk key results*"},
		{name: "stale", text: "list stale", heading: "*Stale key results* · 2026-Q4 · 7 key results",
			want: []string{
				fmt.Sprintf("*%s* Grow revenue in Europe", ref(o.revenue)),
				fmt.Sprintf("\u2003└ ⏳ *%s* Raise ARR · $2,000,000 → $5,000,000, now $2,000,000 · 0%% · <@UADMIN> · no check-in yet", krRef(o.arr)),
				fmt.Sprintf("⏳ *%s* Finish the Go course · milestone, now not done", krRef(o.goCourse)),
			},
			absent: []string{krRef(o.incidents) + "*", krRef(o.uptime) + "*", krRef(o.sign) + "*"}},
		{name: "a past cycle", text: "list company 2026-Q3", heading: "*Company objectives* · 2026-Q3 (closed) · 1 objective",
			want:   []string{fmt.Sprintf("🏁 *%s* Launch in Germany · Company · ▰▰▰▰▰▰▰▱▱▱ final score 0.7 · <@UADMIN>", ref(o.launched))},
			absent: []string{"Grow revenue"}},
		{name: "a past cycle, mine by default", text: "list 2026-q3", heading: "*Your objectives* · 2026-Q3 (closed) · 1 objective",
			want: []string{fmt.Sprintf("🏁 *%s* Hire a sales team · Team · ▰▰▰▱▱▱▱▱▱▱ final score 0.3 · <@UMEMBER> · ⚠️ unaligned", ref(o.hiring))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.answer(member, tc.text)
			if !strings.Contains(got, tc.heading) {
				t.Errorf("/okr %s is not headed %q:\n%s", tc.text, tc.heading, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("/okr %s lacks %q:\n%s", tc.text, w, got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(got, a) {
					t.Errorf("/okr %s shows %q:\n%s", tc.text, a, got)
				}
			}
		})
	}
	// At risk lists the off-track key result before the at-risk one.
	got := h.reply(member, "*At-risk key results*")
	if strings.Index(got, krRef(o.sign)+"*") > strings.Index(got, krRef(o.incidents)+"*") {
		t.Errorf("at-risk key results are not worst first:\n%s", got)
	}
}

func TestList_MistakesAreAnsweredClearly(t *testing.T) {
	h, _ := newOrgHarness(t)
	for _, tc := range []struct{ text, want string }{
		{"list team Marketing", "There is no team named “Marketing”. Teams: Design, Engineering, Platform, Sales."},
		{"list team", "Which team? Use `/okr list team &lt;name&gt;`. Teams: Design, Engineering, Platform, Sales."},
		{"list bananas", "I can't list by “bananas”.\nUsage: `/okr list [mine | @person | team &lt;name&gt; | company | at-risk | stale | &lt;cycle&gt;]`"},
		{"list company stale", "I can't list by “company stale”: one filter at a time, and a cycle if you like."},
		{"list @mia", "I could not tell who “@mia” is; pick the person from Slack's @ menu"},
		{"list 2031-Q1", "There is no cycle 2031-Q1. `/okr cycle` lists them."},
		{"list stale 2026-Q3", "2026-Q3 is closed: at-risk and stale key results are about a cycle in progress."},
	} {
		h.command(member, tc.text)
		h.reply(member, tc.want)
	}
}

func TestList_EmptyResultsSayWhatToDo(t *testing.T) {
	h, _ := newOrgHarness(t)
	got := h.answer(member, "list team design")
	if !strings.Contains(got, ":seedling: Design has no objectives in 2026-Q4. Anyone in the team can add one with `/okr new team`.") {
		t.Fatalf("empty team list = %s", got)
	}
	got = h.answer(member, "list <@UADMIN|ada> 2026-Q3")
	if !strings.Contains(got, "*Objectives of <@UADMIN>* · 2026-Q3 (closed) · 1 objective") || !strings.Contains(got, "Launch in Germany") {
		t.Fatalf("past list of a person = %s", got)
	}

	h2 := newHarness(t)
	h2.command(member, "list at-risk")
	h2.reply(member, ":tada: No key result in 2026-Q4 is at risk, off track or behind schedule.")
	h2.command(member, "list stale")
	h2.reply(member, ":white_check_mark: Every key result in 2026-Q4 has had a check-in in the last 14 days.")
	h2.command(member, "list company")
	h2.reply(member, "There are no company objectives in 2026-Q4. Admins create them with `/okr new company`.")
}

func TestList_HostileTitlesAreEscaped(t *testing.T) {
	h := newHarness(t)
	o := h.objective(&okr.Objective{Title: "<!channel> read <https://evil.example|this> & win", Level: okr.LevelTeam, OwnerID: member},
		metricKR("<@UADMIN> ping", member, 0, 1))
	h.clock.Advance(15 * 24 * time.Hour) // stale, so the key result is listed too
	for _, text := range []string{"list", "list stale", "tree", "gaps", "show " + ref(o)} {
		h.command(member, text)
	}
	h.waitFor("five answers", func() bool { return len(h.srv.Ephemerals(member)) >= 5 })
	for _, m := range h.srv.Ephemerals(member) {
		raw := messageStrings(t, m)
		if strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<https://evil") || strings.Contains(raw, "<@UADMIN>") {
			t.Fatalf("user text reached mrkdwn unescaped: %s", raw)
		}
		if !strings.Contains(raw, "&lt;!channel&gt; read &lt;https://evil.example|this&gt; &amp; win") {
			t.Fatalf("the title is missing or mangled: %s", slackfake.RenderMessage(m))
		}
	}
}

// seedLargeOrg adds an organisation of n objectives, each with key
// results, in the current cycle: a tenth company objectives, the rest in
// departments, teams and personal objectives aligned upward (some
// delivering a company key result), and every tenth one below company level
// unaligned. Titles are long and full of characters that escaping makes
// longer, so pages are as large as they get.
func seedLargeOrg(t testing.TB, db *storage.DB, n int) []*okr.Objective {
	t.Helper()
	ctx := context.Background()
	c, err := db.CurrentCycle(ctx)
	if okr.ErrorCode(err) == okr.ENOTFOUND {
		c = okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
		must(t, db.CreateCycle(ctx, c))
	} else {
		must(t, err)
	}
	filler := strings.Repeat("<&>", 40) // 120 characters, 480 escaped
	owners := []string{admin, lead, member}
	var all []*okr.Objective
	var byLevel = map[okr.Level][]*okr.Objective{}
	var companyKRs []*okr.KeyResult
	for i := range n {
		level := okr.LevelPersonal
		switch {
		case i < n/10:
			level = okr.LevelCompany
		case i < n/4:
			level = okr.LevelDepartment
		case i < n/2:
			level = okr.LevelTeam
		}
		o := &okr.Objective{Title: fmt.Sprintf("Objective %d %s", i, filler), Level: level, OwnerID: owners[i%3], CycleID: c.ID}
		if level != okr.LevelCompany && i%10 != 0 {
			above := byLevel[okr.Levels[level.Rank()-2]]
			o.ParentObjectiveID = above[i%len(above)].ID
			if level == okr.LevelDepartment && i%7 == 0 {
				o.ParentObjectiveID, o.ParentKeyResultID = 0, companyKRs[i%len(companyKRs)].ID
			}
		}
		krs := []*okr.KeyResult{
			{Title: fmt.Sprintf("Key result %d.1 %s", i, filler), Kind: okr.KindIncrease, Start: 0, Target: 100, Current: float64(i % 100),
				Unit: strings.Repeat("&", 20), OwnerID: owners[(i+1)%3]},
			{Title: fmt.Sprintf("Key result %d.2", i), Kind: okr.KindMilestone, OwnerID: owners[i%3]},
		}
		must(t, db.CreateObjective(ctx, o, krs, okr.LinkOptions{}))
		if level == okr.LevelCompany {
			companyKRs = append(companyKRs, krs[0])
		}
		byLevel[level] = append(byLevel[level], o)
		all = append(all, o)
	}
	return all
}

// newLargeHarness seeds n objectives before the bot starts.
func newLargeHarness(t *testing.T, n int) (*harness, []*okr.Objective) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "large.db")
	db, err := storage.Open(context.Background(), path)
	must(t, err)
	db.Now = (&clock{}).Now
	objs := seedLargeOrg(t, db, n)
	must(t, db.Close())
	return newHarness(t, func(c *harnessConfig) { c.dbPath = path }), objs
}

func TestList_ThousandObjectivesPageToTheEnd(t *testing.T) {
	h, objs := newLargeHarness(t, 1000)
	h.command(member, "list mine")
	first := h.shown(member, "*Your objectives*")
	pages := h.pageThrough(member, first)

	// Mia owns a third of the objectives and key results of another third.
	mine := map[string]bool{}
	for i, o := range objs {
		if i%3 == 2 || (i+1)%3 == 2 { // the objective's owner, or its first key result's
			mine[ref(o)] = true
		}
	}
	seen := map[string]int{}
	for _, p := range pages {
		for _, line := range strings.Split(p, "\n") {
			if i := strings.Index(line, " *O"); i >= 0 {
				r := line[i+2:]
				seen[r[:strings.Index(r, "*")]]++
			}
		}
	}
	if len(seen) != len(mine) {
		t.Fatalf("paging showed %d objectives, want %d", len(seen), len(mine))
	}
	for r, n := range seen {
		if n != 1 || !mine[r] {
			t.Fatalf("%s shown %d times (mine: %v)", r, n, mine[r])
		}
	}
	total := formatCount(len(mine))
	if want := fmt.Sprintf("Showing 1–25 of %s objectives", total); !strings.Contains(pages[0], want) {
		t.Errorf("first page lacks %q", want)
	}
	if last := pages[len(pages)-1]; !strings.Contains(last, "of "+total+" objectives") || strings.Contains(last, "[Show more ▶]") {
		t.Errorf("last page = %s", last)
	}

	// Previous goes back a page.
	m := h.shown(member, "Showing")
	back := h.click(member, m, "page_prev", "")
	if got := slackfake.RenderMessage(back); !strings.Contains(got, fmt.Sprintf("Showing %s–", formatCount(len(mine)-len(mine)%25-24))) {
		t.Errorf("previous page = %s", got)
	}
}

// formatCount writes n as the bot does ("1,000").
func formatCount(n int) string {
	s := fmt.Sprint(n)
	if n >= 1000 {
		s = s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

func TestPaging_SurvivesARefusedResponseURL(t *testing.T) {
	h, _ := newLargeHarness(t, 200)
	h.command(admin, "list mine")
	first := h.shown(admin, "*Your objectives*")

	// Slack refuses the click's response_url (say it expired): the page
	// comes as a new ephemeral message in the channel instead.
	h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Error: "expired_url", Count: 1})
	_, err := h.srv.ClickButton(context.Background(), admin, slackfake.MessageRef{Channel: first.Channel, TS: first.TS}, "page_more", "")
	must(t, err)
	second := h.shown(admin, "Showing 26–")
	if second.TS == first.TS || second.Via != "chat.postEphemeral" {
		t.Fatalf("second page via %s (ts %s, first %s)", second.Via, second.TS, first.TS)
	}
	// Paging goes on from the new message, through its own response_url.
	third := h.click(admin, second, "page_more", "")
	if got := slackfake.RenderMessage(third); !strings.Contains(got, "Showing 51–") {
		t.Fatalf("third page = %s", got)
	}

	// When the channel refuses too, the page arrives as a DM.
	h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Error: "used_url", Count: 1})
	h.srv.SetFault("chat.postEphemeral", slackfake.Fault{Error: "channel_not_found", Count: 1})
	_, err = h.srv.ClickButton(context.Background(), admin, slackfake.MessageRef{Channel: third.Channel, TS: third.TS}, "page_more", "")
	must(t, err)
	h.waitFor("the page in a DM", func() bool {
		for _, m := range h.dm(admin) {
			if strings.Contains(m, "Showing 76–") {
				return true
			}
		}
		return false
	})
}
