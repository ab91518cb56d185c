package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// TestEveryEnvelopeIsAckedAtOnce sends one of each kind of envelope and
// checks every ack came back within milliseconds, before any slow work.
func TestEveryEnvelopeIsAckedAtOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.command(member, "help")
	h.command(member, "kr O404")
	h.modal(member, "new", "okr_new")
	_, err := h.srv.Suggest(ctx, member, "parent", "v", "")
	must(t, err)
	h.submit(member, slackfake.Inputs{"title": "Ack fast", "kr1_title": "k", "kr1_start": "0", "kr1_target": "1"})
	_, err = h.srv.SendEvent(ctx, "user_change", json.RawMessage(`{"type":"user_change","user":{"id":"UMEMBER","name":"mia","tz":"Asia/Tokyo"}}`))
	must(t, err)
	acks := h.srv.Acks()
	if len(acks) < 6 {
		t.Fatalf("%d acks, want 6", len(acks))
	}
	for _, a := range acks {
		// The submission's ack carries its validation and a write; the rest
		// ack before doing anything. Generous bounds: CI machines are slow
		// and -race multiplies the work (BenchmarkEnvelopeAck measures).
		limit := 250 * time.Millisecond
		if a.Kind == "view_submission" {
			limit = time.Second
		}
		if a.Late || a.Dropped || a.Latency > limit {
			t.Errorf("ack of %s/%s: latency %v late=%v dropped=%v", a.Type, a.Kind, a.Latency, a.Late, a.Dropped)
		}
	}
	if n := len(h.srv.Timeouts()); n != 0 {
		t.Fatalf("%d envelopes timed out", n)
	}
}

func TestUnknownEventTypesAreAckedNotLeftToTimeOut(t *testing.T) {
	h := newHarness(t)
	res, err := h.srv.SendEvent(context.Background(), "workflow_step_teleported", json.RawMessage(`{"type":"workflow_step_teleported","x":1}`))
	if err != nil || res.TimedOut {
		t.Fatalf("unknown event: %v timed out=%v", err, res != nil && res.TimedOut)
	}
	h.waitFor("the event to be counted as not handled", func() bool { return h.bot.Stats().Unhandled == 1 })
}

// TestRedeliveredEventsAreHandledOnce makes every ack late, so Slack
// redelivers each event three more times with the same event_id; the bot
// must act on it once.
func TestRedeliveredEventsAreHandledOnce(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) {
		c.fake.AckTimeout = time.Microsecond // every ack is late
		c.fake.RetryDelays = []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond}
	})
	h.objective(&okr.Objective{Title: "Home content", Level: okr.LevelTeam, OwnerID: member}, metricKR("k", member, 0, 1))
	_, _ = h.srv.OpenAppHome(context.Background(), member) // times out by design; the bot still sees it
	h.waitFor("all three retries", func() bool {
		n := 0
		for _, a := range h.srv.Acks() {
			if a.Kind == "app_home_opened" {
				n++
			}
		}
		return n >= 4
	})
	h.waitFor("the redeliveries to be skipped", func() bool { return h.bot.Stats().Redeliveries >= 3 })
	h.waitFor("the one publish", func() bool { return len(h.srv.CallsTo("views.publish")) >= 1 })
	// Every delivery has been handled (three were skipped, the first is
	// published): exactly one publish for one event delivered four times.
	if n := len(h.srv.CallsTo("views.publish")); n != 1 {
		t.Fatalf("views.publish called %d times for one event delivered four times", n)
	}
}

// TestWarningLosesNoEnvelope: Slack warns that a socket will close and
// keeps using it until it does. A command that arrives on it after the
// warning is acked, and the bot is on a new socket before the old closes,
// so there is no moment without a connection.
func TestWarningLosesNoEnvelope(t *testing.T) {
	h := newHarness(t)
	for round := range 3 {
		first := h.srv.Connections()[0].ID
		h.srv.Disconnect(slackfake.ReasonWarning)
		res := h.command(member, "help")
		if res.TimedOut || !strings.Contains(slackfake.Render(res.Blocks), "/okr new") {
			t.Fatalf("round %d: a command right after the warning: %+v", round, res)
		}
		h.waitFor("a second socket while the warned one still serves", func() bool {
			c := h.srv.Connections()
			return len(c) == 2 && c[0].ID == first
		})
		h.waitFor("the warned socket to close", func() bool {
			c := h.srv.Connections()
			return len(c) == 1 && c[0].ID != first
		})
	}
	if n := len(h.srv.Timeouts()); n != 0 {
		t.Fatalf("%d envelopes timed out: %+v", n, h.srv.Timeouts())
	}
}

func TestReconnectsAfterDisconnectsAndKeepsWorking(t *testing.T) {
	h := newHarness(t)
	for _, reason := range []string{"warning", "refresh_requested", "too_many_websockets"} {
		first := h.srv.Connections()[0].ID
		h.srv.Disconnect(reason)
		h.waitFor("a new connection after "+reason, func() bool {
			c := h.srv.Connections()
			return len(c) > 0 && c[0].ID != first
		})
		res := h.command(member, "help")
		if res.TimedOut || !strings.Contains(slackfake.Render(res.Blocks), "/okr new") {
			t.Fatalf("after %s: %+v", reason, res)
		}
	}
	first := h.srv.Connections()[0].ID
	h.srv.DropConnections()
	h.waitFor("a new connection after a dropped socket", func() bool {
		c := h.srv.Connections()
		return len(c) > 0 && c[0].ID != first
	})
	h.modal(member, "new", "okr_new")
	res := h.submit(member, slackfake.Inputs{"title": "Survives reconnects", "kr1_title": "k", "kr1_start": "0", "kr1_target": "1"})
	if len(res.Errors) > 0 || res.TimedOut {
		t.Fatalf("submission after reconnect: %+v", res)
	}
	h.reply(member, "Created")
}

// TestRateLimitsAreRetried answers the first views.open and the first
// response_url post with 429: the bot waits Retry-After and succeeds, so
// the person gets the modal and the answer, once.
func TestRateLimitsAreRetried(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFault("views.open", slackfake.Fault{Status: 429, RetryAfter: time.Second, OnCall: 1})
	start := time.Now()
	h.modal(member, "new", "okr_new")
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("the modal opened after %v, before Retry-After", waited)
	}
	h.waitFor("both views.open calls to be recorded", func() bool { return len(h.srv.CallsTo("views.open")) >= 2 })
	calls := h.srv.CallsTo("views.open")
	if len(calls) != 2 || calls[0].Status != 429 || !calls[1].OK {
		t.Fatalf("views.open calls = %+v", calls)
	}
	h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Status: 429, RetryAfter: time.Second, OnCall: 1})
	h.command(member, "kr O999")
	h.reply(member, "There is no objective O999.")
	// The answer went out once: one refused post, then one accepted.
	h.waitFor("both response_url calls", func() bool { return len(h.srv.CallsTo("response_url")) >= 2 })
	calls = h.srv.CallsTo("response_url")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("response_url calls = %+v", calls)
	}
	if n := len(h.replies(member)); n != 1 {
		t.Fatalf("%d replies after a retried post, want exactly one: %v", n, h.replies(member))
	}
}

// TestSlowSlackDelaysButLosesNothing makes Slack slow to answer: the bot
// still acks at once, and the answer arrives.
func TestSlowSlackDelaysButLosesNothing(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Delay: 500 * time.Millisecond, Count: 1})
	res := h.command(member, "edit O1")
	if res.Latency > 250*time.Millisecond {
		t.Fatalf("ack waited for Slack: %v", res.Latency)
	}
	h.reply(member, "There is no objective O1.")
}

func TestRefusedTokensStopTheBotWithErrInvalidAuth(t *testing.T) {
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t)})
	defer srv.Close()
	db := mustDB(t)
	for name, opts := range map[string]bot.Options{
		"bot token": {BotToken: "xoxb-nope", AppToken: srv.AppToken(), APIURL: srv.APIURL()},
		"app token": {BotToken: srv.BotToken(), AppToken: "xapp-nope", APIURL: srv.APIURL()},
	} {
		t.Run(name, func(t *testing.T) {
			opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := bot.New(db, opts).Run(ctx)
			if !errors.Is(err, bot.ErrInvalidAuth) {
				t.Fatalf("Run = %v, want ErrInvalidAuth", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("Run took %v to give up; it must stop at once", took)
			}
		})
	}
}

// gatedStore holds CreateObjective until released, so a shutdown can land
// while a submission is being saved.
type gatedStore struct {
	*storage.DB
	entered chan struct{}
	release chan struct{}
}

func (s *gatedStore) CreateObjective(ctx context.Context, o *okr.Objective, krs []*okr.KeyResult, l okr.LinkOptions) error {
	close(s.entered)
	<-s.release
	return s.DB.CreateObjective(ctx, o, krs, l)
}

// TestShutdownFinishesSubmissionsInFlight stops the bot (SIGTERM) while a
// modal submission is being saved: the save completes and its ack still
// reaches Slack, so the person sees the form close rather than an error
// that would make them submit again.
func TestShutdownFinishesSubmissionsInFlight(t *testing.T) {
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t), PingInterval: 2 * time.Second})
	defer srv.Close()
	must(t, srv.AddUser(slackfake.User{ID: member, Name: "mia", TZ: "Asia/Tokyo"}))
	must(t, srv.AddChannel(slackfake.Channel{ID: channel, Name: "okrs", BotMember: true}))
	st := &gatedStore{DB: mustDB(t), entered: make(chan struct{}), release: make(chan struct{})}
	b := bot.New(st, bot.Options{BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ShutdownGrace: 10 * time.Second})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	must(t, srv.WaitFor(wctx, "the bot to connect", func() bool { return len(srv.Connections()) > 0 }))
	_, err := srv.SlashCommand(wctx, member, channel, "/okr", "new")
	must(t, err)
	must(t, srv.WaitFor(wctx, "the modal", func() bool { v := srv.TopView(member); return v != nil && v.CallbackID == "okr_new" }))

	submitted := make(chan *slackfake.Result, 1)
	go func() {
		res, err := srv.SubmitView(wctx, member, slackfake.Inputs{"title": "Saved during shutdown", "kr1_title": "k", "kr1_start": "0", "kr1_target": "1"})
		if err != nil {
			t.Error(err)
		}
		submitted <- res
	}()
	select {
	case <-st.entered:
	case <-wctx.Done():
		t.Fatal("the submission never reached the store")
	}
	stop() // SIGTERM while the submission is being saved
	close(st.release)
	res := <-submitted
	if res == nil || res.TimedOut || len(res.Errors) > 0 {
		t.Fatalf("the submission's ack: %+v", res)
	}
	must(t, <-done)
	if _, total, _ := st.FindObjectives(context.Background(), okr.ObjectiveFilter{}); total != 1 {
		t.Fatalf("%d objectives stored, want 1", total)
	}
}
