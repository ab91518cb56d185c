package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// TestLoadGraph_SequentialFallbackAgrees checks the one-connection path that
// LoadGraph falls back to when writes keep moving the snapshot.
func TestLoadGraph_SequentialFallbackAgrees(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "okrbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		o := &okr.Objective{Title: "O", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID}
		krs := []*okr.KeyResult{
			{Title: "a", Kind: okr.KindIncrease, Start: 0, Target: float64(i + 1), OwnerID: "U1"},
			{Title: "b", Kind: okr.KindMilestone, OwnerID: "U2"},
		}
		if err := db.CreateObjective(ctx, o, krs, okr.LinkOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	parallel, err := db.loadGraph(ctx, c.ID, now, true)
	if err != nil {
		t.Fatal(err)
	}
	sequential, err := db.loadGraph(ctx, c.ID, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parallel, sequential) {
		t.Fatalf("parallel and sequential loads differ:\n%+v\n%+v", parallel, sequential)
	}
	if len(parallel.KeyResults) != 14 || len(parallel.Objectives) != 7 {
		t.Fatalf("loaded %d objectives, %d key results", len(parallel.Objectives), len(parallel.KeyResults))
	}
}

// TestLedgerWrites_LeaveTheGenerationAlone: a fan-out of thousands of claims
// must not look like a change to what an analysis read.
func TestLedgerWrites_LeaveTheGenerationAlone(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "okrbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gen := func() int64 {
		tx, err := db.beginRead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		g, err := generation(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	before := gen()
	if err := db.Beat(ctx, okr.Instance{ID: "A", Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Claim(ctx, "k", "U1", "A"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, "k", "D1/1.000001"); err != nil {
		t.Fatal(err)
	}
	if err := db.Leave(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if after := gen(); after != before {
		t.Fatalf("generation moved from %d to %d on ledger writes", before, after)
	}
	if err := db.SetSettings(ctx, map[string]string{"stale_days": "7"}); err != nil {
		t.Fatal(err)
	}
	if after := gen(); after != before+1 {
		t.Fatalf("generation = %d after a settings write, want %d", after, before+1)
	}
}
