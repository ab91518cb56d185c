package okr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// mustZone loads an IANA zone or fails the test.
func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// mustSchedule parses spec or fails the test.
func mustSchedule(t *testing.T, spec string) *okr.Schedule {
	t.Helper()
	s, err := okr.ParseSchedule(spec)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", spec, err)
	}
	return s
}

// utc reads "2026-03-09T14:00:00" as a UTC instant.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

func TestParseSchedule(t *testing.T) {
	t.Run("Accepts", func(t *testing.T) {
		for _, tt := range []struct {
			spec string
			want string // Spec as kept
		}{
			{"0 10 * * MON", "0 10 * * MON"},
			{"  0 10 * * MON\n", "0 10 * * MON"},
			{"30 9 * * MON-FRI", "30 9 * * MON-FRI"},
			{"0 9 1 * *", "0 9 1 * *"},
			{"@daily", "@daily"},
			{"@weekly", "@weekly"},
			{"@monthly", "@monthly"},
			{"@hourly", "@hourly"},
			{"@every 1h", "@every 1h"},
			{"@every 1s", "@every 1s"},
			{"@every 1h30m", "@every 1h30m"},
			{"CRON_TZ=Asia/Tokyo 0 10 * * MON", "CRON_TZ=Asia/Tokyo 0 10 * * MON"},
			{"TZ=Europe/London 0 9 * * *", "TZ=Europe/London 0 9 * * *"},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				s, err := okr.ParseSchedule(tt.spec)
				if err != nil {
					t.Fatalf("ParseSchedule(%q) = %v, want nil", tt.spec, err)
				}
				if got, want := s.Spec, tt.want; got != want {
					t.Fatalf("Spec = %q, want %q", got, want)
				}
				if err := okr.CheckSchedule(tt.spec); err != nil {
					t.Fatalf("CheckSchedule(%q) = %v, want nil", tt.spec, err)
				}
			})
		}
	})

	t.Run("Refuses", func(t *testing.T) {
		for _, tt := range []struct {
			name    string
			spec    string
			mention string // what the message must say
		}{
			{"Empty", "", "is not a schedule"},
			{"Words", "fridays", "“fridays” is not a schedule"},
			{"FourFields", "0 10 * *", "“0 10 * *” is not a schedule"},
			{"SixFields", "0 0 10 * * MON", "“0 0 10 * * MON” is not a schedule"},
			{"MinuteOutOfRange", "61 10 * * MON", "“61 10 * * MON” is not a schedule"},
			{"BadWeekday", "0 10 * * MOON", "is not a schedule"},
			{"UnknownDescriptor", "@fortnightly", "is not a schedule"},
			{"EveryWithoutDuration", "@every", "is not a schedule"},
			{"EveryBadDuration", "@every soon", "is not a schedule"},
			{"UnknownZone", "CRON_TZ=Mars/Base 0 10 * * MON", "is not a schedule"},
			{"ZoneWithoutFields", "CRON_TZ=Asia/Tokyo", "is not a schedule"},
			{"EveryHalfSecond", "@every 500ms", "“@every 500ms” repeats too often"},
			{"EveryZero", "@every 0s", "repeats too often"},
			{"EveryNegative", "@every -1h", "repeats too often"},
			{"MarkupEscaped", "<!channel>", "“&lt;!channel&gt;” is not a schedule"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s, err := okr.ParseSchedule(tt.spec)
				if err == nil {
					t.Fatalf("ParseSchedule(%q) = %+v, want an error", tt.spec, s)
				}
				if got, want := okr.ErrorCode(err), okr.EINVALID; got != want {
					t.Fatalf("code = %q, want %q (err %v)", got, want, err)
				}
				msg := okr.ErrorMessage(err)
				if !strings.Contains(msg, tt.mention) {
					t.Fatalf("message = %q, want it to contain %q", msg, tt.mention)
				}
				if strings.Contains(msg, "<!channel>") || strings.Contains(msg, "failed to parse") || strings.Contains(msg, "provided bad") {
					t.Fatalf("message = %q leaks markup or the parser's own words", msg)
				}
				if got, want := okr.ErrorCode(okr.CheckSchedule(tt.spec)), okr.EINVALID; got != want {
					t.Fatalf("CheckSchedule code = %q, want %q", got, want)
				}
			})
		}
	})
}

// TestSchedule_NextAcrossDaylightSaving checks that "0 10 * * MON" is ten
// o'clock on Monday where the person is, on both sides of each 2026
// daylight-saving change, and that the UTC instant moves by the hour the
// clocks did.
func TestSchedule_NextAcrossDaylightSaving(t *testing.T) {
	s := mustSchedule(t, "0 10 * * MON")
	for _, tt := range []struct {
		name   string
		zone   string
		before string // the Monday occurrence before the change, in UTC
		after  string // the Monday occurrence after it, in UTC
		shift  time.Duration
	}{
		{"NewYork/SpringForward", "America/New_York", "2026-03-02T15:00:00", "2026-03-09T14:00:00", -time.Hour},
		{"NewYork/FallBack", "America/New_York", "2026-10-26T14:00:00", "2026-11-02T15:00:00", time.Hour},
		{"London/SpringForward", "Europe/London", "2026-03-23T10:00:00", "2026-03-30T09:00:00", -time.Hour},
		{"London/FallBack", "Europe/London", "2026-10-19T09:00:00", "2026-10-26T10:00:00", time.Hour},
		{"Kolkata/NoChange", "Asia/Kolkata", "2026-11-09T04:30:00", "2026-11-16T04:30:00", 0},
		// In Auckland the Monday occurrence is Sunday evening in UTC.
		{"Auckland/FallBack", "Pacific/Auckland", "2026-03-29T21:00:00", "2026-04-05T22:00:00", time.Hour},
		{"Auckland/SpringForward", "Pacific/Auckland", "2026-09-20T22:00:00", "2026-09-27T21:00:00", -time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			before, after := utc(t, tt.before), utc(t, tt.after)
			for _, step := range []struct {
				from, want time.Time
			}{
				{before.Add(-time.Minute), before},
				{before.Add(-6 * 24 * time.Hour), before}, // from the Tuesday before
				{before, after},                           // strictly after
				{before.Add(3 * 24 * time.Hour), after},   // from mid-week, across the change
				{after.Add(-time.Nanosecond), after},
			} {
				got := s.Next(step.from, loc)
				if !got.Equal(step.want) {
					t.Fatalf("Next(%v) = %v, want %v", step.from, got.UTC(), step.want)
				}
				if got.Location() != loc {
					t.Fatalf("Next(%v) is in %v, want %v", step.from, got.Location(), loc)
				}
				if got.Weekday() != time.Monday || got.Hour() != 10 || got.Minute() != 0 {
					t.Fatalf("Next(%v) = %v local, want Monday 10:00", step.from, got)
				}
			}
			if got, want := after.Sub(before), okr.Week+tt.shift; got != want {
				t.Fatalf("UTC gap = %v, want %v", got, want)
			}
		})
	}
}

func TestSchedule_NextNilLocationIsUTC(t *testing.T) {
	s := mustSchedule(t, "0 10 * * MON")
	got := s.Next(utc(t, "2026-11-16T09:00:00"), nil)
	if want := utc(t, "2026-11-16T10:00:00"); !got.Equal(want) {
		t.Fatalf("Next = %v, want %v", got, want)
	}
}

func TestSchedule_FixedZone(t *testing.T) {
	s := mustSchedule(t, "CRON_TZ=Asia/Tokyo 0 10 * * MON")
	want := utc(t, "2026-11-16T01:00:00") // 10:00 Monday in Tokyo (UTC+9)
	for _, zone := range []string{"UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Auckland"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustZone(t, zone)
			got := s.Next(utc(t, "2026-11-14T00:00:00"), loc)
			if !got.Equal(want) {
				t.Fatalf("Next in %s = %v, want %v", zone, got.UTC(), want)
			}
			if got.Location() != loc {
				t.Fatalf("Next is in %v, want %v", got.Location(), loc)
			}
			last, ok := s.Last(want.Add(30*time.Minute), loc, time.Hour)
			if !ok || !last.Equal(want) {
				t.Fatalf("Last = %v, %v; want %v, true", last.UTC(), ok, want)
			}
		})
	}
}

func TestSchedule_Last(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	tests := []struct {
		name   string
		spec   string
		loc    *time.Location
		at     string
		within time.Duration
		want   string // "" for none
	}{
		{"AfterThisWeeks", "0 10 * * MON", ny, "2026-03-09T14:30:00", okr.Week + time.Hour, "2026-03-09T14:00:00"},
		{"AtTheOccurrence", "0 10 * * MON", ny, "2026-03-09T14:00:00", time.Hour, "2026-03-09T14:00:00"},
		// 09:59 EDT on Monday: the latest is last Monday's, at 15:00 UTC
		// (10:00 EST), before the clocks changed.
		{"BeforeThisWeeks", "0 10 * * MON", ny, "2026-03-09T13:59:00", okr.Week + time.Hour, "2026-03-02T15:00:00"},
		{"NoneWithinAnHour", "0 10 * * MON", ny, "2026-03-10T14:00:00", time.Hour, ""},
		{"WindowEndsJustShort", "0 10 * * MON", ny, "2026-03-09T15:00:00", time.Hour, ""},
		{"WindowJustLongEnough", "0 10 * * MON", ny, "2026-03-09T15:00:00", time.Hour + time.Nanosecond, "2026-03-09T14:00:00"},
		{"ZeroWindow", "0 10 * * MON", ny, "2026-03-09T14:00:00", 0, ""},
		{"LatestOfSeveralHourly", "0 * * * *", time.UTC, "2026-11-16T10:30:00", 3 * time.Hour, "2026-11-16T10:00:00"},
		{"LatestOfSeveralWeekdays", "0 11 * * MON-FRI", ny, "2026-11-23T12:00:00", 2 * okr.Week, "2026-11-20T16:00:00"},
		{"EveryHour", "@every 1h", ny, "2026-11-16T10:30:00", time.Hour, "2026-11-16T10:00:00"},
		{"EveryHourWindowTooShort", "@every 1h", ny, "2026-11-16T10:30:00", 30 * time.Minute, ""},
		{"EveryHourAtOccurrence", "@every 1h", ny, "2026-11-16T10:00:00", time.Minute, "2026-11-16T10:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.spec)
			got, ok := s.Last(utc(t, tt.at), tt.loc, tt.within)
			if tt.want == "" {
				if ok {
					t.Fatalf("Last = %v, true; want none", got.UTC())
				}
				return
			}
			if !ok {
				t.Fatalf("Last = %v, false; want %v", got, tt.want)
			}
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Fatalf("Last = %v, want %v", got.UTC(), want)
			}
			if got.Location() != tt.loc {
				t.Fatalf("Last is in %v, want %v", got.Location(), tt.loc)
			}
		})
	}
}

// TestSchedule_Every checks that @every occurrences are multiples of the
// interval since the Unix epoch, whatever the zone.
func TestSchedule_Every(t *testing.T) {
	zones := []*time.Location{time.UTC, mustZone(t, "America/New_York"), mustZone(t, "Asia/Kolkata"), mustZone(t, "Pacific/Auckland")}
	for _, tt := range []struct {
		spec  string
		every time.Duration
	}{
		{"@every 1h", time.Hour},
		{"@every 30s", 30 * time.Second},
		{"@every 7h", 7 * time.Hour},     // a day is not a multiple of it
		{"@every 168h", 168 * time.Hour}, // the epoch was a Thursday
		{"@every 1h30m", 90 * time.Minute},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			s := mustSchedule(t, tt.spec)
			// An occurrence in November 2026, built from the definition.
			n := 1_795_000_000 * time.Second / tt.every
			occ := time.Unix(0, 0).Add(n * tt.every)
			for _, loc := range zones {
				for _, from := range []time.Time{occ.Add(-tt.every), occ.Add(-time.Second), occ.Add(-tt.every / 2)} {
					got := s.Next(from, loc)
					if !got.Equal(occ) {
						t.Fatalf("Next(%v) in %v = %v, want %v", from.UTC(), loc, got.UTC(), occ.UTC())
					}
					if got.Location() != loc {
						t.Fatalf("Next is in %v, want %v", got.Location(), loc)
					}
				}
				if got, want := s.Next(occ, loc), occ.Add(tt.every); !got.Equal(want) {
					t.Fatalf("Next(occurrence) = %v, want %v", got.UTC(), want.UTC())
				}
				for _, at := range []time.Time{occ, occ.Add(time.Second), occ.Add(tt.every - time.Second)} {
					got, ok := s.Last(at, loc, tt.every)
					if !ok || !got.Equal(occ) {
						t.Fatalf("Last(%v) in %v = %v, %v; want %v, true", at.UTC(), loc, got.UTC(), ok, occ.UTC())
					}
				}
			}
		})
	}
	t.Run("WeekIsThursdayMidnightUTC", func(t *testing.T) {
		s := mustSchedule(t, "@every 168h")
		got := s.Next(utc(t, "2026-11-16T00:00:00"), time.UTC)
		if want := utc(t, "2026-11-19T00:00:00"); !got.Equal(want) {
			t.Fatalf("Next = %v (%v), want %v", got, got.Weekday(), want)
		}
	})
}

func TestSchedule_AtMostWeekly(t *testing.T) {
	for _, tt := range []struct {
		spec string
		want bool
	}{
		{"0 10 * * MON", true},
		{"@weekly", true},
		{"@every 168h", true},
		{"@every 336h", true},
		{"0 9 1 * *", true},    // monthly
		{"@monthly", true},     // monthly
		{"0 10 1,8 * *", true}, // exactly a week apart, then more
		{"CRON_TZ=Pacific/Auckland 0 10 * * MON", true},
		{"0 10 * * MON-FRI", false},
		{"0 10 * * MON,THU", false},
		{"0 10 1,7 * *", false},
		{"@daily", false},
		{"@hourly", false},
		{"@every 24h", false},
		{"@every 1h", false},
		{"@every 30s", false},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			if got := mustSchedule(t, tt.spec).AtMostWeekly(); got != tt.want {
				t.Fatalf("AtMostWeekly() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSchedule_Period(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	kolkata := mustZone(t, "Asia/Kolkata")
	auckland := mustZone(t, "Pacific/Auckland")
	for _, tt := range []struct {
		name string
		spec string
		occ  string // UTC
		loc  *time.Location
		want string
	}{
		{"Weekly", "0 10 * * MON", "2026-11-16T15:00:00", ny, "2026-W47"},
		// Sunday 20:00 UTC is Monday 09:00 in Auckland: another ISO week.
		{"WeeklySundayEveningUTC", "0 10 * * MON", "2026-11-22T20:00:00", time.UTC, "2026-W47"},
		{"WeeklySundayEveningUTCInAuckland", "0 10 * * MON", "2026-11-22T20:00:00", auckland, "2026-W48"},
		{"WeeklyAcrossTheYear", "0 10 * * FRI", "2027-01-01T10:00:00", time.UTC, "2026-W53"},
		{"WeeklyEvery", "@every 168h", "2026-11-19T00:00:00", ny, "2026-W47"},
		{"Monthly", "0 9 1 * *", "2026-12-01T09:00:00", time.UTC, "2026-W49"},
		{"Weekdays", "0 10 * * MON-FRI", "2026-11-16T15:00:00", ny, "2026-11-16T1000"},
		{"WeekdaysInKolkata", "0 10 * * MON-FRI", "2026-11-16T04:30:00", kolkata, "2026-11-16T1000"},
		{"WeekdaysReadElsewhere", "0 10 * * MON-FRI", "2026-11-16T15:00:00", kolkata, "2026-11-16T2030"},
		{"Daily", "@daily", "2026-11-16T05:00:00", ny, "2026-11-16T0000"},
		{"Hourly", "@every 1h", "2026-11-16T10:00:00", time.UTC, "2026-11-16T1000"},
		{"EverySeconds", "@every 30s", "2026-11-16T10:00:30", time.UTC, "2026-11-16T100030"},
		{"EveryNinetySeconds", "@every 90s", "2026-11-16T10:01:30", time.UTC, "2026-11-16T100130"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := mustSchedule(t, tt.spec).Period(utc(t, tt.occ), tt.loc)
			if got != tt.want {
				t.Fatalf("Period = %q, want %q", got, tt.want)
			}
			if strings.Contains(got, ":") {
				t.Fatalf("Period %q contains a colon", got)
			}
		})
	}
}

func TestWeekPeriod(t *testing.T) {
	auckland := mustZone(t, "Pacific/Auckland")
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, time.November, 16, 0, 0, 0, 0, time.UTC), "2026-W47"},
		{time.Date(2026, time.November, 22, 23, 59, 59, 0, time.UTC), "2026-W47"},
		{time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC), "2026-W48"},
		{time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC), "2026-W02"},
		{time.Date(2025, time.December, 29, 0, 0, 0, 0, time.UTC), "2026-W01"},
		{time.Date(2027, time.January, 3, 12, 0, 0, 0, time.UTC), "2026-W53"},
		// Read in its own location: Monday morning in Auckland.
		{time.Date(2026, time.November, 22, 20, 0, 0, 0, time.UTC).In(auckland), "2026-W48"},
	} {
		if got := okr.WeekPeriod(tt.at); got != tt.want {
			t.Errorf("WeekPeriod(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestStartOfDay(t *testing.T) {
	london := mustZone(t, "Europe/London")
	kolkata := mustZone(t, "Asia/Kolkata")
	ny := mustZone(t, "America/New_York")
	for _, tt := range []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"UTC", time.Date(2026, 11, 16, 15, 4, 5, 6, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
		{"Midnight", time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
		// 21:30 UTC on the 15th is already the 16th in Kolkata.
		{"Kolkata", utc(t, "2026-11-15T21:30:00").In(kolkata), utc(t, "2026-11-15T18:30:00")},
		// The clocks went forward at 01:00 UTC; midnight was still GMT.
		{"LondonSpringForward", time.Date(2026, 3, 29, 15, 0, 0, 0, london), utc(t, "2026-03-29T00:00:00")},
		// The clocks went back at 02:00 EDT; midnight was EDT.
		{"NewYorkFallBack", time.Date(2026, 11, 1, 23, 0, 0, 0, ny), utc(t, "2026-11-01T04:00:00")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := okr.StartOfDay(tt.at)
			if !got.Equal(tt.want) {
				t.Fatalf("StartOfDay(%v) = %v, want %v", tt.at, got, tt.want.In(tt.at.Location()))
			}
			if got.Location() != tt.at.Location() {
				t.Fatalf("StartOfDay is in %v, want %v", got.Location(), tt.at.Location())
			}
		})
	}
}
