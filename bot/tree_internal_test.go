package bot

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// treeTestCycle is the current cycle of the tests below, with ID 1, and a
// time within it.
func treeTestCycle() (time.Time, *okr.Cycle) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), c
}

// activeObjective is an active objective of cycle 1, owned by U1.
func activeObjective(id int64, title string, level okr.Level, parent int64) *okr.Objective {
	return &okr.Objective{ID: id, CycleID: 1, Title: title, Level: level, OwnerID: "U1", Status: okr.StatusActive, ParentObjectiveID: parent}
}

// Stored data with a loop (O3 under O4 under O3), which okrbot's own
// writes refuse but an old import or a hand edit can leave: the tree shows
// each objective once, the loop under "Not aligned", and a subtree rooted
// in the loop ends.
func TestTreeEntries_ALoopInStoredDataShowsEachObjectiveOnce(t *testing.T) {
	now, c := treeTestCycle()
	a := okr.Analyze(&okr.Graph{Cycle: c, Objectives: []*okr.Objective{
		activeObjective(1, "Grow revenue", okr.LevelCompany, 0),
		activeObjective(2, "Close more deals", okr.LevelTeam, 1),
		activeObjective(3, "Loop one", okr.LevelTeam, 4),
		activeObjective(4, "Loop two", okr.LevelTeam, 3),
	}}, now, okr.DefaultPolicy())

	entries, shown := treeEntries(a, 0, nil)
	if shown != 4 {
		t.Errorf("%d objectives shown, want 4", shown)
	}
	groups := map[string]string{}
	for _, e := range entries {
		if e.heading {
			continue
		}
		for _, ref := range []string{"O1", "O2", "O3", "O4"} {
			if strings.Contains(e.text, "*"+ref+"*") {
				if _, twice := groups[ref]; twice {
					t.Errorf("%s drawn twice", ref)
				}
				groups[ref] = e.group
			}
		}
	}
	if len(groups) != 4 || groups["O1"] != "" || groups["O2"] != "" || groups["O3"] != "Not aligned" || groups["O4"] != "Not aligned" {
		t.Errorf("groups = %v, want O1 and O2 at the top, O3 and O4 not aligned", groups)
	}

	if _, shown := treeEntries(a, 3, nil); shown != 2 {
		t.Errorf("the subtree of O3 shows %d objectives, want 2", shown)
	}
}

// A tree laid out after a write reuses the lines of the objectives the
// write left alone, by position, and must read exactly as one drawn
// afresh: here one objective's key result moves (its line and its
// parent's change) and an earlier one is archived (every position after
// it shifts).
func TestTreeLayouts_AfterAWriteReadAsDrawnAfresh(t *testing.T) {
	now, c := treeTestCycle()
	keyResult := func(id, objectiveID int64, current float64) *okr.KeyResult {
		return &okr.KeyResult{ID: id, ObjectiveID: objectiveID, Kind: okr.KindIncrease, Start: 0, Target: 100, Current: current, OwnerID: "U1", Weight: 1}
	}
	objectives := []*okr.Objective{
		activeObjective(1, "Grow revenue", okr.LevelCompany, 0),
		activeObjective(2, "Close more deals", okr.LevelTeam, 1),
		activeObjective(3, "Hire two sellers", okr.LevelTeam, 1),
		activeObjective(4, "Ship the mobile app", okr.LevelCompany, 0),
		activeObjective(5, "Beta with ten customers", okr.LevelTeam, 4),
		activeObjective(6, "Learn Go", okr.LevelPersonal, 0),
	}
	krs := []*okr.KeyResult{keyResult(11, 1, 10), keyResult(12, 2, 20), keyResult(13, 3, 30), keyResult(14, 4, 40), keyResult(15, 5, 50), keyResult(16, 6, 60)}
	before := &okr.Graph{Cycle: c, Objectives: objectives, KeyResults: krs}
	p := okr.DefaultPolicy()
	a := okr.Analyze(before, now, p)

	var layouts treeLayouts
	layouts.layout(a, 0)
	layouts.layout(a, 4) // a subtree drawn from the same lines

	// O2 archived; O5's key result checked in.
	moved := keyResult(15, 5, 90)
	after := &okr.Graph{Cycle: c,
		Objectives: []*okr.Objective{objectives[0], objectives[2], objectives[3], objectives[4], objectives[5]},
		KeyResults: []*okr.KeyResult{krs[0], krs[2], krs[3], moved, krs[5]}}
	patched := okr.Reanalyze(a, after, &okr.GraphChange{Objectives: []int64{2, 5}}, p)
	if patched.Objectives[4] != a.Objectives[5] {
		t.Fatal("the patched analysis does not share the untouched O6's state: nothing here is reused")
	}

	for _, root := range []int64{0, 4, 1} {
		got, gotShown := layouts.layout(patched, root)
		want, wantShown := treeEntries(patched, root, nil)
		if gotShown != wantShown || !reflect.DeepEqual(got, want) {
			t.Errorf("below %d, after the write:\n%+v (%d shown)\nwant, drawn afresh:\n%+v (%d shown)", root, got, gotShown, want, wantShown)
		}
	}
	whole, _ := layouts.layout(patched, 0)
	var text []string
	for _, e := range whole {
		text = append(text, e.text)
	}
	if all := strings.Join(text, "\n"); strings.Contains(all, "Close more deals") || !strings.Contains(all, "90%") {
		t.Errorf("the tree after the write shows the archived O2 or not O5's 90%%:\n%s", all)
	}
}
