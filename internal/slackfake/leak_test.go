package slackfake

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// packageGoroutines returns the stacks of goroutines running code from this
// package's non-test files.
func packageGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			line = strings.TrimSpace(line)
			if strings.Contains(line, "/internal/slackfake/") && strings.Contains(line, ".go:") && !strings.Contains(line, "_test.go:") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// remainingGoroutines waits up to two seconds for the package's goroutines
// to end and returns those left. A goroutine that has signalled its end
// (wg.Done in a defer) may run a moment longer, more so on a loaded
// machine; a leak stays.
func remainingGoroutines() []string {
	deadline := time.Now().Add(2 * time.Second)
	for {
		gs := packageGoroutines()
		if len(gs) == 0 || time.Now().After(deadline) {
			return gs
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClose_LeavesNoGoroutineBehind(t *testing.T) {
	http.DefaultClient.CloseIdleConnections()
	if gs := remainingGoroutines(); len(gs) != 0 {
		t.Fatalf("goroutines of the package before the test:\n%s", strings.Join(gs, "\n\n"))
	}
	before := runtime.NumGoroutine()

	srv := New(Options{AckTimeout: 10 * time.Second, RetryDelays: []time.Duration{time.Hour}, Logf: t.Logf, RateLimits: RateLimits{Disabled: true}})
	defer srv.Close()
	if err := srv.AddUser(User{ID: "U1", TZ: "UTC"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddChannel(Channel{ID: "C1", Name: "general"}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}}

	// A slack-go app that never acks, two raw sockets, an in-flight slow Web API
	// call, pending person-side calls, scheduled ack deadlines.
	api := newAPI(srv)
	smc := socketmode.New(api, socketmode.OptionLog(quiet))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = smc.RunContext(ctx)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-smc.Events:
			case <-ctx.Done():
				return
			}
		}
	}()
	raw := dialRaw(t, srv)
	raw.readType("hello")
	waitFor(t, srv, "sockets", func() bool { return len(srv.Connections()) == 2 })

	srv.SetFault("auth.test", Fault{Delay: time.Hour})
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err := client.PostForm(srv.APIURL()+"auth.test", url.Values{"token": {srv.BotToken()}})
		if err == nil {
			resp.Body.Close()
		}
	}()
	results := make(chan error, 3)
	go func() { _, err := srv.SlashCommand(context.Background(), "U1", "C1", "/okr", "a"); results <- err }()
	go func() { _, err := srv.OpenAppHome(context.Background(), "U1"); results <- err }()
	go func() { _, err := srv.SlashCommand(context.Background(), "U1", "C1", "/okr", "b"); results <- err }()
	waitFor(t, srv, "deliveries in flight", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.sock.inflight) == 3
	})

	srv.Close()
	for range 3 {
		if err := <-results; err != ErrClosed {
			t.Errorf("pending call returned %v, want ErrClosed", err)
		}
	}
	if gs := remainingGoroutines(); len(gs) != 0 {
		t.Fatalf("after Close, goroutines of the package remain:\n%s", strings.Join(gs, "\n\n"))
	}
	srv.Close() // idempotent

	cancel()
	wg.Wait()
	_ = raw.conn.Close()
	client.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClose_RefusesNewWork(t *testing.T) {
	srv := New(Options{})
	if err := srv.AddUser(User{ID: "U1", TZ: "UTC"}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if _, err := srv.OpenAppHome(context.Background(), "U1"); err != ErrClosed {
		t.Errorf("OpenAppHome after Close: %v", err)
	}
	if _, err := http.Get(srv.APIURL() + "auth.test"); err == nil {
		t.Error("the HTTP server still answers")
	}
}
