package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// indexCache keeps one suggestion index per cycle. Building one for a large
// organisation takes a few hundred milliseconds, too slow for type-ahead
// (Slack waits 3 s, people much less), so after a change the old index keeps
// answering while a new one is built in the background.
type indexCache struct {
	store okr.Store
	log   *slog.Logger
	spawn func(what string, fn func(context.Context) error) // runs background work

	mu      sync.Mutex
	entries map[int64]*indexEntry
	// gen counts changes; an index built while it moved missed a change
	// and is stored as dirty.
	gen uint64
}

type indexEntry struct {
	ix       *okr.SuggestionIndex
	dirty    bool // a change happened since ix was built
	building bool
}

func newIndexCache(store okr.Store, log *slog.Logger) *indexCache {
	return &indexCache{store: store, log: log, entries: map[int64]*indexEntry{}}
}

// get returns the cycle's index, building it now if there is none yet.
func (c *indexCache) get(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	c.mu.Lock()
	e := c.entries[cycleID]
	if e != nil && e.ix != nil {
		if e.dirty && !e.building {
			e.building, e.dirty = true, false
			c.spawn("rebuild suggestion index", func(ctx context.Context) error { return c.rebuild(ctx, cycleID) })
		}
		ix := e.ix
		c.mu.Unlock()
		return ix, nil
	}
	c.mu.Unlock()
	return c.buildAndStore(ctx, cycleID, false)
}

// fresh returns the cycle's index as of now, building it if it is dirty:
// for places that must see a change just made (a confirmation's
// suggestions), where a little latency is fine.
func (c *indexCache) fresh(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	c.mu.Lock()
	e := c.entries[cycleID]
	if e != nil && e.ix != nil && !e.dirty && !e.building {
		ix := e.ix
		c.mu.Unlock()
		return ix, nil
	}
	c.mu.Unlock()
	return c.buildAndStore(ctx, cycleID, true)
}

// buildAndStore builds the cycle's index and caches it, as dirty if a
// change happened meanwhile. Unless replace is set, an index another caller
// stored first wins.
func (c *indexCache) buildAndStore(ctx context.Context, cycleID int64, replace bool) (*okr.SuggestionIndex, error) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	ix, err := c.build(ctx, cycleID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cycleID]
	switch {
	case e == nil:
		c.entries[cycleID] = &indexEntry{ix: ix, dirty: c.gen != gen}
	case e.ix == nil || replace && !e.building:
		e.ix, e.dirty = ix, c.gen != gen
	default:
		return e.ix, nil // another caller won the race
	}
	return ix, nil
}

// invalidate marks every index stale after a change to objectives or key
// results; the next get starts a rebuild.
func (c *indexCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, e := range c.entries {
		e.dirty = true
	}
}

func (c *indexCache) rebuild(ctx context.Context, cycleID int64) error {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	ix, err := c.build(ctx, cycleID)
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cycleID]
	if e == nil {
		e = &indexEntry{}
		c.entries[cycleID] = e
	}
	e.building = false
	if err != nil {
		e.dirty = true
		return err
	}
	e.ix, e.dirty = ix, e.dirty || c.gen != gen
	return nil
}

func (c *indexCache) build(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	start := time.Now()
	ix, err := okr.LoadSuggestionIndex(ctx, c.store, cycleID)
	if err != nil {
		return nil, err
	}
	c.log.Debug("suggestion index built", slog.Int64("cycle", cycleID), slog.Int("objectives", ix.Len()), slog.Duration("took", time.Since(start)))
	return ix, nil
}

// Warm is closed once the index built at start is ready (or failed to
// build, and will be built on first use).
func (b *Bot) Warm() <-chan struct{} { return b.warm }

// warmIndex builds the current cycle's index at start, so the first
// type-ahead is fast too.
func (b *Bot) warmIndex(ctx context.Context) error {
	defer func() {
		b.warmOnce.Do(func() { close(b.warm) })
		b.log.Info("suggestion index warm-up done")
	}()
	c, err := b.store.CurrentCycle(ctx)
	if okr.ErrorCode(err) == okr.ENOTFOUND {
		return nil // built on first use
	}
	if err != nil {
		return err
	}
	_, err = b.indexes.get(ctx, c.ID)
	return err
}

// changed is called after every change to objectives, key results or links.
func (b *Bot) changed() { b.indexes.invalidate() }

// analyzeCycle analyses the cycle with that ID as of now.
func (b *Bot) analyzeCycle(ctx context.Context, cycleID int64) (*okr.Analysis, error) {
	c, err := b.store.FindCycleByID(ctx, cycleID)
	if err != nil {
		return nil, err
	}
	return b.analyze(ctx, c)
}

// analyze is the cycle's analysis as of now, shared by every read and
// made again only when the database has changed (see analyses).
func (b *Bot) analyze(ctx context.Context, c *okr.Cycle) (*okr.Analysis, error) {
	return b.analyses.get(ctx, b.store, c, b.opts.Now(), b.policy(ctx))
}

// withDetails swaps the analysis' key results, which carry no title or unit
// (see okr.Graph), for the full rows, for display. It reads only the ones
// given, so call it on the page being shown.
func (b *Bot) withDetails(ctx context.Context, states []okr.KeyResultState) ([]okr.KeyResultState, error) {
	return okr.WithDetails(ctx, b.store, states)
}
