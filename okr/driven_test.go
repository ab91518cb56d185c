package okr_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// deliver makes obj deliver kr, whose objective is parent.
func deliver(obj *okr.Objective, parent *okr.Objective, kr *okr.KeyResult) {
	obj.ParentObjectiveID, obj.ParentKeyResultID = parent.ID, kr.ID
}

// stateOf finds a key result's state in an analysis.
func stateOf(t *testing.T, a *okr.Analysis, kr *okr.KeyResult) okr.KeyResultState {
	t.Helper()
	st, ok := a.StateOf(kr)
	if !ok {
		t.Fatalf("%s is not in the analysis", kr.Ref())
	}
	return st
}

// companyKR is an org with one company objective (owned by ceo) and its
// key result at value, never checked in.
func companyKR(now time.Time, ceo string, value float64) (*org, *okr.Objective, *okr.KeyResult) {
	o := newOrg(now)
	parent := o.objective(okr.LevelCompany, ceo, 0)
	return o, parent, o.kr(parent, value, "", -1)
}

func same(x, y float64) bool { return math.Abs(x-y) < 1e-9 }

func TestAnalyze_DrivenKeyResults(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	type want struct {
		kr        float64 // the company key result's progress
		driven    bool
		delivered int // how many objectives deliver it
		parent    float64
	}
	// Each case builds a company objective whose first key result (kr) may
	// be delivered; the other key result stands at 20%.
	tests := []struct {
		name  string
		build func(o *org, parent *okr.Objective, kr *okr.KeyResult)
		want  want
	}{
		{"not delivered: its own value", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {}, want{0.1, false, 0, 0.15}},
		{"driven by two, weighted as a rollup weighs children", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			a := o.objective(okr.LevelTeam, "U2", 0)
			o.kr(a, 80, okr.OnTrack, day)
			b := o.objective(okr.LevelTeam, "U3", 0)
			b.Weight = 3
			o.kr(b, 40, okr.OnTrack, day)
			deliver(a, parent, kr)
			deliver(b, parent, kr)
		}, want{(0.8 + 3*0.4) / 4, true, 2, ((0.8+3*0.4)/4 + 0.2) / 2}},
		{"set by hand by a check-in: its own value", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			kr.ByHand, kr.CheckedAt, kr.Confidence = true, now.Add(-day), okr.OnTrack
			a := o.objective(okr.LevelTeam, "U2", 0)
			o.kr(a, 80, okr.OnTrack, day)
			deliver(a, parent, kr)
		}, want{0.1, false, 1, 0.15}},
		{"counted once: through the key result, not also rolled up", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			parent.RollupChildren = true
			a := o.objective(okr.LevelTeam, "U2", 0)
			o.kr(a, 80, okr.OnTrack, day)
			deliver(a, parent, kr)
			c := o.objective(okr.LevelTeam, "U3", parent.ID) // supports the objective itself
			o.kr(c, 60, okr.OnTrack, day)
		}, want{0.8, true, 1, (0.8 + 0.2 + 0.6) / 3}},
		{"by hand, the deliverer rolls up as a child", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			parent.RollupChildren = true
			kr.ByHand = true
			a := o.objective(okr.LevelTeam, "U2", 0)
			o.kr(a, 80, okr.OnTrack, day)
			deliver(a, parent, kr)
		}, want{0.1, false, 1, (0.1 + 0.2 + 0.8) / 3}},
		{"a deliverer without key results drives it to 0", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			deliver(o.objective(okr.LevelTeam, "U2", 0), parent, kr)
		}, want{0, true, 1, 0.1}},
		{"driven through a key result that is driven in turn", func(o *org, parent *okr.Objective, kr *okr.KeyResult) {
			dept := o.objective(okr.LevelDepartment, "U2", 0)
			deptKR := o.kr(dept, 0, "", -1)
			deliver(dept, parent, kr)
			team := o.objective(okr.LevelTeam, "U3", 0)
			o.kr(team, 70, okr.OnTrack, day)
			deliver(team, dept, deptKR)
		}, want{0.7, true, 1, 0.45}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrg(now)
			parent := o.objective(okr.LevelCompany, "U1", 0)
			kr := o.kr(parent, 10, "", -1)
			kr.CreatedAt = now.Add(-day)
			o.kr(parent, 20, okr.OnTrack, day)
			tt.build(o, parent, kr)
			a := okr.Analyze(o.g, now, okr.DefaultPolicy())
			st := stateOf(t, a, kr)
			if by := a.DeliveredBy(kr.ID); !same(st.Progress, tt.want.kr) || st.Driven != tt.want.driven || len(by) != tt.want.delivered {
				t.Errorf("%s: progress %v driven %v delivered by %v, want %v %v %d objectives",
					kr.Ref(), st.Progress, st.Driven, by, tt.want.kr, tt.want.driven, tt.want.delivered)
			}
			if got := a.Objective(parent.ID).Progress; !same(got, tt.want.parent) {
				t.Errorf("parent progress = %v, want %v", got, tt.want.parent)
			}
		})
	}
}

// Only the graph's objectives drive: LoadGraph holds the active objectives
// of the cycle, so closed, archived and other cycles' ones never do, and a
// key result whose deliverers are all gone falls back to its own value.
func TestAnalyze_DrivenOnlyByAnalysedObjectives(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o, parent, kr := companyKR(now, "U1", 30)
	active := o.objective(okr.LevelTeam, "U2", 0)
	o.kr(active, 90, okr.OnTrack, day)
	deliver(active, parent, kr)
	gone := o.objective(okr.LevelTeam, "U3", 0)
	o.kr(gone, 0, okr.OnTrack, day)
	deliver(gone, parent, kr)
	// gone is closed: LoadGraph leaves it and its key results out.
	o.g.Objectives = slices.DeleteFunc(o.g.Objectives, func(x *okr.Objective) bool { return x.ID == gone.ID })

	a := okr.Analyze(o.g, now, okr.DefaultPolicy())
	st := stateOf(t, a, kr)
	if by := a.DeliveredBy(kr.ID); !st.Driven || !same(st.Progress, 0.9) || !slices.Equal(by, []int64{active.ID}) {
		t.Fatalf("progress %v driven %v delivered by %v, want 0.9 by %s alone", st.Progress, st.Driven, by, active.Ref())
	}

	o.g.Objectives = slices.DeleteFunc(o.g.Objectives, func(x *okr.Objective) bool { return x.ID == active.ID })
	a = okr.Analyze(o.g, now, okr.DefaultPolicy())
	st = stateOf(t, a, kr)
	if st.Driven || !same(st.Progress, 0.3) || a.DeliveredBy(kr.ID) != nil {
		t.Fatalf("with no active deliverer: progress %v driven %v, want its own 0.3", st.Progress, st.Driven)
	}
}

func TestAnalyze_DrivenWeekOverWeek(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o, parent, kr := companyKR(now, "U1", 0)
	team := o.objective(okr.LevelTeam, "U2", 0)
	o.kr(team, 60, okr.OnTrack, day) // was 20 a week ago
	deliver(team, parent, kr)
	o.g.WeekAgo = []float64{0, 20}

	a := okr.Analyze(o.g, now, okr.DefaultPolicy())
	st := stateOf(t, a, kr)
	if !same(st.Progress, 0.6) || !same(st.Previous, 0.2) {
		t.Fatalf("driven progress %v, a week ago %v; want 0.6 and 0.2", st.Progress, st.Previous)
	}
	if s := a.Objective(parent.ID); !same(s.Change, 0.4) {
		t.Fatalf("parent change = %v, want 0.4", s.Change)
	}
}

func TestAnalyze_DrivenHealth(t *testing.T) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	mid := c.Start.Add(c.End.Sub(c.Start) / 2) // expectation 0.5; behind below 0.25
	tests := []struct {
		name string
		// the deliverers' key results: value, confidence, checked in ago
		// (negative: never)
		under  [][3]any
		want   okr.Health
		stale  bool
		atRisk bool // listed among the at-risk key results
	}{
		{"checked in under it: not stale", [][3]any{{60.0, okr.OnTrack, 2 * day}}, okr.HealthOnTrack, false, false},
		{"one deliverer checked in is enough", [][3]any{{60.0, okr.OnTrack, 2 * day}, {60.0, okr.OnTrack, 30 * day}}, okr.HealthOnTrack, false, false},
		{"nothing under it checked in for weeks: stale", [][3]any{{60.0, okr.OnTrack, 20 * day}}, okr.HealthStale, true, false},
		{"the worst confidence under it", [][3]any{{60.0, okr.OnTrack, 2 * day}, {60.0, okr.AtRisk, 2 * day}}, okr.HealthAtRisk, false, true},
		{"behind by its driven progress", [][3]any{{10.0, okr.OnTrack, 2 * day}}, okr.HealthBehind, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrg(mid)
			parent := o.objective(okr.LevelCompany, "U1", 0)
			// Its own last check-in was off track and long ago: it does not count while driven.
			kr := o.kr(parent, 90, okr.OffTrack, 40*day)
			for _, u := range tt.under {
				team := o.objective(okr.LevelTeam, "U2", 0)
				o.kr(team, u[0].(float64), u[1].(okr.Confidence), u[2].(time.Duration))
				deliver(team, parent, kr)
			}
			a := okr.Analyze(o.g, mid, okr.DefaultPolicy())
			st := stateOf(t, a, kr)
			if st.Health != tt.want || st.Stale != tt.stale {
				t.Fatalf("health %v stale %v, want %v stale %v", st.Health, st.Stale, tt.want, tt.stale)
			}
			if got := slices.Contains(krIDs(a.Stale), kr.ID); got != tt.stale {
				t.Errorf("listed stale = %v, want %v", got, tt.stale)
			}
			if got := slices.Contains(krIDs(a.AtRisk), kr.ID); got != tt.atRisk {
				t.Errorf("listed at risk = %v, want %v", got, tt.atRisk)
			}
			if got := a.Objective(parent.ID).Health; got < st.Health {
				t.Errorf("parent health %v is better than its driven key result's %v", got, st.Health)
			}
		})
	}
}

// A key result its deliverers drive owes no check-in: an owner whose only
// key result is driven is not quiet.
func TestAnalyze_DrivenOwesNoCheckin(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o, parent, kr := companyKR(now, "ceo", 0)
	handKR := o.kr(o.objective(okr.LevelCompany, "cfo", 0), 0, okr.OnTrack, 10*day)
	team := o.objective(okr.LevelTeam, "lead", 0)
	o.kr(team, 50, okr.OnTrack, day)
	deliver(team, parent, kr)

	a := okr.Analyze(o.g, now, okr.DefaultPolicy())
	if got, want := a.Quiet, []string{"cfo"}; !slices.Equal(got, want) {
		t.Fatalf("quiet = %v, want %v (the owner of %s, not of the driven %s)", got, want, handKR.Ref(), kr.Ref())
	}
}
