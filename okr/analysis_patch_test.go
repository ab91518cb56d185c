package okr_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// patched returns g with the objective id replaced by a copy that change
// edits, and its key results replaced by copies that changeKR edits, as
// GraphService.UpdateGraph hands a graph over: everything else shared.
func patched(g *okr.Graph, id int64, change func(*okr.Objective), changeKR func(*okr.KeyResult)) *okr.Graph {
	out := *g
	out.Objectives = edited(g.Objectives, func(o *okr.Objective) bool { return o.ID == id }, change)
	out.KeyResults = edited(g.KeyResults, func(kr *okr.KeyResult) bool { return kr.ObjectiveID == id }, changeKR)
	return &out
}

// edited is a copy of xs where each element match picks is a copy that
// edit changed.
func edited[T any](xs []*T, match func(*T) bool, edit func(*T)) []*T {
	out := slices.Clone(xs)
	for i, x := range out {
		if match(x) {
			c := *x
			edit(&c)
			out[i] = &c
		}
	}
	return out
}

// TestReanalyze_EqualsAnalyze: a check-in deep in a rolled-up chain, and
// the same objective moved under another parent, patch to what Analyze
// makes of the new graph (storage's TestUpdateGraph_PatchedEqualsFresh
// checks random writes against a real database).
func TestReanalyze_EqualsAnalyze(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	top := o.objective(okr.LevelCompany, "U1", 0)
	other := o.objective(okr.LevelCompany, "U1", 0)
	mid := o.objective(okr.LevelDepartment, "U2", top.ID)
	leaf := o.objective(okr.LevelTeam, "U3", mid.ID)
	top.RollupChildren, other.RollupChildren, mid.RollupChildren = true, true, true
	for _, obj := range []*okr.Objective{top, other, mid, leaf} {
		o.kr(obj, 30, okr.OnTrack, day)
	}
	o.kr(leaf, 10, okr.AtRisk, 20*day)
	policy := okr.DefaultPolicy()
	prev := okr.Analyze(o.g, now, policy)

	for name, g := range map[string]*okr.Graph{
		"a check-in": patched(o.g, leaf.ID, func(*okr.Objective) {}, func(kr *okr.KeyResult) {
			kr.Current, kr.CheckedAt, kr.Confidence = 90, now.Add(-time.Hour), okr.OnTrack
		}),
		"a move": patched(o.g, leaf.ID, func(obj *okr.Objective) { obj.ParentObjectiveID = other.ID }, func(*okr.KeyResult) {}),
	} {
		got := okr.Reanalyze(prev, g, &okr.GraphChange{Objectives: []int64{leaf.ID}}, policy)
		if want := okr.Analyze(g, now, policy); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Reanalyze differs from Analyze:\n%+v\nwant\n%+v", name, got.Objective(top.ID), want.Objective(top.ID))
		}
		if got.Objective(top.ID) == prev.Objective(top.ID) || got.Objective(other.ID) == prev.Objective(other.ID) && name == "a move" {
			t.Errorf("%s: an objective above the change kept its old state", name)
		}
	}
	if prev.Objective(top.ID).Progress != okr.Analyze(o.g, now, policy).Objective(top.ID).Progress {
		t.Error("Reanalyze changed the analysis it was given")
	}
}

// TestReanalyze_FallsBackOnALoop: parent links that loop (corrupt data)
// make Analyze's rollup depend on the order it visits, so Reanalyze leaves
// it to Analyze.
func TestReanalyze_FallsBackOnALoop(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	o := newOrg(now)
	a := o.objective(okr.LevelCompany, "U1", 0)
	b := o.objective(okr.LevelDepartment, "U2", a.ID)
	c := o.objective(okr.LevelTeam, "U2", b.ID)
	a.ParentObjectiveID = b.ID // corrupt: a loop
	a.RollupChildren, b.RollupChildren = true, true
	o.kr(b, 50, okr.OnTrack, day)
	o.kr(c, 50, okr.OnTrack, day)
	policy := okr.DefaultPolicy()
	prev := okr.Analyze(o.g, now, policy)
	g := patched(o.g, c.ID, func(*okr.Objective) {}, func(kr *okr.KeyResult) { kr.Current = 80 })
	got := okr.Reanalyze(prev, g, &okr.GraphChange{Objectives: []int64{c.ID}}, policy)
	if want := okr.Analyze(g, now, policy); !reflect.DeepEqual(got, want) {
		t.Fatalf("with a loop, Reanalyze differs from Analyze: a %v b %v, want a %v b %v",
			got.Objective(a.ID).Progress, got.Objective(b.ID).Progress, want.Objective(a.ID).Progress, want.Objective(b.ID).Progress)
	}
}

// without is g without the objective id and its key results, as a graph
// after an archive reads.
func without(g *okr.Graph, id int64) *okr.Graph {
	out := *g
	out.Objectives = slices.DeleteFunc(slices.Clone(g.Objectives), func(o *okr.Objective) bool { return o.ID == id })
	out.KeyResults = slices.DeleteFunc(slices.Clone(g.KeyResults), func(kr *okr.KeyResult) bool { return kr.ObjectiveID == id })
	return &out
}

// TestReanalyze_DrivenEqualsAnalyze: in a chain of driven key results (a
// department objective drives a company key result and holds one that a
// team objective drives in turn), changes below, to and beside the chain
// patch to what Analyze makes of the new graph, prev left as it was.
func TestReanalyze_DrivenEqualsAnalyze(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	policy := okr.DefaultPolicy()
	for _, byHand := range []bool{false, true} {
		o := newOrg(now)
		company := o.objective(okr.LevelCompany, "U1", 0)
		company.RollupChildren = true
		k1 := o.kr(company, 10, "", -1)
		k1.ByHand = byHand
		o.kr(company, 20, okr.OnTrack, day)
		dept := o.objective(okr.LevelDepartment, "U2", 0)
		dept.RollupChildren = true
		dk := o.kr(dept, 30, okr.OnTrack, 20*day) // stale on its own
		o.kr(dept, 50, okr.OnTrack, day)
		deliver(dept, company, k1)
		team := o.objective(okr.LevelTeam, "U3", 0)
		team.Weight = 2
		team.RollupChildren = true
		o.kr(team, 70, okr.AtRisk, day)
		deliver(team, dept, dk)
		fellow := o.objective(okr.LevelTeam, "U4", dept.ID) // supports the department objective itself
		o.kr(fellow, 40, okr.OnTrack, 2*day)
		person := o.objective(okr.LevelPersonal, "U5", team.ID)
		o.kr(person, 90, okr.OffTrack, 3*day)
		prev := okr.Analyze(o.g, now, policy)
		if !stateOf(t, prev, dk).Driven || stateOf(t, prev, k1).Driven == byHand {
			t.Fatalf("by hand %v: the chain is not driven as built", byHand)
		}

		checkIn := func(value float64, c okr.Confidence) func(*okr.KeyResult) {
			return func(kr *okr.KeyResult) { kr.Current, kr.CheckedAt, kr.Confidence = value, now.Add(-time.Hour), c }
		}
		same := func(*okr.Objective) {}
		cases := []struct {
			name    string
			g       *okr.Graph
			changed int64
		}{
			{"a check-in at the chain's foot", patched(o.g, person.ID, same, checkIn(10, okr.OnTrack)), person.ID},
			{"a check-in on a deliverer's key result", patched(o.g, team.ID, same, checkIn(5, okr.OnTrack)), team.ID},
			{"a deliverer's weight", patched(o.g, team.ID, func(obj *okr.Objective) { obj.Weight = 5 }, func(*okr.KeyResult) {}), team.ID},
			{"a deliverer unlinked", patched(o.g, team.ID, func(obj *okr.Objective) { obj.ParentObjectiveID, obj.ParentKeyResultID = 0, 0 },
				func(*okr.KeyResult) {}), team.ID},
			{"a deliverer moved to support the objective itself", patched(o.g, team.ID, func(obj *okr.Objective) { obj.ParentKeyResultID = 0 },
				func(*okr.KeyResult) {}), team.ID},
			{"a second deliverer", patched(o.g, fellow.ID, func(obj *okr.Objective) { obj.ParentKeyResultID = dk.ID },
				func(*okr.KeyResult) {}), fellow.ID},
			{"a deliverer archived", without(o.g, team.ID), team.ID},
			{"the middle of the chain archived", without(o.g, dept.ID), dept.ID},
			{"a driven key result checked in, so set by hand", patched(o.g, dept.ID, same, func(kr *okr.KeyResult) {
				if kr.ID == dk.ID {
					checkIn(60, okr.OnTrack)(kr)
					kr.ByHand = true
				}
			}), dept.ID},
			{"/okr drive, or a check-in setting it by hand", patched(o.g, company.ID, same, func(kr *okr.KeyResult) {
				if kr.ID == k1.ID {
					kr.ByHand = !byHand
				}
			}), company.ID},
		}
		for _, c := range cases {
			got := okr.Reanalyze(prev, c.g, &okr.GraphChange{Objectives: []int64{c.changed}}, policy)
			if want := okr.Analyze(c.g, now, policy); !reflect.DeepEqual(got, want) {
				t.Errorf("by hand %v, %s: Reanalyze differs from Analyze:\ncompany %+v\ndepartment %+v\nwant\ncompany %+v\ndepartment %+v",
					byHand, c.name, got.Objective(company.ID), got.Objective(dept.ID), want.Objective(company.ID), want.Objective(dept.ID))
			}
		}
		if !reflect.DeepEqual(prev, okr.Analyze(o.g, now, policy)) {
			t.Errorf("by hand %v: Reanalyze changed the analysis it was given", byHand)
		}
	}
}
