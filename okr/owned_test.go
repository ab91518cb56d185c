package okr_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestOwnedBy_ObjectivesOwnedOrWithAKeyResultOwned(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	adasOwn := o.objective(okr.LevelTeam, "UADA", 0)
	o.kr(adasOwn, 10, okr.OnTrack, day)
	leesOwn := o.objective(okr.LevelTeam, "ULEE", 0)
	o.kr(leesOwn, 10, okr.OnTrack, day).OwnerID = "UADA" // Ada owns two key results of Lee's
	o.kr(leesOwn, 10, okr.OnTrack, day)
	o.kr(leesOwn, 10, okr.OnTrack, day).OwnerID = "UADA"
	mias := o.objective(okr.LevelPersonal, "UMIA", 0)
	o.kr(mias, 10, okr.OnTrack, day)
	a := okr.Analyze(o.g, now, okr.DefaultPolicy())

	owned := func(user string) []int64 {
		out := []int64{}
		for st := range a.OwnedBy(user) {
			out = append(out, st.Objective.ID)
		}
		return out
	}
	for user, want := range map[string][]int64{
		"UADA":  {adasOwn.ID, leesOwn.ID}, // Lee's once, though she owns two of its key results
		"ULEE":  {leesOwn.ID},
		"UMIA":  {mias.ID},
		"UNONE": {},
	} {
		if got := owned(user); !slices.Equal(got, want) {
			t.Errorf("OwnedBy(%s) = %v, want %v", user, got, want)
		}
		if n := a.OwnedCount(user); n != len(want) {
			t.Errorf("OwnedCount(%s) = %d, want %d", user, n, len(want))
		}
	}
	for range a.OwnedBy("UADA") {
		break // stopping early is allowed
	}
}

// On a large cycle with owners spread over objectives and key results,
// OwnedBy and OwnedCount agree with looking at everything, also when asked from many
// goroutines at once (the index is made on first use).
func TestOwnedBy_SameAsLookingAtEverything(t *testing.T) {
	objs, krs := syntheticOrg(2_000, 3)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	for i, o := range objs {
		o.OwnerID, o.Weight = fmt.Sprintf("U%d", i%70), 1
	}
	for i, kr := range krs {
		kr.Kind, kr.Target, kr.Weight, kr.OwnerID = okr.KindIncrease, 100, 1, fmt.Sprintf("U%d", i%97)
	}
	a := okr.Analyze(&okr.Graph{Cycle: c, Objectives: objs, KeyResults: krs}, now, okr.DefaultPolicy())

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for u := w; u < 97; u += 8 { // U0 to U96 own key results
				user := fmt.Sprintf("U%d", u)
				var want, got []*okr.ObjectiveState
				for _, st := range a.Objectives {
					if st.Objective.OwnerID == user || slices.ContainsFunc(st.KeyResults, func(k okr.KeyResultState) bool { return k.KeyResult.OwnerID == user }) {
						want = append(want, st)
					}
				}
				for st := range a.OwnedBy(user) {
					got = append(got, st)
				}
				if !slices.Equal(got, want) || len(want) == 0 {
					t.Errorf("OwnedBy(%s): %d objectives, want %d (and some)", user, len(got), len(want))
				}
				if n := a.OwnedCount(user); n != len(want) {
					t.Errorf("OwnedCount(%s) = %d, want %d", user, n, len(want))
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkOwnedByFirstCall is the first OwnedBy on an analysis of 10,000
// objectives and 50,000 key results, which indexes every owner: paid once
// per analysis, so once after each write that a person's read follows.
func BenchmarkOwnedByFirstCall(b *testing.B) {
	objs, krs := syntheticOrg(10_000, 1)
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	for i, o := range objs {
		o.OwnerID, o.Weight = fmt.Sprintf("U%d", i%2000), 1
	}
	for i, kr := range krs {
		kr.Kind, kr.Target, kr.Weight, kr.OwnerID = okr.KindIncrease, 100, 1, objs[kr.ObjectiveID-1].OwnerID
		if i%5 == 4 { // one key result in five is a teammate's
			kr.OwnerID = fmt.Sprintf("U%d", (i/5+1)%2000)
		}
	}
	g := &okr.Graph{Cycle: c, Objectives: objs, KeyResults: krs}
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a := okr.Analyze(g, now, okr.DefaultPolicy())
		b.StartTimer()
		for range a.OwnedBy("U7") {
		}
	}
}

// An analysis brought up to date by Reanalyze answers OwnedBy as its own
// graph says, whether the write moved no one (a check-in: the index made
// for the analysis before may serve both), gave a key result or an
// objective another owner, or took an objective away; and the analysis
// before still answers for its graph.
func TestOwnedBy_AfterReanalyze(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	top := o.objective(okr.LevelCompany, "U1", 0)
	mid := o.objective(okr.LevelDepartment, "U2", top.ID)
	leaf := o.objective(okr.LevelTeam, "U3", mid.ID)
	for _, obj := range []*okr.Objective{top, mid, leaf} {
		o.kr(obj, 30, okr.OnTrack, day)
	}
	o.kr(leaf, 10, okr.AtRisk, 20*day).OwnerID = "U4"
	policy := okr.DefaultPolicy()
	users := []string{"U1", "U2", "U3", "U4", "U8", "U9"}
	check := func(name string, a *okr.Analysis) {
		t.Helper()
		for _, user := range users {
			var want, got []int64
			for _, st := range a.Objectives {
				if st.Objective.OwnerID == user || slices.ContainsFunc(st.KeyResults, func(k okr.KeyResultState) bool { return k.KeyResult.OwnerID == user }) {
					want = append(want, st.Objective.ID)
				}
			}
			for st := range a.OwnedBy(user) {
				got = append(got, st.Objective.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: OwnedBy(%s) = %v, want %v", name, user, got, want)
			}
		}
	}
	prev := okr.Analyze(o.g, now, policy)
	check("before", prev) // makes the index the patched analyses may share

	without := *o.g
	without.Objectives = slices.DeleteFunc(slices.Clone(o.g.Objectives), func(obj *okr.Objective) bool { return obj.ID == leaf.ID })
	without.KeyResults = slices.DeleteFunc(slices.Clone(o.g.KeyResults), func(kr *okr.KeyResult) bool { return kr.ObjectiveID == leaf.ID })
	for name, g := range map[string]*okr.Graph{
		"a check-in": patched(o.g, leaf.ID, func(*okr.Objective) {}, func(kr *okr.KeyResult) { kr.Current = 90 }),
		"a key result handed over": patched(o.g, leaf.ID, func(*okr.Objective) {}, func(kr *okr.KeyResult) {
			if kr.OwnerID == "U4" {
				kr.OwnerID = "U9"
			}
		}),
		"the objective handed over": patched(o.g, leaf.ID, func(obj *okr.Objective) { obj.OwnerID = "U8" }, func(*okr.KeyResult) {}),
		"the objective archived":    &without,
	} {
		check(name, okr.Reanalyze(prev, g, &okr.GraphChange{Objectives: []int64{leaf.ID}}, policy))
		check(name+", the analysis before", prev)
	}
}
