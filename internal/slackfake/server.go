package slackfake

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Slack limits the emulator enforces that are not tied to one Web API method.
// Each names the section of docs/slack-platform.md it comes from.
const (
	// maxConnections is the number of Socket Mode WebSockets one app may hold (docs/slack-platform.md, "Connection set-up").
	maxConnections = 10
	// maxAckSize is the size at which Slack silently drops a Socket Mode response (docs/slack-platform.md, "Ack deadline").
	maxAckSize = 20 * 1024
	// responseURLUses and responseURLTTL bound a response_url (docs/slack-platform.md, "Slash commands").
	responseURLUses = 5
	responseURLTTL  = 30 * time.Minute
	// maxViewStack is the depth of a modal's view stack (docs/slack-platform.md, "Modal methods and lifecycle").
	maxViewStack = 3
)

// Defaults for Options. The ack deadline, retry schedule and trigger lifetime are
// Slack's (docs/slack-platform.md, "Ack deadline", "Slash commands"); the ping interval is ours: Slack does not document its own,
// but slack-go drops a socket that hears no ping for 30 s (docs/slack-platform.md, "slack-go runtime behaviour", item 1), so 10 s
// keeps a healthy connection alive with room to spare (docs/slack-platform.md, "Minimal emulator checklist", item 2).
const (
	DefaultAckTimeout   = 3 * time.Second
	DefaultPingInterval = 10 * time.Second
	DefaultTriggerTTL   = 3 * time.Second
)

// DefaultRetryDelays is Slack's Events API retry schedule: almost immediately, after
// one minute, after five minutes (docs/slack-platform.md, "Ack deadline", D-EV "Retries").
var DefaultRetryDelays = []time.Duration{0, time.Minute, 5 * time.Minute}

// DefaultBotScopes is the set of bot scopes the emulated app is granted unless
// Options.BotScopes says otherwise. Tests that want to catch a missing scope should
// pass the scopes of the real manifest instead (docs/slack-platform.md, "Scopes needed").
var DefaultBotScopes = []string{
	"commands", "chat:write", "chat:write.public", "im:write", "im:read", "im:history",
	"users:read", "channels:read", "channels:history", "groups:read", "groups:history",
	"files:write",
}

// ErrClosed is returned by calls made on, or waiting when, the server is closed.
var ErrClosed = errors.New("slackfake: server closed")

// ErrAckTimeout is returned (wrapped, next to a Result with TimedOut set) when the
// app did not acknowledge an envelope within Options.AckTimeout.
var ErrAckTimeout = errors.New("slackfake: envelope not acknowledged in time")

// Options configures a Server. The zero value is a working emulator with Slack's
// timings, rate limits switched on, and time.Now as its clock.
type Options struct {
	// Clock is the emulator's notion of "now" for everything Slack measures in
	// wall-clock time: message timestamps, trigger_id and response_url expiry,
	// scheduled messages, rate-limit windows and users' tz_offset. Tests can pass a
	// fake clock and move it forward instead of sleeping. Default time.Now.
	//
	// Ack deadlines, retry delays and pings use real time, because the app on the
	// other side of the socket is real code running in real time.
	Clock func() time.Time

	// AckTimeout is how long an envelope may stay unacknowledged (docs/slack-platform.md, "Ack deadline"). Default 3 s.
	AckTimeout time.Duration

	// RetryDelays is the pause before each redelivery of an unacknowledged
	// events_api envelope; its length is the number of retries (docs/slack-platform.md, "Ack deadline"). nil means
	// DefaultRetryDelays; a non-nil empty slice disables retries. Tests pass tiny
	// values such as {0, 10ms, 20ms}.
	RetryDelays []time.Duration

	// PingInterval is how often each WebSocket is pinged. Default 10 s.
	PingInterval time.Duration

	// TriggerTTL is how long a trigger_id can be exchanged (docs/slack-platform.md, "Slash commands"). Default 3 s.
	TriggerTTL time.Duration

	// WarningLead is how long a socket stays in service after a
	// {"type":"disconnect","reason":"warning"} message before the emulator
	// closes it: Slack sends the warning about 10 s ahead
	// (docs/slack-platform.md, "disconnect messages") and keeps delivering envelopes on the
	// socket meanwhile, so a client that closes it at once loses them.
	// Real time. Default 10 s.
	WarningLead time.Duration

	// RateLimits configures the per-method rate limiter (docs/slack-platform.md, "Rate limits").
	RateLimits RateLimits

	// Logf, when set, receives one line per notable event (connections, calls
	// answered with an error, violations). Tokens are never logged.
	Logf func(format string, args ...any)

	// Seed makes generated IDs (users, channels, views, envelopes, triggers) and
	// probabilistic faults reproducible. Zero is a valid seed.
	Seed uint64

	// TeamName and TeamDomain name the workspace. Defaults "Fake Workspace" and
	// "fakeworkspace".
	TeamName   string
	TeamDomain string

	// BotName is the bot user's name. Default "okrbot".
	BotName string

	// BotScopes are the bot token's scopes; nil means DefaultBotScopes.
	BotScopes []string

	// Addr is the listen address. Default "127.0.0.1:0" (a free loopback port).
	Addr string
}

// Server is a running Slack emulator: a Web API over HTTP and Socket Mode over
// WebSocket on one loopback port, plus a workspace model and the person-side
// actions a test drives. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	now      func() time.Time
	ln       net.Listener
	httpSrv  *http.Server
	base     string // "http://127.0.0.1:PORT", no trailing slash
	upgrader websocket.Upgrader
	sched    *scheduler

	wg        sync.WaitGroup // every goroutine the server starts
	done      chan struct{}  // closed by Close
	closeOnce sync.Once

	mu     sync.Mutex
	closed bool
	rng    *rand.Rand

	// Identity of the installed app.
	teamID, appID, botID, botUserID string
	botToken, appToken, verifyToken string
	scopes                          map[string]bool

	ws       workspace
	sock     socketState
	views    viewState
	limiter  *limiter
	faults   map[string]*faultState
	lastTS   time.Time
	handlers map[string]*methodSpec

	calls      []Call
	acks       []Ack
	timeouts   []Timeout
	violations []Violation
}

// New starts an emulator listening on a loopback port. Like httptest.NewServer it
// panics if it cannot listen, since there is nothing sensible a test could do.
// Close it when done.
func New(opts Options) *Server {
	s, err := start(opts)
	if err != nil {
		panic("slackfake: " + err.Error())
	}
	return s
}

func start(opts Options) (*Server, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = DefaultAckTimeout
	}
	if opts.RetryDelays == nil {
		opts.RetryDelays = DefaultRetryDelays
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.TriggerTTL <= 0 {
		opts.TriggerTTL = DefaultTriggerTTL
	}
	if opts.WarningLead <= 0 {
		opts.WarningLead = 10 * time.Second
	}
	if opts.TeamName == "" {
		opts.TeamName = "Fake Workspace"
	}
	if opts.TeamDomain == "" {
		opts.TeamDomain = "fakeworkspace"
	}
	if opts.BotName == "" {
		opts.BotName = "okrbot"
	}
	if opts.BotScopes == nil {
		opts.BotScopes = DefaultBotScopes
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}

	s := &Server{
		opts:   opts,
		now:    opts.Clock,
		ln:     ln,
		base:   "http://" + ln.Addr().String(),
		done:   make(chan struct{}),
		rng:    rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		faults: make(map[string]*faultState),
		scopes: make(map[string]bool),
	}
	// Slack does not check the Origin of a Socket Mode dial, and slack-go sends
	// "https://api.slack.com", which gorilla's default check would refuse (docs/slack-platform.md, "slack-go runtime behaviour", item 2).
	s.upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	for _, sc := range opts.BotScopes {
		s.scopes[sc] = true
	}
	s.limiter = newLimiter(opts.RateLimits)
	s.handlers = methodTable()
	s.initIdentity()
	s.ws.init()
	s.views.init()
	s.sock.init()
	s.addBotUsersLocked()

	s.sched = newScheduler()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sched.run(s.done)
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleWebSocket)
	mux.HandleFunc("/response/", s.handleResponseURL)
	mux.HandleFunc("/upload/", s.handleUpload)
	s.httpSrv = &http.Server{
		Handler:           s.track(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logf("slackfake: serve: %v", err)
		}
	}()
	s.opts.Logf("slackfake: listening on %s (team %s, app %s, bot %s)", s.base, s.teamID, s.appID, s.botUserID)
	return s, nil
}

// track counts in-flight HTTP handlers in s.wg so that Close returns only once
// none of them is left, and refuses new requests after Close.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			http.Error(w, "server closed", http.StatusServiceUnavailable)
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		h.ServeHTTP(w, r)
	})
}

func (s *Server) initIdentity() {
	s.teamID = "T" + s.randID(10)
	s.appID = "A" + s.randID(10)
	s.botID = "B" + s.randID(10)
	s.botUserID = "U" + s.randID(10)
	s.botToken = fmt.Sprintf("xoxb-%d-%d-%s", 1000000000+s.rng.IntN(9000000000), 1000000000+s.rng.IntN(9000000000), s.randAlnum(24))
	s.appToken = fmt.Sprintf("xapp-1-%s-%d-%s", s.appID, 1000000000+s.rng.IntN(9000000000), s.randHex(64))
	s.verifyToken = s.randAlnum(24)
}

// Close stops the emulator: it closes every WebSocket, stops the HTTP server,
// fails every pending person-side call with ErrClosed, and returns once no
// goroutine started by the server is left. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := s.sock.openConns()
		s.failPendingLocked()
		s.mu.Unlock()

		close(s.done)
		for _, c := range conns {
			c.drop()
		}
		_ = s.httpSrv.Close()
		s.wg.Wait()
	})
}

// APIURL is the Web API base URL to pass to slack.OptionAPIURL, with the trailing
// slash slack-go needs (docs/slack-platform.md, "slack-go runtime behaviour", item 3).
func (s *Server) APIURL() string { return s.base + "/api/" }

// BotToken is the bot token (xoxb-) that the Web API accepts.
func (s *Server) BotToken() string { return s.botToken }

// AppToken is the app-level token (xapp-) that apps.connections.open accepts.
func (s *Server) AppToken() string { return s.appToken }

// BotUserID is the bot user's ID.
func (s *Server) BotUserID() string { return s.botUserID }

// BotID is the bot's B… ID, as found in messages it posts.
func (s *Server) BotID() string { return s.botID }

// TeamID is the workspace ID.
func (s *Server) TeamID() string { return s.teamID }

// AppID is the app's ID.
func (s *Server) AppID() string { return s.appID }

// logf logs through Options.Logf.
func (s *Server) logf(format string, args ...any) { s.opts.Logf("slackfake: "+format, args...) }

// sleep waits d of real time, returning false if the server closed or ctx ended first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randID returns n characters of Slack-style upper-case ID alphabet. Callers hold
// s.mu or run before the server is shared.
func (s *Server) randID(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alnum[s.rng.IntN(len(alnum))])
	}
	return b.String()
}

func (s *Server) randAlnum(n int) string {
	const set = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for range n {
		b.WriteByte(set[s.rng.IntN(len(set))])
	}
	return b.String()
}

func (s *Server) randHex(n int) string {
	const set = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(set[s.rng.IntN(len(set))])
	}
	return b.String()
}

// newUUID returns a random UUID-shaped string, as Slack uses for envelope IDs.
func (s *Server) newUUID() string {
	h := s.randHex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// nextTSLocked returns a message timestamp ("1700000000.000100") that is unique and
// strictly increasing, derived from the clock.
func (s *Server) nextTSLocked() string {
	now := s.now()
	t := now.Truncate(time.Microsecond)
	if !t.After(s.lastTS) {
		t = s.lastTS.Add(time.Microsecond)
	}
	s.lastTS = t
	return formatTS(t)
}

func formatTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}
