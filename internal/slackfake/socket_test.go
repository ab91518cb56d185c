package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSocketMode_HelloAndPingsKeepTheConnection(t *testing.T) {
	// Emulator pings every 200 ms; slack-go's watchdog drops a socket that hears
	// no ping for 1.5 s. Over 3.5 s there must be exactly one connection.
	srv := newServer(t, Options{PingInterval: 200 * time.Millisecond})
	a := startApp(t, srv, ackAll, socketmode.OptionPingInterval(1500*time.Millisecond))
	waitFor(t, srv, "hello", func() bool { return a.count(socketmode.EventTypeHello) == 1 })

	hello := a.eventsOf(socketmode.EventTypeHello)[0].Request
	if got, want := hello.ConnectionInfo.AppID, srv.AppID(); got != want {
		t.Errorf("hello app_id = %q, want %q", got, want)
	}
	if hello.NumConnections != 1 {
		t.Errorf("hello num_connections = %d, want 1", hello.NumConnections)
	}
	deadline := time.After(3500 * time.Millisecond)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-deadline:
			done = true
		case <-tick.C:
			if n := a.count(socketmode.EventTypeConnected); n != 1 {
				t.Fatalf("connected %d times within 3.5 s; pings did not keep the socket", n)
			}
		}
	}
	if n := len(srv.CallsTo("apps.connections.open")); n != 1 {
		t.Errorf("apps.connections.open called %d times, want 1", n)
	}
	if n := len(srv.Connections()); n != 1 {
		t.Errorf("%d open connections, want 1", n)
	}
}

func TestSocketMode_WithoutPingsTheClientReconnects(t *testing.T) {
	// The control for the test above: pings slower than the client's watchdog
	// make slack-go reconnect, so the pings are what keeps the socket alive.
	srv := newServer(t, Options{PingInterval: time.Hour, RateLimits: RateLimits{Disabled: true}})
	a := startApp(t, srv, ackAll, socketmode.OptionPingInterval(300*time.Millisecond))
	waitFor(t, srv, "a reconnect", func() bool { return a.count(socketmode.EventTypeConnected) >= 2 })
}

func TestSocketMode_EnvelopesParseInSlackGo(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", RealName: "Ana Lima", TZ: "Europe/Berlin"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	type seen struct {
		evt socketmode.Event
	}
	var mu sync.Mutex
	var got []seen
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Request == nil || evt.Request.EnvelopeID == "" {
			return
		}
		mu.Lock()
		got = append(got, seen{evt})
		mu.Unlock()
		if evt.Type == socketmode.EventTypeInteractive {
			cb := evt.Data.(slack.InteractionCallback)
			if cb.Type == slack.InteractionTypeBlockSuggestion {
				_ = c.Ack(*evt.Request, slack.OptionsResponse{Options: []*slack.OptionBlockObject{
					slack.NewOptionBlockObject("v1", slack.NewTextBlockObject(slack.PlainTextType, "One", false, false), nil),
				}})
				return
			}
		}
		_ = c.Ack(*evt.Request)
	})
	ctx := ctxT(t)
	last := func() socketmode.Event {
		mu.Lock()
		defer mu.Unlock()
		return got[len(got)-1].evt
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(got)
	}
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })

	// slash_commands → slack.SlashCommand, accepts_response_payload true.
	if _, err := srv.SlashCommand(ctx, "U1", "C1", "/okr", "new team"); err != nil {
		t.Fatal(err)
	}
	evt := last()
	if evt.Type != socketmode.EventTypeSlashCommand || !evt.Request.AcceptsResponsePayload {
		t.Fatalf("slash: type %q accepts %v", evt.Type, evt.Request.AcceptsResponsePayload)
	}
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		t.Fatalf("slash data is %T", evt.Data)
	}
	if cmd.Command != "/okr" || cmd.Text != "new team" || cmd.UserID != "U1" || cmd.UserName != "ana" ||
		cmd.ChannelID != "C1" || cmd.ChannelName != "okrs" || cmd.TeamID != srv.TeamID() ||
		cmd.APIAppID != srv.AppID() || !strings.HasPrefix(cmd.ResponseURL, "http://127.0.0.1:") ||
		!reTrigger.MatchString(cmd.TriggerID) || cmd.TeamDomain == "" {
		t.Errorf("slash command fields: %+v", cmd)
	}

	// views.open with that trigger, then every interaction on the modal.
	modal := slack.ModalViewRequest{
		Type:          slack.VTModal,
		Title:         slack.NewTextBlockObject(slack.PlainTextType, "New objective", false, false),
		Submit:        slack.NewTextBlockObject(slack.PlainTextType, "Create", false, false),
		CallbackID:    "new_objective",
		NotifyOnClose: true,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("title", slack.NewTextBlockObject(slack.PlainTextType, "Title", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "title_input")),
			slack.NewInputBlock("parent", slack.NewTextBlockObject(slack.PlainTextType, "Parent", false, false), nil,
				slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, nil, "parent_select")),
			slack.NewActionBlock("acts", slack.NewButtonBlockElement("help", "h1", slack.NewTextBlockObject(slack.PlainTextType, "Help", false, false))),
		}},
		PrivateMetadata: "meta-1",
	}
	view, err := a.api.OpenViewContext(ctx, cmd.TriggerID, modal)
	if err != nil {
		t.Fatalf("views.open: %v", err)
	}
	if !strings.HasPrefix(view.ID, "V") || view.Hash == "" {
		t.Errorf("view id %q hash %q", view.ID, view.Hash)
	}

	// block_actions from the modal.
	if _, err := srv.ClickButton(ctx, "U1", TopModal, "help", ""); err != nil {
		t.Fatal(err)
	}
	evt = last()
	cb := evt.Data.(slack.InteractionCallback)
	if evt.Type != socketmode.EventTypeInteractive || cb.Type != slack.InteractionTypeBlockActions ||
		cb.View.ID != view.ID || cb.View.Hash == "" || cb.Container.Type != "view" || cb.TriggerID == "" ||
		len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != "help" ||
		cb.ActionCallback.BlockActions[0].Value != "h1" || cb.User.ID != "U1" || cb.Team.ID != srv.TeamID() ||
		cb.View.PrivateMetadata != "meta-1" || !evt.Request.AcceptsResponsePayload {
		t.Errorf("block_actions in view: %+v", cb)
	}

	// block_suggestion.
	opts, err := srv.Suggest(ctx, "U1", "parent", "parent_select", "gro")
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || opts[0].Value != "v1" || opts[0].Text != "One" {
		t.Errorf("suggested options %+v", opts)
	}
	cb = last().Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeBlockSuggestion || cb.ActionID != "parent_select" || cb.BlockID != "parent" || cb.Value != "gro" {
		t.Errorf("block_suggestion: type %q action %q block %q value %q", cb.Type, cb.ActionID, cb.BlockID, cb.Value)
	}

	// view_submission with state.values.
	if _, err := srv.SubmitView(ctx, "U1", Inputs{"Title": "Grow revenue", "parent": Option{Text: "One", Value: "v1"}}); err != nil {
		t.Fatal(err)
	}
	cb = last().Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.ID != view.ID || cb.View.CallbackID != "new_objective" ||
		cb.View.PrivateMetadata != "meta-1" || cb.View.Hash == "" || cb.View.State == nil {
		t.Fatalf("view_submission: %+v", cb.View)
	}
	if v := cb.View.State.Values["title"]["title_input"]; v.Value != "Grow revenue" || v.Type != "plain_text_input" {
		t.Errorf("state title = %+v", v)
	}
	if v := cb.View.State.Values["parent"]["parent_select"]; v.SelectedOption.Value != "v1" {
		t.Errorf("state parent = %+v", v)
	}
	if srv.TopView("U1") != nil {
		t.Error("an empty ack should close the submitted view")
	}

	// view_closed: open again and cancel.
	trig := srv.testTrigger("U1", "")
	if _, err := a.api.OpenViewContext(ctx, trig, modal); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CloseView(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	cb = last().Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewClosed || cb.View.CallbackID != "new_objective" || cb.IsCleared {
		t.Errorf("view_closed: type %q cleared %v", cb.Type, cb.IsCleared)
	}

	// block_actions from a message, with response_url and message.
	_, ts, err := a.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("pick", false), slack.MsgOptionBlocks(
		slack.NewActionBlock("row", slack.NewButtonBlockElement("approve", "obj-7", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ClickButton(ctx, "U1", MessageRef{Channel: "C1", TS: ts}, "approve", "obj-7"); err != nil {
		t.Fatal(err)
	}
	cb = last().Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeBlockActions || cb.Container.Type != "message" || cb.Container.ChannelID != "C1" ||
		cb.Container.MessageTs != ts || cb.Message.Timestamp != ts || cb.ResponseURL == "" || cb.Channel.ID != "C1" ||
		cb.ActionCallback.BlockActions[0].Value != "obj-7" {
		t.Errorf("block_actions in message: %+v", cb)
	}

	// events_api: app_home_opened and user_change, full event_callback.
	if _, err := srv.OpenAppHome(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	evt = last()
	if evt.Type != socketmode.EventTypeEventsAPI || evt.Request.AcceptsResponsePayload {
		t.Fatalf("events_api: type %q accepts %v", evt.Type, evt.Request.AcceptsResponsePayload)
	}
	ev := evt.Data.(slackevents.EventsAPIEvent)
	cbEvent, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cbEvent.EventID == "" || cbEvent.EventTime == 0 || cbEvent.TeamID != srv.TeamID() || cbEvent.APIAppID != srv.AppID() {
		t.Fatalf("outer event: %#v", ev.Data)
	}
	home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.User != "U1" || home.Tab != "home" || !strings.HasPrefix(home.Channel, "D") {
		t.Errorf("app_home_opened: %#v", ev.InnerEvent.Data)
	}

	n := count()
	if err := srv.UpdateUser(User{ID: "U1", Name: "ana", RealName: "Ana L.", TZ: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv, "user_change", func() bool { return count() > n })
	ev = last().Data.(slackevents.EventsAPIEvent)
	uc, ok := ev.InnerEvent.Data.(*slackevents.UserChangeEvent)
	if !ok || uc.User.ID != "U1" || uc.User.TZ != "America/New_York" || uc.User.RealName != "Ana L." {
		t.Errorf("user_change: %#v", ev.InnerEvent.Data)
	}
}

func TestSocketMode_UnknownEventTypeIsNeverAckedBySlackGo(t *testing.T) {
	// slack-go cannot parse an inner event type it does not know, so it reports
	// a bad message and never acks (docs/slack-platform.md, "slack-go runtime behaviour", item 6); the envelope then times out.
	srv := newServer(t, Options{AckTimeout: 300 * time.Millisecond, RetryDelays: []time.Duration{}})
	a := startApp(t, srv, ackAll)
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	res, err := srv.SendEvent(ctxT(t), "brand_new_event", json.RawMessage(`{"user":"U1"}`))
	if !errors.Is(err, ErrAckTimeout) || res == nil || !res.TimedOut {
		t.Fatalf("SendEvent = %+v, %v; want a timeout", res, err)
	}
	bad := a.eventsOf(socketmode.EventTypeErrorBadMessage)
	if len(bad) != 1 || !strings.Contains(string(bad[0].Data.(*socketmode.ErrorBadMessage).Message), "brand_new_event") {
		t.Errorf("bad messages: %+v", bad)
	}
}

func TestSocketMode_UnackedEventsAreRedelivered(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 200 * time.Millisecond, RetryDelays: []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	a := startApp(t, srv, nil) // never acks
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })

	res, err := srv.OpenAppHome(ctxT(t), "U1")
	if !errors.Is(err, ErrAckTimeout) || !res.TimedOut {
		t.Fatalf("OpenAppHome = %+v, %v; want a timeout", res, err)
	}
	waitFor(t, srv, "3 retries", func() bool { return a.count(socketmode.EventTypeEventsAPI) == 4 })
	waitFor(t, srv, "4 timeouts", func() bool { return len(srv.Timeouts()) == 4 })

	evts := a.eventsOf(socketmode.EventTypeEventsAPI)
	envIDs := map[string]bool{}
	var eventID string
	for i, e := range evts {
		if e.Request.RetryAttempt != i {
			t.Errorf("delivery %d: retry_attempt %d", i, e.Request.RetryAttempt)
		}
		if i > 0 && e.Request.RetryReason != "http_timeout" {
			t.Errorf("delivery %d: retry_reason %q", i, e.Request.RetryReason)
		}
		envIDs[e.Request.EnvelopeID] = true
		id := e.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID
		if i == 0 {
			eventID = id
		} else if id != eventID {
			t.Errorf("delivery %d: event_id %q, want the original %q", i, id, eventID)
		}
	}
	if len(envIDs) != 4 {
		t.Errorf("%d distinct envelope IDs over 4 deliveries", len(envIDs))
	}
	for _, to := range srv.Timeouts() {
		if to.UserVisible || to.Type != "events_api" {
			t.Errorf("timeout %+v", to)
		}
	}
	// No fifth delivery after the third retry.
	time.Sleep(300 * time.Millisecond)
	if n := a.count(socketmode.EventTypeEventsAPI); n != 4 {
		t.Errorf("%d deliveries, want 4", n)
	}
}

// TestSocketMode_AnAckAfterTheDeadlineIsLateThoughItsTimerHasNotRun: on
// a busy machine the deadline's timer can run after the ack has been
// read. The ack is still late, as on Slack: the envelope times out and the
// event is redelivered. The scheduler is held busy here so that the timer
// cannot run first.
func TestSocketMode_AnAckAfterTheDeadlineIsLateThoughItsTimerHasNotRun(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: time.Nanosecond, RetryDelays: []time.Duration{0}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	entered, held := make(chan struct{}), make(chan struct{})
	srv.sched.after(0, func() { close(entered); <-held })
	release := sync.OnceFunc(func() { close(held) })
	t.Cleanup(release) // before the server closes
	<-entered
	raw := dialRaw(t, srv)
	raw.readType("hello")
	type opened struct {
		res *Result
		err error
	}
	done := make(chan opened, 1)
	go func() {
		res, err := srv.OpenAppHome(ctxT(t), "U1")
		done <- opened{res, err}
	}()
	env := raw.readType("events_api")
	raw.send(fmt.Sprintf(`{"envelope_id":%q}`, env["envelope_id"]))
	got := <-done
	if !errors.Is(got.err, ErrAckTimeout) || got.res == nil || !got.res.TimedOut {
		t.Fatalf("OpenAppHome = %+v, %v; want a timeout", got.res, got.err)
	}
	if acks := srv.Acks(); len(acks) != 1 || !acks[0].Late {
		t.Errorf("acks %+v, want one late", acks)
	}
	if n := len(srv.Timeouts()); n != 1 {
		t.Errorf("%d timeouts, want 1", n)
	}
	release()
	if retry := raw.readType("events_api"); retry["retry_attempt"] != float64(1) {
		t.Errorf("redelivery %v, want retry_attempt 1", retry)
	}
}

func TestSocketMode_AckedEventIsNotRedelivered(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: time.Second, RetryDelays: []time.Duration{0, 0, 0}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	a := startApp(t, srv, ackAll)
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	res, err := srv.OpenAppHome(ctxT(t), "U1")
	if err != nil || res.TimedOut {
		t.Fatalf("OpenAppHome = %+v, %v", res, err)
	}
	time.Sleep(1300 * time.Millisecond) // past the deadline: nothing may come back
	if n := a.count(socketmode.EventTypeEventsAPI); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
	if acks := srv.Acks(); len(acks) != 1 || acks[0].Kind != "app_home_opened" || acks[0].Latency <= 0 {
		t.Errorf("acks %+v", acks)
	}
}

func TestSocketMode_SlashCommandTimeoutIsUserVisible(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 250 * time.Millisecond})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
	a := startApp(t, srv, nil)
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })

	res, err := srv.SlashCommand(ctxT(t), "U1", "C1", "/okr", "")
	if !errors.Is(err, ErrAckTimeout) || !res.TimedOut {
		t.Fatalf("SlashCommand = %+v, %v; want a timeout", res, err)
	}
	tos := srv.Timeouts()
	if len(tos) != 1 || !tos[0].UserVisible || tos[0].Kind != "slash_commands" || tos[0].User != "U1" {
		t.Errorf("timeouts %+v", tos)
	}
	time.Sleep(300 * time.Millisecond)
	if n := a.count(socketmode.EventTypeSlashCommand); n != 1 {
		t.Errorf("slash command delivered %d times; Slack does not retry commands", n)
	}
}

func TestSocketMode_AckShapesAndSizeLimit(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 1500 * time.Millisecond})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general", BotMember: true})
	raw := dialRaw(t, srv)
	raw.readType("hello")

	pad := func(total int, id string) string {
		// {"envelope_id":"<id>","payload":{"text":"xxx","pad":"…"}} of exactly total
		// bytes; the padding is outside the text, which has its own limit.
		head := fmt.Sprintf(`{"envelope_id":%q,"payload":{"text":"xxx","pad":"`, id)
		tail := `"}}`
		return head + strings.Repeat("x", total-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name      string
		ack       func(id string) string
		timedOut  bool
		dropped   bool
		ephemeral string
	}{
		{name: "envelope_id only", ack: func(id string) string { return fmt.Sprintf(`{"envelope_id":%q}`, id) }},
		{name: "empty payload", ack: func(id string) string { return fmt.Sprintf(`{"envelope_id":%q,"payload":{}}`, id) }},
		{name: "text payload", ack: func(id string) string { return fmt.Sprintf(`{"envelope_id":%q,"payload":{"text":"hi"}}`, id) }, ephemeral: "hi"},
		{name: "just under 20 KB", ack: func(id string) string { return pad(maxAckSize-1, id) }, ephemeral: "xxx"},
		{name: "exactly 20 KB is dropped", ack: func(id string) string { return pad(maxAckSize, id) }, timedOut: true, dropped: true},
		{name: "over 20 KB is dropped", ack: func(id string) string { return pad(maxAckSize+500, id) }, timedOut: true, dropped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Ephemerals("U1"))
			type out struct {
				res *Result
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := srv.SlashCommand(context.Background(), "U1", "C1", "/okr", tt.name)
				done <- out{res, err}
			}()
			env := raw.readType("slash_commands")
			raw.send(tt.ack(env["envelope_id"].(string)))
			o := <-done
			if got := o.res != nil && o.res.TimedOut; got != tt.timedOut {
				t.Fatalf("timed out = %v (%v), want %v", got, o.err, tt.timedOut)
			}
			acks := srv.Acks()
			last := acks[len(acks)-1]
			if last.Dropped != tt.dropped || last.EnvelopeID != env["envelope_id"] {
				t.Errorf("ack record %+v, want dropped=%v", last, tt.dropped)
			}
			if tt.dropped && !hasViolation(srv, "ack", "ack_too_large") {
				t.Error("no ack_too_large violation")
			}
			eph := srv.Ephemerals("U1")
			if tt.ephemeral == "" && len(eph) != before {
				t.Errorf("an ack without a message created an ephemeral")
			}
			if tt.ephemeral != "" && (len(eph) != before+1 || !strings.HasPrefix(eph[len(eph)-1].Text, tt.ephemeral)) {
				t.Errorf("ephemerals %d→%d, want a reply %q", before, len(eph), tt.ephemeral)
			}
		})
	}
}

func TestSocketMode_ReconnectsAfterEveryDisconnectReason(t *testing.T) {
	for _, reason := range []string{ReasonWarning, ReasonRefreshRequested, ReasonLinkDisabled, ReasonTooManyWebsockets, "drop"} {
		t.Run(reason, func(t *testing.T) {
			// apps.connections.open is Tier 1 (1/min, docs/slack-platform.md, "Per-method tiers"): lift it, since this test
			// reconnects on purpose.
			srv := newServer(t, Options{RateLimits: RateLimits{PerMinute: map[string]int{"apps.connections.open": 100}}})
			mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
			mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
			a := startApp(t, srv, ackAll)
			waitFor(t, srv, "first connection", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
			first := srv.Connections()[0].ID

			if reason == "drop" {
				srv.DropConnections()
			} else {
				srv.Disconnect(reason)
			}
			waitFor(t, srv, "a new connection", func() bool {
				c := srv.Connections()
				return a.count(socketmode.EventTypeHello) == 2 && len(c) == 1 && c[0].ID != first
			})
			if n := len(srv.CallsTo("apps.connections.open")); n != 2 {
				t.Errorf("apps.connections.open called %d times, want 2", n)
			}
			// The new socket carries envelopes.
			if res, err := srv.SlashCommand(ctxT(t), "U1", "C1", "/okr", "after"); err != nil || res.TimedOut {
				t.Fatalf("after reconnect: %+v, %v", res, err)
			}
		})
	}
}

func TestSocketMode_DisconnectMessageShape(t *testing.T) {
	srv := newServer(t, Options{})
	raw := dialRaw(t, srv)
	raw.readType("hello")
	srv.Disconnect(ReasonRefreshRequested)
	m := raw.readType("disconnect")
	if m["reason"] != ReasonRefreshRequested || m["debug_info"] == nil {
		t.Errorf("disconnect frame %v", m)
	}
	if len(srv.Connections()) != 0 {
		t.Errorf("a socket told to disconnect still takes envelopes")
	}
}

// TestSocketMode_WarningKeepsTheSocketInService: after a warning, Slack
// keeps the socket for about 10 s and envelopes keep coming on it; then it
// closes.
func TestSocketMode_WarningKeepsTheSocketInService(t *testing.T) {
	srv := newServer(t, Options{WarningLead: 500 * time.Millisecond})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
	raw := dialRaw(t, srv)
	raw.readType("hello")
	srv.Disconnect(ReasonWarning)
	if m := raw.readType("disconnect"); m["reason"] != ReasonWarning {
		t.Fatalf("disconnect frame %v", m)
	}
	if len(srv.Connections()) != 1 {
		t.Fatal("a socket warned of a disconnect stopped taking envelopes at once")
	}
	done := make(chan *Result, 1)
	go func() {
		res, _ := srv.SlashCommand(ctxT(t), "U1", "C1", "/okr", "after the warning")
		done <- res
	}()
	env := raw.readType("slash_commands")
	raw.send(`{"envelope_id":"` + env["envelope_id"].(string) + `"}`)
	if res := <-done; res == nil || res.TimedOut {
		t.Fatalf("the envelope after the warning: %+v", res)
	}
	waitFor(t, srv, "the warned socket to close", func() bool { return len(srv.Connections()) == 0 })
	_ = raw.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := raw.conn.ReadMessage(); err != nil {
			break // closed by the emulator
		}
	}
}

func TestSocketMode_AtMostTenConnections(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	for range maxConnections {
		dialRaw(t, srv).readType("hello")
	}
	eleventh := dialRaw(t, srv)
	m := eleventh.read()
	if m["type"] != "disconnect" || m["reason"] != ReasonTooManyWebsockets {
		t.Fatalf("11th socket got %v, want a too_many_websockets disconnect", m)
	}
	_ = eleventh.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := eleventh.conn.ReadMessage(); err == nil {
		t.Error("11th socket stayed open")
	}
	if n := len(srv.Connections()); n != maxConnections {
		t.Errorf("%d connections open, want %d", n, maxConnections)
	}
	if !hasViolation(srv, "apps.connections.open", ReasonTooManyWebsockets) {
		t.Error("no violation recorded")
	}
}

func TestSocketMode_TicketsWorkOnce(t *testing.T) {
	srv := newServer(t, Options{})
	_, body, _ := callJSON(t, srv, "apps.connections.open", nil, srv.AppToken())
	u := body["url"].(string)
	if !strings.HasPrefix(u, "ws://127.0.0.1:") || !strings.Contains(u, "ticket=") {
		t.Fatalf("url %q", u)
	}
	c1 := dialURL(t, u)
	c1.readType("hello")
	if _, resp, err := dialURLErr(u); err == nil {
		t.Error("a ticket worked twice")
	} else if resp == nil || resp.StatusCode != 401 {
		t.Errorf("reused ticket: %v", err)
	}
}

func TestSocketMode_QueuesUntilAConnectionOpens(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
	done := make(chan error, 1)
	go func() {
		_, err := srv.SlashCommand(context.Background(), "U1", "C1", "/okr", "early")
		done <- err
	}()
	waitFor(t, srv, "queued", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.sock.queue) == 1
	})
	a := startApp(t, srv, ackAll)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := a.count(socketmode.EventTypeSlashCommand); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}

func TestSocketMode_RoundRobinAcrossSockets(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	a1 := startApp(t, srv, ackAll)
	a2 := startApp(t, srv, ackAll)
	waitFor(t, srv, "two sockets", func() bool {
		return a1.count(socketmode.EventTypeHello) == 1 && a2.count(socketmode.EventTypeHello) == 1
	})
	for range 4 {
		if _, err := srv.OpenAppHome(ctxT(t), "U1"); err != nil {
			t.Fatal(err)
		}
	}
	if n1, n2 := a1.count(socketmode.EventTypeEventsAPI), a2.count(socketmode.EventTypeEventsAPI); n1 != 2 || n2 != 2 {
		t.Errorf("deliveries %d and %d, want 2 and 2", n1, n2)
	}
}

func TestSocketMode_DroppedSocketFaultRedeliversOnNextConnection(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
	a := startApp(t, srv, ackAll)
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	srv.SetFault(FaultEnvelope, Fault{Drop: true, OnCall: 1})
	res, err := srv.SlashCommand(ctxT(t), "U1", "C1", "/okr", "x")
	if err != nil || res.TimedOut {
		t.Fatalf("SlashCommand = %+v, %v", res, err)
	}
	if n := a.count(socketmode.EventTypeHello); n != 2 {
		t.Errorf("%d hellos, want 2 (the socket was dropped once)", n)
	}
}
