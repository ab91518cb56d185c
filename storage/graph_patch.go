package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// graphChange is what one write transaction changed in the cycles' graphs.
type graphChange struct {
	// known: the write said what it changed (touch, touchNoGraph); a write
	// that did not (a cycle starting, say) makes a graph loaded before it
	// unpatchable.
	known bool
	// objectives whose rows, key results or links the write changed.
	objectives []int64
}

// touch records that the write changes the rows of these objectives, their
// key results or the links from them.
func (tx *Tx) touch(objectives ...int64) {
	tx.change.known = true
	tx.change.objectives = append(tx.change.objectives, objectives...)
}

// touchNoGraph records that the write changes nothing a graph holds (people,
// teams, settings).
func (tx *Tx) touchNoGraph() { tx.change.known = true }

// touchReturned runs a statement that returns objective IDs (RETURNING id)
// and touches them.
func (tx *Tx) touchReturned(ctx context.Context, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		tx.touch(id)
	}
	return rows.Err()
}

// journalSize is how many generations the journal remembers: a graph more
// writes behind than that is loaded afresh.
const journalSize = 4096

// journal remembers, for the generations this process's writes made, what
// each changed. A generation it does not know was made by another process
// (okrbot import, a second instance) or was forgotten.
type journal struct {
	mu   sync.Mutex
	gens map[int64]graphChange
}

// record notes what generation gen changed. The caller holds j.mu.
func (j *journal) record(gen int64, c graphChange) {
	if j.gens == nil {
		j.gens = map[int64]graphChange{}
	}
	j.gens[gen] = c
	if len(j.gens) > 2*journalSize {
		for g := range j.gens {
			if g <= gen-journalSize {
				delete(j.gens, g)
			}
		}
	}
}

// since returns the objectives the generations after from up to to changed,
// sorted and without repeats; false when one of them is not known.
func (j *journal) since(from, to int64) ([]int64, bool) {
	if to < from || to-from > journalSize {
		return nil, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []int64
	for g := from + 1; g <= to; g++ {
		c, ok := j.gens[g]
		if !ok || !c.known {
			return nil, false
		}
		out = append(out, c.objectives...)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// WrittenSince returns the database's generation and whether this process
// made, and said what they changed, every write after generation since:
// false when another process wrote (okrbot import, a second instance), a
// write did not say (a cycle starting), or since is too far behind to tell.
func (db *DB) WrittenSince(ctx context.Context, since int64) (gen int64, known bool, err error) {
	if gen, err = db.Generation(ctx); err != nil {
		return 0, false, err
	}
	if gen == since {
		return gen, true, nil
	}
	_, known = db.journal.since(since, gen)
	return gen, known, nil
}

// maxPatched is the most objectives a patch reloads; past it, loading the
// whole cycle costs about the same.
const maxPatched = 2000

// UpdateGraph brings g, loaded by LoadGraph at now (or made by UpdateGraph
// from one that was), up to the database's generation. When this process
// made every write since g's generation, it reloads only the objectives
// those writes changed and the objectives of the key results those
// delivered or deliver (see withDelivered), with their key results and
// links, and returns a new graph that shares everything else with g (g
// itself is left as it was), with the objectives it reloaded. Otherwise
// (another process wrote, the graph is too far behind, or a write it
// cannot follow such as a cycle starting) it loads the cycle afresh and
// returns a nil change.
func (db *DB) UpdateGraph(ctx context.Context, g *okr.Graph, now time.Time) (*okr.Graph, *okr.GraphChange, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	gen, err := generation(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if gen == g.Generation {
		return g, &okr.GraphChange{}, nil
	}
	ids, ok := db.journal.since(g.Generation, gen)
	if ok && len(ids) <= maxPatched {
		if ids, err = withDelivered(ctx, tx, g, ids); err != nil {
			return nil, nil, err
		}
	}
	if !ok || len(ids) > maxPatched {
		tx.Rollback() // LoadGraph may need every connection of the pool
		fresh, err := db.LoadGraph(ctx, g.Cycle.ID, now)
		return fresh, nil, err
	}
	patch, err := loadPatch(ctx, tx, g.Cycle.ID, ids, now)
	if err != nil {
		return nil, nil, err
	}
	out := &okr.Graph{Cycle: g.Cycle, Generation: gen}
	changed := func(id int64) bool { _, found := slices.BinarySearch(ids, id); return found }
	out.Objectives = mergeByID(g.Objectives, patch.Objectives, func(o *okr.Objective) bool { return changed(o.ID) },
		func(o *okr.Objective) int64 { return o.ID })
	out.Links = mergeByID(g.Links, patch.Links, func(l *okr.Link) bool { return changed(l.FromID) },
		func(l *okr.Link) int64 { return l.ID })
	out.KeyResults, out.WeekAgo = mergeKeyResults(g, patch, changed)
	// The reloaded key results read by_hand as LoadGraph's do: set when an
	// objective of the new graph delivers them. The others keep theirs:
	// withDelivered reloaded every key result whose deliverers changed.
	if err := loadByHand(ctx, tx, out.Objectives, patch.KeyResults); err != nil {
		return nil, nil, err
	}
	return out, &okr.GraphChange{Objectives: ids}, nil
}

// withDelivered adds to ids, the objectives writes changed, the objectives
// of the key results that those delivered before the writes (in g) or
// deliver now. A graph's key result reads by_hand only while an objective
// of the graph delivers it (loadByHand), and a driven key result takes its
// progress from its deliverers: when they change, so may the key result,
// though nothing wrote it. Its own by_hand changes with a write to it,
// which names its objective already.
func withDelivered(ctx context.Context, tx *Tx, g *okr.Graph, ids []int64) ([]int64, error) {
	var more []int64
	for _, id := range ids {
		i, ok := slices.BinarySearchFunc(g.Objectives, id, func(o *okr.Objective, id int64) int { return cmp.Compare(o.ID, id) })
		if !ok || g.Objectives[i].ParentKeyResultID == 0 {
			continue
		}
		// A key result not in g was no live key result of the cycle; a
		// write that makes it one names its objective (creating it, say).
		k, ok := slices.BinarySearchFunc(g.KeyResults, g.Objectives[i].ParentKeyResultID, keyResultByID)
		if ok {
			more = append(more, g.KeyResults[k].ObjectiveID)
		}
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, g.Cycle.ID)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, g.Cycle.ID)
	rows, err := tx.QueryContext(ctx, `SELECT objective_id FROM key_results WHERE id IN (SELECT parent_key_result_id FROM objectives
		WHERE +cycle_id = ? AND +status = 'active' AND id IN (`+placeholders(len(ids))+`)) AND +cycle_id = ? AND +archived = 0`, args...)
	if err != nil {
		return nil, fmt.Errorf("load delivered key results: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load delivered key results: %w", err)
		}
		more = append(more, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load delivered key results: %w", err)
	}
	if len(more) == 0 {
		return ids, nil
	}
	out := append(slices.Clone(ids), more...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// loadPatch reads, as LoadGraph does, the active objectives of the cycle
// among ids, the live key results of all of ids and the links from them.
func loadPatch(ctx context.Context, tx *Tx, cycleID int64, ids []int64, now time.Time) (*okr.Graph, error) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, cycleID)
	for _, id := range ids {
		args = append(args, id)
	}
	// The unary + keeps SQLite from choosing the cycle's index, which would
	// read every row of the cycle, over the few rows by ID.
	in := `(` + placeholders(len(ids)) + `)`
	p := &okr.Graph{}
	rows, err := tx.QueryContext(ctx, `SELECT id, snapshot FROM objectives
		WHERE +cycle_id = ? AND +status = 'active' AND id IN `+in+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load changed objectives: %w", err)
	}
	if p.Objectives, err = scanGraphObjectives(rows, cycleID); err != nil {
		return nil, err
	}
	if p.Links, err = findLinks(ctx, tx, `WHERE from_id IN (SELECT id FROM objectives
		WHERE +cycle_id = ? AND +status = 'active' AND id IN `+in+`)`, args...); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, snapshot FROM key_results
		WHERE +cycle_id = ? AND +archived = 0 AND objective_id IN `+in+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load changed key results: %w", err)
	}
	weekStart := now.Add(-okr.Week)
	b := scanGraphKeyResults(rows, weekStart, 8*len(ids))
	if b.err != nil {
		return nil, b.err
	}
	p.KeyResults, p.WeekAgo = b.krs, b.weekAgo
	if err := weekAgoFromHistory(ctx, tx, p, b.deeper, weekStart); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeByID returns old, sorted by ID, without the elements drop says and
// with add, sorted by ID too, merged in.
func mergeByID[T any](old, add []T, drop func(T) bool, id func(T) int64) []T {
	out := make([]T, 0, len(old)+len(add))
	for _, x := range old {
		if drop(x) {
			continue
		}
		for len(add) > 0 && id(add[0]) < id(x) {
			out, add = append(out, add[0]), add[1:]
		}
		out = append(out, x)
	}
	return append(out, add...)
}

// mergeKeyResults is mergeByID for the key results of g and their week-ago
// values: those of changed objectives are replaced by the patch's.
func mergeKeyResults(g, patch *okr.Graph, changed func(int64) bool) ([]*okr.KeyResult, []float64) {
	krs := make([]*okr.KeyResult, 0, len(g.KeyResults)+len(patch.KeyResults))
	weekAgo := make([]float64, 0, cap(krs))
	add, addWeek := patch.KeyResults, patch.WeekAgo
	// Most key results belong to an unchanged objective: remember the last
	// answer rather than ask again for each of its key results.
	var lastObjective int64
	lastChanged := false
	for i, kr := range g.KeyResults {
		if kr.ObjectiveID != lastObjective {
			lastObjective, lastChanged = kr.ObjectiveID, changed(kr.ObjectiveID)
		}
		if lastChanged {
			continue
		}
		for len(add) > 0 && add[0].ID < kr.ID {
			krs, weekAgo = append(krs, add[0]), append(weekAgo, addWeek[0])
			add, addWeek = add[1:], addWeek[1:]
		}
		krs = append(krs, kr)
		if g.WeekAgo != nil {
			weekAgo = append(weekAgo, g.WeekAgo[i])
		} else {
			weekAgo = append(weekAgo, kr.Current)
		}
	}
	return append(krs, add...), append(weekAgo, addWeek...)
}
