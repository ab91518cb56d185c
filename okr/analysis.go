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
	Cycle      *Cycle
	Objectives []*Objective
	KeyResults []*KeyResult
	Links      []*Link
	// WeekAgo holds, for each key result checked in during the seven days
	// before the analysis time, its value before the first of those
	// check-ins. Key results not in it have not moved in the week.
	WeekAgo map[int64]float64
}

// GraphService loads graphs.
type GraphService interface {
	// LoadGraph loads the active objectives of a cycle with their live key
	// results, links, and the week-ago values at now.
	LoadGraph(ctx context.Context, cycleID int64, now time.Time) (*Graph, error)
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
	byID       map[int64]*ObjectiveState

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
	// during the past seven days, by ID.
	Quiet []string

	// Aligned of Alignable objectives below company level have a parent.
	Aligned, Alignable int
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
func (a *Analysis) Objective(id int64) *ObjectiveState { return a.byID[id] }

// Week is the window for week-over-week change and for quiet owners.
const Week = 7 * 24 * time.Hour

// Analyze computes progress, health, change and the alignment gaps of g at
// now under policy p.
func Analyze(g *Graph, now time.Time, p Policy) *Analysis {
	a := &Analysis{Cycle: g.Cycle, At: now, byID: make(map[int64]*ObjectiveState, len(g.Objectives))}
	a.Objectives = make([]*ObjectiveState, 0, len(g.Objectives))
	for _, o := range g.Objectives {
		s := &ObjectiveState{Objective: o}
		a.Objectives = append(a.Objectives, s)
		a.byID[o.ID] = s
	}
	slices.SortFunc(a.Objectives, func(x, y *ObjectiveState) int { return cmp.Compare(x.Objective.ID, y.Objective.ID) })

	// An owner is quiet when a key result of theirs was due a check-in this
	// week (it existed a week ago) and none of theirs got one.
	type activity struct{ due, recent bool }
	owners := map[string]*activity{}
	weekAgo := now.Add(-Week)
	for _, kr := range g.KeyResults {
		s := a.byID[kr.ObjectiveID]
		if s == nil {
			continue // its objective is not active in this cycle
		}
		st := p.KeyResultHealth(kr, g.Cycle, now)
		s.KeyResults = append(s.KeyResults, st)
		if st.Stale {
			a.Stale = append(a.Stale, st)
		}
		if st.Health == HealthAtRisk || st.Health == HealthOffTrack || st.Behind {
			a.AtRisk = append(a.AtRisk, st)
		}
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
		if parent := a.byID[o.ParentObjectiveID]; parent != nil {
			parent.Children = append(parent.Children, o)
		}
	}

	current := rollup(a, func(kr *KeyResult) float64 { return kr.Progress() })
	previous := rollup(a, func(kr *KeyResult) float64 {
		if v, ok := g.WeekAgo[kr.ID]; ok {
			return kr.ProgressAt(v)
		}
		if kr.CreatedAt.After(weekAgo) {
			return kr.ProgressAt(kr.Start) // it did not exist a week ago
		}
		return kr.Progress()
	})

	load := map[OwnerLoad]int{}
	expected := 0.0
	if g.Cycle != nil {
		expected = g.Cycle.Elapsed(now)
	}
	for _, s := range a.Objectives {
		o := s.Objective
		s.Progress = current[o.ID]
		s.Previous = previous[o.ID]
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
	byKR := func(x, y KeyResultState) int { return cmp.Compare(x.KeyResult.ID, y.KeyResult.ID) }
	slices.SortFunc(a.Stale, byKR)
	slices.SortFunc(a.AtRisk, func(x, y KeyResultState) int {
		return cmp.Or(cmp.Compare(y.Health.Severity(), x.Health.Severity()), byKR(x, y))
	})
	slices.Sort(a.Quiet)
	return a
}

// rollup computes every objective's progress with krProgress giving each key
// result's progress: the weighted mean of its key results and, when the
// objective rolls up its children, of their progress with their weights.
func rollup(a *Analysis, krProgress func(*KeyResult) float64) map[int64]float64 {
	out := make(map[int64]float64, len(a.Objectives))
	visiting := map[int64]bool{}
	var visit func(s *ObjectiveState) float64
	visit = func(s *ObjectiveState) float64 {
		id := s.Objective.ID
		if p, ok := out[id]; ok {
			return p
		}
		if visiting[id] { // a loop in stored data: count it once, never recurse forever
			return 0
		}
		visiting[id] = true
		var sum, weight float64
		for _, k := range s.KeyResults {
			sum += krProgress(k.KeyResult) * k.KeyResult.Weight
			weight += k.KeyResult.Weight
		}
		if s.Objective.RollupChildren {
			for _, c := range s.Children {
				if cs := a.byID[c.ID]; cs != nil {
					sum += visit(cs) * c.Weight
					weight += c.Weight
				}
			}
		}
		p := 0.0
		if weight > 0 {
			p = clamp01(sum / weight)
		}
		out[id] = p
		delete(visiting, id)
		return p
	}
	for _, s := range a.Objectives {
		visit(s)
	}
	return out
}

// objectiveHealth is the worst health among the objective's key results,
// and behind when the objective as a whole lags the calendar.
func objectiveHealth(s *ObjectiveState) Health {
	h := HealthNotStarted
	for _, k := range s.KeyResults {
		if k.Health.Severity() > h.Severity() {
			h = k.Health
		}
	}
	if s.Behind && h.Severity() < HealthBehind.Severity() && len(s.KeyResults) > 0 {
		h = HealthBehind
	}
	return h
}
