package okr

import (
	"cmp"
	"math"
	"slices"
)

// GraphChange is what the writes between two generations of a store changed
// in a graph (GraphService.UpdateGraph).
type GraphChange struct {
	// Objectives are the objectives whose rows, key results or links
	// changed (created, edited, relinked, archived, closed, checked in),
	// sorted by ID; it may name more (storage names the objective of a key
	// result whose deliverers changed, whose ByHand it reads again). Each
	// is in the new graph as it now is, or not at all; every other
	// objective, key result and link of the new graph is the old graph's,
	// the same pointer.
	Objectives []int64
}

// Reanalyze returns what Analyze(g, prev.At, p) would, where prev is the
// analysis of a graph under p and g is that graph with the change applied
// (GraphService.UpdateGraph). It recomputes only the objectives the change
// touched, their old and new parents and the objectives above them, and
// patches the lists they appear in: a check-in at 10,000 objectives costs
// well under a millisecond instead of a whole Analyze. prev is left as it
// was; the two share the states of everything else. It falls back to
// Analyze for a graph whose objectives are not sorted by ID (storage loads
// them so) or whose parent links loop (only corrupt data does).
//
// Driven key results (driven.go) need nothing more: an objective drives a
// key result only from under that key result's objective, so what a
// driven key result depends on is below its objective, and a change there
// makes that objective one of those recomputed. Whether a key result is
// driven changes with the objectives that deliver it (recomputed: they are
// changed, and it is their parent's) or with its setting by hand (its
// objective is changed).
func Reanalyze(prev *Analysis, g *Graph, ch *GraphChange, p Policy) *Analysis {
	if len(ch.Objectives) == 0 {
		return prev
	}
	if !slices.IsSortedFunc(g.Objectives, func(x, y *Objective) int { return cmp.Compare(x.ID, y.ID) }) {
		return Analyze(g, prev.At, p)
	}
	r := &reanalysis{prev: prev, g: g, p: p, changed: ch.Objectives, dirty: map[int64]*ObjectiveState{}}
	if a := r.run(); a != nil {
		return a
	}
	return Analyze(g, prev.At, p)
}

// reanalysis is one Reanalyze.
type reanalysis struct {
	prev    *Analysis
	g       *Graph
	p       Policy
	changed []int64 // GraphChange.Objectives
	a       *Analysis
	// dirty holds the new states of the objectives recomputed: changed,
	// their old and new parents, and all above them. Their key-result
	// states are made again too, as a driven one's may change.
	dirty map[int64]*ObjectiveState
	// removed are the changed objectives no longer in the graph.
	removed []*ObjectiveState
}

func (r *reanalysis) isChanged(id int64) bool {
	_, found := slices.BinarySearch(r.changed, id)
	return found
}

// graphObjective is the objective with that ID in the new graph, or nil.
func (r *reanalysis) graphObjective(id int64) *Objective {
	i, found := slices.BinarySearchFunc(r.g.Objectives, id, func(o *Objective, id int64) int { return cmp.Compare(o.ID, id) })
	if !found {
		return nil
	}
	return r.g.Objectives[i]
}

// run patches the analysis, or returns nil when Analyze must do it.
func (r *reanalysis) run() *Analysis {
	prev, now := r.prev, r.prev.At
	r.a = &Analysis{Cycle: r.g.Cycle, At: now}
	r.placeObjectives()
	if r.hasLoop() {
		return nil
	}

	// The recomputed objectives' key results, in the graph's order as
	// Analyze takes them.
	krs := map[int64][]KeyResultState{}
	weekAgo := now.Add(-Week)
	var lastObjective int64
	lastDirty := false
	for i, kr := range r.g.KeyResults {
		if kr.ObjectiveID != lastObjective {
			lastObjective, lastDirty = kr.ObjectiveID, r.dirty[kr.ObjectiveID] != nil
		}
		if !lastDirty {
			continue
		}
		st := r.p.KeyResultHealth(kr, r.g.Cycle, now)
		switch {
		case kr.CreatedAt.After(weekAgo):
			st.Previous = kr.ProgressAt(kr.Start) // it did not exist a week ago
		case r.g.WeekAgo != nil:
			st.Previous = kr.ProgressAt(r.g.WeekAgo[i])
		default:
			st.Previous = st.Progress
		}
		krs[kr.ObjectiveID] = append(krs[kr.ObjectiveID], st)
	}

	// Children of the objectives whose children may have changed: the old
	// and new parents of every changed objective.
	parents := map[int64]bool{}
	for _, id := range r.changed {
		if s := prev.Objective(id); s != nil {
			parents[s.Objective.ParentObjectiveID] = true
		}
		if s := r.dirty[id]; s != nil {
			parents[s.Objective.ParentObjectiveID] = true
		}
	}
	for id, s := range r.dirty {
		old := prev.Objective(id)
		s.KeyResults = krs[id]
		if s.KeyResults == nil {
			s.KeyResults = []KeyResultState{} // as Analyze leaves it
		}
		if !parents[id] {
			if old != nil {
				s.Children = old.Children
			}
			continue
		}
		if old != nil {
			for _, c := range old.Children {
				if !r.isChanged(c.ID) {
					s.Children = append(s.Children, c)
				}
			}
		}
		for _, cid := range r.changed {
			if c := r.dirty[cid]; c != nil && c.Objective.ParentObjectiveID == id {
				s.Children = append(s.Children, c.Objective)
			}
		}
		slices.SortFunc(s.Children, func(x, y *Objective) int { return cmp.Compare(x.ID, y.ID) })
	}

	r.a.delivered = r.deliveries()
	expected := 0.0
	if r.g.Cycle != nil {
		expected = r.g.Cycle.Elapsed(now)
	}
	done := map[*ObjectiveState]bool{}
	for _, s := range r.dirty {
		r.rollup(s, done)
	}
	r.settleDriven()
	for _, s := range r.dirty {
		s.Change = s.Progress - s.Previous
		s.Behind = s.Progress < expected-r.p.BehindBy
		s.Health = objectiveHealth(s)
	}
	r.patchGaps()
	r.a.owned = r.ownedIndex()
	return r.a
}

// ownedIndex is the previous analysis' index of owners (see OwnedBy) while
// it still holds: each objective where it was, and none of those
// recomputed with another owner or key results of other owners. A
// check-in, the commonest write, moves no one. Otherwise the new analysis
// gets its own, made on first use.
func (r *reanalysis) ownedIndex() *ownedIndex {
	// None removed and as many as before: none added either, so each
	// objective is where it was in Analysis.Objectives.
	if len(r.removed) > 0 || len(r.a.Objectives) != len(r.prev.Objectives) {
		return &ownedIndex{}
	}
	for id, s := range r.dirty {
		old := r.prev.Objective(id)
		if old.Objective.OwnerID != s.Objective.OwnerID || len(old.KeyResults) != len(s.KeyResults) {
			return &ownedIndex{}
		}
		for i, k := range s.KeyResults {
			if old.KeyResults[i].KeyResult.OwnerID != k.KeyResult.OwnerID {
				return &ownedIndex{}
			}
		}
	}
	return r.prev.owned
}

// deliveries finds the key results the objectives of the new analysis
// deliver, as findDeliveries does, without going through every key result
// of the graph: a key result counts only when it is under the parent of an
// objective delivering it, so it is looked for there.
func (r *reanalysis) deliveries() deliveries {
	a := r.a
	d := groupDeliveries(a)
	for id, dl := range d.by {
		for _, j := range dl.objectives {
			parent, ok := a.index[a.Objectives[j].Objective.ParentObjectiveID]
			if !ok {
				continue
			}
			if x := slices.IndexFunc(a.Objectives[parent].KeyResults, func(k KeyResultState) bool { return k.KeyResult.ID == id }); x >= 0 {
				d.resolve(a, dl, a.Objectives[parent].KeyResults[x].KeyResult, parent)
				break // resolve has rewritten dl.objectives
			}
		}
	}
	d.prune()
	return d
}

// settleDriven sets the health of the recomputed objectives' driven key
// results as Analyze's settleDriven does, reading what is under the
// objectives that drive them, recomputed or not.
func (r *reanalysis) settleDriven() {
	a := r.a
	if a.delivered.by == nil {
		return
	}
	memo := map[int]*under{}
	h := newDrivenHealth(a, r.p, a.At, func(i int) *under {
		u := memo[i]
		if u == nil {
			u = &under{}
			memo[i] = u
		}
		return u
	}, func(i int) bool {
		_, recomputed := r.dirty[a.Objectives[i].Objective.ID]
		return recomputed
	})
	for id := range r.dirty {
		if i := a.index[id]; a.delivered.holds[i] {
			h.visit(i)
		}
	}
}

// placeObjectives makes the new list of objective states: the old one with
// the changed objectives added, replaced or removed and every objective
// above a changed one given a new state (filled in later).
func (r *reanalysis) placeObjectives() {
	prev := r.prev
	var added []*ObjectiveState
	for _, id := range r.changed {
		o := r.graphObjective(id)
		if o == nil {
			if s := prev.Objective(id); s != nil {
				r.removed = append(r.removed, s)
			}
			continue
		}
		s := &ObjectiveState{Objective: o}
		r.dirty[id] = s
		if prev.Objective(id) == nil {
			added = append(added, s)
		}
	}
	if len(added) == 0 && len(r.removed) == 0 {
		r.a.Objectives, r.a.index = slices.Clone(prev.Objectives), prev.index // the index is never written once made
	} else {
		removed := make([]int64, len(r.removed))
		for i, s := range r.removed {
			removed[i] = s.Objective.ID
		}
		r.a.Objectives = patchSorted(prev.Objectives, removed, added, stateID)
		r.a.index = make(map[int64]int, len(r.a.Objectives))
		for i, s := range r.a.Objectives {
			r.a.index[s.Objective.ID] = i
		}
	}
	// Everything above a changed objective, in the new graph and in the old
	// (a moved objective leaves its old parents' rollups too).
	for _, id := range r.changed {
		for _, from := range []*ObjectiveState{r.dirty[id], prev.Objective(id)} {
			if from == nil {
				continue
			}
			for up, steps := from.Objective.ParentObjectiveID, 0; up != 0 && steps <= len(r.a.Objectives); steps++ {
				if _, ok := r.dirty[up]; ok && r.isChanged(up) {
					break // its own walk goes on from there
				}
				i, ok := r.a.index[up]
				if !ok {
					break
				}
				if _, ok := r.dirty[up]; !ok {
					r.dirty[up] = &ObjectiveState{Objective: r.a.Objectives[i].Objective}
				}
				up = r.a.Objectives[i].Objective.ParentObjectiveID
			}
		}
	}
	for id, s := range r.dirty {
		r.a.Objectives[r.a.index[id]] = s
	}
}

// hasLoop reports whether walking up parent links from some objective comes
// back to it: Analyze's rollup then depends on the order it visits, which a
// patch cannot follow.
func (r *reanalysis) hasLoop() bool {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]uint8, len(r.a.Objectives))
	var path []int
	for i := range r.a.Objectives {
		path = path[:0]
		for j := i; state[j] != done; {
			if state[j] == visiting {
				return true
			}
			state[j] = visiting
			path = append(path, j)
			up, ok := r.a.index[r.a.Objectives[j].Objective.ParentObjectiveID]
			if !ok {
				break
			}
			j = up
		}
		for _, k := range path {
			state[k] = done
		}
	}
	return false
}

// rollup sets the progress of a recomputed objective now and a week ago, as
// Analyze's rollup does: the weighted mean of its key results (a driven
// one's progress taken from the objectives that drive it) and, when it
// rolls up its children, of theirs (but those that count through a key
// result they drive).
func (r *reanalysis) rollup(s *ObjectiveState, done map[*ObjectiveState]bool) {
	if done[s] {
		return
	}
	done[s] = true
	d := r.a.delivered
	holds := d.holds != nil && d.holds[r.a.index[s.Objective.ID]]
	// state is the objective at position j, rolled up first when it is
	// recomputed.
	state := func(j int) *ObjectiveState {
		cs := r.a.Objectives[j]
		if _, recomputed := r.dirty[cs.Objective.ID]; recomputed {
			r.rollup(cs, done)
		}
		return cs
	}
	var sum, sumPrev, weight float64
	for x := range s.KeyResults {
		k := &s.KeyResults[x]
		if holds {
			if dl := d.driven(k.KeyResult.ID); dl != nil {
				k.Progress = drivenProgress(r.a, dl, func(j int) float64 { return state(j).Progress })
				k.Previous = drivenProgress(r.a, dl, func(j int) float64 { return state(j).Previous })
			}
		}
		sum += k.Progress * k.KeyResult.Weight
		sumPrev += k.Previous * k.KeyResult.Weight
		weight += k.KeyResult.Weight
	}
	if s.Objective.RollupChildren {
		for _, c := range s.Children {
			if d.countsThrough(c) {
				continue
			}
			i, ok := r.a.index[c.ID]
			if !ok {
				continue
			}
			cs := state(i)
			sum += cs.Progress * c.Weight
			sumPrev += cs.Previous * c.Weight
			weight += c.Weight
		}
	}
	s.Progress, s.Previous = 0, 0
	if weight > 0 {
		s.Progress, s.Previous = clamp01(sum/weight), clamp01(sumPrev/weight)
	}
}

// patchGaps makes the alignment gaps of the new analysis from the old one's:
// the entries of recomputed and removed objectives are taken out and those
// of the recomputed ones put back.
func (r *reanalysis) patchGaps() {
	prev, a := r.prev, r.a
	gone := slices.Clone(r.changed) // whose entries may change
	for id := range r.dirty {
		gone = append(gone, id)
	}
	slices.Sort(gone)
	gone = slices.Compact(gone)
	objectiveID := func(o *Objective) int64 { return o.ID }

	a.Aligned, a.Alignable = prev.Aligned, prev.Alignable
	count := func(s *ObjectiveState, n int) {
		if s.Objective.Level != LevelCompany {
			a.Alignable += n
			if s.Objective.HasParent() {
				a.Aligned += n
			}
		}
	}
	var orphans, unsupported []*Objective
	var tooFew, tooMany []*ObjectiveState
	for id := range r.dirty {
		if old := prev.Objective(id); old != nil {
			count(old, -1)
		}
	}
	for _, old := range r.removed {
		count(old, -1)
	}
	dirty := make([]*ObjectiveState, 0, len(r.dirty))
	for _, s := range r.dirty {
		dirty = append(dirty, s)
	}
	slices.SortFunc(dirty, func(x, y *ObjectiveState) int { return cmp.Compare(x.Objective.ID, y.Objective.ID) })
	for _, s := range dirty {
		count(s, 1)
		o := s.Objective
		switch {
		case o.Level == LevelCompany && len(s.Children) == 0:
			unsupported = append(unsupported, o)
		case o.Level != LevelCompany && !o.HasParent():
			orphans = append(orphans, o)
		}
		switch n := len(s.KeyResults); {
		case n < r.p.MinKeyResults:
			tooFew = append(tooFew, s)
		case n > r.p.MaxKeyResults:
			tooMany = append(tooMany, s)
		}
	}
	a.Orphans = patchSorted(prev.Orphans, gone, orphans, objectiveID)
	a.Unsupported = patchSorted(prev.Unsupported, gone, unsupported, objectiveID)
	a.TooFewKeyResults = patchSorted(prev.TooFewKeyResults, gone, tooFew, stateID)
	a.TooManyKeyResults = patchSorted(prev.TooManyKeyResults, gone, tooMany, stateID)
	r.patchKeyResultGaps()
	r.patchOverLoaded()
}

// patchKeyResultGaps patches the stale and at-risk key results and the
// quiet owners: only the recomputed objectives' key results changed.
func (r *reanalysis) patchKeyResultGaps() {
	prev, a := r.prev, r.a
	krID := func(k KeyResultState) int64 { return k.KeyResult.ID }
	var gone []int64 // the recomputed and removed objectives' key results before
	var stale []KeyResultState
	var atRisk [HealthOffTrack + 1][]KeyResultState
	// The owners whose quietness may change: of the changed objectives' key
	// results, before and after, and of those driven before or after (a
	// driven key result owes no check-in).
	var owners []string
	ids := slices.Clone(r.changed)
	for id := range r.dirty {
		if !r.isChanged(id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		changed := r.isChanged(id)
		if old := prev.Objective(id); old != nil {
			for _, k := range old.KeyResults {
				if changed || k.Driven {
					owners = append(owners, k.KeyResult.OwnerID)
				}
				gone = append(gone, k.KeyResult.ID)
			}
		}
		s := r.dirty[id]
		if s == nil {
			continue
		}
		for _, k := range s.KeyResults {
			if changed || k.Driven {
				owners = append(owners, k.KeyResult.OwnerID)
			}
			if k.Stale {
				stale = append(stale, k)
			}
			if k.Health == HealthAtRisk || k.Health == HealthOffTrack || k.Behind {
				atRisk[k.Health] = append(atRisk[k.Health], k)
			}
		}
	}
	slices.Sort(gone)
	sortByID(stale)
	a.Stale = patchSorted(prev.Stale, gone, stale, krID)
	a.AtRisk = make([]KeyResultState, 0, len(prev.AtRisk)+len(stale))
	rest := prev.AtRisk
	for h := len(atRisk) - 1; h >= 0; h-- { // worst first, then by ID, as Analyze
		n := 0
		for n < len(rest) && rest[n].Health == Health(h) {
			n++
		}
		sortByID(atRisk[h])
		a.AtRisk = appendPatched(a.AtRisk, rest[:n], gone, atRisk[h], krID)
		rest = rest[n:]
	}
	if len(a.AtRisk) == 0 {
		a.AtRisk = nil
	}

	// An owner's quietness depends on all their key results: count again
	// for the owners whose key results changed.
	slices.Sort(owners)
	owners = slices.Compact(owners)
	type activity struct{ due, recent bool }
	acts := make([]activity, len(owners))
	weekAgo := a.At.Add(-Week)
	undecided := len(owners) // owners not yet known to be due and recent
	for _, s := range a.Objectives {
		for _, k := range s.KeyResults {
			if k.Driven {
				continue // owes no check-in, as Analyze counts
			}
			kr := k.KeyResult
			for i := range owners {
				if owners[i] != kr.OwnerID || acts[i].due && acts[i].recent {
					continue
				}
				acts[i].due = acts[i].due || kr.CreatedAt.Before(weekAgo)
				acts[i].recent = acts[i].recent || kr.CheckedAt.After(weekAgo)
				if acts[i].due && acts[i].recent {
					undecided--
				}
			}
		}
		if undecided == 0 {
			break
		}
	}
	a.Quiet = make([]string, 0, len(prev.Quiet)+len(owners))
	for _, owner := range prev.Quiet {
		if _, ok := slices.BinarySearch(owners, owner); !ok {
			a.Quiet = append(a.Quiet, owner)
		}
	}
	for i, owner := range owners {
		if acts[i].due && !acts[i].recent {
			a.Quiet = append(a.Quiet, owner)
		}
	}
	if len(a.Quiet) == 0 {
		a.Quiet = nil
	}
	slices.Sort(a.Quiet)
}

// patchOverLoaded counts again the objectives of the owners and levels the
// changed objectives had or have.
func (r *reanalysis) patchOverLoaded() {
	prev, a := r.prev, r.a
	var keys []OwnerLoad
	for _, id := range r.changed {
		for _, s := range []*ObjectiveState{prev.Objective(id), r.dirty[id]} {
			if s != nil {
				k := OwnerLoad{OwnerID: s.Objective.OwnerID, Level: s.Objective.Level}
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	for _, s := range a.Objectives {
		for i := range keys {
			if keys[i].OwnerID == s.Objective.OwnerID && keys[i].Level == s.Objective.Level {
				keys[i].Count++
			}
		}
	}
	a.OverLoaded = make([]OwnerLoad, 0, len(prev.OverLoaded)+len(keys))
	for _, l := range prev.OverLoaded {
		if !slices.ContainsFunc(keys, func(k OwnerLoad) bool { return k.OwnerID == l.OwnerID && k.Level == l.Level }) {
			a.OverLoaded = append(a.OverLoaded, l)
		}
	}
	for _, k := range keys {
		if k.Count > r.p.MaxObjectivesPerOwner {
			a.OverLoaded = append(a.OverLoaded, k)
		}
	}
	if len(a.OverLoaded) == 0 {
		a.OverLoaded = nil
	}
	slices.SortFunc(a.OverLoaded, func(x, y OwnerLoad) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.OwnerID, y.OwnerID), cmp.Compare(x.Level.Rank(), y.Level.Rank()))
	})
}

// patchSorted returns old, sorted by id, without the elements whose IDs
// are in drop and with add merged in; drop and add are sorted by ID too.
// old is left as it was. It copies the runs between changes whole: the
// lists of a large cycle are long and the changes few.
func patchSorted[T any](old []T, drop []int64, add []T, id func(T) int64) []T {
	if out := appendPatched(make([]T, 0, len(old)+len(add)), old, drop, add, id); len(out) > 0 {
		return out
	}
	return nil // as Analyze leaves an empty list
}

// appendPatched appends old patched as patchSorted says to out.
func appendPatched[T any](out, old []T, drop []int64, add []T, id func(T) int64) []T {
	for len(drop) > 0 || len(add) > 0 {
		next := int64(math.MaxInt64)
		if len(drop) > 0 {
			next = drop[0]
		}
		if len(add) > 0 {
			next = min(next, id(add[0]))
		}
		n, found := slices.BinarySearchFunc(old, next, func(x T, t int64) int { return cmp.Compare(id(x), t) })
		out, old = append(out, old[:n]...), old[n:]
		if len(drop) > 0 && drop[0] == next {
			if found {
				old = old[1:]
			}
			drop = drop[1:]
		}
		if len(add) > 0 && id(add[0]) == next {
			out, add = append(out, add[0]), add[1:]
		}
	}
	return append(out, old...)
}

func stateID(s *ObjectiveState) int64 { return s.Objective.ID }
