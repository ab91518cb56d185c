// Package bot is okrbot's Slack surface: the Socket Mode connection and its
// event loop, the /okr command, modals, the App Home, and the Block Kit that
// shows OKRs. It knows Slack; it knows no cron and no SQL, reaching data
// through the services declared in package okr.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Options configure a Bot. Zero values take the defaults noted.
type Options struct {
	BotToken string // xoxb-
	AppToken string // xapp-
	APIURL   string // default https://slack.com/api/

	// Admins may manage company objectives, cycles and settings, besides
	// workspace admins and owners.
	Admins []string
	// Defaults are the configured settings; admins override them at run
	// time with /okr settings. Zero fields take UTC, January, the default
	// policy and the default schedules.
	Defaults okr.Settings
	// Deliverer delivers DMs once over the ledger; shared with the
	// scheduler. Default: one of its own, under a random instance ID.
	Deliverer *okr.Deliverer
	// Pacing spaces the messages the bot posts (default: Slack's limits).
	Pacing Pacing

	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()

	// HTTPClient carries every Web API call; default one with a 30 s
	// timeout (slack-go's own has none).
	HTTPClient *http.Client
	// PingInterval is how long the socket may go without a ping from Slack
	// before it reconnects (default 30 s).
	PingInterval time.Duration
	// HandlerTimeout bounds the work done after an ack (default 30 s).
	HandlerTimeout time.Duration
	// SubmitTimeout bounds the work done before acking a modal submission,
	// which must be answered within Slack's 3 s (default 2.5 s).
	SubmitTimeout time.Duration
	// ShutdownGrace is how long Run waits for work in flight after its
	// context ends (default 10 s).
	ShutdownGrace time.Duration
	// OnAck, when set, is told how long each envelope waited from its
	// arrival to its ack, by envelope type; for the ack latency histogram
	// on /metrics. It runs on the ack path, so it must be quick.
	OnAck func(envelopeType string, wait time.Duration)
}

// Bot serves one Slack workspace over Socket Mode.
type Bot struct {
	api    *slack.Client
	socket *socket

	analyses analyses         // the last analysis of each cycle, shared by reads
	homes    homePublishes    // App Home publishes under way
	trees    treeLayouts      // the trees laid out from the shared analysis
	scored   scoredObjectives // the cycle's scored objectives, kept for lists
	store    okr.Store
	opts     Options
	log      *slog.Logger

	botUserID string

	adminsMu sync.Mutex
	admins   []string // configured and workspace admins, for refusals

	usersKnown     chan struct{} // see UsersKnown
	warm           chan struct{} // see Warm
	warmOnce       sync.Once
	usersKnownOnce sync.Once

	workCtx context.Context // parent of work done after an ack; set by Run
	work    sync.WaitGroup  // handlers running after their ack
	// reads holds a token for each whole-cycle read under way (see
	// reading).
	reads    chan struct{}
	events   *dedupe // event IDs seen, so a redelivery is not handled twice
	indexes  *indexCache
	counters counters
	arrived  sync.Map // envelope ID → arrival, while OnAck waits for its ack
	routes   routes
	sender   *sender // every message the bot posts goes through it
}

// Pacing is how fast the bot posts messages. Zero fields take Slack's
// limits; tests that move through weeks in seconds go faster (the
// emulator still enforces Slack's limits on them).
type Pacing struct {
	// PostsPerMinute across the workspace; default DefaultPostsPerMinute.
	PostsPerMinute int
	// PerConversation is the least time between two posts to one
	// conversation; default one second. Negative: none.
	PerConversation time.Duration
}

// New builds a bot on the store. It makes no network call; Run connects.
func New(store okr.Store, opts Options) *Bot {
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	opts.Defaults = opts.Defaults.WithDefaults()
	if opts.Deliverer == nil {
		opts.Deliverer = okr.NewDeliverer(store, randomInstanceID())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = 30 * time.Second
	}
	if opts.HandlerTimeout == 0 {
		opts.HandlerTimeout = 30 * time.Second
	}
	if opts.SubmitTimeout == 0 {
		opts.SubmitTimeout = 2500 * time.Millisecond
	}
	if opts.ShutdownGrace == 0 {
		opts.ShutdownGrace = 10 * time.Second
	}
	api := slack.New(opts.BotToken,
		slack.OptionAppLevelToken(opts.AppToken),
		slack.OptionAPIURL(opts.APIURL),
		slack.OptionHTTPClient(withoutViewEcho{opts.HTTPClient}),
		// 429s are retried after Retry-After (slack-go honours it); the
		// call's context bounds the wait.
		slack.OptionRetry(3),
	)
	b := &Bot{
		api:     api,
		socket:  newSocket(api, opts.Logger, opts.PingInterval),
		store:   store,
		opts:    opts,
		log:     opts.Logger,
		events:  newDedupe(time.Hour),
		workCtx: context.Background(),
		routes:  newRoutes(),
		reads:   make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1)),

		usersKnown: make(chan struct{}),
		warm:       make(chan struct{}),
	}
	b.sender = newSender(api, b.log, opts.Now, opts.Pacing, uint64(opts.Now().UnixNano()))
	b.indexes = newIndexCache(store, b.log)
	b.indexes.spawn = func(what string, fn func(context.Context) error) { b.goWork(b.workCtx, what, fn) }
	b.analyses.replacing = b.trees.forget
	return b
}

// randomInstanceID names a bot given no Deliverer: random, so that no two
// processes ever hold claims under one name.
func randomInstanceID() string {
	var id [8]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	return hex.EncodeToString(id[:])
}

// ErrInvalidAuth means Slack refused the tokens; running again will not help.
var ErrInvalidAuth = errors.New("the tokens were refused by Slack (invalid_auth): check SLACK_BOT_TOKEN and SLACK_APP_TOKEN")

// Run connects to Slack and serves until ctx ends, then waits up to
// Options.ShutdownGrace for work in flight. It returns nil after a clean
// shutdown and an error when Slack refuses the tokens.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		var slackErr slack.SlackErrorResponse
		if errors.As(err, &slackErr) && isAuthError(slackErr.Err) {
			return fmt.Errorf("%w: %s", ErrInvalidAuth, slackErr.Err)
		}
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("auth.test: %w", err)
	}
	b.botUserID = auth.UserID
	b.knowCachedUsers(ctx)
	b.log.Info("connected to Slack", slog.String("team", auth.Team), slog.String("bot_user", auth.UserID))

	// Background work outlives a cancelled ctx by ShutdownGrace, so sends
	// in flight finish; it is detached here and bounded per handler.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	b.workCtx = workCtx

	// The socket and the user sync live until Run returns, whether because
	// ctx ended or because the socket gave up: not ctx itself, so that work
	// finishing during the shutdown grace can still ack on the socket.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	var loops sync.WaitGroup
	defer func() { stopRun(); loops.Wait() }()
	socketDone := make(chan error, 1)
	go func() { socketDone <- b.socket.Run(runCtx) }()
	loops.Go(func() { b.keepUsersInSync(runCtx) })
	b.goWork(workCtx, "warm index", func(ctx context.Context) error { return b.warmIndex(ctx) })
	b.goWork(workCtx, "resume score requests", b.resumeScoreRequests)

	for {
		select {
		case <-ctx.Done():
			b.drain(stopWork)
			return nil
		case err := <-socketDone:
			if ctx.Err() != nil {
				b.drain(stopWork)
				return nil
			}
			b.drain(stopWork)
			if isAuthError(err.Error()) {
				return fmt.Errorf("%w: %v", ErrInvalidAuth, err)
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-b.socket.events:
			b.dispatch(workCtx, evt)
		}
	}
}

func isAuthError(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type":
		return true
	}
	return false
}

// drain waits for handlers in flight, at most ShutdownGrace, then cancels them.
func (b *Bot) drain(stopWork context.CancelFunc) {
	done := make(chan struct{})
	go func() { b.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.opts.ShutdownGrace):
		b.log.Warn("shutdown: work still running after the grace period; cancelling it")
		stopWork()
		<-done
	}
}

// goWork runs fn after an ack: in its own goroutine, with a timeout, with
// panics recovered and errors logged, and counted for shutdown.
func (b *Bot) goWork(ctx context.Context, what string, fn func(ctx context.Context) error) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		b.safely(ctx, what, fn)
	}()
}

// reading waits for a turn to read and render from the whole cycle (a
// list, the tree, the gaps, an objective in full, the App Home, another
// page of them). Such reads take milliseconds of CPU each at 10,000
// objectives; at most one fewer than the processors Go runs on go at once,
// so that one stays free for the socket: acks, modals and check-ins, which
// Slack times, never wait behind a burst of reads. The turn ends when the
// answer is ready to send (send calls endReading on the context returned)
// or when done is called, whichever is first: a send that Slack makes wait
// holds up no one else.
func (b *Bot) reading(ctx context.Context) (_ context.Context, done func(), err error) {
	select {
	case b.reads <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	var once sync.Once
	done = func() { once.Do(func() { <-b.reads }) }
	return context.WithValue(ctx, readTurnKey{}, done), done, nil
}

type readTurnKey struct{}

// endReading ends the read turn ctx carries, if any (see reading).
func endReading(ctx context.Context) {
	if done, ok := ctx.Value(readTurnKey{}).(func()); ok {
		done()
	}
}

// safely runs fn with the handler timeout and turns a panic into a logged
// error, so one bad event never takes the bot down.
func (b *Bot) safely(ctx context.Context, what string, fn func(ctx context.Context) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.HandlerTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			b.counters.handlerErrors.Add(1)
			b.log.Error("handler panicked", slog.String("handler", what), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	if err = fn(ctx); err != nil {
		b.counters.handlerErrors.Add(1)
		b.log.Error("handler failed", slog.String("handler", what), slog.Any("err", err))
	}
	return err
}

// ack answers an envelope on the socket it came on (or the newest, if
// that one closed). An error means the payload was too large, or no socket
// was open for ackWait.
func (b *Bot) ack(req *socketmode.Request, payload any) {
	if req == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ackWait)
	defer cancel()
	if err := b.socket.Ack(ctx, req.EnvelopeID, payload); err != nil {
		b.log.Error("ack failed", slog.String("envelope", req.EnvelopeID), slog.Any("err", err))
	}
	if a, ok := b.arrived.LoadAndDelete(req.EnvelopeID); ok {
		a := a.(arrival)
		b.opts.OnAck(a.kind, time.Since(a.at))
	}
}

// arrival is when an envelope of a kind was read from the socket.
type arrival struct {
	kind string
	at   time.Time
}

// ackWait bounds how long an ack may wait for an open socket: longer than
// Slack's 3 s deadline means the ack is useless anyway.
const ackWait = 3 * time.Second

// dispatch handles one socket event. Every envelope is acked here, first,
// before any slow work; what is slow runs in goWork afterwards.
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		b.counters.envelope(string(evt.Type))
		if b.opts.OnAck != nil {
			b.arrived.Store(evt.Request.EnvelopeID, arrival{kind: string(evt.Type), at: time.Now()})
		}
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.ack(evt.Request, nil)
			return
		}
		b.onCommand(ctx, evt.Request, cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.ack(evt.Request, nil)
			return
		}
		b.onInteraction(ctx, evt.Request, &cb)
	case socketmode.EventTypeEventsAPI:
		b.ack(evt.Request, nil)
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return
		}
		b.onEvent(ctx, evt.Request, ev)
	case socketmode.EventTypeErrorBadMessage:
		// An event type slack-go cannot parse: ack it by hand so Slack does
		// not redeliver it (docs/slack-platform.md, "slack-go runtime behaviour", item 6).
		b.ackUnparsed(evt)
	case socketmode.EventTypeConnecting:
		b.counters.connected.Store(false)
		b.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		b.counters.connected.Store(true)
		b.log.Info("socket connected")
	case socketmode.EventTypeConnectionError:
		b.counters.connected.Store(false)
		b.log.Warn("socket connection failed; retrying", slog.Any("err", evt.Data))
	case socketmode.EventTypeHello, socketmode.EventTypeDisconnect, socketmode.EventTypeIncomingError:
		b.log.Debug("socket", slog.String("event", string(evt.Type)))
	case socketmode.EventTypeErrorWriteFailed:
		b.log.Error("socket write failed", slog.Any("err", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack refused the app token")
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			b.ack(evt.Request, nil)
		}
		b.log.Info("unhandled socket event", slog.String("type", string(evt.Type)))
	}
}

func (b *Bot) ackUnparsed(evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		if v, isValue := evt.Data.(socketmode.ErrorBadMessage); isValue {
			bad, ok = &v, true
		}
	}
	if !ok {
		return
	}
	var envelope struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &envelope); err != nil || envelope.EnvelopeID == "" {
		b.log.Warn("unreadable socket message", slog.Any("err", bad.Cause))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ackWait)
	defer cancel()
	if err := b.socket.Ack(ctx, envelope.EnvelopeID, nil); err != nil {
		b.log.Error("ack failed", slog.String("envelope", envelope.EnvelopeID), slog.Any("err", err))
	}
	b.counters.unhandled.Add(1)
	b.log.Info("acked an event this version does not handle", slog.String("type", envelope.Type), slog.Any("cause", bad.Cause))
}

// onEvent handles Events API events after their ack. A redelivery of an
// event already seen is dropped.
func (b *Bot) onEvent(ctx context.Context, req *socketmode.Request, ev slackevents.EventsAPIEvent) {
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		if !b.events.first(cb.EventID, b.opts.Now()) {
			b.counters.redeliveries.Add(1)
			b.log.Info("redelivered event skipped", slog.String("event_id", cb.EventID), slog.Int("retry_attempt", req.RetryAttempt))
			return
		}
	}
	switch inner := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if inner.Tab != "home" && inner.Tab != "" {
			return
		}
		b.goWork(ctx, "app home", func(ctx context.Context) error { return b.publishHome(ctx, inner.User) })
	case *slackevents.UserChangeEvent:
		b.goWork(ctx, "user change", func(ctx context.Context) error { return b.onUserChange(ctx, inner) })
	default:
		b.log.Debug("event ignored", slog.String("type", ev.InnerEvent.Type))
	}
}

// dedupe remembers IDs for a while, so a redelivered event is handled once.
type dedupe struct {
	mu   sync.Mutex
	ttl  time.Duration
	seen map[string]time.Time
}

func newDedupe(ttl time.Duration) *dedupe { return &dedupe{ttl: ttl, seen: map[string]time.Time{}} }

// first reports whether id is new, and remembers it.
func (d *dedupe) first(id string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) > 10_000 { // forget what is older than the TTL
		for k, t := range d.seen {
			if now.Sub(t) > d.ttl {
				delete(d.seen, k)
			}
		}
	}
	if t, ok := d.seen[id]; ok && now.Sub(t) <= d.ttl {
		return false
	}
	d.seen[id] = now
	return true
}
