package okr

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when something recurs: a cron spec (robfig/cron/v3's
// standard syntax) read in the time zone of whoever it is for, so that
// "0 10 * * MON" is ten o'clock on Monday for each person where they are. A
// spec that names its own zone (CRON_TZ=Asia/Tokyo 0 10 * * MON) keeps it.
type Schedule struct {
	Spec string

	spec  *cron.SpecSchedule // nil for @every
	every time.Duration      // for @every: occurrences are multiples of it since the Unix epoch
	fixed bool               // the spec names its own zone
}

// ParseSchedule reads a cron spec; the error is EINVALID, worded for people.
func ParseSchedule(spec string) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	notSchedule := Errorf(EINVALID, "“%s” is not a schedule: use five cron fields such as 0 10 * * MON, or @daily, or @every 1h.", Quote(spec))
	// robfig/cron v3.0.1 reads a zone up to the first space and panics
	// when there is none ("CRON_TZ=Asia/Tokyo").
	if (strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")) && !strings.Contains(spec, " ") {
		return nil, notSchedule
	}
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, notSchedule
	}
	s := &Schedule{Spec: spec}
	switch c := parsed.(type) {
	case *cron.SpecSchedule:
		copied := *c
		s.spec = &copied
		s.fixed = strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")
	case cron.ConstantDelaySchedule:
		// cron rounds an interval below a second (even 0s or -1h) up to
		// one, so judge the interval as written.
		_, written, _ := strings.Cut(spec, "@every ")
		if d, err := time.ParseDuration(strings.TrimSpace(written)); err != nil || d < time.Second {
			return nil, Errorf(EINVALID, "“%s” repeats too often; use at least @every 1s (a minute or more makes sense).", Quote(spec))
		}
		s.every = c.Delay
	default:
		return nil, Errorf(EINVALID, "“%s” is not a schedule okrbot understands.", Quote(spec))
	}
	return s, nil
}

// CheckSchedule accepts what ParseSchedule accepts: five fields
// ("0 10 * * MON"), descriptors (@daily, @every 1h) and a CRON_TZ= prefix.
func CheckSchedule(spec string) error {
	_, err := ParseSchedule(spec)
	return err
}

// Next returns the first occurrence strictly after t, reading the spec in
// loc unless it names its own zone. The result is in loc.
func (s *Schedule) Next(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if s.every > 0 {
		// Counted from the Unix epoch, not with Time.Truncate, which counts
		// from year 1 (and so would put @every 168h on Mondays, not on the
		// epoch's Thursdays).
		epoch := time.Unix(0, 0)
		d := t.Sub(epoch)
		n := d / s.every
		if d < 0 && d%s.every != 0 {
			n-- // division truncates towards zero; occurrences floor
		}
		return epoch.Add((n + 1) * s.every).In(loc)
	}
	spec := *s.spec
	if !s.fixed {
		spec.Location = loc
	}
	return spec.Next(t).In(loc)
}

// Last returns the latest occurrence at or before t that is less than
// within before it, and whether there is one.
func (s *Schedule) Last(t time.Time, loc *time.Location, within time.Duration) (time.Time, bool) {
	if s.every > 0 {
		last := s.Next(t.Add(-s.every), loc) // the multiple in (t-every, t]
		return last, t.Sub(last) < within
	}
	// cron answers "next", so walk forward from the start of a window
	// before t, widening it (an hour, two, four, … up to within) until it
	// holds an occurrence: the walk stays short for a schedule that fires
	// every minute as for one that fires once a week.
	for span := min(time.Hour, within); ; span = min(2*span, within) {
		var last time.Time
		found := false
		for from := t.Add(-span); ; {
			n := s.Next(from, loc)
			if n.After(t) || n.IsZero() {
				break
			}
			last, found, from = n, true, n
		}
		if found {
			return last, t.Sub(last) < within
		}
		if span >= within {
			return time.Time{}, false
		}
	}
}

// AtMostWeekly reports whether occurrences are a week or more apart, judged
// over the eight weeks after a fixed date (so the answer never depends on
// when it is asked). An hour of slack lets a daylight-saving change pass.
func (s *Schedule) AtMostWeekly() bool {
	if s.every > 0 {
		return s.every >= Week-time.Hour
	}
	t := time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)
	end := t.Add(8 * Week)
	prev := time.Time{}
	for t.Before(end) {
		n := s.Next(t, time.UTC)
		if n.IsZero() {
			return true
		}
		if !prev.IsZero() && n.Sub(prev) < Week-time.Hour {
			return false
		}
		prev, t = n, n
	}
	return true
}

// Period names the occurrence at occ, as seen in loc, for delivery keys: the
// ISO week ("2026-W47") when the schedule recurs at most weekly, so a week
// holds one of each message, and otherwise the local time of the occurrence
// ("2026-11-16T1000"). Neither contains a colon, which separates the parts
// of a key.
func (s *Schedule) Period(occ time.Time, loc *time.Location) string {
	if s.AtMostWeekly() {
		return WeekPeriod(occ.In(loc))
	}
	local := occ.In(loc)
	if s.every > 0 && s.every%time.Minute != 0 {
		return local.Format("2006-01-02T150405")
	}
	return local.Format("2006-01-02T1504")
}

// WeekPeriod names the ISO week of t as read in t's location: "2026-W47".
func WeekPeriod(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// StartOfDay is midnight of t's day in t's location.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
