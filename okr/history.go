package okr

import (
	"context"
	"time"
)

// HistoryService reads how key results moved over a cycle.
type HistoryService interface {
	// ValuesAt returns, for every key result of the cycle with a check-in
	// at or before the last of times (ascending), its value at each of
	// them: that of its last check-in at or before the time, or before its
	// first check-in the value it had then. Key results never checked in
	// by then are left out: their value is their current one.
	ValuesAt(ctx context.Context, cycleID int64, times []time.Time) (map[int64][]float64, error)
}

// CycleWeeks are the ends of the cycle's weeks up to at: a week after the
// start, two weeks, … and at itself when it falls inside a week. They are
// the points of a progress chart.
func CycleWeeks(c *Cycle, at time.Time) []time.Time {
	var out []time.Time
	for t := c.Start.Add(Week); t.Before(at) && t.Before(c.End); t = t.Add(Week) {
		out = append(out, t)
	}
	if at.After(c.Start) {
		out = append(out, minTime(at, c.End))
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ProgressHistory is the progress of the objectives with the given IDs at
// each of times, recomputed from g with every key result at its value then
// (values as HistoryService.ValuesAt returns them). A key result created
// after a time does not count at that time.
func ProgressHistory(g *Graph, values map[int64][]float64, times []time.Time, p Policy, ids []int64) []ProgressSeries {
	out := make([]ProgressSeries, len(ids))
	byID := make(map[int64]*Objective, len(g.Objectives))
	for _, o := range g.Objectives {
		byID[o.ID] = o
	}
	for i, id := range ids {
		out[i] = ProgressSeries{Objective: byID[id], At: times, Progress: make([]float64, len(times))}
	}
	// One slab of key results reused for every time: the graph can be
	// large, and only the values change.
	slab := make([]KeyResult, 0, len(g.KeyResults))
	krs := make([]*KeyResult, 0, len(g.KeyResults))
	for ti, t := range times {
		slab, krs = slab[:0], krs[:0]
		for _, kr := range g.KeyResults {
			if kr.CreatedAt.After(t) {
				continue
			}
			k := *kr
			if v, ok := values[kr.ID]; ok && ti < len(v) {
				k.Current = v[ti]
			}
			slab = append(slab, k)
		}
		for j := range slab {
			krs = append(krs, &slab[j])
		}
		a := Analyze(&Graph{Cycle: g.Cycle, Objectives: g.Objectives, KeyResults: krs, Links: g.Links}, t, p)
		for i, id := range ids {
			if s := a.Objective(id); s != nil {
				out[i].Progress[ti] = s.Progress
			}
		}
	}
	return out
}
