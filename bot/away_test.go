package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
)

// storedAwayTill reads a person's away date from the store.
func (h *harness) storedAwayTill(user string) time.Time {
	h.t.Helper()
	u, err := h.db.FindUserByID(context.Background(), user)
	must(h.t, err)
	return u.AwayTill
}

func loadZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err)
	return loc
}

func TestAway_TomorrowIsInEachPersonsTimeZone(t *testing.T) {
	h := newHarness(t)
	tokyo := loadZone(t, "Asia/Tokyo")
	// 09:00 UTC on Monday 16 November is 18:00 in Tokyo: tomorrow is the 17th.
	h.command(member, "away tomorrow")
	got := h.reply(member, "You are away until the end of Tuesday 17 November (Asia/Tokyo time)")
	if !strings.Contains(got, "resume on Wednesday 18 November") || !strings.Contains(got, "`/okr back`") {
		t.Fatalf("reply = %s", got)
	}
	if till, want := h.storedAwayTill(member), time.Date(2026, 11, 18, 0, 0, 0, 0, tokyo); !till.Equal(want) {
		t.Fatalf("away till %v, want %v", till, want)
	}

	// At 23:30 UTC it is already Tuesday morning in Tokyo, still Monday
	// evening in New York and just past midnight in Berlin.
	h.clock.Advance(14*time.Hour + 30*time.Minute)
	for _, tc := range []struct {
		user, reply string
		want        time.Time
	}{
		{member, "until the end of Wednesday 18 November (Asia/Tokyo time)", time.Date(2026, 11, 19, 0, 0, 0, 0, tokyo)},
		{lead, "until the end of Tuesday 17 November (America/New_York time)", time.Date(2026, 11, 18, 0, 0, 0, 0, loadZone(t, "America/New_York"))},
		{admin, "until the end of Wednesday 18 November (Europe/Berlin time)", time.Date(2026, 11, 19, 0, 0, 0, 0, loadZone(t, "Europe/Berlin"))},
	} {
		h.command(tc.user, "away tomorrow")
		h.reply(tc.user, tc.reply)
		if till := h.storedAwayTill(tc.user); !till.Equal(tc.want) {
			t.Errorf("%s away till %v, want %v", tc.user, till.In(tc.want.Location()), tc.want)
		}
	}
}

func TestAway_DateForms(t *testing.T) {
	h := newHarness(t)
	tokyo := loadZone(t, "Asia/Tokyo")
	// Now is Monday 16 November 2026, 18:00 in Tokyo. Each want is the last
	// day away; prompts resume the midnight after.
	cases := []struct {
		text string
		want time.Time
	}{
		{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, tokyo)},
		{"dec 1", time.Date(2026, 12, 1, 0, 0, 0, 0, tokyo)},
		{"1 dec", time.Date(2026, 12, 1, 0, 0, 0, 0, tokyo)},
		{"December 3rd", time.Date(2026, 12, 3, 0, 0, 0, 0, tokyo)},
		{"until jan 5", time.Date(2027, 1, 5, 0, 0, 0, 0, tokyo)}, // the next 5 January
		{"today", time.Date(2026, 11, 16, 0, 0, 0, 0, tokyo)},
		{"friday", time.Date(2026, 11, 20, 0, 0, 0, 0, tokyo)},
		{"next week", time.Date(2026, 11, 29, 0, 0, 0, 0, tokyo)}, // through next week's Sunday
		{"+2w", time.Date(2026, 11, 30, 0, 0, 0, 0, tokyo)},
		{"2 weeks", time.Date(2026, 11, 30, 0, 0, 0, 0, tokyo)},
		{"3 days", time.Date(2026, 11, 19, 0, 0, 0, 0, tokyo)},
	}
	for i, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			h.command(member, "away "+tc.text)
			h.waitFor("the answer", func() bool { return len(h.srv.Ephemerals(member)) > i })
			if msg := slackfake.RenderMessage(h.srv.Ephemerals(member)[i]); !strings.Contains(msg, "You are away until the end of "+tc.want.Format("Monday 2 January")) {
				t.Fatalf("/okr away %s answered %s", tc.text, msg)
			}
			if till, want := h.storedAwayTill(member), tc.want.AddDate(0, 0, 1); !till.Equal(want) {
				t.Fatalf("/okr away %s: away till %v, want %v", tc.text, till.In(tokyo), want)
			}
		})
	}
}

func TestAway_RefusesPastFarAndUnreadableDates(t *testing.T) {
	h := newHarness(t)
	for text, want := range map[string]string{
		"2026-11-15": "Sunday 15 November has passed; give a day from today on.",
		"2028-01-01": "Saturday 1 January 2028 is more than a year away; give a day within a year.",
		"someday":    "I can't read that date. Try `2026-12-01`",
		"feb 30":     "February has no day 30.",
	} {
		h.command(member, "away "+text)
		got := h.reply(member, want)
		if !strings.Contains(got, "Usage: `/okr away &lt;date&gt;`") {
			t.Errorf("/okr away %s answered without the usage line: %s", text, got)
		}
	}
	if till := h.storedAwayTill(member); !till.IsZero() {
		t.Fatalf("a refused date was stored: %v", till)
	}
	res := h.command(member, "away")
	if got := slackfake.Render(res.Blocks); !strings.Contains(got, "Usage: `/okr away &lt;date&gt;`") {
		t.Fatalf("/okr away with no date answered %s", got)
	}
}

func TestAway_BackResumesPrompts(t *testing.T) {
	h := newHarness(t)
	h.command(lead, "away +1w")
	h.reply(lead, "You are away until the end of Monday 23 November")
	if h.storedAwayTill(lead).IsZero() {
		t.Fatal("away was not stored")
	}
	h.command(lead, "back")
	h.reply(lead, "Welcome back! Check-in prompts, reminders and nudges resume.")
	if till := h.storedAwayTill(lead); !till.IsZero() {
		t.Fatalf("still away till %v", till)
	}
	h.command(lead, "back")
	h.reply(lead, "You were not away")
}
