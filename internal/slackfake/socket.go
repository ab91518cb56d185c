package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope types Slack sends over Socket Mode (docs/slack-platform.md, "Envelope").
const (
	envEventsAPI     = "events_api"
	envSlashCommands = "slash_commands"
	envInteractive   = "interactive"
)

// Disconnect reasons Slack sends in a {"type":"disconnect"} message (docs/slack-platform.md, "disconnect messages").
const (
	ReasonWarning           = "warning"
	ReasonRefreshRequested  = "refresh_requested"
	ReasonLinkDisabled      = "link_disabled"
	ReasonTooManyWebsockets = "too_many_websockets"
)

// disconnectGrace is how long a socket stays open after a disconnect message, so
// the client reads the message before the connection goes (the client normally
// closes first: slack-go reconnects as soon as it reads it, docs/slack-platform.md, "slack-go runtime behaviour", item 4).
const disconnectGrace = 2 * time.Second

// debugConnectionLifetime is how long a socket opened with debug_reconnects=true
// lives (docs/slack-platform.md, "Connection set-up").
const debugConnectionLifetime = 360 * time.Second

type socketState struct {
	tickets  map[string]bool
	conns    []*wsConn // open connections, oldest first
	nextID   int
	rr       int
	queue    []*delivery          // waiting for a connection
	inflight map[string]*delivery // sent, waiting for an ack
	sent     map[string]*delivery // recently sent envelopes, to spot late acks
	sentFIFO []string
	pending  map[*delivery]bool // not finished yet
}

func (st *socketState) init() {
	st.tickets = make(map[string]bool)
	st.inflight = make(map[string]*delivery)
	st.sent = make(map[string]*delivery)
	st.pending = make(map[*delivery]bool)
}

// maxRemembered bounds how many sent envelopes are kept for late-ack detection,
// so a long demo or benchmark does not grow without limit.
const maxRemembered = 10000

func (st *socketState) remember(d *delivery) {
	st.sent[d.envID] = d
	st.sentFIFO = append(st.sentFIFO, d.envID)
	if len(st.sentFIFO) > maxRemembered {
		delete(st.sent, st.sentFIFO[0])
		st.sentFIFO = st.sentFIFO[1:]
	}
}

func (st *socketState) openConns() []*wsConn {
	return append([]*wsConn(nil), st.conns...)
}

type deliveryState int

const (
	stateQueued deliveryState = iota
	stateSent
	stateAcked
	stateTimedOut
	stateFailed
)

// delivery is one envelope on its way to the app: queued, sent, then acked or
// timed out. A retry is a new delivery with a new envelope ID.
type delivery struct {
	envID   string
	typ     string // envelope type
	kind    string // payload type: "slash_commands", "block_actions", "app_home_opened"…
	payload json.RawMessage
	accepts bool // accepts_response_payload (docs/slack-platform.md, "Envelope")
	attempt int
	reason  string
	user    string

	state  deliveryState
	conn   *wsConn
	sentAt time.Time // queued to go out; its ack deadline runs from here
	// written is when the writer put the envelope on the socket, the start
	// of its ack's latency: the queue before it is the emulator's own wait.
	written    atomic.Pointer[time.Time]
	cancel     func()
	done       chan struct{}
	ackPayload json.RawMessage
	latency    time.Duration
	// onAck runs under s.mu when the ack arrives in time, before waiters wake, so a
	// caller sees the effects (a closed modal, a posted reply) as soon as it returns.
	onAck func(payload json.RawMessage)
}

type envelopeFrame struct {
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
}

// wsConn is one Socket Mode WebSocket. Frames are queued under its own lock and
// written by its writer goroutine, the only writer gorilla/websocket allows.
type wsConn struct {
	id     int
	ws     *websocket.Conn
	opened time.Time
	remote string

	mu       sync.Mutex
	frames   []outFrame
	closing  bool // a disconnect was sent or the socket was dropped: no new envelopes
	notify   chan struct{}
	gone     chan struct{} // closed once the reader has exited
	goneOnce sync.Once
}

type outFrame struct {
	data       []byte
	closeAfter bool
	envelope   *delivery // the envelope the frame carries, if any
}

func (c *wsConn) enqueue(f outFrame) {
	c.mu.Lock()
	c.frames = append(c.frames, f)
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *wsConn) take() []outFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.frames
	c.frames = nil
	return f
}

func (c *wsConn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *wsConn) setClosing() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
}

// drop closes the TCP connection without a close frame: an abrupt network drop.
func (c *wsConn) drop() {
	c.setClosing()
	_ = c.ws.Close()
}

func (c *wsConn) markGone() { c.goneOnce.Do(func() { close(c.gone) }) }

// openConnection answers apps.connections.open: a fresh ws:// URL carrying a
// one-time ticket (docs/slack-platform.md, "Connection set-up", "Minimal emulator checklist", item 1).
func (s *Server) openConnectionLocked() map[string]any {
	ticket := s.newUUID()
	s.sock.tickets[ticket] = true
	host := strings.TrimPrefix(s.base, "http://")
	return map[string]any{"url": fmt.Sprintf("ws://%s/link/?ticket=%s&app_id=%s", host, ticket, s.appID)}
}

func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.sock.tickets[ticket]
	delete(s.sock.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		// A ticket works once (docs/slack-platform.md, "Connection set-up"); a reused or made-up one fails the handshake.
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.logf("websocket upgrade: %v", err)
		return
	}
	// Read whole frames up to 1 MiB, so that oversized acks can be measured and
	// dropped like Slack does rather than failing the read.
	ws.SetReadLimit(1 << 20)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	open := 0
	for _, c := range s.sock.conns {
		if !c.isClosing() {
			open++
		}
	}
	if open >= maxConnections {
		// Slack allows 10 sockets per app and turns away the rest with
		// too_many_websockets (docs/slack-platform.md, "Connection set-up", "disconnect messages").
		s.recordViolationLocked("apps.connections.open", ReasonTooManyWebsockets,
			fmt.Sprintf("an 11th WebSocket was opened while %d were open", open))
		frame := s.disconnectFrame(ReasonTooManyWebsockets)
		s.mu.Unlock()
		_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_ = ws.WriteMessage(websocket.TextMessage, frame)
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	s.sock.nextID++
	c := &wsConn{
		id:     s.sock.nextID,
		ws:     ws,
		opened: time.Now(),
		remote: r.RemoteAddr,
		notify: make(chan struct{}, 1),
		gone:   make(chan struct{}),
	}
	s.sock.conns = append(s.sock.conns, c)
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": open + 1,
		"debug_info": map[string]any{
			"host":                        fmt.Sprintf("applink-slackfake-%d", c.id),
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": s.appID},
	})
	c.enqueue(outFrame{data: hello})
	if r.URL.Query().Get("debug_reconnects") == "true" {
		// slack-go appends debug_reconnects=true when the slack.Client has
		// OptionDebug; Slack then refreshes the connection after 360 s (docs/slack-platform.md, "Connection set-up").
		s.sched.after(debugConnectionLifetime, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !c.isClosing() && !s.closed {
				c.setClosing()
				c.enqueue(outFrame{data: s.disconnectFrame(ReasonRefreshRequested), closeAfter: true})
			}
		})
	}
	s.logf("socket %d connected from %s (%d open)", c.id, c.remote, open+1)
	s.flushQueueLocked()
	s.wg.Add(2)
	s.mu.Unlock()

	go func() {
		defer s.wg.Done()
		s.writeLoop(c)
	}()
	go func() {
		defer s.wg.Done()
		s.readLoop(c)
	}()
}

func (s *Server) disconnectFrame(reason string) []byte {
	b, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "wss-slackfake"},
	})
	return b
}

// writeLoop is the connection's only writer: queued frames and the periodic pings
// that keep slack-go's watchdog happy (docs/slack-platform.md, "slack-go runtime behaviour", item 1).
func (s *Server) writeLoop(c *wsConn) {
	defer c.ws.Close()
	ping := time.NewTicker(s.opts.PingInterval)
	defer ping.Stop()
	n := 0
	for {
		select {
		case <-s.done:
			return
		case <-c.gone:
			return
		case <-ping.C:
			n++
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping-"+strconv.Itoa(n)), time.Now().Add(10*time.Second)); err != nil {
				return
			}
		case <-c.notify:
			for _, f := range c.take() {
				_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if f.envelope != nil {
					now := time.Now()
					f.envelope.written.Store(&now)
				}
				if f.data != nil {
					if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
						return
					}
				}
				if f.closeAfter {
					_ = c.ws.WriteControl(websocket.CloseMessage,
						websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
					t := time.NewTimer(disconnectGrace)
					select {
					case <-c.gone:
					case <-s.done:
					case <-t.C:
					}
					t.Stop()
					return
				}
			}
		}
	}
}

func (s *Server) readLoop(c *wsConn) {
	defer func() {
		c.markGone()
		s.mu.Lock()
		for i, other := range s.sock.conns {
			if other == c {
				s.sock.conns = append(s.sock.conns[:i], s.sock.conns[i+1:]...)
				break
			}
		}
		s.logf("socket %d closed (%d open)", c.id, len(s.sock.conns))
		s.mu.Unlock()
	}()
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		// The ack's time is when it is read: the server's lock, which an
		// API call may hold while it validates a large message, is the
		// emulator's own wait and not the app's.
		read := time.Now()
		if mt == websocket.TextMessage {
			s.handleAck(c, data, read)
		}
	}
}

// handleAck processes one frame from the app. Slack accepts {"envelope_id"} with
// or without "payload", and Node's client sends {} or {"text"} payloads (docs/slack-platform.md, "Ack").
func (s *Server) handleAck(c *wsConn, data []byte, read time.Time) {
	var a struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.Unmarshal(data, &a); err != nil || a.EnvelopeID == "" {
		s.recordViolationLocked("socket", "invalid_ack", fmt.Sprintf("socket %d sent a frame that is not an ack: %.200s", c.id, data))
		return
	}
	rec := Ack{EnvelopeID: a.EnvelopeID, Size: len(data), Connection: c.id, At: s.now()}
	d := s.sock.sent[a.EnvelopeID]
	if d != nil {
		rec.Type, rec.Kind = d.typ, d.kind
		from := d.sentAt
		if w := d.written.Load(); w != nil {
			from = *w
		}
		rec.Latency = read.Sub(from)
		if d.conn != nil && d.conn != c {
			rec.OtherConnection = true
		}
	}
	if len(data) >= maxAckSize {
		// Slack silently ignores responses of 20 KB or more (docs/slack-platform.md, "Ack deadline"): the envelope
		// stays unacknowledged and runs into its deadline.
		rec.Dropped = true
		s.acks = append(s.acks, rec)
		s.recordViolationLocked("ack", "ack_too_large",
			fmt.Sprintf("ack for %s (%s) is %d bytes; Slack drops responses of %d bytes or more", a.EnvelopeID, rec.Kind, len(data), maxAckSize))
		return
	}
	if d == nil {
		rec.Unknown = true
		s.acks = append(s.acks, rec)
		s.recordViolationLocked("ack", "unknown_envelope", fmt.Sprintf("ack for unknown envelope %q", a.EnvelopeID))
		return
	}
	rec.Payload = normalizePayload(a.Payload)
	if d.state == stateSent && read.Sub(d.sentAt) > s.opts.AckTimeout {
		// The deadline passed before this ack was read, though its timer
		// has not run yet (a busy machine): like Slack, count the ack late.
		if d.cancel != nil {
			d.cancel()
		}
		s.ackDeadlineLocked(d)
	}
	if d.state != stateSent {
		rec.Late = true
		s.acks = append(s.acks, rec)
		return
	}
	delete(s.sock.inflight, d.envID)
	if d.cancel != nil {
		d.cancel()
	}
	d.state = stateAcked
	d.latency = rec.Latency
	d.ackPayload = rec.Payload
	if !d.accepts && len(d.ackPayload) > 0 && !isEmptyObject(d.ackPayload) {
		s.recordViolationLocked("ack", "payload_not_accepted",
			fmt.Sprintf("%s envelope %s does not accept a response payload (accepts_response_payload=false) but the ack carried %d bytes", d.kind, d.envID, len(d.ackPayload)))
	}
	s.acks = append(s.acks, rec)
	if d.onAck != nil {
		d.onAck(d.ackPayload)
	}
	s.finishLocked(d)
}

// isEmptyObject reports whether p is {}: Node's client sends it with every ack
// (docs/slack-platform.md, "Ack"), and Slack accepts it even where no payload is expected.
func isEmptyObject(p json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(p, &m) == nil && len(m) == 0
}

// normalizePayload maps an absent or null payload to nil and keeps anything else.
func normalizePayload(p json.RawMessage) json.RawMessage {
	p = bytes.TrimSpace(p)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil
	}
	return append(json.RawMessage(nil), p...)
}

func (s *Server) finishLocked(d *delivery) {
	delete(s.sock.pending, d)
	select {
	case <-d.done:
	default:
		close(d.done)
	}
}

// newDeliveryLocked prepares an envelope; enqueueLocked sends it.
func (s *Server) newDeliveryLocked(typ, kind, user string, payload any) *delivery {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic("slackfake: marshal payload: " + err.Error())
	}
	return &delivery{
		envID:   s.newUUID(),
		typ:     typ,
		kind:    kind,
		payload: raw,
		// Slack lets slash commands and interactions carry a response in the ack,
		// never events (docs/slack-platform.md, "Envelope").
		accepts: typ != envEventsAPI,
		user:    user,
		done:    make(chan struct{}),
	}
}

// enqueueLocked sends d on the next open socket, round-robin, or queues it until
// one connects, as Slack keeps retrying an app that is offline (docs/slack-platform.md, "Connection set-up").
func (s *Server) enqueueLocked(d *delivery) {
	s.sock.pending[d] = true
	if s.closed {
		d.state = stateFailed
		s.finishLocked(d)
		return
	}
	c := s.pickConnLocked()
	if c == nil {
		d.state = stateQueued
		s.sock.queue = append(s.sock.queue, d)
		return
	}
	s.sendLocked(d, c)
}

func (s *Server) pickConnLocked() *wsConn {
	n := len(s.sock.conns)
	for i := range n {
		c := s.sock.conns[(s.sock.rr+i)%n]
		if !c.isClosing() {
			s.sock.rr = (s.sock.rr + i + 1) % n
			return c
		}
	}
	return nil
}

func (s *Server) flushQueueLocked() {
	q := s.sock.queue
	s.sock.queue = nil
	for i, d := range q {
		c := s.pickConnLocked()
		if c == nil {
			s.sock.queue = append(s.sock.queue, q[i:]...)
			return
		}
		s.sendLocked(d, c)
	}
}

func (s *Server) sendLocked(d *delivery, c *wsConn) {
	if f := s.faultLocked(FaultEnvelope); f != nil && f.Drop {
		// Injected fault: the socket dies as the envelope is about to go out. Like
		// Slack, keep the envelope and deliver it on the next connection.
		s.logf("fault: dropping socket %d before envelope %s", c.id, d.envID)
		c.drop()
		d.state = stateQueued
		s.sock.queue = append([]*delivery{d}, s.sock.queue...)
		if next := s.pickConnLocked(); next != nil {
			s.flushQueueLocked()
		}
		return
	}
	frame, _ := json.Marshal(envelopeFrame{
		EnvelopeID:             d.envID,
		Payload:                d.payload,
		Type:                   d.typ,
		AcceptsResponsePayload: d.accepts,
		RetryAttempt:           d.attempt,
		RetryReason:            d.reason,
	})
	d.state = stateSent
	d.conn = c
	d.sentAt = time.Now()
	d.written.Store(nil) // set again when this attempt is written
	s.sock.inflight[d.envID] = d
	s.sock.remember(d)
	c.enqueue(outFrame{data: frame, envelope: d})
	d.cancel = s.sched.after(s.opts.AckTimeout, func() { s.ackDeadline(d) })
}

// ackDeadline runs when an envelope's ack deadline passes (docs/slack-platform.md, "Ack deadline"): slash commands
// and interactions become a user-visible timeout; events are retried on
// Options.RetryDelays with retry_attempt 1, 2, 3.
func (s *Server) ackDeadline(d *delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackDeadlineLocked(d)
}

func (s *Server) ackDeadlineLocked(d *delivery) {
	if d.state != stateSent {
		return
	}
	d.state = stateTimedOut
	delete(s.sock.inflight, d.envID)
	visible := d.typ != envEventsAPI
	s.timeouts = append(s.timeouts, Timeout{
		EnvelopeID:  d.envID,
		Type:        d.typ,
		Kind:        d.kind,
		User:        d.user,
		Attempt:     d.attempt,
		UserVisible: visible,
		At:          s.now(),
	})
	if visible {
		s.logf("%s envelope %s not acked within %s: the user sees an error", d.kind, d.envID, s.opts.AckTimeout)
	} else if d.attempt < len(s.opts.RetryDelays) && !s.closed {
		delay := s.opts.RetryDelays[d.attempt]
		s.sched.after(delay, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed {
				return
			}
			retry := &delivery{
				envID:   s.newUUID(),
				typ:     d.typ,
				kind:    d.kind,
				payload: d.payload,
				accepts: d.accepts,
				attempt: d.attempt + 1,
				// Slack does not document the Socket Mode retry reasons; Bolt's tests
				// use the HTTP-mode "http_timeout" (docs/slack-platform.md, "Envelope", "HTTP mode").
				reason: "http_timeout",
				user:   d.user,
				done:   make(chan struct{}),
			}
			s.enqueueLocked(retry)
		})
	} else {
		s.logf("%s envelope %s dropped after %d retries", d.kind, d.envID, d.attempt)
	}
	s.finishLocked(d)
}

// failPendingLocked ends every unfinished delivery when the server closes.
func (s *Server) failPendingLocked() {
	for d := range s.sock.pending {
		if d.cancel != nil {
			d.cancel()
		}
		if d.state == stateQueued || d.state == stateSent {
			d.state = stateFailed
		}
		select {
		case <-d.done:
		default:
			close(d.done)
		}
	}
	s.sock.pending = map[*delivery]bool{}
	s.sock.queue = nil
}

// await waits for a delivery to be acked or to time out and turns it into a
// Result. A timeout returns both the Result (TimedOut set) and ErrAckTimeout.
func (s *Server) await(ctx context.Context, d *delivery) (*Result, error) {
	select {
	case <-d.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch d.state {
	case stateFailed:
		return nil, ErrClosed
	case stateTimedOut:
		return &Result{EnvelopeID: d.envID, TimedOut: true, Latency: s.opts.AckTimeout},
			fmt.Errorf("%s %s: %w", d.kind, d.envID, ErrAckTimeout)
	}
	return newResult(d.envID, d.ackPayload, d.latency), nil
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open socket and
// closes each shortly after (docs/slack-platform.md, "disconnect messages"); after a warning, the
// socket keeps taking envelopes for Options.WarningLead before it closes. slack-go reconnects with a fresh
// apps.connections.open call. Reasons: ReasonWarning, ReasonRefreshRequested,
// ReasonLinkDisabled, ReasonTooManyWebsockets.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	frame := s.disconnectFrame(reason)
	for _, c := range s.sock.conns {
		if c.isClosing() {
			continue
		}
		if reason == ReasonWarning {
			// The socket stays in service until Slack closes it, about
			// 10 s later: envelopes keep coming on it meanwhile.
			c.enqueue(outFrame{data: frame})
			s.sched.after(s.opts.WarningLead, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				if !c.isClosing() {
					c.setClosing()
					c.enqueue(outFrame{closeAfter: true})
				}
			})
			continue
		}
		c.setClosing()
		c.enqueue(outFrame{data: frame, closeAfter: true})
	}
	s.logf("disconnect (%s) sent to %d sockets", reason, len(s.sock.conns))
}

// DropConnections closes every socket's TCP connection abruptly, with no close
// frame, like a network failure.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.sock.openConns()
	s.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
}

// Connection describes an open Socket Mode WebSocket.
type Connection struct {
	ID     int
	Opened time.Time // real time
	Remote string
}

// Connections lists the open sockets that still take envelopes (not those
// already told to disconnect).
func (s *Server) Connections() []Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Connection
	for _, c := range s.sock.conns {
		if !c.isClosing() {
			out = append(out, Connection{ID: c.id, Opened: c.opened, Remote: c.remote})
		}
	}
	return out
}
