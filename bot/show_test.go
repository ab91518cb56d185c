package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

func TestShow_ObjectiveInFull(t *testing.T) {
	h, o := newOrgHarness(t)
	got := h.answer(lead, "show "+ref(o.reliable))
	for _, want := range []string{
		"# Objective " + ref(o.reliable),
		"*Make the platform reliable*",
		"> Team level · owned by <@ULEAD> · team Platform · 2026-Q4",
		// Health, progress and the week's change: incidents went 10 → 8.
		"🟡 *At risk* · ▰▰▰▰▰▰▱▱▱▱ *63%* · +13 this week",
		"*Key results* (2)",
		fmt.Sprintf("🟢 *%s* Uptime · stay above 99.9%%, now 99.95%% · 100%% · <@UMEMBER> · last check-in Nov 24", krRef(o.uptime)),
		fmt.Sprintf("🟡 *%s* Cut paging incidents · 10 → 2, now 8 · 25%% · <@ULEAD> · last check-in Dec 1", krRef(o.incidents)),
		// The parent chain up to the company level.
		fmt.Sprintf("↑ *%s* Scale the engineering platform · Department · 0%%\n\u2003↑ *%s* Grow revenue in Europe · Company · 13%%", ref(o.scale), ref(o.revenue)),
		// Horizontal links, both ways.
		fmt.Sprintf("↔ depends on *%s* Win enterprise deals in Germany · Team", ref(o.deals)),
		fmt.Sprintf("↔ referenced by *%s* Grow partner revenue in Europe through the portal · Team", ref(o.portal)),
		// Recent check-ins, newest first, notes and blockers escaped.
		fmt.Sprintf("*Recent check-ins*\nDec 1 · *%s* · <@ULEAD> · 9 → *8* · 🟡 At risk\n\u2003“&lt;!channel&gt; pager storm, see &lt;https://evil.example|the runbook&gt;”\n\u2003🚧 Vendor &amp; &lt;@UADMIN&gt; outage",
			krRef(o.incidents)),
		fmt.Sprintf("Nov 24 · *%s* · <@UMEMBER> · 99.5%% → *99.95%%* · 🟢 On track\n\u2003“All good”", krRef(o.uptime)),
		// Lee owns the incidents key result, not the uptime one.
		"[Check in " + krRef(o.incidents) + "]",
		"`/okr edit " + ref(o.reliable) + "` changes it",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("show lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"[Check in " + krRef(o.uptime) + "]", "[Align…]", "Quiet week\n\u2003“All good”"} {
		if strings.Contains(got, absent) {
			t.Errorf("show has %q:\n%s", absent, got)
		}
	}
	// The check-in button names the key result for the check-in modal.
	m := h.shown(lead, "# Objective "+ref(o.reliable))
	assertButton(t, m, "checkin_open", strconv.FormatInt(o.incidents.ID, 10))
	if raw := messageStrings(t, m); strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<https://evil") || strings.Contains(raw, "<@UADMIN>") {
		t.Fatalf("a check-in note reached mrkdwn unescaped: %s", raw)
	}

	// A company objective lists what is aligned under it, key results delivered marked.
	got = h.answer(member, "show "+ref(o.revenue))
	for _, want := range []string{
		"*Grow revenue in Europe*\nEurope is where our customers are.",
		"🏢 A company objective: the top of the alignment.",
		"_Aligned under it (2):_",
		fmt.Sprintf("↓ *%s* Win enterprise deals in Germany · Team · 0%% → %s", ref(o.deals), krRef(o.sign)),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("show %s lacks %q:\n%s", ref(o.revenue), want, got)
		}
	}
	if strings.Contains(got, "[Check in") {
		t.Errorf("Mia sees check-in buttons for key results she does not own:\n%s", got)
	}
}

// assertButton checks a message shows a button with this action and value.
func assertButton(t *testing.T, m slackfake.Message, actionID, value string) {
	t.Helper()
	var blocks []struct {
		Accessory *struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	must(t, json.Unmarshal(m.Blocks, &blocks))
	for _, b := range blocks {
		if b.Accessory != nil && b.Accessory.ActionID == actionID && b.Accessory.Value == value {
			return
		}
		for _, e := range b.Elements {
			if e.ActionID == actionID && e.Value == value {
				return
			}
		}
	}
	t.Fatalf("no %s button with value %q in %s", actionID, value, m.Blocks)
}

func TestShow_UnalignedObjectiveOffersAlign(t *testing.T) {
	h, o := newOrgHarness(t)
	got := h.answer(lead, "show "+ref(o.portal))
	for _, want := range []string{
		"⚠️ Supports nothing yet.",
		"_Nothing is aligned under it yet._",
		fmt.Sprintf("↔ relates to *%s* Make the platform reliable", ref(o.reliable)),
		"[Check in " + krRef(o.partners) + "] [Align…]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("show lacks %q:\n%s", want, got)
		}
	}
	assertButton(t, h.shown(lead, "# Objective "+ref(o.portal)), "link_open", ref(o.portal))

	// A closed objective shows its final score and offers nothing to do.
	got = h.answer(lead, "show "+ref(o.hiring))
	for _, want := range []string{"2026-Q3 (closed)", "🏁 Closed with a final score of *0.3*", "It supported nothing."} {
		if !strings.Contains(got, want) {
			t.Errorf("closed objective lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "[") || strings.Contains(got, "⏳") {
		t.Errorf("a closed objective offers actions or goes stale:\n%s", got)
	}
}

// TestShow_ACheckInButtonForEachKeyResultOwned: the buttons share an
// action ID, which Slack allows once per block; with two key results the
// answer was refused (invalid_blocks) and the person got an apology.
func TestShow_ACheckInButtonForEachKeyResultOwned(t *testing.T) {
	h := newHarness(t)
	o := h.objective(&okr.Objective{Title: "Ship the platform", Level: okr.LevelTeam, OwnerID: lead},
		metricKR("Services migrated", lead, 0, 20), metricKR("Teams onboarded", lead, 0, 8))
	krs, err := h.db.FindKeyResults(context.Background(), okr.KeyResultFilter{ObjectiveID: &o.ID})
	must(t, err)
	h.answer(lead, "show "+o.Ref())
	m := h.shown(lead, "# Objective "+o.Ref())
	for _, kr := range krs {
		assertButton(t, m, "checkin_open", itoa(kr.ID))
	}
	if v := h.srv.Violations(); len(v) > 0 {
		t.Fatalf("Slack refused the answer: %+v", v)
	}
}

func TestShow_KeyResultWithItsHistory(t *testing.T) {
	h, o := newOrgHarness(t)
	// Eleven more check-ins: the history shows the latest ten.
	for i := range 11 {
		must(t, h.db.CreateCheckins(context.Background(), []*okr.Checkin{{KeyResultID: o.onboard.ID, AuthorID: lead, Value: float64(i + 1),
			Confidence: okr.OnTrack, Note: fmt.Sprintf("week %d", i+1)}}))
		h.clock.Advance(time.Hour)
	}
	got := h.answer(lead, "show "+krRef(o.onboard))
	for _, want := range []string{
		"# Key result " + krRef(o.onboard),
		fmt.Sprintf("*%s* Onboard teams to the platform · 0 → 12, now 11 · 92%% · <@ULEAD>\nof ", krRef(o.onboard)),
		fmt.Sprintf("*%s* Scale the engineering platform · Department", ref(o.scale)),
		"*Check-ins*, newest first (the latest 10)",
		"Dec 1 · <@ULEAD> · 10 → *11* · 🟢 On track\n\u2003“week 11”",
		"“week 2”",
		"[Check in]",
		"`/okr edit " + krRef(o.onboard) + "` changes it · `/okr show " + ref(o.scale) + "` shows its objective",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("show lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "“week 1”") {
		t.Errorf("history shows more than ten check-ins:\n%s", got)
	}
	assertButton(t, h.shown(lead, "# Key result "+krRef(o.onboard)), "checkin_open", strconv.FormatInt(o.onboard.ID, 10))

	// Someone who does not own it sees the history, escaped, and no button.
	got = h.answer(member, "show "+krRef(o.incidents))
	if !strings.Contains(got, "🚧 Vendor &amp; &lt;@UADMIN&gt; outage") || strings.Contains(got, "[Check in]") {
		t.Errorf("show for a non-owner:\n%s", got)
	}
	// A key result never checked in says so.
	got = h.answer(member, "show "+krRef(o.goCourse))
	if !strings.Contains(got, "*Check-ins*\n_None yet._") || !strings.Contains(got, "[Check in]") {
		t.Errorf("show of a fresh key result:\n%s", got)
	}
}

func TestShow_UnknownReferencesAreAnswered(t *testing.T) {
	h, _ := newOrgHarness(t)
	for _, tc := range []struct{ text, want string }{
		{"show O999", ":warning: There is no objective O999."},
		{"show KR999", ":warning: There is no key result KR999."},
		{"show Nothing like this", "No objective starts with “Nothing like this”."},
		{"show Grow", "2 objectives start with “Grow”"},
		{"show", "Usage: `/okr show &lt;objective or key result&gt;`"},
	} {
		if got := h.answer(member, tc.text); !strings.Contains(got, tc.want) {
			t.Errorf("/okr %s answered %q, want %q", tc.text, got, tc.want)
		}
	}
	// A unique title prefix works like a reference.
	if got := h.answer(member, "show Learn Go"); !strings.Contains(got, "*Learn Go deeply*") {
		t.Errorf("show by title = %s", got)
	}
}
