package okr

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Graph is everything the analysis needs about one cycle: its active
// objectives, their live key results and the links between them.
type Graph struct {
	Cycle *Cycle
	// Generation is the store's generation the graph was read at: it moves
	// with every write an analysis could see (GraphService.Generation).
	Generation int64
	// Objectives carry what the analysis and its reports read; their
	// Description, Score and times are left empty.
	Objectives []*Objective
	// KeyResults carry what the analysis reads: numbers, owner, weight and
	// the last check-in. Their Title and Unit are left empty, as loading
	// fifty thousand strings nobody reads is the costliest part of a load;
	// load the few that are shown with KeyResultService.FindKeyResults.
	// ByHand is read only for the key results the objectives deliver (the
	// only ones it changes); it is false on the others.
	KeyResults []*KeyResult
	Links      []*Link
	// WeekAgo, when not nil, holds each key result's value (same index) a
	// week before the analysis time: the value before the first check-in of
	// the past seven days, or the current value when it had none. When nil,
	// nothing moved.
	WeekAgo []float64
}

// GraphService loads graphs.
type GraphService interface {
	// LoadGraph loads the active objectives of a cycle with their live key
	// results, links, and the week-ago values at now.
	LoadGraph(ctx context.Context, cycleID int64, now time.Time) (*Graph, error)
	// Generation is a number that moves with every write that could change
	// a loaded graph (and not with the delivery ledger's): equal
	// generations mean an unchanged graph.
	Generation(ctx context.Context) (int64, error)
	// WrittenSince returns the store's generation and whether every write
	// after generation since is one this process made and can follow
	// (UpdateGraph patches over those); false for another process's
	// (okrbot import, a second instance).
	WrittenSince(ctx context.Context, since int64) (gen int64, known bool, err error)
	// UpdateGraph brings a graph loaded at now up to the store's
	// generation, sharing what did not change (see GraphChange).
	UpdateGraph(ctx context.Context, g *Graph, now time.Time) (*Graph, *GraphChange, error)
	// RetimeGraph returns a graph as LoadGraph would at now, sharing g's
	// objectives, key results and links, or nil when the store has moved
	// past g's generation.
	RetimeGraph(ctx context.Context, g *Graph, now time.Time) (*Graph, error)
}

// ObjectiveState is an objective with what the analysis derived for it.
type ObjectiveState struct {
	Objective  *Objective
	KeyResults []KeyResultState
	Children   []*Objective // aligned under it (supports or inherits), by ID
	Progress   float64
	// Previous is the progress a week before the analysis time; Change is
	// Progress - Previous.
	Previous float64
	Change   float64
	Health   Health
	Behind   bool
}

// OwnerLoad is an owner holding more objectives at one level than the
// policy advises.
type OwnerLoad struct {
	OwnerID string
	Level   Level
	Count   int
}

// Analysis is the state of one cycle: rollups, changes and alignment gaps.
// Every list is sorted so that the same graph always reads the same way.
type Analysis struct {
	Cycle *Cycle
	At    time.Time

	Objectives []*ObjectiveState // by ID
	index      map[int64]int     // objective ID -> position in Objectives
	delivered  deliveries        // the key results objectives deliver (driven.go)

	// Orphans are objectives below company level with no parent, by ID.
	Orphans []*Objective
	// Unsupported are company objectives nothing is aligned under, by ID.
	Unsupported []*Objective
	// Stale key results have had no check-in for Policy.StaleAfter.
	Stale []KeyResultState
	// AtRisk key results are reported at risk or off track, or behind.
	AtRisk []KeyResultState
	// OverLoaded owners hold too many objectives at one level.
	OverLoaded []OwnerLoad
	// TooFewKeyResults and TooManyKeyResults break the per-objective bounds.
	TooFewKeyResults  []*ObjectiveState
	TooManyKeyResults []*ObjectiveState
	// Quiet lists owners of live key results who checked none of them in
	// during the past seven days, by ID; a driven key result owes none.
	Quiet []string

	// Aligned of Alignable objectives below company level have a parent.
	Aligned, Alignable int

	owned *ownedIndex // see OwnedBy; shared with the analysis patched from this one while it holds
}

// AlignmentRatio is the share of objectives below company level that are
// linked upward; 1 when there are none.
func (a *Analysis) AlignmentRatio() float64 {
	if a.Alignable == 0 {
		return 1
	}
	return float64(a.Aligned) / float64(a.Alignable)
}

// Objective returns the state of one objective, or nil if it is not in the
// analysed graph.
func (a *Analysis) Objective(id int64) *ObjectiveState {
	if i, ok := a.index[id]; ok {
		return a.Objectives[i]
	}
	return nil
}

// Position is where the objective's state is in Objectives; ok is false
// when it is not in the analysed graph. A walk over the whole graph can
// mark what it has seen by position, in a slice, rather than in a map.
func (a *Analysis) Position(id int64) (i int, ok bool) {
	i, ok = a.index[id]
	return i, ok
}

// StateOf returns the state of kr as analysed, carrying kr itself (a full
// row, say, where the analysis has one without its title); ok is false
// when kr is not a live key result of an analysed objective.
func (a *Analysis) StateOf(kr *KeyResult) (st KeyResultState, ok bool) {
	s := a.Objective(kr.ObjectiveID)
	if s == nil {
		return st, false
	}
	for _, k := range s.KeyResults {
		if k.KeyResult.ID == kr.ID {
			k.KeyResult = kr
			return k, true
		}
	}
	return st, false
}

// Week is the window for week-over-week change and for quiet owners.
const Week = 7 * 24 * time.Hour

// Analyze computes progress, health, change and the alignment gaps of g at
// now under policy p. A key result that objectives deliver may be driven by
// them: see driven.go for that rule and how rollups count it once.
func Analyze(g *Graph, now time.Time, p Policy) *Analysis {
	a := &Analysis{Cycle: g.Cycle, At: now, index: make(map[int64]int, len(g.Objectives)), owned: &ownedIndex{}}
	// One allocation for all objective states and one for all key-result
	// states (each objective gets an exact-size window of it): a large
	// cycle otherwise spends a third of its time in the allocator and GC.
	states := make([]ObjectiveState, len(g.Objectives))
	a.Objectives = make([]*ObjectiveState, len(g.Objectives))
	for i, o := range g.Objectives {
		states[i].Objective = o
		a.Objectives[i] = &states[i]
	}
	slices.SortFunc(a.Objectives, func(x, y *ObjectiveState) int { return cmp.Compare(x.Objective.ID, y.Objective.ID) })
	for i, s := range a.Objectives {
		a.index[s.Objective.ID] = i
	}
	owner := make([]int, len(g.KeyResults)) // position of each key result's objective; -1 when not analysed
	counts := make([]int, len(a.Objectives))
	for i, kr := range g.KeyResults {
		j, ok := a.index[kr.ObjectiveID]
		if !ok {
			j = -1 // its objective is not active in this cycle
		} else {
			counts[j]++
		}
		owner[i] = j
	}
	slab := make([]KeyResultState, len(g.KeyResults))
	offset := 0
	for j, s := range a.Objectives {
		s.KeyResults = slab[offset : offset : offset+counts[j]]
		offset += counts[j]
	}
	a.delivered = findDeliveries(a, g.KeyResults, owner)

	// An owner is quiet when a key result of theirs was due a check-in this
	// week (it existed a week ago) and none of theirs got one.
	type activity struct{ due, recent bool }
	owners := map[string]*activity{}
	weekAgo := now.Add(-Week)
	// The gaps the key results report; the driven ones' apart, once what
	// drives them is rolled up.
	var reported, driven gaps
	for i, kr := range g.KeyResults {
		if owner[i] < 0 {
			continue
		}
		s := a.Objectives[owner[i]]
		st := p.KeyResultHealth(kr, g.Cycle, now)
		switch {
		case kr.CreatedAt.After(weekAgo):
			st.Previous = kr.ProgressAt(kr.Start) // it did not exist a week ago
		case g.WeekAgo != nil:
			st.Previous = kr.ProgressAt(g.WeekAgo[i])
		default:
			st.Previous = st.Progress
		}
		s.KeyResults = append(s.KeyResults, st)
		if a.delivered.driven(kr.ID) != nil {
			// Reported once its deliverers are rolled up; it owes no
			// check-in of its own.
			continue
		}
		reported.add(st)
		act := owners[kr.OwnerID]
		if act == nil {
			act = &activity{}
			owners[kr.OwnerID] = act
		}
		act.due = act.due || kr.CreatedAt.Before(weekAgo)
		act.recent = act.recent || kr.CheckedAt.After(weekAgo)
	}
	for owner, act := range owners {
		if act.due && !act.recent {
			a.Quiet = append(a.Quiet, owner)
		}
	}

	// Children: an objective under a key result is also under that key
	// result's objective (ParentObjectiveID holds both).
	for _, s := range a.Objectives {
		o := s.Objective
		if parent := a.Objective(o.ParentObjectiveID); parent != nil {
			parent.Children = append(parent.Children, o)
		}
	}

	current := rollup(a, a.delivered, func(k *KeyResultState) *float64 { return &k.Progress })
	previous := rollup(a, a.delivered, func(k *KeyResultState) *float64 { return &k.Previous })
	settleDriven(a, p, now)
	for i, s := range a.Objectives {
		if a.delivered.holds == nil || !a.delivered.holds[i] {
			continue
		}
		for _, st := range s.KeyResults {
			if st.Driven {
				driven.add(st)
			}
		}
	}

	load := map[OwnerLoad]int{}
	expected := 0.0
	if g.Cycle != nil {
		expected = g.Cycle.Elapsed(now)
	}
	for i, s := range a.Objectives {
		o := s.Objective
		s.Progress = current[i]
		s.Previous = previous[i]
		s.Change = s.Progress - s.Previous
		s.Behind = s.Progress < expected-p.BehindBy
		s.Health = objectiveHealth(s)

		if o.Level == LevelCompany {
			if len(s.Children) == 0 {
				a.Unsupported = append(a.Unsupported, o)
			}
		} else {
			a.Alignable++
			if o.HasParent() {
				a.Aligned++
			} else {
				a.Orphans = append(a.Orphans, o)
			}
		}
		load[OwnerLoad{OwnerID: o.OwnerID, Level: o.Level}]++
		switch n := len(s.KeyResults); {
		case n < p.MinKeyResults:
			a.TooFewKeyResults = append(a.TooFewKeyResults, s)
		case n > p.MaxKeyResults:
			a.TooManyKeyResults = append(a.TooManyKeyResults, s)
		}
	}
	for k, n := range load {
		if n > p.MaxObjectivesPerOwner {
			k.Count = n
			a.OverLoaded = append(a.OverLoaded, k)
		}
	}
	slices.SortFunc(a.OverLoaded, func(x, y OwnerLoad) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.OwnerID, y.OwnerID), cmp.Compare(x.Level.Rank(), y.Level.Rank()))
	})
	a.Stale = mergeByID(reported.stale, driven.stale)
	for h := len(reported.atRisk) - 1; h >= 0; h-- { // worst first, then by ID
		a.AtRisk = append(a.AtRisk, mergeByID(reported.atRisk[h], driven.atRisk[h])...)
	}
	slices.Sort(a.Quiet)
	return a
}

// rollup computes every objective's progress, indexed like a.Objectives,
// with field pointing at the key-result progress it rolls up (now, or a
// week ago): the weighted mean of its key results and, when the objective
// rolls up its children, of their progress with their weights. A driven
// key result's progress is set on the way from the objectives that deliver
// it, and those count through it rather than as children (see driven.go).
func rollup(a *Analysis, d deliveries, field func(*KeyResultState) *float64) []float64 {
	const (
		unvisited = iota
		visiting
		done
	)
	out := make([]float64, len(a.Objectives))
	state := make([]uint8, len(a.Objectives))
	var visit func(i int) float64
	visit = func(i int) float64 {
		switch state[i] {
		case done:
			return out[i]
		case visiting: // a loop in stored data: count it as nothing, never recurse forever
			return 0
		}
		state[i] = visiting
		s := a.Objectives[i]
		var sum, weight float64
		for x := range s.KeyResults {
			k := &s.KeyResults[x]
			if d.holds != nil && d.holds[i] {
				if dl := d.driven(k.KeyResult.ID); dl != nil {
					*field(k) = drivenProgress(a, dl, visit)
				}
			}
			sum += *field(k) * k.KeyResult.Weight
			weight += k.KeyResult.Weight
		}
		if s.Objective.RollupChildren {
			for _, c := range s.Children {
				if d.countsThrough(c) {
					continue
				}
				if j, ok := a.index[c.ID]; ok {
					sum += visit(j) * c.Weight
					weight += c.Weight
				}
			}
		}
		if weight > 0 {
			out[i] = clamp01(sum / weight)
		}
		state[i] = done
		return out[i]
	}
	for i := range a.Objectives {
		visit(i)
	}
	return out
}

// gaps are the key results reported stale and at risk.
type gaps struct {
	stale  []KeyResultState
	atRisk [HealthOffTrack + 1][]KeyResultState // by health, worst last
}

func (g *gaps) add(st KeyResultState) {
	if st.Stale {
		g.stale = append(g.stale, st)
	}
	if st.Health == HealthAtRisk || st.Health == HealthOffTrack || st.Behind {
		g.atRisk[st.Health] = append(g.atRisk[st.Health], st)
	}
}

// mergeByID sorts two lists of key-result states by ID and merges them: a
// few driven ones into the many others, without sorting those again.
func mergeByID(x, y []KeyResultState) []KeyResultState {
	sortByID(x)
	if len(y) == 0 {
		return x
	}
	sortByID(y)
	out := make([]KeyResultState, 0, len(x)+len(y))
	for len(x) > 0 && len(y) > 0 {
		if y[0].KeyResult.ID < x[0].KeyResult.ID {
			out, y = append(out, y[0]), y[1:]
		} else {
			out, x = append(out, x[0]), x[1:]
		}
	}
	return append(append(out, x...), y...)
}

// sortByID sorts key-result states by ID. Storage usually hands them over
// in ID order already, which the check makes cheap.
func sortByID(states []KeyResultState) {
	byID := func(x, y KeyResultState) int { return cmp.Compare(x.KeyResult.ID, y.KeyResult.ID) }
	if !slices.IsSortedFunc(states, byID) {
		slices.SortFunc(states, byID)
	}
}

// objectiveHealth is the worst health among the objective's key results,
// and behind when the objective as a whole lags the calendar.
func objectiveHealth(s *ObjectiveState) Health {
	h := HealthNotStarted
	for _, k := range s.KeyResults {
		h = max(h, k.Health)
	}
	if s.Behind && h < HealthBehind && len(s.KeyResults) > 0 {
		h = HealthBehind
	}
	return h
}

// FullKeyResults reads the full rows (titles, units) of key results an
// analysis carries without them (see Graph), in the same order; one that
// no longer exists is left out. Read only the ones shown.
func FullKeyResults(ctx context.Context, svc KeyResultService, krs []*KeyResult) ([]*KeyResult, error) {
	if len(krs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(krs))
	for i, kr := range krs {
		ids[i] = kr.ID
	}
	full, err := svc.FindKeyResults(ctx, KeyResultFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*KeyResult, len(full))
	for _, kr := range full {
		byID[kr.ID] = kr
	}
	out := make([]*KeyResult, 0, len(krs))
	for _, kr := range krs {
		if f := byID[kr.ID]; f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// WithDetails swaps the key results of states for their full rows (see
// FullKeyResults), keeping every state; one whose key result is gone keeps
// the row it had.
func WithDetails(ctx context.Context, svc KeyResultService, states []KeyResultState) ([]KeyResultState, error) {
	krs := make([]*KeyResult, len(states))
	for i, st := range states {
		krs[i] = st.KeyResult
	}
	full, err := FullKeyResults(ctx, svc, krs)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*KeyResult, len(full))
	for _, kr := range full {
		byID[kr.ID] = kr
	}
	out := make([]KeyResultState, len(states))
	for i, st := range states {
		if kr := byID[st.KeyResult.ID]; kr != nil {
			st.KeyResult = kr
		}
		out[i] = st
	}
	return out, nil
}
