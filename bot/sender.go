package bot

import (
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// sender posts the bot's own messages (DMs, channel posts, file uploads):
// one for the bot and the scheduler, so that together they stay below
// Slack's limits. It paces chat.postMessage below the workspace's rate and
// one message a second per conversation (Slack's documented limits), waits
// out a 429 for as long as Retry-After says, and retries server errors and
// dropped connections with jittered backoff until the caller's context
// ends. A try whose answer was lost may still have been posted: before
// sending again, the sender looks for the message's marker in the
// conversation, and when it cannot look (or the message has no key) it
// stops with an error instead of risking a second copy.
type sender struct {
	api *slack.Client
	log *slog.Logger
	now func() time.Time // the bot's clock, which Slack's timestamps follow
	// sleep waits d or until ctx ends; tests may replace it.
	sleep func(ctx context.Context, d time.Duration) error
	pace  *pacer

	randMu sync.Mutex
	rand   *rand.Rand

	dmMu sync.Mutex
	dms  map[string]string // user ID -> DM channel ID, from conversations.open

	retries, rateLimited, found atomic.Uint64
}

// callTimeout bounds one Web API call. A call on the wire is not cut short
// by the caller's context: at shutdown it completes and its answer is
// read (and recorded by the caller); nothing new starts.
const callTimeout = 30 * time.Second

// Backoff between attempts after a server error or a lost connection.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
)

func newSender(api *slack.Client, log *slog.Logger, now func() time.Time, pacing Pacing, seed uint64) *sender {
	return &sender{
		api: api, log: log, now: now, sleep: sleepCtx, pace: newPacer(pacing),
		rand: rand.New(rand.NewPCG(seed, seed^0x5bd1e995)), dms: map[string]string{},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliveryMarker is the block ID a delivered message carries in its first
// block, so that it can be found again by its delivery key. Block IDs take
// 255 characters (Block Kit reference); keys are far shorter.
func deliveryMarker(key string) string { return trunc("okrbot:"+key, 255) }

// replyKey is a fresh key for an answer to a person: never claimed in the
// ledger, only marked on the message so that a retry can find it. It is
// unique across processes (a restarted bot must not find its previous
// run's answer under the same key), hence crypto/rand and not the seeded
// jitter source.
func (s *sender) replyKey() string { return "reply:" + cryptorand.Text() }

// outgoing is one message to post.
type outgoing struct {
	Target   string // a user ID (their DM with the app) or a conversation ID
	Key      string // the delivery key; "" for a message that is not guarded
	ThreadTS string // post as a reply in this thread
	Msg      message
}

// post sends a message and returns its reference (okr.MessageRef). An
// error wraps okr.ErrUndeliverable when Slack refused it for good (the
// person was deactivated, the channel is gone). Any other error leaves it
// unknown whether Slack has it only when the message has a key: the
// ledger's claim then stays, and whoever takes it over looks first.
func (s *sender) post(ctx context.Context, out outgoing) (string, error) {
	blocks := out.Msg.Blocks
	if out.Key != "" && len(blocks) > 0 {
		blocks = marked(blocks, deliveryMarker(out.Key))
	}
	opts := []slack.MsgOption{slack.MsgOptionText(out.Msg.Text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if out.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(out.ThreadTS))
	}
	var lookup func(context.Context) (string, bool, error)
	if out.Key != "" {
		since := s.now().Add(-okr.ClockSkew)
		lookup = func(ctx context.Context) (string, bool, error) {
			if out.ThreadTS != "" {
				return s.findInThread(ctx, out.Target, out.ThreadTS, out.Key, since)
			}
			return s.find(ctx, out.Target, out.Key, since)
		}
	}
	return s.attempt(ctx, call{
		what: "chat.postMessage", target: out.Target, lookup: lookup,
		before: func(ctx context.Context) error { return s.pace.wait(ctx, out.Target, s.sleep) },
		do: func(ctx context.Context) (string, error) {
			channel, ts, err := s.api.PostMessageContext(ctx, out.Target, opts...)
			return okr.MessageRef(channel, ts), err
		},
	})
}

// update replaces the content of a message the bot posted.
func (s *sender) update(ctx context.Context, ref, key string, msg message) error {
	channel, ts, _ := strings.Cut(ref, "/")
	blocks := msg.Blocks
	if key != "" && len(blocks) > 0 {
		blocks = marked(blocks, deliveryMarker(key))
	}
	_, err := s.attempt(ctx, call{what: "chat.update", target: channel, idempotent: true, do: func(ctx context.Context) (string, error) {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(blocks...))
		return ref, err
	}})
	return err
}

// upload shares a file in a conversation (in a thread when threadTS is
// set), with blocks that carry the delivery marker, and returns the file's
// ID.
func (s *sender) upload(ctx context.Context, channel, threadTS, key, filename, title string, data []byte, msg message) (string, error) {
	since := s.now().Add(-okr.ClockSkew)
	return s.attempt(ctx, call{
		what: "file upload", target: channel,
		lookup: func(ctx context.Context) (string, bool, error) {
			return s.findInThread(ctx, channel, threadTS, key, since)
		},
		do: func(ctx context.Context) (string, error) {
			f, err := s.api.UploadFileContext(ctx, slack.UploadFileParameters{
				Reader: strings.NewReader(string(data)), FileSize: len(data), Filename: filename, Title: title,
				Channel: channel, ThreadTimestamp: threadTS, Blocks: slack.Blocks{BlockSet: marked(msg.Blocks, deliveryMarker(key))},
			})
			if err != nil {
				return "", err
			}
			return f.ID, nil
		},
	})
}

// call is one Web API call made until it succeeds.
type call struct {
	what, target string
	// before runs ahead of each try, on the caller's context: the pacer's
	// wait, which a shutdown ends.
	before func(ctx context.Context) error
	// do makes the call, on a context a shutdown does not cut short: what
	// is on the wire completes and its answer is read.
	do func(ctx context.Context) (string, error)
	// lookup, after an answer lost on the way (a server error, a dropped
	// connection), says whether the lost try did post the message. Without
	// it the call is retried only if it is idempotent.
	lookup     func(ctx context.Context) (string, bool, error)
	idempotent bool
}

// attempt makes c until it succeeds, Slack refuses it for good, or ctx
// ends. A try whose answer was lost is repeated only when that cannot
// double it: the call is idempotent, or lookup found that the lost try
// did not post. When that cannot be told (lookup fails, or there is no
// lookup), attempt stops with an error rather than risk a second copy.
func (s *sender) attempt(ctx context.Context, c call) (string, error) {
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("%s to %s: %w", c.what, c.target, err)
		}
		if c.before != nil {
			if err := c.before(ctx); err != nil {
				return "", fmt.Errorf("%s to %s: %w", c.what, c.target, err)
			}
		}
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
		ref, err := c.do(callCtx)
		cancel()
		if err == nil {
			return ref, nil
		}
		kind, wait, code := classify(err)
		switch kind {
		case refused:
			return "", okr.Undeliverable(code)
		case rateLimited:
			s.rateLimited.Add(1)
			if c.before != nil {
				// Only the paced calls (chat.postMessage) share the
				// workspace's posting budget; a 429 on views.open says
				// nothing about it.
				s.pace.hold(wait)
			}
			s.log.Info("rate limited by Slack; waiting", slog.String("call", c.what), slog.Duration("retry_after", wait))
		case lost:
			if c.lookup == nil && !c.idempotent {
				return "", fmt.Errorf("%s to %s: the answer was lost and there is no way to tell whether it was done: %w", c.what, c.target, err)
			}
			wait = s.backoff(n)
			s.log.Warn("Slack call failed; retrying", slog.String("call", c.what), slog.String("target", c.target),
				slog.Duration("in", wait), slog.Any("err", err))
		}
		s.retries.Add(1)
		if serr := s.sleep(ctx, wait); serr != nil {
			return "", fmt.Errorf("%s to %s: %w (last error: %v)", c.what, c.target, serr, err)
		}
		if kind == lost && c.lookup != nil {
			ref, found, lerr := c.lookup(ctx)
			switch {
			case lerr != nil:
				return "", fmt.Errorf("%s to %s: could not tell whether a try whose answer was lost got through: %w", c.what, c.target, lerr)
			case found:
				s.found.Add(1)
				return ref, nil
			}
		}
	}
}

// backoff is the n-th wait after a failure: doubling from backoffBase up to
// backoffMax, with full jitter so that many senders do not retry in step.
func (s *sender) backoff(n int) time.Duration {
	d := backoffBase << min(n, 10)
	d = min(d, backoffMax)
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return d/2 + time.Duration(s.rand.Int64N(int64(d/2)+1))
}

// failure is how a failed call can go on.
type failure int

const (
	lost        failure = iota // the answer did not arrive or was a server error: maybe done, retry after looking
	rateLimited                // not done: retry after the wait
	refused                    // not done, and it never will be
)

// classify reads a slack-go error (errors.As on its types, never the text).
func classify(err error) (kind failure, wait time.Duration, code string) {
	var rl *slack.RateLimitedError
	var status slack.StatusCodeError
	var resp slack.SlackErrorResponse
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case errors.As(err, &rl):
		return rateLimited, max(rl.RetryAfter, time.Second), "ratelimited"
	case errors.As(err, &status):
		switch {
		case status.Code == 429:
			return rateLimited, time.Second, "ratelimited"
		case status.Code >= 500 || status.Code == 408:
			return lost, 0, status.Status
		}
		return refused, 0, fmt.Sprintf("http_%d", status.Code)
	case errors.As(err, &resp):
		switch resp.Err {
		case "ratelimited", "rate_limited":
			return rateLimited, time.Second, resp.Err
		case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org",
			// The app's own credentials: nothing a message can fix, and
			// nothing to give the message up for.
			"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
			return lost, 0, resp.Err
		}
		return refused, 0, resp.Err
	case errors.As(err, &netErr), errors.As(err, &urlErr), errors.Is(err, context.DeadlineExceeded):
		return lost, 0, "network"
	}
	// Anything else (a reply that did not parse, a connection closed
	// mid-answer): the call may have been done.
	return lost, 0, "unknown"
}

// undeliverable turns an error Slack will never get over into
// okr.ErrUndeliverable and leaves others as they are.
func undeliverable(err error) error {
	if err == nil {
		return nil
	}
	if kind, _, code := classify(err); kind == refused {
		return okr.Undeliverable(code)
	}
	return err
}

// marked returns blocks whose first block carries the marker as its block
// ID, leaving the caller's blocks untouched.
func marked(blocks []slack.Block, marker string) []slack.Block {
	if len(blocks) == 0 {
		return blocks
	}
	out := make([]slack.Block, len(blocks))
	copy(out, blocks)
	switch b := out[0].(type) {
	case *slack.SectionBlock:
		c := *b
		c.BlockID = marker
		out[0] = &c
	case *slack.HeaderBlock:
		c := *b
		c.BlockID = marker
		out[0] = &c
	case *slack.ContextBlock:
		c := *b
		c.BlockID = marker
		out[0] = &c
	default:
		// Messages start with one of the above; should one not, a context
		// line carries the marker rather than lose it.
		// The line takes the last block's place if the message is full.
		out = append([]slack.Block{&slack.ContextBlock{Type: slack.MBTContext, BlockID: marker,
			ContextElements: slack.ContextElements{Elements: []slack.MixedElement{mrkdwn("okrbot")}}}}, out...)
		out = out[:min(len(out), maxMessageBlocks)]
	}
	return out
}

// dmChannel is the ID of a person's DM with the app (conversations.open),
// remembered.
func (s *sender) dmChannel(ctx context.Context, user string) (string, error) {
	s.dmMu.Lock()
	id, ok := s.dms[user]
	s.dmMu.Unlock()
	if ok {
		return id, nil
	}
	ch, _, _, err := s.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", fmt.Errorf("conversations.open with %s: %w", user, err)
	}
	s.dmMu.Lock()
	s.dms[user] = ch.ID
	s.dmMu.Unlock()
	return ch.ID, nil
}

// isUser tells a user ID (U…, W…) from a conversation ID.
func isUser(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }

// find looks for a message carrying key's marker, posted to target (a
// user's DM or a conversation) since the given time.
func (s *sender) find(ctx context.Context, target, key string, since time.Time) (string, bool, error) {
	channel := target
	if isUser(target) {
		var err error
		if channel, err = s.dmChannel(ctx, target); err != nil {
			if undeliverable(err) != err {
				return "", false, nil // nobody to have sent it to
			}
			return "", false, err
		}
	}
	params := slack.GetConversationHistoryParameters{ChannelID: channel, Oldest: slackTS(since), Limit: 200, Inclusive: true}
	return s.findMarked(ctx, "conversations.history", channel, key, func(ctx context.Context, cursor string) ([]slack.Message, string, error) {
		params.Cursor = cursor
		resp, err := s.api.GetConversationHistoryContext(ctx, &params)
		if err != nil {
			return nil, "", err
		}
		if !resp.HasMore {
			return resp.Messages, "", nil
		}
		return resp.Messages, resp.ResponseMetaData.NextCursor, nil
	})
}

// findInThread looks for a reply carrying key's marker in a thread.
func (s *sender) findInThread(ctx context.Context, channel, threadTS, key string, since time.Time) (string, bool, error) {
	params := slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: threadTS, Oldest: slackTS(since), Limit: 200, Inclusive: true}
	return s.findMarked(ctx, "conversations.replies", channel, key, func(ctx context.Context, cursor string) ([]slack.Message, string, error) {
		params.Cursor = cursor
		msgs, more, next, err := s.api.GetConversationRepliesContext(ctx, &params)
		if !more {
			next = ""
		}
		return msgs, next, err
	})
}

// findMarked reads a conversation page by page (page returns the messages
// after cursor and the next cursor, "" at the end) for the message whose
// first block carries key's marker.
func (s *sender) findMarked(ctx context.Context, method, channel, key string,
	page func(ctx context.Context, cursor string) ([]slack.Message, string, error)) (string, bool, error) {
	marker := deliveryMarker(key)
	cursor := ""
	for {
		var msgs []slack.Message
		var next string
		if _, err := s.attempt(ctx, call{what: method, target: channel, idempotent: true, do: func(ctx context.Context) (string, error) {
			var err error
			msgs, next, err = page(ctx, cursor)
			return "", err
		}}); err != nil {
			if errors.Is(err, okr.ErrUndeliverable) {
				s.log.Warn("cannot read the conversation to check for an earlier message; invite the bot to it",
					slog.String("channel", channel), slog.String("key", key), slog.Any("err", err))
			}
			return "", false, err
		}
		for _, m := range msgs {
			if firstBlockID(m.Blocks) == marker {
				return okr.MessageRef(channel, m.Timestamp), true, nil
			}
		}
		if next == "" {
			return "", false, nil
		}
		cursor = next
	}
}

func firstBlockID(b slack.Blocks) string {
	if len(b.BlockSet) == 0 {
		return ""
	}
	return b.BlockSet[0].ID()
}

// slackTS writes a time as a Slack timestamp ("1700000000.000100").
func slackTS(t time.Time) string {
	if t.Before(time.Unix(0, 0)) {
		return "0"
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// pacer spaces chat.postMessage calls: at most perMinute a minute in the
// workspace, evenly (a burst would trip a sliding window), and one a
// second per conversation.
type pacer struct {
	now        func() time.Time // the machine's monotonic clock; tests fix it
	mu         sync.Mutex
	interval   time.Duration        // between two posts in the workspace
	perChannel time.Duration        // between two posts in one conversation
	next       time.Time            // the earliest the next post may go
	byChannel  map[string]time.Time // the earliest the next post to a conversation may go
}

// perChannelInterval is Slack's posting limit per conversation (about one
// message a second, D-RL "Limits when posting messages").
const perChannelInterval = time.Second

func newPacer(p Pacing) *pacer {
	if p.PostsPerMinute <= 0 {
		p.PostsPerMinute = DefaultPostsPerMinute
	}
	switch {
	case p.PerConversation == 0:
		p.PerConversation = perChannelInterval
	case p.PerConversation < 0:
		p.PerConversation = 0
	}
	return &pacer{now: time.Now, interval: time.Minute / time.Duration(p.PostsPerMinute), perChannel: p.PerConversation, byChannel: map[string]time.Time{}}
}

// DefaultPostsPerMinute keeps below chat.postMessage's workspace limit,
// "several hundred messages per minute" (D-PM "Rate limiting").
const DefaultPostsPerMinute = 240

// wait blocks until a post to channel may go, and books its slot.
func (p *pacer) wait(ctx context.Context, channel string, sleep func(context.Context, time.Duration) error) error {
	p.mu.Lock()
	now := p.now()
	at := now
	if p.next.After(at) {
		at = p.next
	}
	if c := p.byChannel[channel]; c.After(at) {
		at = c
	}
	p.next = at.Add(p.interval)
	if p.perChannel > 0 {
		p.byChannel[channel] = at.Add(p.perChannel)
	}
	if len(p.byChannel) > 10_000 { // forget conversations long quiet
		for k, t := range p.byChannel {
			if t.Before(now) {
				delete(p.byChannel, k)
			}
		}
	}
	p.mu.Unlock()
	return sleep(ctx, at.Sub(now))
}

// hold stops every post for d: Slack said Retry-After.
func (p *pacer) hold(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(p.next) {
		p.next = until
	}
}
