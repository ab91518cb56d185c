package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// A graph retimed to a later (or earlier) moment is the one LoadGraph reads
// then, and analyses the same, while it shares the key results it was
// given. Three weeks of check-ins make week-ago values of every kind at
// each moment: from before the week, from its only check-in, and from the
// first of several. Once anything is written, it cannot be retimed.
func TestRetimeGraph_SameAsLoadingAtThatTime(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	r := rand.New(rand.NewPCG(5, 8))
	var krs []*okr.KeyResult
	for i := range 12 {
		var mine []*okr.KeyResult
		for k := range r.IntN(4) {
			mine = append(mine, metric(fmt.Sprintf("KR %d.%d", i, k), fmt.Sprintf("U%d", r.IntN(3)), 0, 100))
		}
		mustObjective(t, db, &okr.Objective{Title: fmt.Sprintf("Objective %d", i), Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID}, mine...)
		krs = append(krs, mine...)
	}
	if err := db.ArchiveKeyResult(ctx, krs[3].ID); err != nil { // archived: in no graph
		t.Fatal(err)
	}
	checkIn := func() error {
		kr := krs[r.IntN(len(krs))]
		return db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: float64(r.IntN(120)), Confidence: okr.OnTrack}})
	}
	for range 21 { // days
		for range r.IntN(5) {
			clk.Add(time.Duration(1+r.IntN(4)) * time.Hour)
			if err := checkIn(); err != nil && okr.ErrorCode(err) == "" {
				t.Fatal(err) // a refused check-in (on the archived one) is fine
			}
		}
		clk.Add(24 * time.Hour)
	}

	loaded := clk.Now()
	g, err := db.LoadGraph(ctx, c.ID, loaded)
	if err != nil {
		t.Fatal(err)
	}
	policy := okr.DefaultPolicy()
	for _, after := range []time.Duration{-72 * time.Hour, 0, time.Hour, 30 * time.Hour, 3 * 24 * time.Hour, 7*24*time.Hour - time.Minute,
		7 * 24 * time.Hour, 8 * 24 * time.Hour, 40 * 24 * time.Hour} {
		now := loaded.Add(after)
		got, err := db.RetimeGraph(ctx, g, now)
		if err != nil || got == nil {
			t.Fatalf("retime %v later: %v, %v", after, got, err)
		}
		want, err := db.LoadGraph(ctx, c.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if d := graphDiff(got, want); d != "" {
			t.Fatalf("retimed %v later: %s", after, d)
		}
		if a, wantA := okr.Analyze(got, now, policy), okr.Analyze(want, now, policy); !reflect.DeepEqual(a, wantA) {
			t.Fatalf("analysis retimed %v later: %s", after, analysisDiff(a, wantA))
		}
		for i := range got.KeyResults {
			if got.KeyResults[i] != g.KeyResults[i] {
				t.Fatalf("retimed %v later: key result %d is a copy, not the graph's own", after, got.KeyResults[i].ID)
			}
		}
	}

	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: krs[0].OwnerID, Value: 1, Confidence: okr.AtRisk}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.RetimeGraph(ctx, g, clk.Now()); got != nil || err != nil {
		t.Fatalf("retimed after a write: %v, %v; want nil: the graph is no longer the store's", got, err)
	}
}
