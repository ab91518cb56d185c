package okr_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// org builds graphs for analysis tests in a cycle running through Q4 2026.
type org struct {
	g    *okr.Graph
	now  time.Time
	next int64
}

func newOrg(now time.Time) *org {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	return &org{g: &okr.Graph{Cycle: c}, now: now, next: 1}
}

func (o *org) objective(level okr.Level, owner string, parent int64) *okr.Objective {
	obj := &okr.Objective{ID: o.next, Title: "Objective", Level: level, OwnerID: owner, CycleID: 1,
		Status: okr.StatusActive, ParentObjectiveID: parent, Weight: 1, CreatedAt: o.g.Cycle.Start}
	o.next++
	o.g.Objectives = append(o.g.Objectives, obj)
	return obj
}

// kr adds an increase key result 0 -> 100 at value, checked in ago before now
// with confidence c (never checked in when ago is negative).
func (o *org) kr(obj *okr.Objective, value float64, c okr.Confidence, ago time.Duration) *okr.KeyResult {
	kr := &okr.KeyResult{ID: o.next, ObjectiveID: obj.ID, Title: "KR", Kind: okr.KindIncrease, Start: 0, Target: 100,
		Current: value, OwnerID: obj.OwnerID, Weight: 1, CreatedAt: o.g.Cycle.Start, Confidence: c}
	if ago >= 0 {
		kr.CheckedAt = o.now.Add(-ago)
	}
	o.next++
	o.g.KeyResults = append(o.g.KeyResults, kr)
	return kr
}

func ids(objs []*okr.Objective) []int64 {
	out := []int64{}
	for _, o := range objs {
		out = append(out, o.ID)
	}
	return out
}

func krIDs(states []okr.KeyResultState) []int64 {
	out := []int64{}
	for _, s := range states {
		out = append(out, s.KeyResult.ID)
	}
	return out
}

const day = 24 * time.Hour

func TestAnalyze_Progress(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		build func(o *org) *okr.Objective
		want  float64
	}{
		{"no key results", func(o *org) *okr.Objective { return o.objective(okr.LevelCompany, "U1", 0) }, 0},
		{"equal weights", func(o *org) *okr.Objective {
			obj := o.objective(okr.LevelCompany, "U1", 0)
			o.kr(obj, 20, okr.OnTrack, day)
			o.kr(obj, 60, okr.OnTrack, day)
			return obj
		}, 0.4},
		{"weights", func(o *org) *okr.Objective {
			obj := o.objective(okr.LevelCompany, "U1", 0)
			o.kr(obj, 100, okr.OnTrack, day).Weight = 3
			o.kr(obj, 0, okr.OnTrack, day).Weight = 1
			return obj
		}, 0.75},
		{"milestone and threshold mixed", func(o *org) *okr.Objective {
			obj := o.objective(okr.LevelCompany, "U1", 0)
			m := o.kr(obj, 1, okr.OnTrack, day)
			m.Kind, m.Target = okr.KindMilestone, 1
			th := o.kr(obj, 180, okr.OnTrack, day)
			th.Kind, th.Target = okr.KindStayBelow, 200
			d := o.kr(obj, 10, okr.OnTrack, day) // decrease 8 -> 5 going up: 0
			d.Kind, d.Start, d.Target = okr.KindDecrease, 8, 5
			return obj
		}, 2.0 / 3},
		{"rollup of children with weights", func(o *org) *okr.Objective {
			parent := o.objective(okr.LevelCompany, "U1", 0)
			parent.RollupChildren = true
			o.kr(parent, 50, okr.OnTrack, day)
			a := o.objective(okr.LevelTeam, "U2", parent.ID)
			o.kr(a, 100, okr.OnTrack, day)
			b := o.objective(okr.LevelTeam, "U3", parent.ID)
			b.Weight = 2
			o.kr(b, 0, okr.OnTrack, day)
			return parent // (0.5*1 + 1*1 + 0*2) / 4
		}, 0.375},
		{"no rollup unless asked", func(o *org) *okr.Objective {
			parent := o.objective(okr.LevelCompany, "U1", 0)
			o.kr(parent, 50, okr.OnTrack, day)
			child := o.objective(okr.LevelTeam, "U2", parent.ID)
			o.kr(child, 100, okr.OnTrack, day)
			return parent
		}, 0.5},
		{"rollup is recursive", func(o *org) *okr.Objective {
			top := o.objective(okr.LevelCompany, "U1", 0)
			top.RollupChildren = true
			mid := o.objective(okr.LevelDepartment, "U2", top.ID)
			mid.RollupChildren = true
			leaf := o.objective(okr.LevelTeam, "U3", mid.ID)
			o.kr(leaf, 80, okr.OnTrack, day)
			return top
		}, 0.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrg(now)
			obj := tt.build(o)
			a := okr.Analyze(o.g, now, okr.DefaultPolicy())
			if got := a.Objective(obj.ID).Progress; math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("progress = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPolicy_KeyResultHealth(t *testing.T) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	mid := c.Start.Add(c.End.Sub(c.Start) / 2) // expectation 0.5; behind below 0.25
	tests := []struct {
		name       string
		value      float64
		conf       okr.Confidence
		checkedAgo time.Duration // negative: never
		want       okr.Health
		stale      bool
		behind     bool
	}{
		{"on track", 40, okr.OnTrack, 3 * day, okr.HealthOnTrack, false, false},
		{"reported at risk", 40, okr.AtRisk, 3 * day, okr.HealthAtRisk, false, false},
		{"reported off track", 40, okr.OffTrack, 3 * day, okr.HealthOffTrack, false, false},
		{"behind the calendar", 20, okr.OnTrack, 3 * day, okr.HealthBehind, false, true},
		{"exactly 25 points behind is fine", 25, okr.OnTrack, 3 * day, okr.HealthOnTrack, false, false},
		{"stale wins over on track", 60, okr.OnTrack, 15 * day, okr.HealthStale, true, false},
		{"14 days is not yet stale", 60, okr.OnTrack, 14 * day, okr.HealthOnTrack, false, false},
		{"at risk stays at risk when stale", 60, okr.AtRisk, 20 * day, okr.HealthAtRisk, true, false},
		{"never checked in since the cycle began is stale", 0, "", -1, okr.HealthStale, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := &okr.KeyResult{Kind: okr.KindIncrease, Start: 0, Target: 100, Current: tt.value, Confidence: tt.conf, CreatedAt: c.Start}
			if tt.checkedAgo >= 0 {
				kr.CheckedAt = mid.Add(-tt.checkedAgo)
			}
			got := okr.DefaultPolicy().KeyResultHealth(kr, c, mid)
			if got.Health != tt.want || got.Stale != tt.stale || got.Behind != tt.behind {
				t.Fatalf("health = %v stale=%v behind=%v, want %v stale=%v behind=%v", got.Health, got.Stale, got.Behind, tt.want, tt.stale, tt.behind)
			}
		})
	}
	t.Run("new key result without check-in is not started", func(t *testing.T) {
		kr := &okr.KeyResult{Kind: okr.KindIncrease, Start: 0, Target: 100, CreatedAt: c.Start}
		if got := okr.DefaultPolicy().KeyResultHealth(kr, c, c.Start.Add(day)).Health; got != okr.HealthNotStarted {
			t.Fatalf("health = %v, want %v", got, okr.HealthNotStarted)
		}
	})
}

func TestAnalyze_Gaps(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	supported := o.objective(okr.LevelCompany, "ceo", 0)
	o.kr(supported, 50, okr.OnTrack, day)
	o.kr(supported, 50, okr.OnTrack, day)
	lonely := o.objective(okr.LevelCompany, "ceo", 0) // nothing supports it
	o.kr(lonely, 50, okr.OnTrack, day)
	o.kr(lonely, 50, okr.OnTrack, day)
	aligned := o.objective(okr.LevelTeam, "lead", supported.ID)
	stale := o.kr(aligned, 50, okr.OnTrack, 20*day)
	risky := o.kr(aligned, 50, okr.AtRisk, day)
	orphan := o.objective(okr.LevelTeam, "lead", 0) // one key result only
	off := o.kr(orphan, 50, okr.OffTrack, day)
	crowded := o.objective(okr.LevelPersonal, "dev", aligned.ID)
	for range 6 {
		o.kr(crowded, 50, okr.OnTrack, day)
	}
	for range 3 { // dev owns four personal objectives
		extra := o.objective(okr.LevelPersonal, "dev", aligned.ID)
		o.kr(extra, 50, okr.OnTrack, day)
		o.kr(extra, 50, okr.OnTrack, day)
	}
	quietObj := o.objective(okr.LevelTeam, "quiet", supported.ID)
	o.kr(quietObj, 50, okr.OnTrack, 9*day)
	o.kr(quietObj, 50, okr.OnTrack, 10*day)

	a := okr.Analyze(o.g, now, okr.DefaultPolicy())

	if got, want := ids(a.Orphans), []int64{orphan.ID}; !slices.Equal(got, want) {
		t.Errorf("orphans = %v, want %v", got, want)
	}
	if got, want := ids(a.Unsupported), []int64{lonely.ID}; !slices.Equal(got, want) {
		t.Errorf("unsupported = %v, want %v", got, want)
	}
	if got, want := krIDs(a.Stale), []int64{stale.ID}; !slices.Equal(got, want) {
		t.Errorf("stale = %v, want %v", got, want)
	}
	if got, want := krIDs(a.AtRisk), []int64{off.ID, risky.ID}; !slices.Equal(got, want) {
		t.Errorf("at risk = %v, want %v (worst first)", got, want)
	}
	if got, want := a.OverLoaded, []okr.OwnerLoad{{OwnerID: "dev", Level: okr.LevelPersonal, Count: 4}}; !slices.Equal(got, want) {
		t.Errorf("overloaded = %v, want %v", got, want)
	}
	var few, many []int64
	for _, s := range a.TooFewKeyResults {
		few = append(few, s.Objective.ID)
	}
	for _, s := range a.TooManyKeyResults {
		many = append(many, s.Objective.ID)
	}
	if want := []int64{orphan.ID}; !slices.Equal(few, want) {
		t.Errorf("too few key results = %v, want %v", few, want)
	}
	if want := []int64{crowded.ID}; !slices.Equal(many, want) {
		t.Errorf("too many key results = %v, want %v", many, want)
	}
	if got, want := a.Quiet, []string{"quiet"}; !slices.Equal(got, want) {
		t.Errorf("quiet owners = %v, want %v", got, want)
	}
	// Below company: aligned, orphan, crowded, three extras, quietObj: 6 of 7 linked.
	if a.Aligned != 6 || a.Alignable != 7 || math.Abs(a.AlignmentRatio()-6.0/7) > 1e-9 {
		t.Errorf("alignment = %d/%d (%.3f), want 6/7", a.Aligned, a.Alignable, a.AlignmentRatio())
	}
	// Its key results are stale and at risk: the objective takes the worst.
	if got := a.Objective(aligned.ID).Health; got != okr.HealthAtRisk {
		t.Errorf("aligned objective health = %v, want at_risk", got)
	}
}

func TestAnalyze_WeekOverWeekChange(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	obj := o.objective(okr.LevelCompany, "U1", 0)
	o.kr(obj, 60, okr.OnTrack, day)    // was 20 a week ago
	o.kr(obj, 50, okr.OnTrack, 10*day) // did not move
	fresh := o.kr(obj, 30, okr.OnTrack, day)
	fresh.CreatedAt = now.Add(-2 * day) // did not exist a week ago: counts from its start
	o.g.WeekAgo = []float64{20, 50, 30}

	a := okr.Analyze(o.g, now, okr.DefaultPolicy())
	s := a.Objective(obj.ID)
	wantNow := (0.6 + 0.5 + 0.3) / 3
	wantPrev := (0.2 + 0.5 + 0.0) / 3
	if math.Abs(s.Progress-wantNow) > 1e-9 || math.Abs(s.Previous-wantPrev) > 1e-9 || math.Abs(s.Change-(wantNow-wantPrev)) > 1e-9 {
		t.Fatalf("progress %v previous %v change %v, want %v %v %v", s.Progress, s.Previous, s.Change, wantNow, wantPrev, wantNow-wantPrev)
	}
}

func TestAnalyze_LoopInStoredDataTerminates(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	a := o.objective(okr.LevelCompany, "U1", 0)
	b := o.objective(okr.LevelDepartment, "U2", a.ID)
	a.ParentObjectiveID = b.ID // corrupt: a loop
	a.RollupChildren, b.RollupChildren = true, true
	o.kr(b, 50, okr.OnTrack, day)
	got := okr.Analyze(o.g, now, okr.DefaultPolicy())
	if p := got.Objective(b.ID).Progress; p <= 0 || p > 1 {
		t.Fatalf("progress with a loop = %v, want a bounded value", p)
	}
}

// BenchmarkAnalyze analyses a cycle of 10,000 objectives and 50,000 key
// results already in memory; BenchmarkLoadAndAnalyze in package storage
// adds loading it from SQLite.
func BenchmarkAnalyze(b *testing.B) {
	objs, krs := syntheticOrg(10_000, 1)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	for i, o := range objs {
		o.OwnerID = fmt.Sprintf("U%d", i%400)
		o.Weight = 1
		if o.Level != okr.LevelCompany && i%5 != 0 {
			o.ParentObjectiveID = int64(i - i%20 + 1)
		}
		o.RollupChildren = o.Level == okr.LevelCompany
	}
	weekAgo := make([]float64, len(krs))
	for i, kr := range krs {
		kr.Kind, kr.Start, kr.Target, kr.Current, kr.Weight = okr.KindIncrease, 0, 100, float64(i%100), 1
		kr.OwnerID = objs[kr.ObjectiveID-1].OwnerID
		kr.CreatedAt = c.Start
		kr.CheckedAt = now.Add(-time.Duration(i%20) * 24 * time.Hour)
		kr.Confidence = okr.Confidences[i%3]
		weekAgo[i] = kr.Current
		if i%2 == 0 {
			weekAgo[i] = float64(i%100) / 2
		}
	}
	g := &okr.Graph{Cycle: c, Objectives: objs, KeyResults: krs, WeekAgo: weekAgo}
	b.ReportAllocs()
	for b.Loop() {
		okr.Analyze(g, now, okr.DefaultPolicy())
	}
}
