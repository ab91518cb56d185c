package bot

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// TestSortByLevel_CompanyFirstThenByID: whatever order the objectives come
// in (by ID, as the analysis hands a person's over, with scored ones
// after them, or shuffled), lists show them by level, company first, then
// by ID, as a plain sort on those keys does.
func TestSortByLevel_CompanyFirstThenByID(t *testing.T) {
	levels := []okr.Level{okr.LevelCompany, okr.LevelDepartment, okr.LevelTeam, okr.LevelPersonal, ""}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 300} {
		objs := make([]*okr.Objective, n)
		for i := range objs {
			objs[i] = &okr.Objective{ID: int64(i + 1), Level: levels[r.IntN(len(levels))]}
		}
		scoredAfter := slices.Clone(objs)
		if n > 2 { // scored ones, by ID, after the active ones, by ID
			scoredAfter = append(slices.Clone(objs[n/2:]), objs[:n/2]...)
		}
		shuffled := slices.Clone(objs)
		r.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for name, in := range map[string][]*okr.Objective{"by ID": objs, "scored after": scoredAfter, "shuffled": shuffled} {
			want := slices.Clone(in)
			slices.SortFunc(want, func(x, y *okr.Objective) int {
				return cmp.Or(cmp.Compare(x.Level.Rank(), y.Level.Rank()), cmp.Compare(x.ID, y.ID))
			})
			got := slices.Clone(in)
			sortByLevel(got)
			if !slices.Equal(got, want) {
				t.Errorf("%d objectives %s: got %v, want %v", n, name, ids(got), ids(want))
			}
		}
	}
}

func ids(objs []*okr.Objective) []int64 {
	out := make([]int64, len(objs))
	for i, o := range objs {
		out[i] = o.ID
	}
	return out
}
