package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// openHome has a person open the App Home and waits for the view the bot
// publishes in answer.
func (h *harness) openHome(user string) *slackfake.View {
	h.t.Helper()
	before := h.srv.HomeView(user)
	_, err := h.srv.OpenAppHome(context.Background(), user)
	must(h.t, err)
	var v *slackfake.View
	h.waitFor("the Home of "+user, func() bool {
		v = h.srv.HomeView(user)
		return v != nil && (before == nil || v.Hash != before.Hash)
	})
	return v
}

// viewButtons lists a view's buttons as "action_id=value".
func viewButtons(t testing.TB, v *slackfake.View) []string {
	t.Helper()
	type button struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	}
	var blocks []struct {
		Accessory *button  `json:"accessory"`
		Elements  []button `json:"elements"`
	}
	must(t, json.Unmarshal(v.Blocks, &blocks))
	var out []string
	for _, b := range blocks {
		els := b.Elements
		if b.Accessory != nil {
			els = append(els, *b.Accessory)
		}
		for _, el := range els {
			if el.Type == "button" {
				out = append(out, el.ActionID+"="+el.Value)
			}
		}
	}
	return out
}

func blockCount(t testing.TB, v *slackfake.View) int {
	t.Helper()
	var blocks []json.RawMessage
	must(t, json.Unmarshal(v.Blocks, &blocks))
	return len(blocks)
}

func TestHome_ShowsMyKeyResultsAndObjectives(t *testing.T) {
	h := newHarness(t)
	company := h.objective(&okr.Objective{Title: "Win the enterprise market", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Enterprise customers", admin, 0, 20))
	nps := metricKR("Raise NPS", member, 30, 50)
	tickets := metricKR("Close tickets within a day", member, 40, 90)
	aligned := h.objective(&okr.Objective{Title: "Delight enterprise admins", Level: okr.LevelTeam, OwnerID: member, ParentObjectiveID: company.ID},
		nps, tickets)
	talks := metricKR("Give conference talks", member, 0, 3)
	orphan := h.objective(&okr.Objective{Title: "Become a better speaker", Level: okr.LevelPersonal, OwnerID: member},
		talks, metricKR("Practice sessions", member, 0, 10))
	h.objective(&okr.Objective{Title: "Lead's own thing", Level: okr.LevelTeam, OwnerID: lead}, metricKR("Secret lead metric", lead, 0, 1))

	v := h.openHome(member)
	text := slackfake.Render(v.Blocks)
	for _, want := range []string{
		"Your OKRs · 2026-Q4", "Week 7 of 13 · ends Thu, Dec 31",
		"Your key results", "Raise NPS", "Close tickets within a day", "Give conference talks", "for *" + aligned.Ref() + "* Delight enterprise admins",
		"Your objectives", aligned.Ref() + "* Delight enterprise admins", "↳ supports *" + company.Ref() + "* Win the enterprise market",
		orphan.Ref() + "* Become a better speaker", "⚠️ not aligned",
		"Needs your attention", orphan.Ref() + "* Become a better speaker supports nothing yet",
		"Company objectives", company.Ref() + "* Win the enterprise market", "±0 this week",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the Home lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Secret lead metric") || strings.Contains(text, "Lead's own thing") {
		t.Errorf("the Home shows the lead's OKRs:\n%s", text)
	}
	buttons := viewButtons(t, v)
	for _, want := range []string{"checkin_open=all", "checkin_open=" + itoa(nps.ID), "checkin_open=" + itoa(tickets.ID), "checkin_open=" + itoa(talks.ID),
		"link_open=" + orphan.Ref()} {
		if !slices.Contains(buttons, want) {
			t.Errorf("the Home lacks the button %s: %v", want, buttons)
		}
	}
	if slices.Contains(buttons, "link_open="+aligned.Ref()) {
		t.Errorf("an aligned objective offers to align it: %v", buttons)
	}
	// Opening the Home again publishes the same view: idempotent.
	again := h.openHome(member)
	if got := slackfake.Render(again.Blocks); got != text || !slices.Equal(viewButtons(t, again), buttons) {
		t.Errorf("a second visit changed the Home:\n%s", got)
	}
}

func TestHome_CheckInButtonOpensTheModalAndRefreshesTheHome(t *testing.T) {
	h := newHarness(t)
	nps := metricKR("Raise NPS", member, 30, 50)
	h.objective(&okr.Objective{Title: "Delight customers", Level: okr.LevelTeam, OwnerID: member}, nps, metricKR("Churn", member, 0, 10))
	v := h.openHome(member)
	if text := slackfake.Render(v.Blocks); !strings.Contains(text, "now 30 · 0%") {
		t.Fatalf("the Home does not show the starting point:\n%s", text)
	}

	_, err := h.srv.ClickButton(context.Background(), member, slackfake.HomeTab, "checkin_open", itoa(nps.ID))
	must(t, err)
	var modal *slackfake.View
	h.waitFor("the check-in modal", func() bool {
		modal = h.srv.TopView(member)
		return modal != nil && modal.CallbackID == "okr_checkin"
	})
	if got := metaIDs(t, modal); !slices.Equal(got, []int64{nps.ID}) {
		t.Fatalf("the button opened a check-in on %v, want %s", got, nps.Ref())
	}
	res := h.submit(member, slackfake.Inputs{field(nps, "value"): "40"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.waitFor("the Home with the new progress", func() bool {
		home := h.srv.HomeView(member)
		return home != nil && strings.Contains(slackfake.Render(home.Blocks), "now 40 · 50%")
	})
	// Opened from the Home, there is no response_url: the summary is a DM.
	h.waitFor("the summary DM", func() bool {
		return slices.ContainsFunc(h.dm(member), func(m string) bool { return strings.Contains(m, "30 → *40*") })
	})
}

func TestHome_CheckInOnAllFromTheHome(t *testing.T) {
	h := newHarness(t)
	a, b := metricKR("First", member, 0, 10), metricKR("Second", member, 0, 10)
	h.objective(&okr.Objective{Title: "Two things", Level: okr.LevelTeam, OwnerID: member}, a, b)
	h.openHome(member)
	_, err := h.srv.ClickButton(context.Background(), member, slackfake.HomeTab, "checkin_open", "")
	must(t, err)
	var modal *slackfake.View
	h.waitFor("the check-in modal", func() bool {
		modal = h.srv.TopView(member)
		return modal != nil && modal.CallbackID == "okr_checkin"
	})
	if got := metaIDs(t, modal); !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Fatalf("check in on all covers %v", got)
	}
}

func TestHome_WelcomesNewcomers(t *testing.T) {
	h := newHarness(t)
	h.objective(&okr.Objective{Title: "Win the enterprise market", Level: okr.LevelCompany, OwnerID: admin}, metricKR("Customers", admin, 0, 20))
	v := h.openHome(lead)
	text := slackfake.Render(v.Blocks)
	for _, want := range []string{"Welcome to okrbot", "`/okr new`", "Check in weekly", "Company objectives", "Win the enterprise market"} {
		if !strings.Contains(text, want) {
			t.Errorf("the welcome lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Your key results") {
		t.Errorf("the welcome lists empty sections:\n%s", text)
	}
	// Its button opens the new-objective form.
	_, err := h.srv.ClickButton(context.Background(), lead, slackfake.HomeTab, "home_new", "")
	must(t, err)
	h.waitFor("the new-objective modal", func() bool {
		m := h.srv.TopView(lead)
		return m != nil && m.CallbackID == "okr_new"
	})
}

func TestHome_NeedsYourAttention(t *testing.T) {
	h := newHarness(t)
	// The member holds four team objectives (three is the limit), one with a
	// single key result, and a company objective nothing supports.
	var first *okr.KeyResult
	for i := range 4 {
		kr := metricKR(fmt.Sprintf("Metric %d", i), member, 0, 10)
		h.objective(&okr.Objective{Title: fmt.Sprintf("Team goal %d", i), Level: okr.LevelTeam, OwnerID: member}, kr)
		if first == nil {
			first = kr
		}
	}
	lonely := h.objective(&okr.Objective{Title: "A company goal", Level: okr.LevelCompany, OwnerID: member},
		metricKR("Company metric", member, 0, 10), metricKR("Other company metric", member, 0, 10))
	h.clock.Advance(15 * 24 * time.Hour) // nothing checked in for two weeks

	text := slackfake.Render(h.openHome(member).Blocks)
	for _, want := range []string{
		"⏳ *" + first.Ref() + "* Metric 0: never checked in", "…and 3 more stale key results",
		"🔗 *O", "supports nothing yet",
		"🏝️ *" + lonely.Ref() + "* A company goal: no objective supports it yet",
		"📚 You own 4 team objectives; at most 3 keeps them in focus.",
		"has 1 key result; 2–5 work best.",
		"Week 9 of 13",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the Home lacks %q:\n%s", want, text)
		}
	}
}

func TestHome_StaysWithinLimitsAtScale(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	cycle, err := h.db.CurrentCycle(ctx)
	if okr.ErrorCode(err) == okr.ENOTFOUND {
		h.objective(&okr.Objective{Title: "Company goal 0", Level: okr.LevelCompany, OwnerID: admin}, metricKR("Revenue", admin, 0, 1))
		cycle, err = h.db.CurrentCycle(ctx)
	}
	must(t, err)
	for i := 1; i < 40; i++ {
		h.objective(&okr.Objective{Title: fmt.Sprintf("Company goal %d", i), Level: okr.LevelCompany, OwnerID: admin, CycleID: cycle.ID},
			metricKR("Revenue", admin, 0, 1))
	}
	for i := range 1000 {
		h.objective(&okr.Objective{Title: fmt.Sprintf("Objective number %d with a long title %s", i, strings.Repeat("x", 80)),
			Level: okr.LevelTeam, OwnerID: member, CycleID: cycle.ID},
			metricKR(fmt.Sprintf("Key result %d.1 %s", i, strings.Repeat("y", 100)), member, 0, 100),
			metricKR(fmt.Sprintf("Key result %d.2", i), member, 0, 100))
	}
	h.clock.Advance(20 * 24 * time.Hour) // everything stale too

	v := h.openHome(member)
	if n := blockCount(t, v); n > 100 {
		t.Fatalf("the Home has %d blocks", n)
	}
	text := slackfake.Render(v.Blocks)
	for _, want := range []string{"…and 1970 more — `/okr list mine`", "…and 980 more — `/okr list mine`", "…and 20 more — `/okr list company`",
		"…and 1,997 more stale key results", "…and 997 more unaligned objectives", "📚 You own 1,000 team objectives"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Home lacks %q", want)
		}
	}
	if v := h.srv.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

func TestHome_EscapesTitles(t *testing.T) {
	h := newHarness(t)
	company := h.objective(&okr.Objective{Title: "<!here> company & <https://evil.example|friends>", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("x", admin, 0, 1))
	h.objective(&okr.Objective{Title: "<!channel> look <https://evil.example|here>", Level: okr.LevelTeam, OwnerID: member, ParentObjectiveID: company.ID},
		&okr.KeyResult{Title: "<@UADMIN> pinged & <#COKRS>", Kind: okr.KindIncrease, Start: 0, Target: 5, Unit: "<b>", OwnerID: member},
		metricKR("y", member, 0, 1))
	// Rendered, not raw: JSON hides < and > as \u003c and \u003e.
	raw := slackfake.Render(h.openHome(member).Blocks)
	for _, bad := range []string{"<!channel>", "<!here>", "<https://evil", "<@UADMIN> pinged", "<#COKRS>", "<b>"} {
		if strings.Contains(raw, bad) {
			t.Errorf("user text reached the Home unescaped (%s): %s", bad, raw)
		}
	}
	for _, want := range []string{"&lt;!channel&gt; look", "&lt;!here&gt; company &amp;", "&lt;@UADMIN&gt; pinged &amp; &lt;#COKRS&gt;"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the Home lacks the escaped %q", want)
		}
	}
}

// TestHome_PublishesForOnePersonAreCoalesced: three visits while the first
// publish is slow make two publishes, not three racing ones, and the Home
// shows the state after the last change.
func TestHome_PublishesForOnePersonAreCoalesced(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFault("views.publish", slackfake.Fault{Delay: 2 * time.Second, Count: 1})
	for range 3 {
		if _, err := h.srv.OpenAppHome(context.Background(), member); err != nil {
			t.Fatal(err)
		}
	}
	h.objective(&okr.Objective{Title: "Added while the first publish was slow", Level: okr.LevelTeam, OwnerID: member},
		metricKR("Metric", member, 0, 10))
	// Once the slow publish is answered, every visit has been seen: without
	// coalescing, the other two have published by then.
	h.waitFor("the slow publish, then the Home showing the last state", func() bool {
		slow := slices.ContainsFunc(h.srv.CallsTo("views.publish"), func(c slackfake.Call) bool { return c.Duration >= 2*time.Second })
		v := h.srv.HomeView(member)
		return slow && len(h.srv.CallsTo("views.publish")) >= 2 && v != nil &&
			strings.Contains(h.srv.RenderView(v), "Added while the first publish was slow")
	})
	if n := len(h.srv.CallsTo("views.publish")); n != 2 {
		t.Fatalf("%d publishes for three visits during a slow one, want 2", n)
	}
}

// The Home's first line says when the person's next check-in prompt comes,
// in their own time zone, or that they are away and until when.
func TestHome_SaysWhenTheNextPromptComesOrThatYouAreAway(t *testing.T) {
	h := newHarness(t)
	h.objective(&okr.Objective{Title: "Delight enterprise admins", Level: okr.LevelTeam, OwnerID: member},
		metricKR("Raise NPS", member, 30, 50))

	// Monday 09:00 UTC is 18:00 in Tokyo, the member's zone: this week's
	// 10:00 there has passed, so the next prompt is next Monday's.
	text := slackfake.Render(h.openHome(member).Blocks)
	if !strings.Contains(text, "Next check-in prompt: Mon, Nov 23, 10:00 your time") || strings.Contains(text, "Away until") {
		t.Fatalf("Home without an absence:\n%s", text)
	}

	h.command(member, "away 2026-11-25")
	h.reply(member, "You are away")
	text = slackfake.Render(h.openHome(member).Blocks)
	if !strings.Contains(text, "Away until Wed, Nov 25: no prompts or reminders until then") || strings.Contains(text, "Next check-in prompt") {
		t.Fatalf("Home of someone away:\n%s", text)
	}
}
