package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// socket is the bot's Socket Mode connection to Slack
// (https://docs.slack.dev/apis/events-api/using-socket-mode).
//
// It replaces slack-go's socketmode.Client for one reason: on a
// {"type":"disconnect"} message that client closes its socket at once and
// only then opens the next, so for a while there is no connection, and an
// envelope Slack writes to the old socket after the message (Slack warns
// about 10 s before it closes a socket and keeps using it meanwhile,
// docs/slack-platform.md, "disconnect messages") is never read, so never acked: the person
// sees an error. This one opens the next connection first and keeps
// reading and acking on the old socket until Slack closes it; Slack allows
// up to 10 connections per app, and this uses at most two. It reuses
// slack-go's types (socketmode.Request, Event, Response) so that the bot
// dispatches the same events as before.
type socket struct {
	api      *slack.Client
	log      *slog.Logger
	pingWait time.Duration // a socket that reads nothing (not even a ping) this long is dead
	events   chan socketmode.Event

	mu      sync.Mutex
	current *wsSocket            // the newest socket: acks go here when theirs is gone
	origin  map[string]*wsSocket // envelope ID → the socket it came on, until acked
	// replace asks Run for the next connection: Slack said the current
	// one will close.
	replace chan struct{}
}

// wsSocket is one WebSocket. gorilla/websocket allows one writer at a
// time, hence the lock; control frames (pongs) may be written beside it.
type wsSocket struct {
	id      int
	ws      *websocket.Conn
	writeMu sync.Mutex
	closed  chan struct{} // closed when its reader has stopped
}

// Socket timings.
const (
	// drainLimit is how long a socket Slack said it will close is kept
	// open if Slack does not close it: longer than the 10 s of a warning.
	drainLimit = 30 * time.Second
	// maxAckSize: Slack drops a Socket Mode response of 20 KB or more
	// (docs/slack-platform.md, "Ack deadline").
	maxAckSize = 20 * 1024
	// reconnectMax bounds the backoff between failed connection attempts.
	reconnectMax = time.Minute
)

func newSocket(api *slack.Client, log *slog.Logger, pingWait time.Duration) *socket {
	return &socket{
		api: api, log: log, pingWait: pingWait,
		events:  make(chan socketmode.Event, 64),
		origin:  map[string]*wsSocket{},
		replace: make(chan struct{}, 1),
	}
}

// Run keeps a connection open until ctx ends (then it returns nil) or
// Slack refuses the app token (then it returns the error).
func (s *socket) Run(ctx context.Context) error {
	var readers sync.WaitGroup
	gone := make(chan *wsSocket, 4)
	defer func() {
		s.mu.Lock()
		s.current = nil
		s.mu.Unlock()
		readers.Wait()
	}()
	for n, failures := 1, 0; ; {
		s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeConnecting})
		c, err := s.open(ctx, n)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if isAuthError(err.Error()) {
				s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeInvalidAuth})
				return err
			}
			s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeConnectionError, Data: err})
			wait := min(time.Second<<min(failures, 6), reconnectMax)
			var rl *slack.RateLimitedError
			if errors.As(err, &rl) {
				wait = max(wait, rl.RetryAfter)
			}
			failures++
			if sleepCtx(ctx, wait) != nil {
				return nil
			}
			continue
		}
		failures = 0
		n++
		s.mu.Lock()
		s.current = c
		s.mu.Unlock()
		// A second notice from the old socket while this one was opening
		// asked for what this connection already is.
		select {
		case <-s.replace:
		default:
		}
		readers.Go(func() {
			s.read(ctx, c)
			select {
			case gone <- c:
			case <-ctx.Done():
			}
		})
		s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeConnected})

		// Wait for a reason to open the next connection: Slack announced
		// the end of this one, or it ended without notice.
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return nil
			case <-s.replace:
				waiting = false
			case g := <-gone:
				s.mu.Lock()
				waiting = g != s.current
				s.mu.Unlock()
			}
		}
	}
}

// open asks Slack for a connection URL (apps.connections.open) and dials it.
func (s *socket) open(ctx context.Context, id int) (*wsSocket, error) {
	_, url, err := s.api.StartSocketModeContext(ctx)
	if err != nil {
		return nil, err
	}
	dialer := websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 30 * time.Second}
	ws, resp, err := dialer.DialContext(ctx, url, http.Header{"Origin": {"https://api.slack.com"}})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dial the socket: %w", err)
	}
	c := &wsSocket{id: id, ws: ws, closed: make(chan struct{})}
	ws.SetPingHandler(func(data string) error {
		_ = ws.SetReadDeadline(time.Now().Add(s.pingWait))
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	return c, nil
}

// read reads one socket until it ends: Slack closes it, it goes silent,
// its drain time is over, or ctx ends.
func (s *socket) read(ctx context.Context, c *wsSocket) {
	stop := context.AfterFunc(ctx, func() { _ = c.ws.Close() })
	defer func() {
		stop()
		_ = c.ws.Close()
		close(c.closed)
		s.forget(c)
	}()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(s.pingWait))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			if ctx.Err() == nil {
				s.log.Debug("socket closed", slog.Int("socket", c.id), slog.Any("err", err))
			}
			return
		}
		var req socketmode.Request
		if err := json.Unmarshal(data, &req); err != nil {
			s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeIncomingError, Data: &slack.IncomingEventError{ErrorObj: err}})
			continue
		}
		switch req.Type {
		case socketmode.RequestTypeHello:
			s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeHello, Request: &req})
		case socketmode.RequestTypeDisconnect:
			s.emit(ctx, socketmode.Event{Type: socketmode.EventTypeDisconnect, Request: &req})
			s.disconnecting(c, req.Reason)
		default:
			evt, err := parseEnvelope(&req)
			if err != nil {
				evt = socketmode.Event{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Cause: err, Message: data}}
			}
			if req.EnvelopeID != "" {
				s.mu.Lock()
				s.origin[req.EnvelopeID] = c
				s.mu.Unlock()
			}
			s.emit(ctx, evt)
		}
	}
}

// disconnecting handles Slack's notice that socket c will close: the next
// connection opens now, and c keeps being read (and acked on) until Slack
// closes it, or drainLimit passes. A too_many_websockets notice is about
// this socket being one too many: it closes at once.
func (s *socket) disconnecting(c *wsSocket, reason string) {
	s.mu.Lock()
	current := c == s.current
	s.mu.Unlock()
	s.log.Info("Slack will close a socket; opening the next", slog.Int("socket", c.id), slog.String("reason", reason))
	if current {
		select {
		case s.replace <- struct{}{}:
		default:
		}
	}
	if reason == "too_many_websockets" {
		_ = c.ws.Close()
		return
	}
	time.AfterFunc(drainLimit, func() { _ = c.ws.Close() })
}

// forget drops what points at a socket that has closed.
func (s *socket) forget(c *wsSocket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, o := range s.origin {
		if o == c {
			delete(s.origin, id)
		}
	}
}

// parseEnvelope turns an envelope into the event slack-go's client would
// have made of it.
func parseEnvelope(req *socketmode.Request) (socketmode.Event, error) {
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		if ev, ok := parseHomeOpened(req.Payload); ok {
			return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: ev, Request: req}, nil
		}
		ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			return socketmode.Event{}, fmt.Errorf("events_api payload: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: ev, Request: req}, nil
	case socketmode.RequestTypeSlashCommands:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(req.Payload, &cmd); err != nil {
			return socketmode.Event{}, fmt.Errorf("slash command payload: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: cmd, Request: req}, nil
	case socketmode.RequestTypeInteractive:
		var cb slack.InteractionCallback
		if err := json.Unmarshal(req.Payload, &cb); err != nil {
			return socketmode.Event{}, fmt.Errorf("interaction payload: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb, Request: req}, nil
	}
	return socketmode.Event{}, fmt.Errorf("envelope of unknown type %q", req.Type)
}

// parseHomeOpened parses an app_home_opened event as slackevents.ParseEvent
// would, but without its view. Slack sends the person's Home as it stands
// with the event (https://docs.slack.dev/reference/events/app_home_opened),
// every block of it, and the bot redraws the Home without reading it:
// decoding it took a few milliseconds of the socket's reader, which every
// envelope behind it waited for. ok is false for any other event.
func parseHomeOpened(payload json.RawMessage) (ev slackevents.EventsAPIEvent, ok bool) {
	var outer slackevents.EventsAPICallbackEvent
	if json.Unmarshal(payload, &outer) != nil || outer.Type != slackevents.CallbackEvent || outer.InnerEvent == nil {
		return ev, false
	}
	var inner struct {
		Type           string `json:"type"`
		User           string `json:"user"`
		Channel        string `json:"channel"`
		EventTimeStamp string `json:"event_ts"`
		Tab            string `json:"tab"`
	}
	if json.Unmarshal(*outer.InnerEvent, &inner) != nil || inner.Type != string(slackevents.AppHomeOpened) {
		return ev, false
	}
	return slackevents.EventsAPIEvent{
		Token: outer.Token, TeamID: outer.TeamID, Type: outer.Type, APIAppID: outer.APIAppID,
		EnterpriseID: outer.EnterpriseID, IsExtSharedChannel: outer.IsExtSharedChannel, Data: &outer,
		InnerEvent: slackevents.EventsAPIInnerEvent{Type: inner.Type, Data: &slackevents.AppHomeOpenedEvent{
			Type: inner.Type, User: inner.User, Channel: inner.Channel, EventTimeStamp: inner.EventTimeStamp, Tab: inner.Tab,
		}},
	}, true
}

// emit hands an event to the bot, unless ctx ends first.
func (s *socket) emit(ctx context.Context, evt socketmode.Event) {
	select {
	case s.events <- evt:
	case <-ctx.Done():
	}
}

// Ack answers an envelope on the socket it came on, or on the newest one
// if that socket has closed (Slack takes an ack on any of the app's
// sockets, docs/slack-platform.md, "Ack deadline"), waiting for a connection until
// ctx ends.
func (s *socket) Ack(ctx context.Context, envelopeID string, payload any) error {
	js, err := json.Marshal(socketmode.Response{EnvelopeID: envelopeID, Payload: payload})
	if err != nil {
		return fmt.Errorf("ack %s: %w", envelopeID, err)
	}
	if len(js) >= maxAckSize {
		return fmt.Errorf("ack %s: %d bytes, and Slack drops a Socket Mode response of %d or more", envelopeID, len(js), maxAckSize)
	}
	s.mu.Lock()
	c := s.origin[envelopeID]
	delete(s.origin, envelopeID)
	s.mu.Unlock()
	for {
		if c != nil && c.write(ctx, js) == nil {
			return nil
		}
		s.mu.Lock()
		next := s.current
		s.mu.Unlock()
		if next == nil || next == c {
			// No other socket (yet): wait for the next connection.
			if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
				return fmt.Errorf("ack %s: no open socket: %w", envelopeID, err)
			}
			continue
		}
		c = next
	}
}

func (c *wsSocket) write(ctx context.Context, data []byte) error {
	select {
	case <-c.closed:
		return errors.New("socket closed")
	default:
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.ws.SetWriteDeadline(deadline)
	return c.ws.WriteMessage(websocket.TextMessage, data)
}
