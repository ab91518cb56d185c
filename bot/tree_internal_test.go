package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Stored data with a loop (O3 under O4 under O3), which okrbot's own
// writes refuse but an old import or a hand edit can leave: the tree shows
// each objective once, the loop under "Not aligned", and a subtree rooted
// in the loop ends.
func TestTreeEntries_ALoopInStoredDataShowsEachObjectiveOnce(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	c.ID = 1
	objective := func(id int64, title string, level okr.Level, parent int64) *okr.Objective {
		return &okr.Objective{ID: id, CycleID: 1, Title: title, Level: level, OwnerID: "U1", Status: okr.StatusActive, ParentObjectiveID: parent}
	}
	a := okr.Analyze(&okr.Graph{Cycle: c, Objectives: []*okr.Objective{
		objective(1, "Grow revenue", okr.LevelCompany, 0),
		objective(2, "Close more deals", okr.LevelTeam, 1),
		objective(3, "Loop one", okr.LevelTeam, 4),
		objective(4, "Loop two", okr.LevelTeam, 3),
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
