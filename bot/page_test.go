package bot

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// leading picks what sorting everything and taking the first n would.
func TestLeading_SameAsSortingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type kr struct{ severity, id int }
	order := func(x, y kr) int { return cmp.Or(cmp.Compare(y.severity, x.severity), cmp.Compare(x.id, y.id)) }
	for round := range 500 {
		s := make([]kr, rng.IntN(200))
		for i := range s {
			s[i] = kr{severity: rng.IntN(4), id: rng.IntN(1000)*1000 + i} // distinct IDs
		}
		n := rng.IntN(40)
		want := slices.SortedFunc(slices.Values(s), order)
		want = want[:min(n, len(want))]
		if got := leading(slices.Clone(s), n, order); !slices.Equal(got, want) {
			t.Fatalf("round %d: leading(%d of %d) = %v, want %v", round, n, len(s), got, want)
		}
	}
}
