package bot

import (
	"context"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Health, staleness and the expected progress move with the clock, by
// days, so a minute-old analysis says what a fresh one would, and an
// hour-old one nearly so.
const (
	// analysisMaxAge is how long an analysis (and those brought up to date
	// from it, which keep its time) answers reads without more: a read
	// after it is still answered from it, and starts a new analysis of the
	// whole cycle in the background.
	analysisMaxAge = time.Minute
	// analysisMaxStale is how old an analysis may be and still answer a
	// read; past it (a bot nobody asked for an hour), the read waits for a
	// new one.
	analysisMaxStale = time.Hour
)

// analyses keeps the last analysis of each cycle, shared by every read
// (list, tree, gaps, show, the App Home): loading and analysing a cycle of
// 10,000 objectives costs tens of milliseconds, reading the store's
// generation a few microseconds. An analysis is reused while the
// generation it was made at is the store's (every write an analysis could
// see moves it; the delivery ledger's do not) and the policy is the
// same. When the generation has moved, the
// next read brings the last analysis up to date: the store reloads only
// the objectives the writes changed (okr.GraphService.UpdateGraph) and
// okr.Reanalyze recomputes only what depends on them, which keeps the
// analysis' time; a write the store cannot follow or a new policy makes a
// new one from the whole cycle, and so does age: in the background past
// analysisMaxAge, before answering past analysisMaxStale. When only the
// clock has moved, that one is made from the last one's graph, with the
// week-ago values of its time (okr.GraphService.RetimeGraph). Reads that
// arrive while one is made wait for it rather than make their own. Analyses
// are shared: callers must not change them.
type analyses struct {
	mu      sync.Mutex
	byCycle map[int64]*analysisEntry
	built   uint64 // analyses made, for tests and Stats
	patched uint64 // of which brought up to date from the one before
	// refreshing holds, by cycle, the background analysis running (see
	// analysisMaxAge), closed when it is done.
	refreshing map[int64]chan struct{}
	// replacing, when set, is called (without mu) as an analysis starts to
	// be made afresh, not brought up to date from the last, to take a
	// cycle's place: what was kept for the last one can go
	// (treeLayouts), before the new one needs the memory.
	replacing func()
}

type analysisEntry struct {
	gen    int64
	policy okr.Policy
	at     time.Time     // the bot's clock when it was made: the analysis' time
	done   chan struct{} // closed once g, a and err are set
	g      *okr.Graph    // the graph a was made from
	a      *okr.Analysis
	err    error
}

// usable reports whether e, once done, can answer or be brought up to date
// for a read at now under policy, being at most maxStale old.
func (e *analysisEntry) usable(now time.Time, policy okr.Policy, maxStale time.Duration) bool {
	return e != nil && e.policy == policy && !now.Before(e.at) && now.Sub(e.at) < maxStale
}

// get returns the cycle's analysis as of now, reusing the last one when
// nothing it depends on has moved.
func (c *analyses) get(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Analysis, error) {
	_, a, err := c.load(ctx, store, cycle, now, policy, analysisMaxStale)
	return a, err
}

// load returns the cycle's graph and its analysis as of now, made at most
// maxStale before now: reads take analysisMaxStale, which answers at once;
// the scheduler's passes, which write what people keep, analysisMaxAge.
func (c *analyses) load(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, now time.Time, policy okr.Policy, maxStale time.Duration) (*okr.Graph, *okr.Analysis, error) {
	gen, err := store.Generation(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	if c.byCycle == nil {
		c.byCycle = map[int64]*analysisEntry{}
	}
	e := c.byCycle[cycle.ID]
	if e.usable(now, policy, maxStale) && now.Sub(e.at) >= analysisMaxAge {
		c.refreshLocked(ctx, store, cycle, now, policy)
	}
	if e.usable(now, policy, maxStale) && e.gen == gen {
		c.mu.Unlock()
		return e.wait(ctx)
	}
	next := &analysisEntry{gen: gen, policy: policy, at: now, done: make(chan struct{})}
	base := e
	if base.usable(now, policy, maxStale) {
		next.at = base.at
		c.patched++
	} else {
		base = nil
	}
	c.byCycle[cycle.ID] = next
	c.built++
	c.mu.Unlock()

	if base == nil && c.replacing != nil {
		c.replacing()
	}
	next.g, next.a, next.err = c.make(ctx, store, cycle, base, e, now, policy)
	c.mu.Lock()
	switch {
	case next.err != nil && c.byCycle[cycle.ID] == next:
		delete(c.byCycle, cycle.ID) // the next read tries again
	case next.err == nil:
		// The graph was read at or after gen: label the entry with what
		// it really is.
		next.gen = next.g.Generation
	}
	c.mu.Unlock()
	close(next.done)
	return next.g, next.a, next.err
}

// make brings base's analysis up to date or, with no base, analyses the
// cycle afresh at now, from prev's graph if it is still the store's.
func (c *analyses) make(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, base, prev *analysisEntry, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error) {
	if base != nil {
		if _, _, err := base.wait(ctx); err == nil {
			g, change, err := store.UpdateGraph(ctx, base.g, base.at)
			if err != nil {
				return nil, nil, err
			}
			if change == nil { // loaded afresh
				return g, okr.Analyze(g, base.at, policy), nil
			}
			return g, okr.Reanalyze(base.a, g, change, policy), nil
		} else if ctx.Err() != nil {
			return nil, nil, err
		}
		now, prev = base.at, nil // base failed: make what it should have made
	}
	return afresh(ctx, store, cycle, prev, now, policy)
}

// afresh analyses the cycle at now. When prev, done, was read at the
// store's generation still, its graph is reused with the week-ago values
// of now (okr.GraphService.RetimeGraph) rather than loaded again: the
// analysis made once a minute then holds no second copy of the cycle
// beside the one it replaces.
func afresh(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, prev *analysisEntry, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error) {
	var g *okr.Graph
	var err error
	if last := prev.graph(); last != nil { // prev is of this cycle: entries are kept by cycle
		if g, err = store.RetimeGraph(ctx, last, now); err != nil {
			return nil, nil, err
		}
	}
	if g == nil {
		if g, err = store.LoadGraph(ctx, cycle.ID, now); err != nil {
			return nil, nil, err
		}
	}
	return g, okr.Analyze(g, now, policy), nil
}

// graph is the entry's graph once it is made, or nil.
func (e *analysisEntry) graph() *okr.Graph {
	if e == nil {
		return nil
	}
	select {
	case <-e.done:
		return e.g // nil if it failed
	default:
		return nil
	}
}

// refreshLocked starts analysing the cycle afresh at now in the background,
// unless that is under way; the new analysis replaces the cycle's entry if
// that is older. The caller holds c.mu.
func (c *analyses) refreshLocked(ctx context.Context, store okr.GraphService, cycle *okr.Cycle, now time.Time, policy okr.Policy) {
	if c.refreshing == nil {
		c.refreshing = map[int64]chan struct{}{}
	}
	if c.refreshing[cycle.ID] != nil {
		return
	}
	done := make(chan struct{})
	c.refreshing[cycle.ID] = done
	prev := c.byCycle[cycle.ID]
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute) // it outlives the read
	go func() {
		defer close(done)
		defer cancel()
		if c.replacing != nil {
			c.replacing()
		}
		g, a, err := afresh(ctx, store, cycle, prev, now, policy)
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.refreshing, cycle.ID)
		if cur := c.byCycle[cycle.ID]; err == nil && (cur == nil || cur.policy == policy && cur.at.Before(now)) {
			e := &analysisEntry{gen: g.Generation, policy: policy, at: now, done: make(chan struct{}), g: g, a: a}
			close(e.done)
			c.byCycle[cycle.ID] = e
			c.built++
		}
	}()
}

// wait returns the entry's graph and analysis once they are made.
func (e *analysisEntry) wait(ctx context.Context) (*okr.Graph, *okr.Analysis, error) {
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if e.err != nil {
		return nil, nil, e.err
	}
	return e.g, e.a, nil
}

// count is how many analyses were made.
func (c *analyses) count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.built
}
