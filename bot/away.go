package bot

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// cmdAway pauses a person's check-in prompts until the end of a day in
// their own time zone: `/okr away 2026-12-01`, `dec 1`, `tomorrow`, `+2w`.
func (b *Bot) cmdAway(ctx context.Context, c *command) error {
	u, err := b.user(ctx, c.UserID)
	if err != nil {
		return err
	}
	loc := u.Location(b.settings(ctx).Location)
	now := b.opts.Now().In(loc)
	day, err := parseAwayDay(c.rest, now)
	if err != nil {
		return b.usage(c, okr.ErrorMessage(err))
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch {
	case day.Before(today):
		return b.usage(c, fmt.Sprintf("%s has passed; give a day from today on.", awayDayText(day, now)))
	case day.After(today.AddDate(1, 0, 0)):
		return b.usage(c, fmt.Sprintf("%s is more than a year away; give a day within a year.", awayDayText(day, now)))
	}
	// Away until the end of that day: prompts resume at the next midnight,
	// their time (okr.User.Away is true before AwayTill).
	till := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	if err := b.store.SetAway(ctx, c.UserID, till); err != nil {
		return err
	}
	text := fmt.Sprintf(":palm_tree: You are away until the end of %s (%s time). Check-in prompts, reminders and nudges pause until then and resume on %s. `/okr back` resumes them sooner.",
		awayDayText(day, now), zoneName(loc), awayDayText(till, now))
	return b.send(ctx, c.replyTo(), say(text))
}

// cmdBack resumes check-in prompts.
func (b *Bot) cmdBack(ctx context.Context, c *command) error {
	u, err := b.user(ctx, c.UserID)
	if err != nil {
		return err
	}
	wasAway := u.Away(b.opts.Now())
	if err := b.store.SetAway(ctx, c.UserID, time.Time{}); err != nil {
		return err
	}
	text := ":wave: Welcome back! Check-in prompts, reminders and nudges resume."
	if !wasAway {
		text = "You were not away: check-in prompts, reminders and nudges are on. `/okr away &lt;date&gt;` pauses them."
	}
	return b.send(ctx, c.replyTo(), say(text))
}

// zoneName names a time zone for people: "Asia/Tokyo", or "UTC".
func zoneName(loc *time.Location) string {
	if loc == nil || loc.String() == "" {
		return "UTC"
	}
	return loc.String()
}

// awayDayText writes a day as "Tuesday 1 December", with the year when it
// is not now's.
func awayDayText(day, now time.Time) string {
	if day.Year() != now.Year() {
		return day.Format("Monday 2 January 2006")
	}
	return day.Format("Monday 2 January")
}

var (
	awayRelative = regexp.MustCompile(`^(?:in\s+)?\+?\s*(\d{1,3})\s*(d|days?|w|wks?|weeks?|m|mos?|months?)$`)
	awayOrdinal  = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)?$`)
	awayMonths   = map[string]time.Month{
		"january": time.January, "jan": time.January,
		"february": time.February, "feb": time.February,
		"march": time.March, "mar": time.March,
		"april": time.April, "apr": time.April,
		"may":  time.May,
		"june": time.June, "jun": time.June,
		"july": time.July, "jul": time.July,
		"august": time.August, "aug": time.August,
		"september": time.September, "sep": time.September, "sept": time.September,
		"october": time.October, "oct": time.October,
		"november": time.November, "nov": time.November,
		"december": time.December, "dec": time.December,
	}
	awayWeekdays = map[string]time.Weekday{
		"sunday": time.Sunday, "sun": time.Sunday,
		"monday": time.Monday, "mon": time.Monday,
		"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
		"wednesday": time.Wednesday, "wed": time.Wednesday,
		"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
		"friday": time.Friday, "fri": time.Friday,
		"saturday": time.Saturday, "sat": time.Saturday,
	}
)

// errAwayDate explains the forms a date may take.
var errAwayDate = okr.Errorf(okr.EINVALID, "I can't read that date. Try `2026-12-01`, `dec 1`, `1 dec`, `friday`, `tomorrow`, `next week`, `+2w` or `3 days`.")

// parseAwayDay reads the last day someone is away, relative to now (in
// their time zone), and returns it at midnight in now's location.
func parseAwayDay(text string, now time.Time) (time.Time, error) {
	loc := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	s := strings.ToLower(strings.TrimSpace(text))
	for _, prefix := range []string{"until ", "till ", "til ", "through ", "on "} {
		s = strings.TrimSpace(strings.TrimPrefix(s, prefix))
	}
	switch s {
	case "":
		return time.Time{}, errAwayDate
	case "today":
		return today, nil
	case "tomorrow", "tmrw", "tmr":
		return today.AddDate(0, 0, 1), nil
	case "next week":
		// Away all of next week: through its Sunday (weeks start on Monday).
		toSunday := (7 - int(today.Weekday())) % 7
		return today.AddDate(0, 0, toSunday+7), nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return d, nil
	}
	if m := awayRelative.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2][0] {
		case 'd':
			return today.AddDate(0, 0, n), nil
		case 'w':
			return today.AddDate(0, 0, 7*n), nil
		default:
			return today.AddDate(0, n, 0), nil
		}
	}
	if wd, ok := awayWeekdays[strings.TrimPrefix(s, "next ")]; ok {
		ahead := (int(wd) - int(today.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7 // "friday" on a Friday means the next one
		}
		return today.AddDate(0, 0, ahead), nil
	}
	return parseMonthDay(s, today)
}

// parseMonthDay reads "dec 1", "december 1st", "1 dec", "1 december 2027"
// and "dec 1, 2027". Without a year it is the next such day from today.
func parseMonthDay(s string, today time.Time) (time.Time, error) {
	words := strings.Fields(strings.NewReplacer(",", " ", ".", " ").Replace(s))
	if len(words) < 2 || len(words) > 3 {
		return time.Time{}, errAwayDate
	}
	var (
		month     time.Month
		day, year int
	)
	for _, w := range words {
		if m, ok := awayMonths[w]; ok && month == 0 {
			month = m
			continue
		}
		if m := awayOrdinal.FindStringSubmatch(w); m != nil && day == 0 {
			day, _ = strconv.Atoi(m[1])
			continue
		}
		if len(w) == 4 && year == 0 {
			if y, err := strconv.Atoi(w); err == nil {
				year = y
				continue
			}
		}
		return time.Time{}, errAwayDate
	}
	if month == 0 || day == 0 {
		return time.Time{}, errAwayDate
	}
	explicit := year != 0
	if !explicit {
		year = today.Year()
	}
	d := time.Date(year, month, day, 0, 0, 0, 0, today.Location())
	if d.Day() != day { // 31 April and the like
		return time.Time{}, okr.Errorf(okr.EINVALID, "%s has no day %d.", month, day)
	}
	if !explicit && d.Before(today) {
		d = d.AddDate(1, 0, 0)
	}
	return d, nil
}
