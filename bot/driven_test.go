package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// drivenWorld is a company objective whose revenue key result two team
// objectives deliver: the lead's (at 60%, weight 1) and the member's (at
// 30%, weight 2), so revenue is driven at 40%. Its second key result, the
// margin, is the admin's to check in by hand.
type drivenWorld struct {
	company, sales, partners *okr.Objective
	revenue, margin          *okr.KeyResult
}

func seedDrivenWorld(h *harness) drivenWorld {
	h.t.Helper()
	ctx := context.Background()
	var w drivenWorld
	w.revenue = metricKR("Revenue <grows> & more", admin, 0, 100)
	w.margin = metricKR("Gross margin", admin, 0, 50)
	w.company = h.objective(&okr.Objective{Title: "Grow the business", Level: okr.LevelCompany, OwnerID: admin}, w.revenue, w.margin)
	deals := metricKR("Deals", lead, 0, 10)
	w.sales = h.objective(&okr.Objective{Title: "Sell more", Level: okr.LevelTeam, OwnerID: lead}, deals)
	signed := metricKR("Partners signed", member, 0, 10)
	w.partners = h.objective(&okr.Objective{Title: "Open partner sales", Level: okr.LevelTeam, OwnerID: member, Weight: 2}, signed)
	for _, o := range []*okr.Objective{w.sales, w.partners} {
		must(h.t, h.db.SetParent(ctx, o.ID, okr.LinkTarget{KeyResultID: w.revenue.ID}, okr.LinkOptions{}))
	}
	must(h.t, h.db.CreateCheckins(ctx, []*okr.Checkin{
		{KeyResultID: deals.ID, AuthorID: lead, Value: 6, Confidence: okr.OnTrack},
		{KeyResultID: signed.ID, AuthorID: member, Value: 3, Confidence: okr.OnTrack},
	}))
	return w
}

// TestDriven_ShownEverywhereAndACheckinSetsItByHand: a key result two
// objectives deliver reads "driven by" them in /okr show, the App Home and
// the tree, with their weighted progress; a check-in on it (which warns first)
// sets it by hand and says so, and /okr drive turns it back.
func TestDriven_ShownEverywhereAndACheckinSetsItByHand(t *testing.T) {
	h := newHarness(t)
	w := seedDrivenWorld(h)
	by := fmt.Sprintf("driven by %s, %s", ref(w.sales), ref(w.partners))

	show := h.answer(admin, "show "+krRef(w.revenue))
	for _, want := range []string{
		"*" + krRef(w.revenue) + "* Revenue &lt;grows&gt; &amp; more · 0 → 100, " + by + " · 40% ·",
		fmt.Sprintf("🔗 Driven by %s and %s, which deliver it: its progress is theirs", ref(w.sales), ref(w.partners)),
	} {
		if !strings.Contains(show, want) {
			t.Errorf("/okr show %s lacks %q:\n%s", krRef(w.revenue), want, show)
		}
	}
	show = h.answer(admin, "show "+ref(w.company))
	if want := "· 0 → 100, " + by + " · 40% ·"; !strings.Contains(show, want) {
		t.Errorf("/okr show %s lacks %q:\n%s", ref(w.company), want, show)
	}
	if want := "↓ *" + ref(w.sales) + "* Sell more · Team · 60% → drives " + krRef(w.revenue); !strings.Contains(show, want) {
		t.Errorf("/okr show %s lacks %q:\n%s", ref(w.company), want, show)
	}
	home := h.openHome(admin)
	if text := h.srv.RenderView(home); !strings.Contains(text, by) || !strings.Contains(text, "no check-in needed") {
		t.Errorf("the App Home does not show %q, no check-in needed:\n%s", by, text)
	}
	buttons := strings.Join(viewButtons(t, home), " ")
	if !strings.Contains(buttons, "checkin_open="+itoa(w.margin.ID)) || strings.Contains(buttons, "checkin_open="+itoa(w.revenue.ID)) {
		t.Errorf("the App Home's check-in buttons are %s; want one for %s and none for the driven %s", buttons, krRef(w.margin), krRef(w.revenue))
	}
	if tree := h.answer(admin, "tree"); !strings.Contains(tree, "→ drives "+krRef(w.revenue)) {
		t.Errorf("the tree does not show what drives %s:\n%s", krRef(w.revenue), tree)
	}

	// The form for all of the admin's key results asks about the margin
	// only, and names revenue as driven.
	all := h.modal(admin, "checkin", "okr_checkin")
	if got := metaIDs(t, all); len(got) != 1 || got[0] != w.margin.ID {
		t.Fatalf("the form for all covers %v, want only %s", got, krRef(w.margin))
	}
	if text := h.srv.RenderView(all); !strings.Contains(text, "No check-in needed on *"+krRef(w.revenue)+"* ("+by+")") {
		t.Errorf("the form for all does not name the driven key result:\n%s", text)
	}

	// Named, it can be checked in on, with a warning.
	v := h.modal(admin, "checkin "+krRef(w.revenue), "okr_checkin")
	if text := h.srv.RenderView(v); !strings.Contains(text, ":warning: A check-in sets it by hand from now on") {
		t.Errorf("the form does not warn:\n%s", text)
	}
	// Pre-filled with where it stands, driven: saved unchanged, it stays.
	if got := string(v.State[field(w.revenue, "value")]["v"]); !strings.Contains(got, `"40"`) {
		t.Errorf("the value is pre-filled with %s, want 40", got)
	}
	res := h.submit(admin, slackfake.Inputs{field(w.revenue, "value"): "25"})
	if len(res.Errors) > 0 {
		t.Fatalf("check-in refused: %v", res.Errors)
	}
	reply := h.reply(admin, "Checked in on 1 key result")
	for _, want := range []string{
		krRef(w.revenue) + "* Revenue &lt;grows&gt; &amp; more: " + by + " (40%) → *25* · ▰▰▰▱▱▱▱▱▱▱ 25% (−15)",
		fmt.Sprintf("%s was %s; your check-in sets it by hand from now on. `/okr drive %s` turns it back.", krRef(w.revenue), by, krRef(w.revenue)),
	} {
		if !strings.Contains(reply, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, reply)
		}
	}
	if !h.kr(w.revenue.ID).ByHand {
		t.Fatal("the check-in left the key result driven")
	}
	show = h.answer(admin, "show "+krRef(w.revenue))
	for _, want := range []string{"0 → 100, now 25 · 25%", "✍️ Set by hand: " + ref(w.sales) + " and " + ref(w.partners) + " deliver it"} {
		if !strings.Contains(show, want) {
			t.Errorf("after the check-in /okr show lacks %q:\n%s", want, show)
		}
	}

	// Only the owner or an admin may turn it back; then it is driven again.
	if got := h.answer(member, "drive "+krRef(w.revenue)); !strings.Contains(got, "or an admin can choose what sets its progress") {
		t.Errorf("/okr drive by someone else answered %q", got)
	}
	if got := h.answer(admin, "drive "+krRef(w.revenue)); !strings.Contains(got, "is "+by+" again: ▰▰▰▰▱▱▱▱▱▱ 40% from their progress") {
		t.Errorf("/okr drive answered %q", got)
	}
	if h.kr(w.revenue.ID).ByHand {
		t.Fatal("/okr drive left the key result set by hand")
	}
	if got := h.answer(admin, "drive "+krRef(w.revenue)); !strings.Contains(got, "is already "+by) {
		t.Errorf("/okr drive again answered %q", got)
	}
	if got := h.answer(admin, "drive "+krRef(w.margin)); !strings.Contains(got, "No active objective of this cycle delivers") {
		t.Errorf("/okr drive on a key result nothing delivers answered %q", got)
	}
}

// TestDriven_OnlyDrivenKeyResultsNeedNoCheckin: someone whose key results
// are all driven is told so rather than shown an empty form.
func TestDriven_OnlyDrivenKeyResultsNeedNoCheckin(t *testing.T) {
	h := newHarness(t)
	w := seedDrivenWorld(h)
	must(t, h.db.ArchiveKeyResult(context.Background(), w.margin.ID))
	h.command(admin, "checkin")
	reply := h.reply(admin, "so none needs a check-in")
	if want := "*" + krRef(w.revenue) + "* (driven by " + ref(w.sales) + ", " + ref(w.partners) + ")"; !strings.Contains(reply, want) {
		t.Errorf("the answer lacks %q:\n%s", want, reply)
	}
	if v := h.srv.TopView(admin); v != nil {
		t.Errorf("a form opened: %s", v.CallbackID)
	}
}
