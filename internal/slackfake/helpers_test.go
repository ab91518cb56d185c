package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// newServer starts an emulator that is closed when the test ends.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	srv := New(opts)
	t.Cleanup(srv.Close)
	return srv
}

func mustAddUser(t *testing.T, srv *Server, u User) {
	t.Helper()
	if err := srv.AddUser(u); err != nil {
		t.Fatal(err)
	}
}

func mustAddChannel(t *testing.T, srv *Server, c Channel) {
	t.Helper()
	if err := srv.AddChannel(c); err != nil {
		t.Fatal(err)
	}
}

// ctxT returns a context that ends with the test or after a generous deadline.
func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var quiet = log.New(io.Discard, "", 0)

// newAPI is an unmodified slack-go client pointed at the emulator.
func newAPI(srv *Server, opts ...slack.Option) *slack.Client {
	base := []slack.Option{
		slack.OptionAPIURL(srv.APIURL()),
		slack.OptionAppLevelToken(srv.AppToken()),
		slack.OptionLog(quiet),
		slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}),
	}
	return slack.New(srv.BotToken(), append(base, opts...)...)
}

// app runs slack-go's socketmode.Client against the emulator and hands every
// event to handle on one goroutine, like a bot's event loop.
type app struct {
	api    *slack.Client
	client *socketmode.Client

	mu     sync.Mutex
	events []socketmode.Event
}

func startApp(t *testing.T, srv *Server, handle func(*socketmode.Client, socketmode.Event), opts ...socketmode.Option) *app {
	t.Helper()
	a := &app{api: newAPI(srv)}
	a.client = socketmode.New(a.api, append([]socketmode.Option{socketmode.OptionLog(quiet)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	loopDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = a.client.RunContext(ctx)
	}()
	go func() {
		defer close(loopDone)
		for {
			select {
			case evt := <-a.client.Events:
				a.mu.Lock()
				a.events = append(a.events, evt)
				a.mu.Unlock()
				if handle != nil {
					handle(a.client, evt)
				}
			case <-runDone:
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-runDone
		<-loopDone
	})
	return a
}

func (a *app) count(typ socketmode.EventType) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (a *app) eventsOf(typ socketmode.EventType) []socketmode.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []socketmode.Event
	for _, e := range a.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// ackAll acknowledges every envelope without a payload.
func ackAll(c *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		_ = c.Ack(*evt.Request)
	}
}

func waitFor(t *testing.T, srv *Server, desc string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.WaitFor(ctx, desc, cond); err != nil {
		t.Fatal(err)
	}
}

// rawClient is a bare WebSocket client for what slack-go cannot do on purpose:
// oversized acks, holding many sockets, acks of unusual shapes.
type rawClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, srv *Server) *rawClient {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+"apps.connections.open", nil)
	req.Header.Set("Authorization", "Bearer "+srv.AppToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		URL   string `json:"url"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.OK {
		t.Fatalf("apps.connections.open: %v %+v", err, body)
	}
	conn, r, err := websocket.DefaultDialer.Dial(body.URL, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = r.Body.Close()
	c := &rawClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	return c
}

// read returns the next JSON frame, failing the test after a deadline.
func (c *rawClient) read() map[string]any {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("frame %s: %v", data, err)
	}
	return m
}

func (c *rawClient) readType(typ string) map[string]any {
	c.t.Helper()
	for {
		m := c.read()
		if m["type"] == typ {
			return m
		}
	}
}

func (c *rawClient) send(frame string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// call makes a raw Web API request and decodes the answer.
func call(t *testing.T, srv *Server, method string, form url.Values, header http.Header) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+method, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func callJSON(t *testing.T, srv *Server, method string, body any, token string) (int, map[string]any, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+method, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

// trigger issues a fresh trigger_id for a user, as an interaction would.
func (s *Server) testTrigger(user, viewRoot string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTriggerLocked(user, viewRoot)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func hasViolation(srv *Server, method, code string) bool {
	for _, v := range srv.Violations() {
		if v.Method == method && v.Error == code {
			return true
		}
	}
	return false
}

func dialURLErr(u string) (*websocket.Conn, *http.Response, error) {
	conn, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"https://api.slack.com"}})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return conn, resp, err
}

func dialURL(t *testing.T, u string) *rawClient {
	t.Helper()
	conn, _, err := dialURLErr(u)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawClient{t: t, conn: conn}
}

func jsonMarshal(v any) (json.RawMessage, error) { return json.Marshal(v) }
