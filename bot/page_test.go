package bot

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// leaders keep what sorting everything and taking the first n would.
func TestLeaders_SameAsSortingAll(t *testing.T) {
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
		l := leaders[kr]{n: n, cmp: order}
		for _, x := range s {
			l.add(x)
		}
		if got := l.out; !slices.Equal(got, want) {
			t.Fatalf("round %d: leaders(%d of %d) = %v, want %v", round, n, len(s), got, want)
		}
	}
}

// A read's turn ends when its answer is sent or when it is done, once
// either way; a read that cannot get a turn before its context ends gives
// up.
func TestReading_TurnsEndOnceAtSendOrDone(t *testing.T) {
	b := &Bot{reads: make(chan struct{}, 1)}
	ctx := context.Background()
	first, done, err := b.reading(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := b.reading(waiting); err == nil {
		t.Fatal("a second read got a turn while the first held the only one")
	}
	endReading(first) // its answer is ready
	done()            // and it returns: nothing more to give back
	endReading(first)
	if len(b.reads) != 0 {
		t.Fatalf("%d turns still held", len(b.reads))
	}
	_, done, err = b.reading(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done()
	endReading(ctx) // a context without a turn: nothing to end
	if len(b.reads) != 0 {
		t.Fatalf("%d turns still held", len(b.reads))
	}
}
