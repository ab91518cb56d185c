package bot

import (
	"sync"
	"sync/atomic"
)

// Stats are counters for the health and metrics endpoint.
type Stats struct {
	Connected     bool
	Envelopes     map[string]uint64 // by envelope type
	HandlerErrors uint64
	Checkins      uint64 // check-ins recorded since start
	UserSyncs     uint64 // times the people were read from Slack
	Redeliveries  uint64 // events Slack sent again, skipped as already handled
	Unhandled     uint64 // envelopes of a type this version does not handle, acked
	SlackRetries  uint64 // Web API calls of the bot's own messages tried again
	RateLimited   uint64 // of which Slack answered 429
	Analyses      uint64 // cycle analyses made; reads between writes share one
}

// counters count what the bot does; cheap enough for the ack path.
type counters struct {
	connected     atomic.Bool
	handlerErrors atomic.Uint64
	checkins      atomic.Uint64
	userSyncs     atomic.Uint64
	redeliveries  atomic.Uint64
	unhandled     atomic.Uint64

	mu        sync.Mutex
	envelopes map[string]uint64
}

func (s *counters) envelope(kind string) {
	s.mu.Lock()
	if s.envelopes == nil {
		s.envelopes = map[string]uint64{}
	}
	s.envelopes[kind]++
	s.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (b *Bot) Stats() Stats {
	b.counters.mu.Lock()
	envelopes := make(map[string]uint64, len(b.counters.envelopes))
	for k, v := range b.counters.envelopes {
		envelopes[k] = v
	}
	b.counters.mu.Unlock()
	return Stats{Connected: b.counters.connected.Load(), Envelopes: envelopes, HandlerErrors: b.counters.handlerErrors.Load(),
		Checkins: b.counters.checkins.Load(), UserSyncs: b.counters.userSyncs.Load(),
		Redeliveries: b.counters.redeliveries.Load(), Unhandled: b.counters.unhandled.Load(),
		SlackRetries: b.sender.retries.Load(), RateLimited: b.sender.rateLimited.Load(), Analyses: b.analyses.count()}
}
