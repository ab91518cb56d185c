package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// checkinWorld is a small company: the member owns three key results (a
// percentage, a dollar amount and a count, one under the lead's objective)
// and the lead owns one.
type checkinWorld struct {
	pct, usd, leads *okr.KeyResult // the member's
	other           *okr.KeyResult // the lead's
	mine, leads3    *okr.Objective
}

func seedCheckinWorld(h *harness) checkinWorld {
	h.t.Helper()
	var w checkinWorld
	w.pct = &okr.KeyResult{Title: "Activation rate", Kind: okr.KindIncrease, Start: 10, Target: 30, Current: 12.5, Unit: "%", OwnerID: member}
	w.usd = &okr.KeyResult{Title: "Monthly revenue", Kind: okr.KindIncrease, Start: 1000, Target: 5000, Current: 3000, Unit: "$", OwnerID: member}
	w.mine = h.objective(&okr.Objective{Title: "Grow the self-serve business", Level: okr.LevelTeam, OwnerID: member}, w.pct, w.usd)
	w.leads = &okr.KeyResult{Title: "Qualified leads", Kind: okr.KindIncrease, Start: 0, Target: 120, Current: 40, Unit: "leads", OwnerID: member}
	w.other = metricKR("Partner deals signed", lead, 0, 10)
	w.leads3 = h.objective(&okr.Objective{Title: "Open the partner channel", Level: okr.LevelTeam, OwnerID: lead}, w.leads, w.other)
	return w
}

// kr returns a key result as stored.
func (h *harness) kr(id int64) *okr.KeyResult {
	h.t.Helper()
	kr, err := h.db.FindKeyResultByID(context.Background(), id)
	must(h.t, err)
	return kr
}

// checkins returns a key result's check-in history, newest first.
func (h *harness) checkins(krID int64) []*okr.Checkin {
	h.t.Helper()
	out, err := h.db.FindCheckins(context.Background(), okr.CheckinFilter{KeyResultID: &krID})
	must(h.t, err)
	return out
}

func field(kr *okr.KeyResult, name string) string { return fmt.Sprintf("kr%d_%s", kr.ID, name) }

// metaIDs reads the key results a check-in modal covers.
func metaIDs(t *testing.T, v *slackfake.View) []int64 {
	t.Helper()
	var meta struct {
		IDs []int64 `json:"ids"`
	}
	must(t, json.Unmarshal([]byte(v.PrivateMetadata), &meta))
	return meta.IDs
}

func TestCheckin_ModalListsMyKeyResultsPrefilled(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	v := h.modal(member, "checkin", "okr_checkin")

	ids := "," + strings.Join(viewBlockIDs(t, v), ",") + ","
	for _, kr := range []*okr.KeyResult{w.pct, w.usd, w.leads} {
		for _, f := range []string{"value", "confidence", "note", "blockers"} {
			if !strings.Contains(ids, ","+field(kr, f)+",") {
				t.Errorf("the modal lacks %s: %s", field(kr, f), ids)
			}
		}
	}
	if strings.Contains(ids, field(w.other, "value")) {
		t.Errorf("the modal lists the lead's key result: %s", ids)
	}
	if got := metaIDs(t, v); len(got) != 3 {
		t.Errorf("metadata covers %v, want the member's three key results", got)
	}
	for kr, want := range map[*okr.KeyResult]string{w.pct: `"12.5%"`, w.usd: `"$3,000"`, w.leads: `"40 leads"`} {
		if got := string(v.State[field(kr, "value")]["v"]); !strings.Contains(got, want) {
			t.Errorf("%s pre-filled with %s, want %s", kr.Ref(), got, want)
		}
		if got := string(v.State[field(kr, "confidence")]["v"]); !strings.Contains(got, `"on_track"`) {
			t.Errorf("%s confidence pre-filled with %s, want on track", kr.Ref(), got)
		}
	}
	text := h.srv.RenderView(v)
	for _, want := range []string{"Activation rate", "for *O" + itoa(w.mine.ID) + "* Grow the self-serve business", "10% → 30%", "now *12.5%*", "No check-in yet"} {
		if !strings.Contains(text, want) {
			t.Errorf("the modal does not show %q:\n%s", want, text)
		}
	}
}

func TestCheckin_RecordsEveryKeyResult(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	h.modal(member, "checkin", "okr_checkin")
	res := h.submit(member, slackfake.Inputs{
		field(w.pct, "value"):      "20%",
		field(w.usd, "value"):      "$3.5k",
		field(w.usd, "confidence"): "at_risk",
		field(w.usd, "note"):       "Two big customers slipped to January",
		field(w.usd, "blockers"):   "Legal review of the new contract",
		field(w.leads, "value"):    "45", // no unit: the key result's own
	})
	if res.ResponseAction != "" || len(res.Errors) > 0 {
		t.Fatalf("valid check-in answered %q %v", res.ResponseAction, res.Errors)
	}
	reply := h.reply(member, "Checked in on 3 key results")
	for _, want := range []string{"12.5% → *20%*", "50%", "(+38)", "$3,000 → *$3,500*", "🟡 *KR" + itoa(w.usd.ID), "40 leads → *45 leads*"} {
		if !strings.Contains(reply, want) {
			t.Errorf("summary lacks %q:\n%s", want, reply)
		}
	}

	want := map[int64]struct {
		value, previous float64
		confidence      okr.Confidence
	}{
		w.pct.ID:   {20, 12.5, okr.OnTrack},
		w.usd.ID:   {3500, 3000, okr.AtRisk},
		w.leads.ID: {45, 40, okr.OnTrack},
	}
	for id, wt := range want {
		hist := h.checkins(id)
		if len(hist) != 1 {
			t.Fatalf("KR%d has %d check-ins, want 1", id, len(hist))
		}
		c := hist[0]
		if c.Value != wt.value || c.Previous != wt.previous || c.Confidence != wt.confidence || c.AuthorID != member {
			t.Errorf("KR%d check-in = %+v, want %+v by %s", id, c, wt, member)
		}
		kr := h.kr(id)
		if kr.Current != wt.value || kr.Confidence != wt.confidence || kr.CheckedAt.IsZero() {
			t.Errorf("KR%d now %v %s checked %v, want %v %s", id, kr.Current, kr.Confidence, kr.CheckedAt, wt.value, wt.confidence)
		}
	}
	c := h.checkins(w.usd.ID)[0]
	if c.Note != "Two big customers slipped to January" || c.Blockers != "Legal review of the new contract" {
		t.Errorf("note and blockers = %q, %q", c.Note, c.Blockers)
	}
	if got := h.checkins(w.other.ID); len(got) != 0 {
		t.Errorf("the lead's key result got check-ins: %+v", got)
	}
	// The Home is republished after a check-in, with the new progress.
	h.waitFor("the Home", func() bool {
		v := h.srv.HomeView(member)
		return v != nil && strings.Contains(slackfake.Render(v.Blocks), "now 20%")
	})
}

func TestCheckin_BadNumberShowsErrorAndKeepsWhatWasTyped(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	h.modal(member, "checkin", "okr_checkin")
	res := h.submit(member, slackfake.Inputs{
		field(w.pct, "value"):   "lots",
		field(w.usd, "value"):   "$4,000",
		field(w.usd, "note"):    "Good month",
		field(w.leads, "value"): "50",
	})
	if res.ResponseAction != "errors" {
		t.Fatalf("a bad number answered %q", res.ResponseAction)
	}
	if got, want := res.Errors[field(w.pct, "value")], "New value must be a number, like 1,200 or 12.5% or $3k."; got != want {
		t.Errorf("error under %s = %q, want %q (all: %v)", field(w.pct, "value"), got, want, res.Errors)
	}
	if len(res.Errors) != 1 {
		t.Errorf("errors = %v, want only the bad number's", res.Errors)
	}
	v := h.srv.TopView(member)
	if v == nil || v.CallbackID != "okr_checkin" {
		t.Fatal("the modal closed on an error")
	}
	for f, want := range map[string]string{field(w.pct, "value"): "lots", field(w.usd, "value"): "$4,000", field(w.usd, "note"): "Good month"} {
		if got := string(v.State[f]["v"]); !strings.Contains(got, want) {
			t.Errorf("%s = %s, want what was typed (%s)", f, got, want)
		}
	}
	all, err := h.db.FindCheckins(context.Background(), okr.CheckinFilter{})
	must(t, err)
	if len(all) != 0 || h.kr(w.usd.ID).Current != 3000 {
		t.Fatalf("a refused form stored %d check-ins", len(all))
	}
	// Correcting the one field records everything.
	res = h.submit(member, slackfake.Inputs{field(w.pct, "value"): "14%"})
	if len(res.Errors) > 0 {
		t.Fatalf("corrected form answered %v", res.Errors)
	}
	h.reply(member, "Checked in on 3 key results")
	if got := h.kr(w.usd.ID).Current; got != 4000 {
		t.Errorf("revenue = %v after the corrected form, want 4000", got)
	}
}

func TestCheckin_RefusesAnotherUnit(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	h.modal(member, "checkin", "okr_checkin")
	res := h.submit(member, slackfake.Inputs{field(w.pct, "value"): "$5", field(w.leads, "value"): "50 km"})
	if got := res.Errors[field(w.pct, "value")]; !strings.Contains(got, "measured in %, not $") {
		t.Errorf("error under the %% key result = %q (all: %v)", got, res.Errors)
	}
	if got := res.Errors[field(w.leads, "value")]; !strings.Contains(got, "measured in leads, not km") {
		t.Errorf("error under the leads key result = %q (all: %v)", got, res.Errors)
	}
	if got := h.checkins(w.pct.ID); len(got) != 0 {
		t.Fatalf("a refused unit was stored: %+v", got)
	}
}

func TestCheckin_MilestoneDone(t *testing.T) {
	h := newHarness(t)
	launch := &okr.KeyResult{Title: "Launch the partner portal", Kind: okr.KindMilestone, OwnerID: member}
	h.objective(&okr.Objective{Title: "Open the partner channel", Level: okr.LevelTeam, OwnerID: member}, launch, metricKR("Partners", member, 0, 5))
	v := h.modal(member, "checkin "+launch.Ref(), "okr_checkin")
	if v.Title != "Check in on "+launch.Ref() {
		t.Errorf("title = %q", v.Title)
	}
	if got := metaIDs(t, v); !slices.Equal(got, []int64{launch.ID}) {
		t.Fatalf("the modal covers %v, want only %s", got, launch.Ref())
	}
	if got := string(v.State[field(launch, "value")]["v"]); !strings.Contains(got, `"not_done"`) {
		t.Errorf("milestone pre-filled with %s", got)
	}
	res := h.submit(member, slackfake.Inputs{field(launch, "value"): "done"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	reply := h.reply(member, "Checked in on 1 key result")
	if !strings.Contains(reply, "not done → *done*") || !strings.Contains(reply, "100%") {
		t.Errorf("summary = %s", reply)
	}
	if kr := h.kr(launch.ID); kr.Current != 1 || !kr.Done() {
		t.Errorf("milestone current = %v after done", kr.Current)
	}
	// The other key result was not in the form, so it is still due, and
	// the summary's button opens a form for it.
	if !strings.Contains(reply, "1 more key result due a check-in") {
		t.Fatalf("summary does not offer the rest: %s", reply)
	}
	var summary slackfake.Message
	for _, m := range h.srv.Ephemerals(member) {
		if strings.Contains(slackfake.RenderMessage(m), "Checked in on 1 key result") {
			summary = m
		}
	}
	_, err := h.srv.ClickButton(context.Background(), member, slackfake.MessageRef{Channel: summary.Channel, TS: summary.TS}, "checkin_open", "")
	must(t, err)
	h.waitFor("a form for the rest", func() bool {
		top := h.srv.TopView(member)
		return top != nil && top.CallbackID == "okr_checkin" && top.ID != v.ID && strings.Contains(h.srv.RenderView(top), "Partners")
	})
}

func TestCheckin_SomeoneElsesKeyResultIsRefused(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	h.command(member, "checkin "+w.other.Ref())
	h.reply(member, "Only <@ULEAD>, who owns "+w.other.Ref()+", can check in on it.")

	h.command(lead, "checkin "+w.mine.Ref())
	h.reply(lead, "You own none of the key results of *"+w.mine.Ref()+"*")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a refused check-in opened %s", v.CallbackID)
	}
	if v := h.srv.TopView(lead); v != nil {
		t.Fatalf("a refused check-in opened %s", v.CallbackID)
	}
	// Naming the lead's objective shows only what the member owns in it.
	v := h.modal(member, "checkin "+w.leads3.Ref(), "okr_checkin")
	if got := metaIDs(t, v); !slices.Equal(got, []int64{w.leads.ID}) {
		t.Errorf("%s check-in covers %v, want only %s", w.leads3.Ref(), got, w.leads.Ref())
	}
}

func TestCheckin_AdminChecksInOnAnyone(t *testing.T) {
	h := newHarness(t)
	w := seedCheckinWorld(h)
	v := h.modal(admin, "checkin "+w.other.Ref(), "okr_checkin")
	if text := h.srv.RenderView(v); !strings.Contains(text, "owned by <@ULEAD>") {
		t.Errorf("the admin's form does not say whose key result it is:\n%s", text)
	}
	res := h.submit(admin, slackfake.Inputs{field(w.other, "value"): "3", field(w.other, "confidence"): "off_track"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(admin, "Checked in on 1 key result")
	hist := h.checkins(w.other.ID)
	if len(hist) != 1 || hist[0].AuthorID != admin || hist[0].Value != 3 || hist[0].Confidence != okr.OffTrack {
		t.Fatalf("history = %+v", hist)
	}
}

func TestCheckin_NoKeyResultsGetsAFriendlyReply(t *testing.T) {
	h := newHarness(t)
	seedCheckinWorld(h)
	h.command(admin, "checkin")
	reply := h.reply(admin, "You don't own any key results in *2026-Q4* yet")
	if !strings.Contains(reply, "/okr new") {
		t.Errorf("the reply does not say how to start: %s", reply)
	}
	if calls := h.srv.CallsTo("views.open"); len(calls) != 0 {
		t.Fatalf("a modal was opened for someone with nothing to check in on")
	}
}

func TestCheckin_MoreKeyResultsThanFit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var all []*okr.KeyResult
	for o := range 8 {
		var krs []*okr.KeyResult
		for k := range 5 {
			krs = append(krs, metricKR(fmt.Sprintf("Metric %d.%d", o+1, k+1), member, 0, 100))
		}
		h.objective(&okr.Objective{Title: fmt.Sprintf("Objective %d", o+1), Level: okr.LevelPersonal, OwnerID: member}, krs...)
		all = append(all, krs...)
	}
	// Ten were checked in already: the form should show the others first.
	var recent []*okr.Checkin
	for _, kr := range all[:10] {
		recent = append(recent, &okr.Checkin{KeyResultID: kr.ID, AuthorID: member, Value: 10, Confidence: okr.OnTrack})
	}
	must(t, h.db.CreateCheckins(ctx, recent))

	v := h.modal(member, "checkin", "okr_checkin")
	if n := len(viewBlockIDs(t, v)); n > 100 {
		t.Fatalf("the modal has %d blocks", n)
	}
	shown := metaIDs(t, v)
	if len(shown) == 0 || len(shown) >= 30 {
		t.Fatalf("the modal covers %d key results", len(shown))
	}
	for _, kr := range all[:10] {
		if slices.Contains(shown, kr.ID) {
			t.Errorf("%s, checked in just now, is shown before ones never checked in", kr.Ref())
		}
	}
	rest := 40 - len(shown)
	if text := h.srv.RenderView(v); !strings.Contains(text, fmt.Sprintf("…and %d more key results", rest)) || !strings.Contains(text, "run `/okr checkin` again") {
		t.Errorf("the modal does not say how many more remain:\n%s", text[max(0, len(text)-400):])
	}

	res := h.submit(member, slackfake.Inputs{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	due := 30 - len(shown)
	h.reply(member, fmt.Sprintf("You have %d more key results due a check-in", due))
	for _, id := range shown {
		if n := len(h.checkins(id)); n != 1 {
			t.Errorf("KR%d has %d check-ins, want 1", id, n)
		}
	}
	// Running it again shows the ones still waiting.
	v = h.modal(member, "checkin", "okr_checkin")
	again := metaIDs(t, v)
	for _, kr := range all[10:] {
		if !slices.Contains(shown, kr.ID) && !slices.Contains(again, kr.ID) {
			t.Errorf("%s, never checked in, is not in the second form", kr.Ref())
		}
	}
}
