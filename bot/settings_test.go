package bot_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

func TestSettings_OnlyAdmins(t *testing.T) {
	h := newHarness(t)
	h.command(member, "settings")
	h.reply(member, ":no_entry: Only admins can change settings. Ask <@UADMIN>.")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a refused command opened %s", v.CallbackID)
	}
}

func TestSettings_FormShowsTheSettingsInForce(t *testing.T) {
	h := newHarness(t)
	v := h.modal(admin, "settings", "okr_settings")
	want := map[string]string{
		okr.SettingTimezone:              "UTC",
		okr.SettingFiscalYearStart:       "1",
		okr.SettingCheckinSchedule:       "0 10 * * MON",
		okr.SettingReminderSchedule:      "0 15 * * WED",
		okr.SettingDigestSchedule:        "0 16 * * FRI",
		okr.SettingNudgeSchedule:         "0 11 * * MON-FRI",
		okr.SettingMaxObjectivesPerOwner: "3",
		okr.SettingStaleDays:             "14",
	}
	for block, value := range want {
		if got := viewInput(t, v, block); got != value {
			t.Errorf("%s pre-filled with %q, want %q", block, got, value)
		}
	}
	rendered := h.srv.RenderView(v)
	if !strings.Contains(rendered, "each owner's own time zone") {
		t.Errorf("the schedule hints do not say whose time zone:\n%s", rendered)
	}
	if !strings.Contains(rendered, "at most 3 a week per person") {
		t.Errorf("the nudge schedule's hint does not say how often nudges come:\n%s", rendered)
	}
	ids := strings.Join(viewBlockIDs(t, v), " ")
	if !strings.Contains(ids, okr.SettingDigestSchedule+" "+okr.SettingNudgeSchedule+" ") {
		t.Errorf("the nudge schedule does not follow the digest schedule: %s", ids)
	}
}

func TestSettings_SavedReadBackAndDefaultsNotStored(t *testing.T) {
	h := newHarness(t)
	h.modal(admin, "settings", "okr_settings")
	res := h.submit(admin, slackfake.Inputs{
		okr.SettingDigestChannel:   channel,
		okr.SettingTimezone:        "Europe/Berlin",
		okr.SettingFiscalYearStart: "April",
		okr.SettingCheckinSchedule: "0 9 * * MON",
		okr.SettingNudgeSchedule:   "30 11 * * TUE,THU",
		okr.SettingStaleDays:       "21",
		okr.SettingMaxKeyResults:   "05", // the default, written differently
	})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	got := h.reply(admin, "Settings saved")
	for _, line := range []string{
		"• Digest channel: no digest → <#COKRS>",
		"• Company time zone: `UTC` → `Europe/Berlin`",
		"• Fiscal year start: January → April",
		"• Check-in schedule: `0 10 * * MON` → `0 9 * * MON`",
		"• Nudge schedule: `0 11 * * MON-FRI` → `30 11 * * TUE,THU`",
		"• Days before a key result is stale: 14 → 21",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("the confirmation lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "Most key results") {
		t.Errorf("an unchanged setting is reported as changed:\n%s", got)
	}
	stored, err := h.db.Settings(context.Background())
	must(t, err)
	wantStored := map[string]string{
		okr.SettingDigestChannel: channel, okr.SettingTimezone: "Europe/Berlin", okr.SettingFiscalYearStart: "4",
		okr.SettingCheckinSchedule: "0 9 * * MON", okr.SettingNudgeSchedule: "30 11 * * TUE,THU", okr.SettingStaleDays: "21",
	}
	if !maps.Equal(stored, wantStored) {
		t.Fatalf("stored %v, want only what differs from the defaults %v", stored, wantStored)
	}

	// Reopening shows the saved values.
	v := h.modal(admin, "settings", "okr_settings")
	for block, value := range map[string]string{okr.SettingTimezone: "Europe/Berlin", okr.SettingFiscalYearStart: "4",
		okr.SettingCheckinSchedule: "0 9 * * MON", okr.SettingNudgeSchedule: "30 11 * * TUE,THU", okr.SettingDigestChannel: channel,
		okr.SettingStaleDays: "21"} {
		if got := viewInput(t, v, block); got != value {
			t.Errorf("reopened %s = %q, want %q", block, got, value)
		}
	}

	// Emptying a field, or typing its default, restores the default.
	res = h.submit(admin, slackfake.Inputs{okr.SettingTimezone: "", okr.SettingStaleDays: "14"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.waitFor("the defaults restored", func() bool {
		s, err := h.db.Settings(context.Background())
		return err == nil && s[okr.SettingTimezone] == "" && s[okr.SettingStaleDays] == "" && s[okr.SettingCheckinSchedule] == "0 9 * * MON"
	})
	h.reply(admin, "• Company time zone: `Europe/Berlin` → `UTC`")
}

func TestSettings_BadValuesShowUnderTheirFields(t *testing.T) {
	h := newHarness(t)
	h.modal(admin, "settings", "okr_settings")
	res := h.submit(admin, slackfake.Inputs{
		okr.SettingTimezone:         "Mars/Olympus",
		okr.SettingReminderSchedule: "every wednesday",
		okr.SettingNudgeSchedule:    "weekdays",
		okr.SettingCheckinSchedule:  "0 8 * * TUE",
		okr.SettingStaleDays:        "ten",
		okr.SettingMinKeyResults:    "7",
	})
	if res.ResponseAction != "errors" {
		t.Fatalf("bad values answered %q", res.ResponseAction)
	}
	for block, want := range map[string]string{
		okr.SettingTimezone:         "Time zone is an IANA name",
		okr.SettingReminderSchedule: "“every wednesday” is not a schedule",
		okr.SettingNudgeSchedule:    "“weekdays” is not a schedule",
		okr.SettingStaleDays:        "whole number",
		okr.SettingMinKeyResults:    "must not exceed the most (5)",
	} {
		if !strings.Contains(res.Errors[block], want) {
			t.Errorf("error under %s = %q, want %q (all: %v)", block, res.Errors[block], want, res.Errors)
		}
	}
	if _, bad := res.Errors[okr.SettingCheckinSchedule]; bad {
		t.Errorf("a good schedule got an error: %v", res.Errors)
	}
	v := h.srv.TopView(admin)
	if v == nil || v.CallbackID != "okr_settings" {
		t.Fatal("the form closed on an error")
	}
	if got := viewInput(t, v, okr.SettingTimezone); got != "Mars/Olympus" {
		t.Fatalf("what was typed is gone: %q", got)
	}
	if got := viewInput(t, v, okr.SettingCheckinSchedule); got != "0 8 * * TUE" {
		t.Fatalf("what was typed is gone: %q", got)
	}
	stored, err := h.db.Settings(context.Background())
	must(t, err)
	if len(stored) != 0 {
		t.Fatalf("a refused form stored %v", stored)
	}
}

// TestSettings_WorkspaceTermsGuideSuggestions: an admin's own related terms
// are checked where they are typed, and once saved, a new objective using
// one finds the parent using another, saying why.
func TestSettings_WorkspaceTermsGuideSuggestions(t *testing.T) {
	h := newHarness(t)
	checkout := h.objective(&okr.Objective{Title: "Double checkout conversion", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Conversion rate", admin, 2, 4))
	h.objective(&okr.Objective{Title: "Hire a great sales team", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Account executives hired", admin, 0, 6))

	h.modal(admin, "settings", "okr_settings")
	res := h.submit(admin, slackfake.Inputs{okr.SettingTerms: "Atlas"})
	if got := res.Errors[okr.SettingTerms]; !strings.Contains(got, "Line 1: a group needs at least two related terms") {
		t.Fatalf("errors = %v, want one under the terms", res.Errors)
	}
	res = h.submit(admin, slackfake.Inputs{okr.SettingTerms: "Atlas,  payment page ,checkout\n\n"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(admin, "• Workspace terms: none → 1 group of related terms")
	stored, err := h.db.Settings(context.Background())
	must(t, err)
	if got := stored[okr.SettingTerms]; got != "Atlas, payment page ,checkout" {
		t.Fatalf("stored terms = %q", got)
	}

	h.modal(lead, "new team", "okr_new")
	if res := h.submit(lead, slackfake.Inputs{"title": "Ship Atlas to every shop", "kr1_title": "Shops on Atlas", "kr1_target": "40"}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	reply := h.reply(lead, "supports nothing yet")
	if want := "*" + checkout.Ref() + "* Double checkout conversion · Company\n_atlas ~ checkout_"; !strings.Contains(reply, want) {
		t.Fatalf("suggestions lack %q:\n%s", want, reply)
	}
}
