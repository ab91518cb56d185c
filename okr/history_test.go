package okr_test

import (
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestCycleWeeks(t *testing.T) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent) // 92 days
	week := func(n int) time.Time { return c.Start.Add(time.Duration(n) * okr.Week) }
	short := &okr.Cycle{Start: c.Start, End: week(2)} // exactly two weeks
	for _, tt := range []struct {
		name string
		c    *okr.Cycle
		at   time.Time
		want []time.Time
	}{
		{"BeforeStart", c, c.Start.Add(-time.Hour), nil},
		{"AtStart", c, c.Start, nil},
		{"FirstDay", c, c.Start.Add(9 * time.Hour), []time.Time{c.Start.Add(9 * time.Hour)}},
		{"InThirdWeek", c, week(2).Add(3 * 24 * time.Hour), []time.Time{week(1), week(2), week(2).Add(3 * 24 * time.Hour)}},
		{"AtAWeekEnd", c, week(2), []time.Time{week(1), week(2)}},
		{"JustAfterAWeekEnd", c, week(2).Add(time.Second), []time.Time{week(1), week(2), week(2).Add(time.Second)}},
		{"LastDay", c, c.End.Add(-time.Hour), append(weeks(week, 1, 13), c.End.Add(-time.Hour))},
		{"AtEnd", c, c.End, append(weeks(week, 1, 13), c.End)},
		{"LongAfterEnd", c, c.End.Add(30 * 24 * time.Hour), append(weeks(week, 1, 13), c.End)},
		{"WholeWeeksAfterEnd", short, short.End.Add(time.Hour), []time.Time{week(1), week(2)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := okr.CycleWeeks(tt.c, tt.at)
			if !slices.EqualFunc(got, tt.want, time.Time.Equal) {
				t.Fatalf("CycleWeeks = %v, want %v", got, tt.want)
			}
			for i := 1; i < len(got); i++ {
				if !got[i].After(got[i-1]) {
					t.Fatalf("CycleWeeks not ascending at %d: %v", i, got)
				}
			}
		})
	}
}

// weeks lists week(from) … week(to).
func weeks(week func(int) time.Time, from, to int) []time.Time {
	var out []time.Time
	for n := from; n <= to; n++ {
		out = append(out, week(n))
	}
	return out
}

// historyGraph is a company objective (1) with two key results (11, 12)
// that rolls up a team objective (2) aligned under it, whose key result
// (21) was created in the cycle's second week.
func historyGraph() (*okr.Graph, []time.Time) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	times := []time.Time{c.Start.Add(okr.Week), c.Start.Add(2 * okr.Week), c.Start.Add(3 * okr.Week)}
	company := &okr.Objective{ID: 1, Level: okr.LevelCompany, OwnerID: "U1", CycleID: 1, Status: okr.StatusActive,
		RollupChildren: true, Weight: 1, CreatedAt: c.Start}
	team := &okr.Objective{ID: 2, Level: okr.LevelTeam, OwnerID: "U2", TeamID: 5, CycleID: 1, Status: okr.StatusActive,
		ParentObjectiveID: 1, Weight: 2, CreatedAt: c.Start}
	krs := []*okr.KeyResult{
		{ID: 11, ObjectiveID: 1, Kind: okr.KindIncrease, Start: 0, Target: 100, Current: 90, OwnerID: "U1", Weight: 1, CreatedAt: c.Start},
		{ID: 12, ObjectiveID: 1, Kind: okr.KindDecrease, Start: 10, Target: 5, Current: 7, OwnerID: "U1", Weight: 3, CreatedAt: c.Start},
		{ID: 21, ObjectiveID: 2, Kind: okr.KindMilestone, Start: 0, Target: 1, Current: 1, OwnerID: "U2", Weight: 1,
			CreatedAt: times[0].Add(24 * time.Hour)},
	}
	return &okr.Graph{Cycle: c, Objectives: []*okr.Objective{company, team}, KeyResults: krs}, times
}

func TestProgressHistory(t *testing.T) {
	g, times := historyGraph()
	// 12 has no values: it keeps its current 7 (progress 0.6) throughout.
	values := map[int64][]float64{
		11: {20, 50, 80},
		21: {0, 0, 1},
	}
	before := make([]okr.KeyResult, len(g.KeyResults))
	for i, kr := range g.KeyResults {
		before[i] = *kr
	}

	got := okr.ProgressHistory(g, values, times, okr.DefaultPolicy(), []int64{1, 2, 99})

	if got, want := len(got), 3; got != want {
		t.Fatalf("len = %d, want %d", got, want)
	}
	for i, id := range []int64{1, 2} {
		if got[i].Objective == nil || got[i].Objective.ID != id {
			t.Fatalf("series %d is for %+v, want objective %d", i, got[i].Objective, id)
		}
	}
	if got[2].Objective != nil {
		t.Fatalf("series for an unknown ID has objective %+v, want nil", got[2].Objective)
	}
	for i, s := range got {
		if !slices.EqualFunc(s.At, times, time.Time.Equal) {
			t.Fatalf("series %d At = %v, want %v", i, s.At, times)
		}
		if len(s.Progress) != len(times) {
			t.Fatalf("series %d has %d points, want %d", i, len(s.Progress), len(times))
		}
	}

	// By hand: at the first time 21 did not exist, so the team objective
	// has no key results (0) but still counts with its weight 2 in the
	// company's rollup: (0.2*1 + 0.6*3 + 0*2) / 6. Then 21 exists, not
	// done: (0.5 + 1.8 + 0) / 6. Then done: (0.8 + 1.8 + 2) / 6.
	wantCompany := []float64{2.0 / 6, 2.3 / 6, 4.6 / 6}
	wantTeam := []float64{0, 0, 1}
	for ti := range times {
		if !near(got[0].Progress[ti], wantCompany[ti]) {
			t.Errorf("company at %d = %v, want %v", ti, got[0].Progress[ti], wantCompany[ti])
		}
		if !near(got[1].Progress[ti], wantTeam[ti]) {
			t.Errorf("team at %d = %v, want %v", ti, got[1].Progress[ti], wantTeam[ti])
		}
		if got[2].Progress[ti] != 0 {
			t.Errorf("unknown objective at %d = %v, want 0", ti, got[2].Progress[ti])
		}
	}

	// Exactly what Analyze says of a graph built by hand at each time.
	for ti, at := range times {
		var krs []*okr.KeyResult
		for _, kr := range before {
			if kr.CreatedAt.After(at) {
				continue
			}
			k := kr
			if v, ok := values[k.ID]; ok {
				k.Current = v[ti]
			}
			krs = append(krs, &k)
		}
		a := okr.Analyze(&okr.Graph{Cycle: g.Cycle, Objectives: g.Objectives, KeyResults: krs}, at, okr.DefaultPolicy())
		for i, id := range []int64{1, 2} {
			if got, want := got[i].Progress[ti], a.Objective(id).Progress; got != want {
				t.Errorf("objective %d at %v = %v, Analyze says %v", id, at, got, want)
			}
		}
	}

	// The graph itself is left as it was.
	for i, kr := range g.KeyResults {
		if *kr != before[i] {
			t.Fatalf("key result %d changed: %+v, was %+v", kr.ID, *kr, before[i])
		}
	}
}

func TestProgressHistory_Edges(t *testing.T) {
	g, times := historyGraph()
	t.Run("NoValues", func(t *testing.T) {
		// Every key result at its current value: 11 at 0.9, 12 at 0.6, and
		// 21 (done) only once it exists.
		got := okr.ProgressHistory(g, nil, times, okr.DefaultPolicy(), []int64{1})
		want := []float64{(0.9 + 1.8) / 6, (0.9 + 1.8 + 2) / 6, (0.9 + 1.8 + 2) / 6}
		for ti := range times {
			if !near(got[0].Progress[ti], want[ti]) {
				t.Errorf("at %d = %v, want %v", ti, got[0].Progress[ti], want[ti])
			}
		}
	})
	t.Run("ShortValues", func(t *testing.T) {
		// A value list shorter than times leaves the later times at the
		// current value.
		got := okr.ProgressHistory(g, map[int64][]float64{11: {0}}, times, okr.DefaultPolicy(), []int64{1})
		want := []float64{1.8 / 6, (0.9 + 1.8 + 2) / 6, (0.9 + 1.8 + 2) / 6}
		for ti := range times {
			if !near(got[0].Progress[ti], want[ti]) {
				t.Errorf("at %d = %v, want %v", ti, got[0].Progress[ti], want[ti])
			}
		}
	})
	t.Run("NoTimes", func(t *testing.T) {
		got := okr.ProgressHistory(g, nil, nil, okr.DefaultPolicy(), []int64{1, 2})
		if len(got) != 2 || len(got[0].Progress) != 0 || len(got[1].Progress) != 0 {
			t.Fatalf("ProgressHistory with no times = %+v, want two empty series", got)
		}
	})
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-12 && d > -1e-12
}
