package scheduler_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/clock"
	"github.com/okrbot/okrbot/internal/manifest"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
	"github.com/okrbot/okrbot/storage"
)

// rig runs the real bot and scheduler on a real SQLite file against the
// Slack emulator, all on one clock that the test moves.
type rig struct {
	t     testing.TB
	srv   *slackfake.Server
	db    *storage.DB
	bot   *bot.Bot
	clock *clock.Fake
	logs  *logBuffer

	ctx  context.Context
	stop context.CancelFunc
	done chan error

	schedMu   sync.Mutex
	sched     *scheduler.Scheduler
	schedStop context.CancelFunc
	schedDone chan error
	instance  int
	schedOpts scheduler.Options
}

type rigConfig struct {
	start     time.Time
	users     []slackfake.User
	channels  []slackfake.Channel
	fake      func(*slackfake.Options)
	botOpts   func(*bot.Options)
	schedOpts func(*scheduler.Options)
	path      string
	// shared wires the scheduler to the bot's analysis and suggestion
	// index, as okrbot serve does.
	shared bool
}

func newRig(t testing.TB, cfg rigConfig) *rig {
	t.Helper()
	clk := clock.NewFake(cfg.start)
	fakeOpts := slackfake.Options{
		BotScopes:    manifestScopes(t), // as an install from manifest.yml grants
		Clock:        clk.Now,
		PingInterval: 2 * time.Second,
		RateLimits:   slackfake.RateLimits{PerMinute: map[string]int{"apps.connections.open": 100}},
	}
	if cfg.fake != nil {
		cfg.fake(&fakeOpts)
	}
	srv := slackfake.New(fakeOpts)
	for _, u := range cfg.users {
		if err := srv.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cfg.channels {
		if err := srv.AddChannel(c); err != nil {
			t.Fatal(err)
		}
	}
	path := cfg.path
	if path == "" {
		path = filepath.Join(t.TempDir(), "okrbot.db")
	}
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = clk.Now
	logs := &logBuffer{}
	r := &rig{t: t, srv: srv, db: db, clock: clk, logs: logs, done: make(chan error, 1)}
	r.schedOpts = scheduler.Options{
		Defaults: okr.Settings{Location: time.UTC},
		Clock:    clk,
		// (Ready is left out: the rig starts schedulers once the bot has
		// synced the users.)
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if cfg.schedOpts != nil {
		cfg.schedOpts(&r.schedOpts)
	}
	opts := bot.Options{
		BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL(),
		Defaults:      r.schedOpts.Defaults,
		Now:           clk.Now,
		Logger:        r.schedOpts.Logger,
		PingInterval:  10 * time.Second,
		ShutdownGrace: 5 * time.Second,
		Deliverer:     okr.NewDeliverer(db, "bot-only"),
		// The tests move through weeks in seconds: pace as fast as the
		// emulator allows (it still enforces Slack's limits).
		Pacing: bot.Pacing{PostsPerMinute: 6000, PerConversation: -1},
	}
	if cfg.botOpts != nil {
		cfg.botOpts(&opts)
	}
	r.bot = bot.New(db, opts)
	if cfg.shared {
		r.schedOpts.Analysis, r.schedOpts.SuggestionIndex = r.bot.Analysis, r.bot.SuggestionIndex
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	go func() { r.done <- r.bot.Run(r.ctx) }()
	t.Cleanup(r.close)
	r.waitFor("the bot to connect", func() bool { return len(srv.Connections()) > 0 })
	r.waitFor("the first user sync", closed(r.bot.UsersKnown()))
	// Tests seed the store directly, behind the bot's back: let the index
	// it builds at start finish first, or it may be built from half the
	// seed (a nudge shared with the bot would then miss parents).
	r.waitFor("the index warm-up", closed(r.bot.Warm()))
	return r
}

// closed is a condition for waitFor: ch has been closed.
func closed(ch <-chan struct{}) func() bool {
	return func() bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
}

// startScheduler starts a scheduler (a new instance, as a new process
// would be) and waits for its first pass.
func (r *rig) startScheduler() *scheduler.Scheduler {
	r.t.Helper()
	r.schedMu.Lock()
	r.instance++
	deliverer := okr.NewDeliverer(r.db, "instance-"+itoa(r.instance))
	s := scheduler.New(r.db, r.bot.Notifier(), deliverer, r.schedOpts)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Read before it starts: its first pass begins at this time or later.
	now := r.clock.Now()
	go func() { done <- s.Run(ctx) }()
	r.sched, r.schedStop, r.schedDone = s, stop, done
	r.schedMu.Unlock()
	r.waitFor("the scheduler's first pass", func() bool { return !s.LastPass().Before(now) })
	return s
}

// stopScheduler stops the running scheduler as SIGTERM would.
func (r *rig) stopScheduler() {
	r.t.Helper()
	r.schedMu.Lock()
	stop, done := r.schedStop, r.schedDone
	r.sched, r.schedStop, r.schedDone = nil, nil, nil
	r.schedMu.Unlock()
	if stop == nil {
		return
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			r.t.Errorf("scheduler.Run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		r.t.Fatalf("the scheduler did not stop")
	}
}

// advanceTo moves the clock to t and waits for the scheduler's pass there.
func (r *rig) advanceTo(t time.Time) {
	r.t.Helper()
	r.clock.Set(t)
	r.schedMu.Lock()
	s := r.sched
	r.schedMu.Unlock()
	if s == nil {
		return
	}
	r.waitFor("the scheduler's pass at "+t.Format(time.RFC3339), func() bool { return !s.LastPass().Before(t) })
}

// runUntil moves the clock from wake to wake of the scheduler until end,
// stopping also at each of the events' times to run them.
func (r *rig) runUntil(end time.Time, events []event) {
	r.t.Helper()
	for {
		now := r.clock.Now()
		next := r.sched.NextWake(now)
		for len(events) > 0 && !events[0].at.After(now) {
			events[0].do()
			events = events[1:]
		}
		if len(events) > 0 && events[0].at.Before(next) {
			next = events[0].at
		}
		if next.After(end) {
			r.advanceTo(end)
			return
		}
		r.advanceTo(next)
	}
}

// event is something a test does at a time: a check-in, a change.
type event struct {
	at time.Time
	do func()
}

func (r *rig) close() {
	r.stopScheduler()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("bot.Run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		r.t.Errorf("bot.Run did not return after shutdown")
	}
	r.srv.Close()
	if err := r.db.Close(); err != nil {
		r.t.Errorf("close db: %v", err)
	}
	if v := r.srv.Violations(); len(v) > 0 && !r.t.Failed() {
		r.t.Errorf("the bot broke Slack's rules: %+v", v)
	}
	if m := r.srv.UnescapedMarkup(); len(m) > 0 && !r.t.Failed() {
		r.t.Errorf("mrkdwn with a bare < that Slack would read as a link:\n%s", strings.Join(m, "\n"))
	}
	if r.t.Failed() {
		r.t.Logf("log:\n%s", r.logs.String())
	}
}

func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.srv.WaitFor(ctx, what, cond); err != nil {
		r.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// dm is one message the bot posted in a person's DM.
type dm struct {
	slackfake.Message
	Key string // the delivery key its marker carries
	At  time.Time
}

// dms lists the bot's messages to a person, with their delivery keys.
func (r *rig) dms(user string) []dm {
	var out []dm
	for _, m := range r.srv.Messages(r.srv.DM(user)) {
		out = append(out, dm{Message: m, Key: markerKey(m.Blocks), At: tsTime(m.TS)})
	}
	return out
}

// posts lists the bot's messages in a channel (threads included).
func (r *rig) posts(channel string) []dm {
	var out []dm
	for _, m := range r.srv.Messages(channel) {
		out = append(out, dm{Message: m, Key: markerKey(m.Blocks), At: tsTime(m.TS)})
	}
	return out
}

// withKind keeps the messages whose delivery key starts with kind + ":".
func withKind(msgs []dm, kind string) []dm {
	var out []dm
	for _, m := range msgs {
		if strings.HasPrefix(m.Key, kind+":") {
			out = append(out, m)
		}
	}
	return out
}

// markerKey reads the delivery key from a message's first block ID.
func markerKey(blocks json.RawMessage) string {
	var bs []struct {
		BlockID string `json:"block_id"`
	}
	if json.Unmarshal(blocks, &bs) != nil || len(bs) == 0 {
		return ""
	}
	key, _ := strings.CutPrefix(bs[0].BlockID, "okrbot:")
	return key
}

func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

func itoa(n int) string { return strconv.Itoa(n) }

// logBuffer collects the log for a failing test's output.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// manifestScopes are the bot scopes manifest.yml declares.
func manifestScopes(t testing.TB) []string {
	t.Helper()
	m, err := manifest.Load(filepath.Join("..", "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return m.OAuthConfig.Scopes.Bot
}
