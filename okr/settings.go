package okr

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings are the values an admin may change at run time, starting from
// the configured defaults; SettingService stores the overrides by key.
type Settings struct {
	Location         *time.Location // the company time zone
	FiscalMonth      time.Month
	CheckinSchedule  string // cron spec, read in each owner's own time zone
	ReminderSchedule string // cron spec, in each owner's own time zone
	DigestSchedule   string // cron spec, in the company time zone
	NudgeSchedule    string // cron spec, in each owner's own time zone
	DigestChannel    string // channel ID; "" for no digest
	Policy           Policy
	// Terms are the workspace's own groups of related terms (product
	// names, team jargon) for parent suggestions, in the format of
	// okr/lexicon.txt; "" for none.
	Terms string
}

// The schedules okrbot keeps when nobody configures others: the check-in
// prompt on Monday morning, a reminder on Wednesday afternoon, the digest on
// Friday afternoon and alignment nudges late on weekday mornings.
const (
	DefaultCheckinSchedule  = "0 10 * * MON"
	DefaultReminderSchedule = "0 15 * * WED"
	DefaultDigestSchedule   = "0 16 * * FRI"
	DefaultNudgeSchedule    = "0 11 * * MON-FRI"
)

// WithDefaults fills the zero fields: UTC, a January fiscal year, the
// default policy and the default schedules.
func (s Settings) WithDefaults() Settings {
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.FiscalMonth == 0 {
		s.FiscalMonth = time.January
	}
	if s.Policy == (Policy{}) {
		s.Policy = DefaultPolicy()
	}
	if s.CheckinSchedule == "" {
		s.CheckinSchedule = DefaultCheckinSchedule
	}
	if s.ReminderSchedule == "" {
		s.ReminderSchedule = DefaultReminderSchedule
	}
	if s.DigestSchedule == "" {
		s.DigestSchedule = DefaultDigestSchedule
	}
	if s.NudgeSchedule == "" {
		s.NudgeSchedule = DefaultNudgeSchedule
	}
	return s
}

// LoadSettings returns the configured defaults with the admins' stored
// overrides applied. A stored value that no longer reads is skipped (and
// reported in the error next to the usable settings); only a failure to
// read the store leaves the defaults alone.
func LoadSettings(ctx context.Context, store SettingService, defaults Settings) (Settings, error) {
	defaults = defaults.WithDefaults()
	stored, err := store.Settings(ctx)
	if err != nil {
		return defaults, fmt.Errorf("read settings: %w", err)
	}
	return defaults.Apply(stored)
}

// Setting keys as stored.
const (
	SettingTimezone              = "timezone"
	SettingFiscalYearStart       = "fiscal_year_start"
	SettingCheckinSchedule       = "checkin_schedule"
	SettingReminderSchedule      = "reminder_schedule"
	SettingDigestSchedule        = "digest_schedule"
	SettingNudgeSchedule         = "nudge_schedule"
	SettingDigestChannel         = "digest_channel"
	SettingMaxObjectivesPerOwner = "max_objectives_per_owner"
	SettingMinKeyResults         = "min_key_results"
	SettingMaxKeyResults         = "max_key_results"
	SettingStaleDays             = "stale_days"
	// SettingTerms are the workspace's own related terms, in the format of
	// okr/lexicon.txt (see ParseLexicon).
	SettingTerms = "terms"
)

// Apply returns s with the stored overrides applied. Every value is checked;
// the errors (one per bad key, as field errors named by key) are joined,
// and bad values are left at s's value.
func (s Settings) Apply(values map[string]string) (Settings, error) {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, FieldErrorf(key, format, args...)) }
	for key, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch key {
		case SettingTimezone:
			loc, err := time.LoadLocation(v)
			if err != nil || v == "Local" {
				bad(key, "Time zone is an IANA name such as Europe/Berlin or America/New_York.")
				continue
			}
			s.Location = loc
		case SettingFiscalYearStart:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 12 {
				bad(key, "Fiscal year start is a month, 1-12.")
				continue
			}
			s.FiscalMonth = time.Month(n)
		case SettingCheckinSchedule, SettingReminderSchedule, SettingDigestSchedule, SettingNudgeSchedule:
			if err := CheckSchedule(v); err != nil {
				bad(key, "%s", ErrorMessage(err))
				continue
			}
			switch key {
			case SettingCheckinSchedule:
				s.CheckinSchedule = v
			case SettingReminderSchedule:
				s.ReminderSchedule = v
			case SettingNudgeSchedule:
				s.NudgeSchedule = v
			default:
				s.DigestSchedule = v
			}
		case SettingDigestChannel:
			s.DigestChannel = v
		case SettingTerms:
			if _, err := ParseLexicon(v); err != nil {
				bad(key, "%s", ErrorMessage(err))
				continue
			}
			s.Terms = v
		case SettingMaxObjectivesPerOwner, SettingMinKeyResults, SettingMaxKeyResults, SettingStaleDays:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				bad(key, "This is a whole number from 1 to 1000.")
				continue
			}
			switch key {
			case SettingMaxObjectivesPerOwner:
				s.Policy.MaxObjectivesPerOwner = n
			case SettingMinKeyResults:
				s.Policy.MinKeyResults = n
			case SettingMaxKeyResults:
				s.Policy.MaxKeyResults = n
			default:
				s.Policy.StaleAfter = time.Duration(n) * 24 * time.Hour
			}
		}
	}
	if s.Policy.MinKeyResults > s.Policy.MaxKeyResults {
		bad(SettingMinKeyResults, "The fewest key results must not exceed the most (%d).", s.Policy.MaxKeyResults)
	}
	return s, joinErrors(errs)
}

// String summarises the settings for logs.
func (s Settings) String() string {
	return fmt.Sprintf("tz=%s fiscal=%s checkin=%q reminder=%q digest=%q nudge=%q channel=%q", s.Location, s.FiscalMonth,
		s.CheckinSchedule, s.ReminderSchedule, s.DigestSchedule, s.NudgeSchedule, s.DigestChannel)
}
