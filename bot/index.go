package bot

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// indexCache keeps one suggestion index per cycle. Building one for a large
// organisation takes a few hundred milliseconds, too slow for type-ahead
// (Slack waits 3 s, people much less), so a change to objectives is
// applied to the cached indexes at once (okr.SuggestionIndex.With, a few
// milliseconds), and the next read starts a rebuild in the background to
// make the word statistics exact again, the patched index answering
// meanwhile. A change it cannot patch (the workspace's terms) leaves the
// index stale until a rebuild, and so does a write the bot was not told of
// (okrbot import, a second instance), which each read looks for in the
// store's generation (okr.GraphService.WrittenSince).
type indexCache struct {
	store okr.Store
	log   *slog.Logger
	spawn func(what string, fn func(context.Context) error) // runs background work

	// patching orders the updates of cached indexes with each other and
	// with storing a built one, so that every change reaches whichever
	// index ends up cached: a build stored under it catches up with the
	// changes made since it began, and later changes patch it.
	patching sync.Mutex

	mu      sync.Mutex
	entries map[int64]*indexEntry
	// gen counts changes; changes are the latest, for builds under way to
	// catch up with.
	gen     uint64
	changes []indexChange
}

// indexChange is a change to objectives, numbered by gen.
type indexChange struct {
	gen uint64
	ids []int64 // the objectives changed; nil when it cannot be patched
}

// maxChanges bounds the changes kept for builds under way; a build that
// began before the oldest kept is stored as stale.
const maxChanges = 256

type indexEntry struct {
	ix *okr.SuggestionIndex
	// storeGen is the store's generation ix was read at or after: later writes
	// were this process's, patched over by changed, unless checkWrites
	// finds one that was not.
	storeGen int64
	stale    bool // a change ix does not reflect happened since it was built
	building bool
}

func newIndexCache(store okr.Store, log *slog.Logger) *indexCache {
	return &indexCache{store: store, log: log, entries: map[int64]*indexEntry{}}
}

// get returns the cycle's index, building it now if there is none yet. It
// starts a rebuild in the background if the index is stale or patched.
func (c *indexCache) get(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	if err := c.checkWrites(ctx, cycleID); err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[cycleID]
	if e != nil && e.ix != nil {
		if (e.stale || e.ix.Approximate()) && !e.building {
			e.building = true
			c.spawn("rebuild suggestion index", func(ctx context.Context) error { return c.rebuild(ctx, cycleID) })
		}
		ix := e.ix
		c.mu.Unlock()
		return ix, nil
	}
	c.mu.Unlock()
	return c.buildAndStore(ctx, cycleID, false)
}

// fresh returns the cycle's index as of now, building it if it is stale:
// for places that must see a change just made (a confirmation's
// suggestions), where a little latency is fine. A patched index reflects
// every change, its word statistics nearly exact: it will do.
func (c *indexCache) fresh(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	if err := c.checkWrites(ctx, cycleID); err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[cycleID]
	if e != nil && e.ix != nil && !e.stale {
		ix := e.ix
		c.mu.Unlock()
		return ix, nil
	}
	c.mu.Unlock()
	return c.buildAndStore(ctx, cycleID, true)
}

// checkWrites marks the cycle's index stale if the store has moved past it
// with a write this process did not make (okrbot import, a second
// instance): changed, which patches the index, hears only of the bot's.
// It costs one read of the generation.
func (c *indexCache) checkWrites(ctx context.Context, cycleID int64) error {
	c.mu.Lock()
	e := c.entries[cycleID]
	if e == nil || e.ix == nil || e.stale {
		c.mu.Unlock()
		return nil
	}
	since := e.storeGen
	c.mu.Unlock()
	gen, known, err := c.store.WrittenSince(ctx, since)
	if err != nil || gen == since {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[cycleID]; e != nil && e.storeGen == since { // not replaced meanwhile
		e.storeGen, e.stale = gen, !known
	}
	return nil
}

// buildAndStore builds the cycle's index and caches it, caught up with the
// changes made meanwhile. Unless replace is set, an index another caller
// stored first wins.
func (c *indexCache) buildAndStore(ctx context.Context, cycleID int64, replace bool) (*okr.SuggestionIndex, error) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	ix, storeGen, err := c.build(ctx, cycleID)
	if err != nil {
		return nil, err
	}
	c.patching.Lock()
	defer c.patching.Unlock()
	ix, stale := c.catchUp(ctx, ix, gen)
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cycleID]
	switch {
	case e == nil:
		c.entries[cycleID] = &indexEntry{ix: ix, storeGen: storeGen, stale: stale}
	case e.ix == nil || replace:
		e.ix, e.storeGen, e.stale = ix, storeGen, stale
	default:
		return e.ix, nil // another caller won the race
	}
	return ix, nil
}

// rebuild builds the cycle's index in the background and caches it.
func (c *indexCache) rebuild(ctx context.Context, cycleID int64) error {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	ix, storeGen, err := c.build(ctx, cycleID)
	stale := true
	if err == nil {
		c.patching.Lock()
		defer c.patching.Unlock()
		ix, stale = c.catchUp(ctx, ix, gen)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cycleID]
	if e == nil {
		e = &indexEntry{}
		c.entries[cycleID] = e
	}
	e.building = false
	if err != nil {
		e.stale = true
		return err
	}
	e.ix, e.storeGen, e.stale = ix, storeGen, stale
	return nil
}

// catchUp applies to an index built from the database as it was at gen or
// later the changes made since: the build may have missed them. It reports
// whether the index is stale, having missed a change it cannot patch. Call
// it with patching held.
func (c *indexCache) catchUp(ctx context.Context, ix *okr.SuggestionIndex, gen uint64) (*okr.SuggestionIndex, bool) {
	c.mu.Lock()
	missed := c.gen > gen && (len(c.changes) == 0 || c.changes[0].gen > gen+1)
	var ids []int64
	for _, ch := range c.changes {
		if ch.gen > gen {
			missed = missed || ch.ids == nil
			ids = append(ids, ch.ids...)
		}
	}
	c.mu.Unlock()
	if len(ids) == 0 {
		return ix, missed
	}
	slices.Sort(ids)
	objs, krs, err := c.load(ctx, slices.Compact(ids))
	if err != nil {
		c.log.Warn("suggestion index: read changed objectives", slog.Any("err", err))
		return ix, true
	}
	return ix.With(objs, krs), missed
}

// changed records a change to the objectives with those IDs, or to
// anything the index reads when there are none, and patches the cached
// indexes with them: the next read sees the change.
func (c *indexCache) changed(ctx context.Context, ids []int64) {
	c.patching.Lock()
	defer c.patching.Unlock()
	c.mu.Lock()
	c.gen++
	c.changes = append(c.changes, indexChange{gen: c.gen, ids: ids})
	if len(c.changes) > maxChanges {
		c.changes = slices.Delete(c.changes, 0, len(c.changes)-maxChanges)
	}
	var patch []int64 // the cycles whose index to patch
	for cycle, e := range c.entries {
		switch {
		case ids == nil:
			e.stale = true
		case e.ix != nil:
			patch = append(patch, cycle)
		}
	}
	c.mu.Unlock()
	if len(patch) == 0 {
		return
	}
	objs, krs, err := c.load(ctx, ids)
	for _, cycle := range patch {
		c.mu.Lock()
		e := c.entries[cycle]
		ix := e.ix
		c.mu.Unlock()
		if err == nil {
			ix = ix.With(objs, krs) // readers go on with the index as it was meanwhile
		}
		c.mu.Lock()
		e.ix, e.stale = ix, e.stale || err != nil
		c.mu.Unlock()
	}
	if err != nil {
		c.log.Warn("suggestion index: read changed objectives", slog.Any("err", err))
	}
}

// load reads the objectives with those IDs and their live key results'
// titles.
func (c *indexCache) load(ctx context.Context, ids []int64) ([]*okr.Objective, []okr.KeyResultText, error) {
	objs, _, err := c.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: ids})
	if err != nil {
		return nil, nil, err
	}
	live := false
	var krs []okr.KeyResultText
	for _, o := range objs {
		t, err := c.store.FindKeyResultTexts(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID, Archived: &live})
		if err != nil {
			return nil, nil, err
		}
		krs = append(krs, t...)
	}
	return objs, krs, nil
}

// build builds the cycle's index from the store as it is at generation gen
// or later.
func (c *indexCache) build(ctx context.Context, cycleID int64) (ix *okr.SuggestionIndex, gen int64, err error) {
	start := time.Now()
	if gen, err = c.store.Generation(ctx); err != nil {
		return nil, 0, err
	}
	if ix, err = okr.LoadSuggestionIndex(ctx, c.store, cycleID); err != nil {
		return nil, 0, err
	}
	c.log.Debug("suggestion index built", slog.Int64("cycle", cycleID), slog.Int("objectives", ix.Len()), slog.Duration("took", time.Since(start)))
	return ix, gen, nil
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

// changed is called after every change to objectives, key results, links
// or what else the suggestion index reads, with the objectives changed
// (those whose text, level, team, status or parent changed, or whose key
// results did) when they are known: the next type-ahead sees them. With
// none, the index is rebuilt on next use.
func (b *Bot) changed(ids ...int64) {
	if len(ids) == 0 {
		ids = nil
	}
	b.indexes.changed(b.workCtx, ids)
}

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
