package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

func TestClassify_SlackErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		kind failure
		code string
		wait time.Duration
	}{
		{"429 with Retry-After", &slack.RateLimitedError{RetryAfter: 7 * time.Second}, rateLimited, "ratelimited", 7 * time.Second},
		{"429 without", slack.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, rateLimited, "ratelimited", time.Second},
		{"500", slack.StatusCodeError{Code: 500, Status: "500 Internal Server Error"}, lost, "500 Internal Server Error", 0},
		{"503", slack.StatusCodeError{Code: 503, Status: "503"}, lost, "503", 0},
		{"404", slack.StatusCodeError{Code: 404, Status: "404"}, refused, "http_404", 0},
		{"internal_error", slack.SlackErrorResponse{Err: "internal_error"}, lost, "internal_error", 0},
		{"ratelimited in the body", slack.SlackErrorResponse{Err: "rate_limited"}, rateLimited, "rate_limited", time.Second},
		{"the app's token", slack.SlackErrorResponse{Err: "invalid_auth"}, lost, "invalid_auth", 0},
		{"deactivated person", slack.SlackErrorResponse{Err: "user_disabled"}, refused, "user_disabled", 0},
		{"a bot", slack.SlackErrorResponse{Err: "cannot_dm_bot"}, refused, "cannot_dm_bot", 0},
		{"channel gone", slack.SlackErrorResponse{Err: "channel_not_found"}, refused, "channel_not_found", 0},
		{"connection reset", &url.Error{Op: "Post", URL: "x", Err: &net.OpError{Op: "read", Err: errors.New("reset")}}, lost, "network", 0},
		{"timeout", fmt.Errorf("call: %w", context.DeadlineExceeded), lost, "network", 0},
		{"answer cut short", io.ErrUnexpectedEOF, lost, "unknown", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, wait, code := classify(tc.err)
			if kind != tc.kind || code != tc.code || wait != tc.wait {
				t.Fatalf("classify = %v, %v, %q; want %v, %v, %q", kind, wait, code, tc.kind, tc.wait, tc.code)
			}
			if got := errors.Is(undeliverable(tc.err), okr.ErrUndeliverable); got != (tc.kind == refused) {
				t.Fatalf("undeliverable = %v", got)
			}
		})
	}
}

// TestPacer_SpacesPostsAndHoldsAfter429 checks the waits the pacer asks
// for, without waiting them.
func TestPacer_SpacesPostsAndHoldsAfter429(t *testing.T) {
	p := newPacer(Pacing{PostsPerMinute: 600}) // one every 100 ms
	t0 := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return t0 } // no time passes between the posts
	var waits []time.Duration
	record := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	ctx := context.Background()
	for _, channel := range []string{"D1", "D2", "D3", "D1"} {
		if err := p.wait(ctx, channel, record); err != nil {
			t.Fatal(err)
		}
	}
	if waits[0] != 0 || waits[1] != 100*time.Millisecond || waits[2] != 200*time.Millisecond {
		t.Fatalf("waits = %v, want posts 100 ms apart", waits)
	}
	// The second post to D1 waits for D1's second, not just the workspace's slot.
	if waits[3] != time.Second {
		t.Fatalf("second post to D1 waits %v, want a second after the first", waits[3])
	}
	p.hold(5 * time.Second)
	waits = nil
	if err := p.wait(ctx, "D9", record); err != nil {
		t.Fatal(err)
	}
	if waits[0] != 5*time.Second {
		t.Fatalf("after a 429 holding 5 s the next post waits %v", waits[0])
	}

	none := newPacer(Pacing{PostsPerMinute: 60_000, PerConversation: -1})
	none.now = p.now
	waits = nil
	for range 3 {
		if err := none.wait(ctx, "D1", record); err != nil {
			t.Fatal(err)
		}
	}
	if waits[2] != 2*time.Millisecond {
		t.Fatalf("without a per-conversation limit the third post waits %v", waits[2])
	}
}

func TestSender_BackoffGrowsWithJitterUpToTheCap(t *testing.T) {
	s := newSender(nil, slog.New(slog.DiscardHandler), time.Now, Pacing{}, 1)
	for n, max := range []time.Duration{backoffBase, 2 * backoffBase, 4 * backoffBase} {
		for range 20 {
			if d := s.backoff(n); d < max/2 || d > max {
				t.Fatalf("backoff(%d) = %v, want between %v and %v", n, d, max/2, max)
			}
		}
	}
	if d := s.backoff(40); d > backoffMax || d < backoffMax/2 {
		t.Fatalf("backoff(40) = %v, want capped at %v", d, backoffMax)
	}
}

func TestMarked_SetsTheFirstBlockIDOnACopy(t *testing.T) {
	blocks := []slack.Block{section("hello"), divider()}
	got := marked(blocks, "okrbot:k")
	if blockIDOf(got[0]) != "okrbot:k" || blockIDOf(blocks[0]) != "" || len(got) != 2 {
		t.Fatalf("marked = %q, original = %q", blockIDOf(got[0]), blockIDOf(blocks[0]))
	}
	// A first block of another kind gets a context line carrying the marker.
	got = marked([]slack.Block{divider(), section("x")}, "okrbot:k")
	if len(got) != 3 || blockIDOf(got[0]) != "okrbot:k" {
		t.Fatalf("marked = %d blocks, first %q", len(got), blockIDOf(got[0]))
	}
	full := make([]slack.Block, maxMessageBlocks)
	for i := range full {
		full[i] = divider()
	}
	if got = marked(full, "okrbot:k"); len(got) != maxMessageBlocks || blockIDOf(got[0]) != "okrbot:k" {
		t.Fatalf("a full message marked = %d blocks, first %q; want %d", len(got), blockIDOf(got[0]), maxMessageBlocks)
	}
	if id := deliveryMarker(string(make([]byte, 400))); len([]rune(id)) > 255 {
		t.Fatalf("a marker of %d characters; block IDs take 255", len([]rune(id)))
	}
}

func blockIDOf(b slack.Block) string { return b.ID() }

func TestSlackTS(t *testing.T) {
	if got := slackTS(time.Unix(1700000000, 123456789)); got != "1700000000.123456" {
		t.Fatalf("slackTS = %q", got)
	}
	if got := slackTS(time.Unix(-5, 0)); got != "0" {
		t.Fatalf("slackTS before 1970 = %q", got)
	}
}
