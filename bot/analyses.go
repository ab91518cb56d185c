package bot

import (
	"context"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// analysisMaxAge is how long an analysis answers reads of an unchanged
// database: health, staleness and the expected progress move with the
// clock, by days, so a minute-old analysis says what a fresh one would.
const analysisMaxAge = time.Minute

// analyses keeps the last analysis of each cycle, shared by every read
// (list, tree, gaps, show, the App Home): loading and analysing a cycle of
// 10,000 objectives costs tens of milliseconds, reading the store's
// generation a few microseconds. An analysis is reused while the
// generation it was made at is the store's (every write an analysis could
// see moves it; the delivery ledger's do not), the policy is the same and
// it is younger than analysisMaxAge; otherwise the next read makes a new
// one, and reads that arrive meanwhile wait for it rather than make their
// own. Analyses are shared: callers must not change them.
type analyses struct {
	mu      sync.Mutex
	byCycle map[int64]*analysisEntry
	built   uint64 // analyses made, for tests and Stats
}

type analysisEntry struct {
	gen    int64
	policy okr.Policy
	at     time.Time     // the bot's clock when it was made
	done   chan struct{} // closed once a and err are set
	a      *okr.Analysis
	err    error
}

// get returns the cycle's analysis as of now, reusing the last one when
// nothing it depends on has moved.
func (c *analyses) get(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Analysis, error) {
	gen, err := store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.byCycle == nil {
		c.byCycle = map[int64]*analysisEntry{}
	}
	e := c.byCycle[cycle.ID]
	fresh := e != nil && e.gen == gen && e.policy == policy && !now.Before(e.at) && now.Sub(e.at) < analysisMaxAge
	if !fresh {
		e = &analysisEntry{gen: gen, policy: policy, at: now, done: make(chan struct{})}
		c.byCycle[cycle.ID] = e
		c.built++
		c.mu.Unlock()
		var g *okr.Graph
		g, e.err = store.LoadGraph(ctx, cycle.ID, now)
		if e.err == nil {
			e.a = okr.Analyze(g, now, policy)
		}
		c.mu.Lock()
		switch {
		case e.err != nil && c.byCycle[cycle.ID] == e:
			delete(c.byCycle, cycle.ID) // the next read tries again
		case e.err == nil:
			// The graph was read at or after gen: label the entry with
			// what it really is.
			e.gen = g.Generation
		}
		c.mu.Unlock()
		close(e.done)
		return e.a, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.a, nil
}

// count is how many analyses were made.
func (c *analyses) count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.built
}
