package okr_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// texts are the key results' texts, as the store gives them.
func texts(krs []*okr.KeyResult) []okr.KeyResultText {
	var out []okr.KeyResultText
	for _, kr := range krs {
		out = append(out, okr.KeyResultText{ID: kr.ID, ObjectiveID: kr.ObjectiveID, Title: kr.Title})
	}
	return out
}

// krsOf are the key results of the objective among krs.
func krsOf(krs []*okr.KeyResult, id int64) []*okr.KeyResult {
	var out []*okr.KeyResult
	for _, kr := range krs {
		if kr.ObjectiveID == id {
			out = append(out, kr)
		}
	}
	return out
}

// ranking is what Suggest and Match answer for the cycle's objectives (a
// sample) and a few searches, to compare indexes; top the first
// suggestion alone. With top set, only the first suggestion counts.
func ranking(ix *okr.SuggestionIndex, in okr.SuggestionInput, every int, top bool) []string {
	var out []string
	limit := 5
	if top {
		limit = 1
	}
	for i, o := range in.Objectives {
		if o.CycleID != in.CycleID || i%every != 0 {
			continue
		}
		var ids []int64
		for _, s := range ix.Suggest(o, krsOf(in.KeyResults, o.ID), limit) {
			ids = append(ids, s.Objective.ID)
		}
		out = append(out, fmt.Sprintf("O%d: %v", o.ID, ids))
	}
	if top {
		return out
	}
	for _, q := range []string{"churn", "onboarding", "kr12", "o7"} {
		objs, krs := ix.Match(q, in.CycleID, okr.LevelPersonal, 20)
		out = append(out, fmt.Sprintf("%s: %v %d", q, ids(objs), len(krs)))
	}
	return out
}

// change applies a change to a copy of the input, as the store would
// hold it: it returns the new input and the objectives changed.
type change func(in *okr.SuggestionInput) []*okr.Objective

// TestSuggestionIndex_With: an index updated with a created or changed
// objective answers as one built afresh with it, but for a near tie or
// two, when the change moves the word statistics little; when it changes
// links, from which a build learns, it is at most half as far from a fresh
// build as the index it came from, and its first suggestions are the same. It leaves
// the index it came from as it was.
func TestSuggestionIndex_With(t *testing.T) {
	const n = 2000
	created := &okr.Objective{ID: 9000, Level: okr.LevelDepartment, CycleID: 1, Status: okr.StatusActive, TeamID: 5,
		Title: "Cut churn with a guided onboarding", Description: "Customers stay because they succeed early"}
	createdKRs := []*okr.KeyResult{{ID: 90001, ObjectiveID: 9000, Title: "Activation within 7 days above 60%"}, {ID: 90002, ObjectiveID: 9000, Title: "Onboarding churn below 2%"}}
	for _, tc := range []struct {
		name   string
		links  bool // the change links or unlinks objectives
		change change
	}{
		{"created", false, func(in *okr.SuggestionInput) []*okr.Objective {
			o := *created
			in.Objectives = append(in.Objectives, &o)
			in.KeyResults = append(in.KeyResults, createdKRs...)
			return []*okr.Objective{&o}
		}},
		{"created personal, linked", true, func(in *okr.SuggestionInput) []*okr.Objective {
			o := *created
			o.Level, o.TeamID, o.ParentObjectiveID = okr.LevelPersonal, 105, 3 // O3 is a department objective
			in.Objectives = append(in.Objectives, &o)
			in.KeyResults = append(in.KeyResults, createdKRs...)
			return []*okr.Objective{&o}
		}},
		{"retitled, key results changed", false, func(in *okr.SuggestionInput) []*okr.Objective {
			o := *in.Objectives[20] // a company objective
			o.Title, o.Description = created.Title, created.Description
			in.Objectives[20] = &o
			in.KeyResults = slices.DeleteFunc(slices.Clone(in.KeyResults), func(kr *okr.KeyResult) bool { return kr.ObjectiveID == o.ID && kr.ID%2 == 0 })
			in.KeyResults = append(in.KeyResults, &okr.KeyResult{ID: 90003, ObjectiveID: o.ID, Title: "Guided onboarding for every new customer"})
			return []*okr.Objective{&o}
		}},
		{"relinked and archived", true, func(in *okr.SuggestionInput) []*okr.Objective {
			var out []*okr.Objective
			for i, o := range in.Objectives {
				c := *o
				switch o.ID {
				case 25: // a team objective, now supporting O2
					c.ParentObjectiveID = 2
				case 45:
					c.ParentObjectiveID = 3
				case 2003: // a past objective linked to O2001's block
					c.Status = okr.StatusArchived
				case 30: // a team objective: its level and team change
					c.Level, c.TeamID = okr.LevelDepartment, 7
				default:
					continue
				}
				in.Objectives[i] = &c
				out = append(out, &c)
			}
			return out
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := syntheticInput(n)
			base := okr.NewSuggestionIndex(in)
			before := ranking(base, in, 37, false)
			next := in
			next.Objectives = slices.Clone(in.Objectives)
			next.KeyResults = slices.Clone(in.KeyResults)
			objs := tc.change(&next)
			var krs []*okr.KeyResult
			for _, o := range objs {
				krs = append(krs, krsOf(next.KeyResults, o.ID)...)
			}
			updated := base.With(objs, texts(krs))
			fresh := okr.NewSuggestionIndex(next)
			if !updated.Approximate() || fresh.Approximate() {
				t.Errorf("approximate: updated %v, fresh %v", updated.Approximate(), fresh.Approximate())
			}
			if got := ranking(base, in, 37, false); !slices.Equal(got, before) {
				t.Fatalf("the base index changed:\n%v\nwas\n%v", got, before)
			}
			got, want := ranking(updated, next, 37, false), ranking(fresh, next, 37, false)
			differ := 0
			for i := range want {
				if got[i] != want[i] {
					differ++
					t.Logf("updated %s\n  fresh %s", got[i], want[i])
				}
			}
			stale := 0
			for i, b := range ranking(base, next, 37, false) {
				if b != want[i] {
					stale++
				}
			}
			switch {
			case !tc.links && differ > len(want)/50:
				t.Errorf("%d of %d answers differ from a fresh build's", differ, len(want))
			case tc.links && differ > max(len(want)/50, stale/2):
				t.Errorf("%d of %d answers differ from a fresh build's, %d without the update", differ, len(want), stale)
			}
			if got, want := ranking(updated, next, 37, true), ranking(fresh, next, 37, true); !slices.Equal(got, want) {
				t.Errorf("first suggestions:\n%v\nfresh:\n%v", got, want)
			}
			// An objective of the created one's department's teams finds it.
			child := &okr.Objective{ID: 9999, Level: okr.LevelTeam, CycleID: 1, Status: okr.StatusActive, TeamID: 140,
				Title: "Onboarding that stops churn"}
			if tc.name == "created" {
				if got := updated.Suggest(child, nil, 1); len(got) == 0 || got[0].Objective.ID != created.ID {
					t.Errorf("suggested %s, want the created O%d", describe(got), created.ID)
				}
			}
			for _, o := range objs {
				if o.CycleID != 1 {
					continue
				}
				objs, _ := updated.Match(o.Title, 1, "", 0)
				if !slices.ContainsFunc(objs, func(m *okr.Objective) bool { return m == o }) {
					t.Errorf("type-ahead for %q does not find O%d as it is now", o.Title, o.ID)
				}
			}
		})
	}
}

// TestSuggestionIndex_WithConcurrentReaders: readers of an index go on
// while it is updated (go test -race checks nothing is written under them).
func TestSuggestionIndex_WithConcurrentReaders(t *testing.T) {
	in := syntheticInput(500)
	ix := okr.NewSuggestionIndex(in)
	child := in.Objectives[7]
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				ix.Suggest(child, nil, 5)
				ix.Match("churn", 1, "", 10)
			}
		})
	}
	next := ix
	for i := range 20 {
		o := *in.Objectives[i*3]
		o.Title += " and onboarding zyxwv"
		next = next.With([]*okr.Objective{&o}, []okr.KeyResultText{{ID: int64(100000 + i), ObjectiveID: o.ID, Title: "Quokka sightings"}})
	}
	wg.Wait()
	if objs, krs := next.Match("zyxwv", 1, "", 0); len(objs) != 20 {
		t.Errorf("after 20 updates, %d objectives match, %d key results", len(objs), len(krs))
	}
	if _, krs := next.Match("quokka", 1, "", 0); len(krs) != 20 {
		t.Errorf("after 20 updates, %d key results match", len(krs))
	}
}

// BenchmarkSuggestionIndexWith updates an index of 10,000 objectives with
// one created: what a person waits for after creating an objective, where a
// rebuild (BenchmarkSuggestionIndexBuild) takes a few hundred milliseconds.
func BenchmarkSuggestionIndexWith(b *testing.B) {
	ix := okr.NewSuggestionIndex(syntheticInput(10_000))
	o := &okr.Objective{ID: 99999, Level: okr.LevelTeam, CycleID: 1, Status: okr.StatusActive, TeamID: 105, ParentObjectiveID: 2,
		Title: "Reduce churn through better onboarding", Description: "Customers activate faster and renew"}
	krs := []okr.KeyResultText{{ID: 999991, ObjectiveID: o.ID, Title: "Activation rate above 60%"}, {ID: 999992, ObjectiveID: o.ID, Title: "Renewals up 10%"}}
	b.ReportAllocs()
	for b.Loop() {
		ix.With([]*okr.Objective{o}, krs)
	}
}
