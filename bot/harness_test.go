package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/manifest"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// The workspace every bot test starts with.
const (
	admin   = "UADMIN"  // a workspace admin, in Berlin
	lead    = "ULEAD"   // leads the Platform team, in New York
	member  = "UMEMBER" // a Platform team member, in Tokyo
	channel = "COKRS"
)

// clock is the bot's clock, frozen at a fixed date (Monday 2026-11-16,
// week 7 of 2026-Q4) until a test moves it forward: what a test sees never
// depends on how fast the machine runs it.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

var clockBase = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clockBase.Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// harness runs the real bot on a real SQLite file against the Slack
// emulator, over real sockets.
type harness struct {
	t     testing.TB
	srv   *slackfake.Server
	db    *storage.DB
	bot   *bot.Bot
	clock *clock
	ctx   context.Context
	stop  context.CancelFunc
	done  chan error
	logs  *logBuffer
}

type harnessConfig struct {
	fake   slackfake.Options
	botOpt func(*bot.Options)
	dbPath string
}

func newHarness(t testing.TB, configure ...func(*harnessConfig)) *harness {
	t.Helper()
	cfg := harnessConfig{
		fake: slackfake.Options{
			// Exactly the scopes an install from manifest.yml grants, so
			// that a call needing another fails here as it would on Slack.
			BotScopes:    manifestScopes(t),
			PingInterval: 2 * time.Second,
			// Slack's 10 s between a warning and the close, shortened.
			WarningLead: time.Second,
			RateLimits: slackfake.RateLimits{
				// Tests reconnect on purpose; everything else keeps Slack's limits.
				PerMinute: map[string]int{"apps.connections.open": 100},
			},
		},
		dbPath: filepath.Join(t.TempDir(), "okrbot.db"),
	}
	for _, c := range configure {
		c(&cfg)
	}
	srv := slackfake.New(cfg.fake)
	for _, u := range []slackfake.User{
		{ID: admin, Name: "ada", RealName: "Ada Admin", TZ: "Europe/Berlin", IsAdmin: true},
		{ID: lead, Name: "lee", RealName: "Lee Lead", TZ: "America/New_York"},
		{ID: member, Name: "mia", RealName: "Mia Member", TZ: "Asia/Tokyo"},
	} {
		if err := srv.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.AddChannel(slackfake.Channel{ID: channel, Name: "okrs", BotMember: true}); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), cfg.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	db.Now = clk.Now
	logs := &logBuffer{}
	opts := bot.Options{
		BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL(),
		Now:           clk.Now,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		PingInterval:  10 * time.Second,
		ShutdownGrace: 5 * time.Second,
	}
	if cfg.botOpt != nil {
		cfg.botOpt(&opts)
	}
	b := bot.New(db, opts)
	ctx, stop := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, db: db, bot: b, clock: clk, ctx: ctx, stop: stop, done: make(chan error, 1), logs: logs}
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(h.close)
	h.waitFor("the bot to connect", func() bool { return len(srv.Connections()) > 0 })
	// As in any deployment after its first minute, the users are known.
	h.waitFor("the first user sync", func() bool {
		u, err := db.FindUserByID(context.Background(), admin)
		return err == nil && u.IsAdmin && b.Stats().UserSyncs > 0
	})
	// Tests seed the store directly, which the bot cannot see: let the
	// index it builds at start finish before they do.
	h.waitFor("the index warm-up", func() bool {
		select {
		case <-b.Warm():
			return true
		default:
			return false
		}
	})
	return h
}

func (h *harness) close() {
	h.stop()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("bot.Run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Errorf("bot.Run did not return after shutdown")
	}
	h.srv.Close()
	if err := h.db.Close(); err != nil {
		h.t.Errorf("close db: %v", err)
	}
	if v := h.srv.Violations(); len(v) > 0 && !h.t.Failed() {
		h.t.Errorf("the bot broke Slack's rules: %+v", v)
	}
	if m := h.srv.UnescapedMarkup(); len(m) > 0 && !h.t.Failed() {
		h.t.Errorf("mrkdwn with a bare < that Slack would read as a link:\n%s", strings.Join(m, "\n"))
	}
	if h.t.Failed() {
		h.t.Logf("bot log:\n%s", h.logs.String())
	}
}

// waitLimit is how long a test waits for a condition before it fails. It
// bounds a failure, never a success: generous, because -race on a loaded
// 2-core machine is many times slower than a laptop.
const waitLimit = 30 * time.Second

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.srv.WaitFor(ctx, what, cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// command runs /okr as a person and returns the ack.
func (h *harness) command(user, text string) *slackfake.Result {
	h.t.Helper()
	res, err := h.srv.SlashCommand(context.Background(), user, channel, "/okr", text)
	if err != nil {
		h.t.Fatalf("/okr %s: %v", text, err)
	}
	return res
}

// modal runs a command and waits for the modal it opens.
func (h *harness) modal(user, text, callbackID string) *slackfake.View {
	h.t.Helper()
	before := h.srv.TopView(user)
	h.command(user, text)
	var v *slackfake.View
	h.waitFor("the "+callbackID+" modal", func() bool {
		v = h.srv.TopView(user)
		return v != nil && v.CallbackID == callbackID && (before == nil || v.ID != before.ID || v.Hash != before.Hash)
	})
	return v
}

func (h *harness) submit(user string, in slackfake.Inputs) *slackfake.Result {
	h.t.Helper()
	res, err := h.srv.SubmitView(context.Background(), user, in)
	if err != nil {
		h.t.Fatalf("submit: %v", err)
	}
	return res
}

// replies are the ephemeral messages a person has been shown, as text.
func (h *harness) replies(user string) []string {
	var out []string
	for _, m := range h.srv.Ephemerals(user) {
		out = append(out, slackfake.RenderMessage(m))
	}
	return out
}

// reply waits for an ephemeral answer containing want and returns it.
func (h *harness) reply(user, want string) string {
	h.t.Helper()
	var got string
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	err := h.srv.WaitFor(ctx, "a reply containing "+want, func() bool {
		for _, r := range h.replies(user) {
			if strings.Contains(r, want) {
				got = r
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no reply to %s contains %q; replies:\n%s", user, want, strings.Join(h.replies(user), "\n---\n"))
	}
	return got
}

// dm returns the bot's DM messages to a person, rendered.
func (h *harness) dm(user string) []string {
	var out []string
	for _, m := range h.srv.Messages(h.srv.DM(user)) {
		out = append(out, slackfake.RenderMessage(m))
	}
	return out
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

// mustDB opens a database in a temporary directory.
func mustDB(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "okrbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// objective creates an objective through the store, in the current cycle
// unless it names one.
func (h *harness) objective(o *okr.Objective, krs ...*okr.KeyResult) *okr.Objective {
	h.t.Helper()
	ctx := context.Background()
	if o.CycleID == 0 {
		// As the bot does, and safe when the bot starts the cycle at the
		// same moment (2026-Q4 at the harness clock, UTC).
		c, err := okr.CurrentCycle(ctx, h.db, okr.Settings{}, h.clock.Now())
		must(h.t, err)
		o.CycleID = c.ID
	}
	must(h.t, h.db.CreateObjective(ctx, o, krs, okr.LinkOptions{}))
	return o
}

func metricKR(title, owner string, start, target float64) *okr.KeyResult {
	return &okr.KeyResult{Title: title, Kind: okr.KindIncrease, Start: start, Target: target, Current: start, OwnerID: owner}
}

// logBuffer collects the bot's log for a failing test's output.
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

// viewBlockIDs lists the block IDs of a view, to check what a form shows.
func viewBlockIDs(t testing.TB, v *slackfake.View) []string {
	var blocks []struct {
		BlockID string `json:"block_id"`
	}
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range blocks {
		ids = append(ids, b.BlockID)
	}
	return ids
}
