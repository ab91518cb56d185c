package scheduler_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
)

// The people of the quarter test, each where they are.
const (
	nora  = "UNORA"  // New York, Marketing
	leo   = "ULEO"   // London, HR
	kavya = "UKAVYA" // Kolkata (UTC+5:30, no daylight saving), Marketing
	aroha = "UAROHA" // Auckland, HR
	ada   = "UADA"   // London, admin: owns the company objectives
	lee   = "ULEE"   // New York, leads Marketing
	ana   = "UANA"   // Madrid, Marketing, away for the first three weeks
	gone  = "UGONE"  // deactivated, still owns a key result
	robot = "UROBOT" // a bot user that owns a key result
	okrs  = "COKRS"  // the digest channel
)

var owners = []string{nora, leo, kavya, aroha, ada, lee, ana}

func quarterUsers() []slackfake.User {
	return []slackfake.User{
		{ID: nora, Name: "nora", RealName: "Nora", TZ: "America/New_York"},
		{ID: leo, Name: "leo", RealName: "Leo", TZ: "Europe/London"},
		{ID: kavya, Name: "kavya", RealName: "Kavya", TZ: "Asia/Kolkata"},
		{ID: aroha, Name: "aroha", RealName: "Aroha", TZ: "Pacific/Auckland"},
		{ID: ada, Name: "ada", RealName: "Ada", TZ: "Europe/London", IsAdmin: true},
		{ID: lee, Name: "lee", RealName: "Lee", TZ: "America/New_York"},
		{ID: ana, Name: "ana", RealName: "Ana", TZ: "Europe/Madrid"},
		{ID: gone, Name: "gone", RealName: "Gone", TZ: "Europe/London", Deleted: true},
		{ID: robot, Name: "robot", RealName: "Robot", TZ: "UTC", IsBot: true},
	}
}

// quarterOrg creates 2026-Q4 with two company objectives (one that nothing
// supports), a Marketing objective aligned under the first, and an HR
// objective aligned with nothing.
func quarterOrg(t *testing.T, r *rig) (cycle *okr.Cycle, revenue, people, pipeline, hiring *okr.Objective) {
	ctx := context.Background()
	cycle = okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, r.db.CreateCycle(ctx, cycle))
	marketing := &okr.Team{Name: "Marketing", LeadID: lee, Members: []string{nora, kavya, ana}}
	must(t, r.db.CreateTeam(ctx, marketing))
	hr := &okr.Team{Name: "HR", LeadID: leo, Members: []string{aroha}}
	must(t, r.db.CreateTeam(ctx, hr))
	kr := func(title, owner string, target float64) *okr.KeyResult {
		return &okr.KeyResult{Title: title, Kind: okr.KindIncrease, Start: 0, Target: target, OwnerID: owner}
	}
	revenue = &okr.Objective{Title: "Increase revenue", Level: okr.LevelCompany, OwnerID: ada, CycleID: cycle.ID}
	must(t, r.db.CreateObjective(ctx, revenue, []*okr.KeyResult{kr("Annual recurring revenue", ada, 100), kr("Net revenue retention", ada, 10)}, okr.LinkOptions{}))
	people = &okr.Objective{Title: "Improve the quality of our staff", Level: okr.LevelCompany, OwnerID: ada, CycleID: cycle.ID}
	must(t, r.db.CreateObjective(ctx, people, []*okr.KeyResult{kr("Engagement score", ada, 80), kr("Regretted attrition", ada, 5)}, okr.LinkOptions{}))
	pipeline = &okr.Objective{Title: "Grow qualified pipeline", Level: okr.LevelTeam, OwnerID: lee, TeamID: marketing.ID, CycleID: cycle.ID, ParentObjectiveID: revenue.ID}
	must(t, r.db.CreateObjective(ctx, pipeline, []*okr.KeyResult{
		kr("Qualified leads", nora, 400), kr("Webinar sign-ups", kavya, 1200), kr("Partner referrals", lee, 40),
		kr("Case studies", ana, 6), kr("Old campaign", gone, 3), kr("Automated lead scoring", robot, 1),
	}, okr.LinkOptions{}))
	hiring = &okr.Objective{Title: "Hire great engineers faster", Level: okr.LevelTeam, OwnerID: leo, TeamID: hr.ID, CycleID: cycle.ID}
	must(t, r.db.CreateObjective(ctx, hiring, []*okr.KeyResult{kr("Offers accepted", leo, 12), kr("Days to hire", aroha, 30)}, okr.LinkOptions{}))
	return
}

// TestQuarter_RhythmAtEachPersonsLocalTime moves the clock through a whole
// quarter: everyone gets each week's prompt once, at 10:00 Monday where they
// are (daylight-saving weeks included), reminders and lead summaries reach
// exactly those who owe a check-in, the digests tell the analysis' numbers
// with a chart, and nudges stay within the budget.
func TestQuarter_RhythmAtEachPersonsLocalTime(t *testing.T) {
	if testing.Short() {
		t.Skip("moves through a whole quarter")
	}
	london := mustLoad("Europe/London")
	start := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	r := newRig(t, rigConfig{
		start: start, users: quarterUsers(),
		channels: []slackfake.Channel{{ID: okrs, Name: "okrs", BotMember: true}},
		schedOpts: func(o *scheduler.Options) {
			o.Defaults = okr.Settings{Location: london, DigestChannel: okrs}
		},
	})
	ctx := context.Background()
	cycle, revenue, _, _, hiring := quarterOrg(t, r)
	awayTill := time.Date(2026, 10, 24, 0, 0, 0, 0, mustLoad("Europe/Madrid"))
	must(t, r.db.SetAway(ctx, ana, awayTill))

	// Each week on Tuesday at 12:00 UTC some owners check in on all their
	// key results; the others owe a check-in for that week.
	checksIn := func(week int, owner string) bool { return (week+slices.Index(owners, owner))%3 != 0 }
	var events []event
	type digestWant struct {
		at            time.Time
		progress      string // the revenue objective's progress, as the analysis computes it
		change        string // and its change since a week before
		participation string // who checked in this week of those who owed it
	}
	var digests []digestWant
	for week := 0; week < 13; week++ {
		tuesday := time.Date(2026, 10, 6, 12, 0, 0, 0, time.UTC).AddDate(0, 0, 7*week)
		events = append(events, event{at: tuesday, do: func() {
			var cs []*okr.Checkin
			for _, owner := range owners {
				if !checksIn(week, owner) {
					continue
				}
				live := false
				krs, err := r.db.FindKeyResults(ctx, okr.KeyResultFilter{OwnerID: &owner, CycleID: &cycle.ID, Archived: &live})
				must(t, err)
				for _, kr := range krs {
					cs = append(cs, &okr.Checkin{KeyResultID: kr.ID, AuthorID: owner, Value: kr.Current + kr.Target/20, Confidence: okr.OnTrack})
				}
			}
			must(t, r.db.CreateCheckins(ctx, cs))
		}})
		// The quarter's Fridays run from 2 October to 25 December.
		friday := time.Date(2026, 10, 2, 16, 0, 0, 0, london).AddDate(0, 0, 7*week)
		// Just before the digest, note what the analysis says at its time.
		events = append(events, event{at: friday.Add(-time.Second), do: func() {
			at := friday
			g, err := r.db.LoadGraph(ctx, cycle.ID, at)
			must(t, err)
			a := okr.Analyze(g, at, okr.DefaultPolicy())
			st := a.Objective(revenue.ID)
			points := int(math.Round(st.Change * 100))
			change := fmt.Sprintf("+%d pts this week", points)
			if points == 0 {
				change = "±0 pts this week"
			}
			// Everyone owes this week's check-in but the one away, the
			// deactivated owner and the bot; they checked in on Tuesday, the
			// Tuesday before this Friday's week index (none before the first).
			due, done := 0, 0
			for _, owner := range owners {
				if owner == ana && at.Before(awayTill) {
					continue
				}
				due++
				if week > 0 && checksIn(week-1, owner) {
					done++
				}
			}
			participation := fmt.Sprintf("Check-ins: %d of %d owners", done, due)
			if week == 0 { // the cycle began on Thursday: nobody was asked yet
				participation = "Check-ins: none due this week"
			}
			digests = append(digests, digestWant{at: at, progress: fmt.Sprintf("%d%%", int(st.Progress*100+0.5)), change: change,
				participation: participation})
		}})
	}
	slices.SortFunc(events, func(x, y event) int { return x.at.Compare(y.at) })

	r.startScheduler()
	end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	r.runUntil(end, events)

	// Prompts: one a week for each reachable owner, at 10:00 Monday local.
	for _, owner := range owners {
		u, _ := r.srv.User(owner)
		loc := mustLoad(u.TZ)
		prompts := withKind(r.dms(owner), "checkin")
		want := 13
		if owner == ana {
			want = 13 - 3 // away for the first three Mondays
		}
		if len(prompts) != want {
			t.Errorf("%s got %d check-in prompts, want %d", owner, len(prompts), want)
		}
		weeks := map[string]bool{}
		for _, p := range prompts {
			local := p.At.In(loc)
			if local.Weekday() != time.Monday || local.Hour() != 10 || local.Minute() != 0 {
				t.Errorf("%s was prompted at %s local, want Monday 10:00", owner, local.Format("Mon 2006-01-02 15:04 MST"))
			}
			if w := okr.WeekPeriod(local); weeks[w] {
				t.Errorf("%s was prompted twice in %s", owner, w)
			} else {
				weeks[w] = true
			}
		}
	}
	for _, nobody := range []string{gone, robot} {
		if n := len(r.srv.Messages(r.srv.DM(nobody))); n != 0 {
			t.Errorf("%s (deactivated or a bot) got %d messages", nobody, n)
		}
	}

	// Reminders: exactly the owners who had not checked in by Wednesday.
	for _, owner := range owners {
		u, _ := r.srv.User(owner)
		loc := mustLoad(u.TZ)
		got := map[int]bool{}
		for _, m := range withKind(r.dms(owner), "reminder") {
			local := m.At.In(loc)
			if local.Weekday() != time.Wednesday || local.Hour() != 15 {
				t.Errorf("%s was reminded at %s local, want Wednesday 15:00", owner, local.Format(time.RFC1123))
			}
			got[weekOfQuarter(local)] = true
		}
		for week := 0; week < 13; week++ {
			wednesday := time.Date(2026, 10, 7, 15, 0, 0, 0, loc).AddDate(0, 0, 7*week)
			want := !checksIn(week, owner) && !(owner == ana && wednesday.Before(awayTill))
			if got[week] != want {
				t.Errorf("%s reminded in week %d = %v, want %v", owner, week+1, got[week], want)
			}
		}
	}

	// Lead summaries: Lee hears about the Marketing people who owe.
	summaries := withKind(r.dms(lee), "lead")
	for _, s := range summaries {
		text := slackfake.RenderMessage(s.Message)
		week := weekOfQuarter(s.At.In(mustLoad("America/New_York")))
		for _, person := range []string{nora, kavya, ana} {
			owes := !checksIn(week, person) && !(person == ana && s.At.Before(awayTill))
			if named := strings.Contains(text, person); named != owes {
				t.Errorf("week %d summary names %s = %v, want %v:\n%s", week+1, person, named, owes, text)
			}
		}
	}
	if len(summaries) == 0 {
		t.Errorf("Lee got no lead summaries")
	}

	// Digests: one each Friday at 16:00 London, telling the analysis' numbers,
	// with a chart in its thread.
	posts := withKind(r.posts(okrs), "digest")
	var summariesPosted []dm
	for _, p := range posts {
		if strings.Count(p.Key, ":") == 2 { // digest:period:channel, not a thread part
			summariesPosted = append(summariesPosted, p)
		}
	}
	if len(summariesPosted) != 13 {
		t.Fatalf("%d digests posted, want 13", len(summariesPosted))
	}
	for i, p := range summariesPosted {
		local := p.At.In(london)
		if local.Weekday() != time.Friday || local.Hour() != 16 || local.Minute() != 0 {
			t.Errorf("digest %d posted at %s, want Friday 16:00 London", i+1, local.Format(time.RFC1123))
		}
		text := slackfake.RenderMessage(p.Message)
		want := digests[i]
		if !strings.Contains(text, "*"+want.progress+"* · expected") || !strings.Contains(text, want.change) {
			t.Errorf("digest %d does not show the revenue objective at %s, %s:\n%s", i+1, want.progress, want.change, text)
		}
		if !strings.Contains(text, want.participation) {
			t.Errorf("digest %d does not say %q:\n%s", i+1, want.participation, text)
		}
	}
	files := r.srv.Files()
	if len(files) != 13 {
		t.Fatalf("%d files uploaded, want 13 charts", len(files))
	}
	for _, f := range files {
		img, err := png.Decode(bytes.NewReader(f.Content))
		if err != nil || !f.Completed {
			t.Fatalf("chart %s: %v (completed %v)", f.Name, err, f.Completed)
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 || len(f.Content) < 5_000 || len(f.Content) > 2<<20 {
			t.Errorf("chart %s is %dx%d, %d bytes", f.Name, b.Dx(), b.Dy(), len(f.Content))
		}
	}

	// Nudges: at most three a person a week; the unaligned HR objective's
	// owner was nudged with suggestions, once a week at most.
	for _, person := range append(owners, gone, robot) {
		perWeek := map[string]int{}
		for _, m := range withKind(r.dms(person), "nudge") {
			perWeek[strings.Split(m.Key, ":")[2]]++
		}
		for week, n := range perWeek {
			if n > 3 {
				t.Errorf("%s got %d nudges in %s, over the budget of 3", person, n, week)
			}
		}
	}
	orphanNudges := 0
	for _, m := range withKind(r.dms(leo), "nudge") {
		if strings.HasSuffix(m.Key, ":orphan:"+hiring.Ref()) {
			orphanNudges++
			if text := slackfake.RenderMessage(m.Message); !strings.Contains(text, revenue.Ref()) && !strings.Contains(text, "Improve the quality") {
				t.Errorf("the orphan nudge suggests no company objective:\n%s", text)
			}
		}
	}
	if orphanNudges == 0 || orphanNudges > 14 {
		t.Errorf("%d orphan nudges for %s, want one a week at most and at least one", orphanNudges, hiring.Ref())
	}

	// The edges of the cycle: in its first week the HR lead, whose team's
	// objective is not aligned, is asked to align it (the company already
	// has objectives, so the admin is not asked); in its last week every
	// owner of an objective is asked to score, once.
	kickoffs := map[string]int{}
	scoring := map[string]int{}
	for _, person := range append(owners, gone, robot) {
		for _, m := range withKind(r.dms(person), "nudge") {
			switch {
			case strings.HasSuffix(m.Key, ":kickoff:"+cycle.Name):
				kickoffs[person]++
				if !cycle.InFirstWeek(m.At) {
					t.Errorf("%s was asked to set objectives on %s, after the first week", person, m.At)
				}
			case strings.HasSuffix(m.Key, ":score:"+cycle.Name):
				scoring[person]++
				if !cycle.InLastWeek(m.At) {
					t.Errorf("%s was asked to score on %s, before the last week", person, m.At)
				}
				if text := slackfake.RenderMessage(m.Message); !strings.Contains(text, "[Score my objectives]") {
					t.Errorf("the scoring nudge:\n%s", text)
				}
			}
		}
	}
	if len(kickoffs) != 1 || kickoffs[leo] != 1 {
		t.Errorf("kickoff nudges = %v, want one to the HR lead", kickoffs)
	}
	if len(scoring) != 3 || scoring[ada] != 1 || scoring[lee] != 1 || scoring[leo] != 1 {
		t.Errorf("scoring nudges = %v, want one to each objective owner", scoring)
	}
}

// weekOfQuarter counts weeks from Monday 5 October 2026 (week 0).
func weekOfQuarter(local time.Time) int {
	first := time.Date(2026, 10, 5, 0, 0, 0, 0, local.Location())
	return int(local.Sub(first).Hours() / (24 * 7))
}
