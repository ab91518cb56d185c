package okr_test

import (
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestSettings_Apply(t *testing.T) {
	base := okr.Settings{Location: time.UTC, FiscalMonth: time.January, CheckinSchedule: "0 10 * * MON",
		ReminderSchedule: "0 15 * * WED", DigestSchedule: "0 16 * * FRI", Policy: okr.DefaultPolicy()}
	got, err := base.Apply(map[string]string{
		okr.SettingTimezone: "Europe/Berlin", okr.SettingFiscalYearStart: "4", okr.SettingCheckinSchedule: "@every 5s",
		okr.SettingDigestChannel: "C1", okr.SettingStaleDays: "21", okr.SettingMaxKeyResults: "7",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Location.String() != "Europe/Berlin" || got.FiscalMonth != time.April || got.CheckinSchedule != "@every 5s" ||
		got.DigestChannel != "C1" || got.Policy.StaleAfter != 21*24*time.Hour || got.Policy.MaxKeyResults != 7 || got.DigestSchedule != base.DigestSchedule {
		t.Fatalf("applied = %v %+v", got, got.Policy)
	}
	got, err = base.Apply(map[string]string{okr.SettingTimezone: "Mars/Base", okr.SettingDigestSchedule: "fridays", okr.SettingMinKeyResults: "9"})
	fields := okr.FieldErrors(err)
	if fields[okr.SettingTimezone] == "" || fields[okr.SettingDigestSchedule] == "" || fields[okr.SettingMinKeyResults] == "" {
		t.Fatalf("errors = %v", fields)
	}
	if got.Location != time.UTC || got.DigestSchedule != base.DigestSchedule {
		t.Fatalf("bad values must not apply: %v", got)
	}
}
