package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/clock"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
	"github.com/okrbot/okrbot/storage"
)

const demoUsage = `usage: okrbot demo [-db file] [-chart file] [-pause duration] [-log]

Demo runs the real bot and scheduler against okrbot's built-in Slack
emulator, with a sample company (Acme: a CEO, Marketing and HR teams,
people in five time zones), and plays one week of its OKRs on a fast
clock: a lead links an objective from a suggestion, owners get their
check-in DMs at 10:00 their time and answer them, an objective aligned
with nothing gets a nudge, reminders and a lead's summary go out on
Wednesday, and Friday's digest is posted with its chart. It prints the
conversation as people would read it in Slack. No Slack workspace and no
tokens are needed; nothing leaves this machine.

The flags are:

	-db file
		keep the demo's database in file (it must not exist yet), to
		look at it afterwards; by default it lives in a temporary
		directory and is removed.
	-chart file
		where to save the digest's chart, a PNG
		(default okrbot-demo-chart.png in the system's temporary directory).
	-pause duration
		wait this long after each scene, to read along (default 0).
	-log
		print the bot's and the scheduler's log to standard error.
`

// The sample company's people, in several time zones.
const (
	demoAda  = "UDEMOADA"  // CEO, New York; owns the company objectives
	demoLee  = "UDEMOLEE"  // leads Marketing, London
	demoNora = "UDEMONORA" // Marketing, Kolkata
	demoHana = "UDEMOHANA" // leads HR, Berlin
	demoSam  = "UDEMOSAM"  // HR, Auckland; forgets to check in
	demoOKRs = "CDEMOOKRS" // the digest channel
	// The company set its quarter up the week before the one the demo
	// plays, so that "this week" has a week before it.
	demoSetUp = "2026-11-07T12:00:00Z"
	demoStart = "2026-11-14T12:00:00Z"
)

// demoScopes are the bot scopes the demo's app is granted: those of
// manifest.yml, as a test checks, so that the demo cannot do what an
// installed okrbot could not.
var demoScopes = []string{
	"commands", "chat:write", "chat:write.public", "im:write", "im:history",
	"channels:history", "groups:history", "files:write", "users:read",
}

var demoPeople = []slackfake.User{
	{ID: demoAda, Name: "ada", RealName: "Ada (CEO)", TZ: "America/New_York", IsAdmin: true},
	{ID: demoLee, Name: "lee", RealName: "Lee (Marketing lead)", TZ: "Europe/London"},
	{ID: demoNora, Name: "nora", RealName: "Nora (Marketing)", TZ: "Asia/Kolkata"},
	{ID: demoHana, Name: "hana", RealName: "Hana (HR lead)", TZ: "Europe/Berlin"},
	{ID: demoSam, Name: "sam", RealName: "Sam (HR)", TZ: "Pacific/Auckland"},
}

// runDemo is `okrbot demo`.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dbPath := fs.String("db", "", "")
	chartPath := fs.String("chart", "", "")
	pause := fs.Duration("pause", 0, "")
	showLog := fs.Bool("log", false, "")
	if code, stop := parseFlags(fs, args, demoUsage, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "okrbot demo: unexpected argument %q\n\n%s", fs.Arg(0), demoUsage)
		return 2
	}
	dir, err := os.MkdirTemp("", "okrbot-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "okrbot demo: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *dbPath == "" {
		*dbPath = filepath.Join(dir, "okrbot.db")
	} else if _, err := os.Stat(*dbPath); err == nil {
		fmt.Fprintf(stderr, "okrbot demo: %s exists; the demo writes a new database, so choose a new file name.\n", *dbPath)
		return 2
	}
	if *chartPath == "" {
		// Beside the temporary directory, which is removed at the end: the
		// chart is kept to be looked at.
		*chartPath = filepath.Join(os.TempDir(), "okrbot-demo-chart.png")
	}
	logTo := io.Discard
	if *showLog {
		logTo = stderr
	}
	d := &demo{out: stdout, pause: *pause, chartPath: *chartPath, seen: map[string]int{},
		log: slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if err := d.run(ctx, *dbPath); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "okrbot demo: interrupted")
			return 1
		}
		fmt.Fprintf(stderr, "okrbot demo: %v\n", err)
		return 1
	}
	return 0
}

// demo is one run of the demo: the emulator, the real bot and scheduler,
// and what has been printed so far.
type demo struct {
	out       io.Writer
	pause     time.Duration
	chartPath string
	log       *slog.Logger

	clk   *clock.Fake
	srv   *slackfake.Server
	db    *storage.DB
	bot   *bot.Bot
	sched *scheduler.Scheduler
	// seen is how many versions of each message (by channel and ts) were
	// printed, so that each scene prints what is new or changed.
	seen map[string]int
}

func (d *demo) run(ctx context.Context, dbPath string) error {
	setUp, _ := time.Parse(time.RFC3339, demoSetUp)
	start, _ := time.Parse(time.RFC3339, demoStart)
	d.clk = clock.NewFake(setUp)
	d.srv = slackfake.New(slackfake.Options{Clock: d.clk.Now, Seed: 1, BotScopes: demoScopes, TeamName: "Acme", TeamDomain: "acme"})
	defer d.srv.Close()
	for _, u := range demoPeople {
		if err := d.srv.AddUser(u); err != nil {
			return err
		}
	}
	if err := d.srv.AddChannel(slackfake.Channel{ID: demoOKRs, Name: "okrs", BotMember: true}); err != nil {
		return err
	}
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Now = d.clk.Now
	d.db = db
	org, err := d.seed(ctx)
	if err != nil {
		return fmt.Errorf("the sample company: %w", err)
	}
	d.clk.Set(start)

	defaults := okr.Settings{Location: mustZone("America/New_York"), DigestChannel: demoOKRs}
	deliverer := okr.NewDeliverer(db, "demo")
	d.bot = bot.New(db, bot.Options{
		BotToken: d.srv.BotToken(), AppToken: d.srv.AppToken(), APIURL: d.srv.APIURL(),
		Defaults: defaults, Deliverer: deliverer, Now: d.clk.Now, Logger: d.log,
		// A week in seconds: as fast as the emulator allows (it still
		// enforces Slack's limits).
		Pacing: bot.Pacing{PostsPerMinute: 6000, PerConversation: -1},
	})
	d.sched = scheduler.New(db, d.bot.Notifier(), deliverer, scheduler.Options{
		Defaults: defaults, Clock: d.clk, Ready: d.bot.UsersKnown(), Logger: d.log,
		Analysis: d.bot.Analysis, SuggestionIndex: d.bot.SuggestionIndex, // as okrbot serve wires them
	})
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	botDone := make(chan error, 1)
	go func() { botDone <- d.bot.Run(botCtx) }()
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan error, 1)
	go func() { schedDone <- d.sched.Run(schedCtx) }()
	// Stop as okrbot serve does: the scheduler first, then the bot.
	defer func() {
		stopSched()
		<-schedDone
		stopBot()
		<-botDone
	}()
	if err := d.wait(ctx, "okrbot to connect and learn the people", func() bool {
		select {
		case <-d.bot.UsersKnown():
			return d.sched.LastPass().After(start.Add(-time.Minute))
		default:
			return false
		}
	}); err != nil {
		return err
	}
	return d.play(ctx, org)
}

// demoOrg is what the scenes act on.
type demoOrg struct {
	pipeline, hiring *okr.Objective
}

// seed creates Acme's quarter: two company objectives, a Marketing
// objective not yet linked, and an HR objective aligned with nothing.
func (d *demo) seed(ctx context.Context) (*demoOrg, error) {
	cycle := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, mustZone("America/New_York"), okr.CycleCurrent)
	if err := d.db.CreateCycle(ctx, cycle); err != nil {
		return nil, err
	}
	marketing := &okr.Team{Name: "Marketing", LeadID: demoLee, Members: []string{demoNora}}
	hr := &okr.Team{Name: "HR", LeadID: demoHana, Members: []string{demoSam}}
	for _, t := range []*okr.Team{marketing, hr} {
		if err := d.db.CreateTeam(ctx, t); err != nil {
			return nil, err
		}
	}
	kr := func(title, owner string, start, current, target float64, unit string) *okr.KeyResult {
		return &okr.KeyResult{Title: title, Kind: okr.KindIncrease, Start: start, Current: current, Target: target, Unit: unit, OwnerID: owner}
	}
	objectives := []struct {
		o   *okr.Objective
		krs []*okr.KeyResult
	}{
		{&okr.Objective{Title: "Increase revenue", Level: okr.LevelCompany, OwnerID: demoAda},
			[]*okr.KeyResult{kr("Annual recurring revenue", demoAda, 10, 11.2, 14, "M$"), kr("Customers renewing", demoAda, 80, 84, 92, "%")}},
		{&okr.Objective{Title: "Improve the quality of our staff", Level: okr.LevelCompany, OwnerID: demoAda,
			Description: "Hire great people and keep them engaged."},
			[]*okr.KeyResult{kr("Engagement score", demoAda, 62, 66, 75, ""), kr("Offers accepted", demoAda, 70, 72, 85, "%")}},
		{&okr.Objective{Title: "Grow revenue from qualified pipeline", Level: okr.LevelTeam, OwnerID: demoLee, TeamID: marketing.ID},
			[]*okr.KeyResult{kr("Qualified leads", demoNora, 0, 180, 400, ""), kr("Webinar sign-ups", demoLee, 0, 450, 1200, "")}},
		{&okr.Objective{Title: "Hire great engineers faster", Level: okr.LevelTeam, OwnerID: demoHana, TeamID: hr.ID},
			[]*okr.KeyResult{kr("Engineers hired", demoSam, 0, 3, 12, ""), kr("Interview panels trained", demoHana, 0, 4, 10, "")}},
	}
	for _, x := range objectives {
		x.o.CycleID = cycle.ID
		if err := d.db.CreateObjective(ctx, x.o, x.krs, okr.LinkOptions{}); err != nil {
			return nil, err
		}
	}
	return &demoOrg{pipeline: objectives[2].o, hiring: objectives[3].o}, nil
}

// play runs the week's scenes.
func (d *demo) play(ctx context.Context, org *demoOrg) error {
	fmt.Fprintf(d.out, "okrbot demo: Acme's week of OKRs, played on a fast clock against okrbot's Slack emulator.\n")
	fmt.Fprintf(d.out, "People: Ada (CEO, New York), Lee (Marketing lead, London), Nora (Marketing, Kolkata),\n")
	fmt.Fprintf(d.out, "Hana (HR lead, Berlin), Sam (HR, Auckland). The digest goes to #okrs.\n")

	// Monday morning in London: Lee links Marketing's objective.
	monday := time.Date(2026, 11, 16, 9, 0, 0, 0, mustZone("Europe/London"))
	if err := d.advance(ctx, monday); err != nil {
		return err
	}
	if err := d.link(ctx, demoLee, org.pipeline); err != nil {
		return err
	}

	// Monday: each owner's prompt at 10:00 their time, from Kolkata to
	// New York; Hana's orphan objective gets its nudge at 11:00 hers.
	if err := d.scene(ctx, "Monday: check-in prompts at 10:00 in each person's time zone, nudges at 11:00",
		time.Date(2026, 11, 16, 12, 0, 0, 0, mustZone("America/New_York"))); err != nil {
		return err
	}
	// Everyone but Sam answers their prompt.
	checkins := []struct {
		user   string
		values []string // title, value, title, value…
		conf   string
	}{
		{demoNora, []string{"Qualified leads", "215"}, "on_track"},
		{demoLee, []string{"Webinar sign-ups", "610"}, "on_track"},
		{demoHana, []string{"Interview panels trained", "5"}, "at_risk"},
		{demoAda, []string{"Annual recurring revenue", "11.6", "Customers renewing", "85", "Engagement score", "67"}, "on_track"},
	}
	for _, c := range checkins {
		if err := d.checkIn(ctx, c.user, c.values, c.conf); err != nil {
			return err
		}
	}
	if err := d.printNew(ctx); err != nil {
		return err
	}
	if err := d.scene(ctx, "Wednesday: a reminder to who has not checked in, at 15:00 their time, and a summary to their lead",
		time.Date(2026, 11, 18, 16, 0, 0, 0, mustZone("America/New_York"))); err != nil {
		return err
	}
	if err := d.scene(ctx, "Friday: the weekly digest in #okrs at 16:00 company time (New York), details in its thread",
		time.Date(2026, 11, 20, 16, 5, 0, 0, mustZone("America/New_York"))); err != nil {
		return err
	}
	return d.saveChart()
}

// advance moves the clock to t, stopping at each of the scheduler's wakes
// on the way and waiting for its pass there, as the hours would pass.
func (d *demo) advance(ctx context.Context, t time.Time) error {
	for {
		now := d.clk.Now()
		next := d.sched.NextWake(now)
		if !next.Before(t) {
			next = t
		}
		d.clk.Set(next)
		if err := d.wait(ctx, "the scheduler's pass", func() bool { return !d.sched.LastPass().Before(next) }); err != nil {
			return err
		}
		if !next.Before(t) {
			return nil
		}
	}
}

// scene moves the clock to until and prints what people saw meanwhile.
func (d *demo) scene(ctx context.Context, title string, until time.Time) error {
	fmt.Fprintf(d.out, "\n━━ %s ━━\n", title)
	if err := d.advance(ctx, until); err != nil {
		return err
	}
	return d.printNew(ctx)
}

// link is a lead opening /okr link on their objective and choosing the
// first suggestion.
func (d *demo) link(ctx context.Context, user string, o *okr.Objective) error {
	fmt.Fprintf(d.out, "\n━━ Monday 09:00 in London: %s links Marketing's objective from a suggestion ━━\n", d.name(user))
	cmd := "link " + o.Ref()
	fmt.Fprintf(d.out, "\n%s types: /okr %s\n", d.name(user), cmd)
	if _, err := d.srv.SlashCommand(ctx, user, demoOKRs, "/okr", cmd); err != nil {
		return err
	}
	if err := d.wait(ctx, "the link form", func() bool {
		v := d.srv.TopView(user)
		return v != nil && v.CallbackID == "okr_link"
	}); err != nil {
		return err
	}
	opts, err := d.srv.Suggest(ctx, user, "parent", "v", "")
	if err != nil {
		return err
	}
	if len(opts) == 0 {
		return errors.New("the link form suggested no parent")
	}
	fmt.Fprintf(d.out, "The form suggests, best first:\n")
	for i, opt := range opts[:min(len(opts), 3)] {
		fmt.Fprintf(d.out, "  %d. %s (%s)\n", i+1, opt.Text, opt.Description)
	}
	fmt.Fprintf(d.out, "%s picks the first and submits.\n", d.name(user))
	res, err := d.srv.SubmitView(ctx, user, slackfake.Inputs{"parent": opts[0].Value})
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("the link form refused %v", res.Errors)
	}
	if err := d.wait(ctx, "the link's confirmation", func() bool { return len(d.srv.Ephemerals(user)) > 0 }); err != nil {
		return err
	}
	for _, m := range d.srv.Ephemerals(user) {
		d.print("okrbot → "+d.name(user)+" (only they see it)", slackfake.RenderMessage(m))
	}
	return nil
}

// checkIn is an owner pressing "Check in" on this week's prompt and
// submitting the pre-filled form with new values for some key results
// (values holds titles and values in turn); the others keep theirs.
func (d *demo) checkIn(ctx context.Context, user string, values []string, confidence string) error {
	var prompt *slackfake.Message
	for _, m := range d.srv.Messages(d.srv.DM(user)) {
		if strings.Contains(slackfake.RenderMessage(m), "weekly check-in") {
			prompt = &m
		}
	}
	if prompt == nil {
		return fmt.Errorf("%s got no check-in prompt", d.name(user))
	}
	if _, err := d.srv.ClickButton(ctx, user, slackfake.MessageRef{Channel: prompt.Channel, TS: prompt.TS}, "checkin_open", "all"); err != nil {
		return err
	}
	if err := d.wait(ctx, "the check-in form", func() bool {
		v := d.srv.TopView(user)
		return v != nil && v.CallbackID == "okr_checkin"
	}); err != nil {
		return err
	}
	live := false
	krs, err := d.db.FindKeyResults(ctx, okr.KeyResultFilter{OwnerID: &user, Archived: &live})
	if err != nil {
		return err
	}
	in := slackfake.Inputs{}
	var said []string
	for i := 0; i+1 < len(values); i += 2 {
		at := slices.IndexFunc(krs, func(kr *okr.KeyResult) bool { return kr.Title == values[i] })
		if at < 0 {
			return fmt.Errorf("%s owns no key result %q", d.name(user), values[i])
		}
		kr := krs[at]
		in[fmt.Sprintf("kr%d_value", kr.ID)] = values[i+1]
		in[fmt.Sprintf("kr%d_confidence", kr.ID)] = confidence
		said = append(said, fmt.Sprintf("%s → %s", kr.Title, values[i+1]))
	}
	fmt.Fprintf(d.out, "\n%s presses [Check in] and submits the pre-filled form: %s (%s)\n", d.name(user),
		strings.Join(said, ", "), strings.ReplaceAll(confidence, "_", " "))
	res, err := d.srv.SubmitView(ctx, user, in)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("the check-in form refused %v", res.Errors)
	}
	// The prompt is updated in place to show what was recorded.
	return d.wait(ctx, "the prompt to show the check-in", func() bool {
		for _, m := range d.srv.Messages(prompt.Channel) {
			if m.TS == prompt.TS && len(m.Versions) > 1 {
				return true
			}
		}
		return false
	})
}

// printNew prints every message posted or changed since the last call, in
// the order they were posted: each DM with its reader's local time, the
// channel's posts and their thread.
func (d *demo) printNew(ctx context.Context) error {
	type shown struct {
		where string
		m     slackfake.Message
	}
	var all []shown
	for _, u := range demoPeople {
		for _, m := range d.srv.Messages(d.srv.DM(u.ID)) {
			all = append(all, shown{where: "okrbot → " + d.name(u.ID) + " (DM)", m: m})
		}
	}
	for _, m := range d.srv.Messages(demoOKRs) {
		where := "okrbot in #okrs"
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			where = "  ↳ in the thread"
		}
		all = append(all, shown{where: where, m: m})
	}
	slices.SortStableFunc(all, func(x, y shown) int { return strings.Compare(x.m.TS, y.m.TS) })
	for _, s := range all {
		key := s.m.Channel + "/" + s.m.TS
		versions := max(1, len(s.m.Versions))
		if d.seen[key] >= versions || s.m.Deleted {
			continue
		}
		where := s.where
		if d.seen[key] > 0 {
			where += ", updated"
		}
		if s.m.Channel != demoOKRs {
			where += " · " + d.localTime(s.m)
		}
		text := slackfake.RenderMessage(s.m)
		if len(s.m.Files) > 0 {
			text += "\n[image: the progress chart]"
		}
		d.print(where, text)
		d.seen[key] = versions
	}
	if d.pause > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d.pause):
		}
	}
	return nil
}

// print writes one message under a heading, indented as a quote, with
// mentions and links as Slack shows them.
func (d *demo) print(heading, text string) {
	names := map[string]string{demoOKRs: "okrs"}
	for _, u := range demoPeople {
		names[u.ID] = d.name(u.ID)
	}
	printQuoted(d.out, heading, readable(text, names))
}

// localTime is when a DM arrived, in its reader's time zone.
func (d *demo) localTime(m slackfake.Message) string {
	var sec, frac int64
	fmt.Sscanf(m.TS, "%d.%d", &sec, &frac)
	at := time.Unix(sec, 0)
	for _, u := range demoPeople {
		if d.srv.DM(u.ID) == m.Channel {
			loc := mustZone(u.TZ)
			return at.In(loc).Format("Mon 15:04") + " " + strings.ReplaceAll(filepath.Base(u.TZ), "_", " ") + " time"
		}
	}
	return at.UTC().Format("Mon 15:04 UTC")
}

func (d *demo) name(user string) string {
	for _, u := range demoPeople {
		if u.ID == user {
			return strings.SplitN(u.RealName, " ", 2)[0]
		}
	}
	return user
}

// saveChart writes the digest's chart where the flag says.
func (d *demo) saveChart() error {
	files := d.srv.Files()
	if len(files) == 0 {
		return errors.New("the digest posted no chart")
	}
	f := files[len(files)-1]
	if err := os.WriteFile(d.chartPath, f.Content, 0o644); err != nil {
		return fmt.Errorf("save the chart: %w", err)
	}
	fmt.Fprintf(d.out, "\nThe digest's chart (%s, %d bytes) is saved as %s.\n", f.Name, len(f.Content), d.chartPath)
	return nil
}

// wait polls cond until it holds, for at most ten seconds.
func (d *demo) wait(ctx context.Context, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return d.srv.WaitFor(ctx, what, cond)
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the demo's zones are in every tz database Go ships
	}
	return loc
}
