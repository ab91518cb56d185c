package slackfake

import (
	"math"
	"time"
)

// Slack's rate-limit tiers in calls per minute per method per workspace (docs/slack-platform.md, "Rate limit rules").
const (
	tier1 = 1
	tier2 = 20
	tier3 = 50
	tier4 = 100
)

// RateLimits configures the emulated rate limiter (docs/slack-platform.md, "Rate limits"). By default every method
// is limited to its tier, chat.postMessage to about one message per second per
// channel with short bursts plus a workspace ceiling, and auth.test to 600/min.
// Windows are measured on Options.Clock. Note that apps.connections.open is
// Tier 1: reconnecting twice within a minute is answered with 429.
type RateLimits struct {
	// Disabled switches rate limiting off, for tests and benchmarks that send a lot.
	Disabled bool
	// Scale multiplies every limit, e.g. 10 to leave headroom in a benchmark while
	// still catching runaway loops. 0 means 1.
	Scale float64
	// PerMinute overrides the per-minute limit of individual methods (not
	// scaled). For chat.postMessage it replaces the special limit with a plain
	// per-minute window.
	PerMinute map[string]int
	// PostMessageBurst is how many messages one channel may take at once before
	// the one-per-second rate applies. Slack publishes no number (docs/slack-platform.md, "Rate limit rules"); default 5.
	PostMessageBurst int
	// PostMessagePerMinute is the workspace-wide chat.postMessage ceiling, Slack's
	// "several hundred messages per minute" (docs/slack-platform.md, "Per-method tiers"). Default 300.
	PostMessagePerMinute int
}

// methodTiers are the per-minute limits of docs/slack-platform.md, "Per-method tiers" (JAVA-RL). chat.postMessage is
// special and handled separately.
var methodTiers = map[string]int{
	"apps.connections.open":        tier1,
	"auth.test":                    600,
	"chat.postEphemeral":           tier4,
	"chat.update":                  tier3,
	"chat.delete":                  tier3,
	"chat.scheduleMessage":         tier3,
	"chat.deleteScheduledMessage":  tier3,
	"chat.scheduledMessages.list":  tier3,
	"conversations.open":           tier3,
	"conversations.info":           tier3,
	"conversations.history":        tier3,
	"conversations.replies":        tier3,
	"users.info":                   tier4,
	"users.list":                   tier2,
	"views.open":                   tier4,
	"views.push":                   tier4,
	"views.update":                 tier4,
	"views.publish":                tier4,
	"files.getUploadURLExternal":   tier4,
	"files.completeUploadExternal": tier4,
}

type limiter struct {
	cfg      RateLimits
	windows  map[string][]time.Time // method → call times in the last minute
	buckets  map[string]*bucket     // chat.postMessage per channel
	postWide []time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(cfg RateLimits) *limiter {
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	if cfg.PostMessageBurst <= 0 {
		cfg.PostMessageBurst = 5
	}
	if cfg.PostMessagePerMinute <= 0 {
		cfg.PostMessagePerMinute = 300
	}
	return &limiter{cfg: cfg, windows: map[string][]time.Time{}, buckets: map[string]*bucket{}}
}

func (l *limiter) scaled(n int) int {
	return max(1, int(math.Ceil(float64(n)*l.cfg.Scale)))
}

// allow records a call to method and reports whether it is within the limit; if
// not, it returns how long until it would be. channel is set for chat.postMessage.
func (l *limiter) allow(method, channel string, now time.Time) (bool, time.Duration) {
	if l.cfg.Disabled {
		return true, 0
	}
	if method == "chat.postMessage" {
		return l.allowPost(channel, now)
	}
	limit, ok := l.cfg.PerMinute[method]
	if !ok {
		limit, ok = methodTiers[method]
		if !ok {
			return true, 0
		}
		limit = l.scaled(limit)
	}
	ok, wait := slide(l.windows[method], now, limit)
	if ok {
		l.windows[method] = append(trim(l.windows[method], now), now)
	}
	return ok, wait
}

// slide checks a one-minute sliding window.
func slide(calls []time.Time, now time.Time, limit int) (bool, time.Duration) {
	calls = trim(calls, now)
	if len(calls) < limit {
		return true, 0
	}
	return false, calls[len(calls)-limit].Add(time.Minute).Sub(now)
}

func trim(calls []time.Time, now time.Time) []time.Time {
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(calls) && !calls[i].After(cut) {
		i++
	}
	return calls[i:]
}

// allowPost is chat.postMessage's special limit (docs/slack-platform.md, "Per-method tiers"): a token bucket per channel
// refilling at one message per second with PostMessageBurst capacity, and a
// workspace-wide per-minute ceiling.
func (l *limiter) allowPost(channel string, now time.Time) (bool, time.Duration) {
	if limit, ok := l.cfg.PerMinute["chat.postMessage"]; ok {
		ok, wait := slide(l.windows["chat.postMessage"], now, limit)
		if ok {
			l.windows["chat.postMessage"] = append(trim(l.windows["chat.postMessage"], now), now)
		}
		return ok, wait
	}
	perSecond := l.cfg.Scale
	capacity := float64(l.scaled(l.cfg.PostMessageBurst))
	b := l.buckets[channel]
	if b == nil {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[channel] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(capacity, b.tokens+el*perSecond)
		b.last = now
	}
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
	}
	ok, wait := slide(l.postWide, now, l.scaled(l.cfg.PostMessagePerMinute))
	if !ok {
		return false, wait
	}
	b.tokens--
	l.postWide = append(trim(l.postWide, now), now)
	return true, 0
}

// retryAfterSeconds is the integer Retry-After Slack sends (docs/slack-platform.md, "Rate limit rules"): whole seconds,
// at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
