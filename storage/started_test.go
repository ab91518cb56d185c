package storage_test

import (
	"context"
	"errors"
	"runtime/metrics"
	"testing"

	"github.com/okrbot/okrbot/storage"
)

// A read under a context that can still end starts no goroutine to watch
// it: the driver would start one for every statement, and database/sql one
// for every result set, and a one-statement read in a transaction one
// more (BENCHMARKS.md, issue 11). These 300 reads started 800 before; a
// few started by the runtime meanwhile are allowed.
func TestReads_StartNoWatcherPerStatement(t *testing.T) {
	db, _ := mustOpenDB(t)
	mustCycle(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := goroutinesCreated()
	for range 100 {
		commandReads(t, ctx, db)
	}
	if n := goroutinesCreated() - before; n > 30 {
		t.Errorf("300 reads started %d goroutines", n)
	}
}

// A context that has already ended still fails a read or a write at once,
// and the write is not made.
func TestReads_AnEndedContextStillFails(t *testing.T) {
	db, _ := mustOpenDB(t)
	c := mustCycle(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Generation(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("generation: %v, want context.Canceled", err)
	}
	if _, err := db.CurrentCycle(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("current cycle: %v, want context.Canceled", err)
	}
	if _, err := db.LoadGraph(ctx, c.ID, c.Start); !errors.Is(err, context.Canceled) {
		t.Errorf("load graph: %v, want context.Canceled", err)
	}
	gen, err := db.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSettings(ctx, map[string]string{"k": "v"}); !errors.Is(err, context.Canceled) {
		t.Errorf("write: %v, want context.Canceled", err)
	}
	if now, err := db.Generation(context.Background()); err != nil || now != gen {
		t.Errorf("generation %d after a cancelled write (%v), want %d", now, err, gen)
	}
}

func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkCommandReads: commandReads under a context that can still end,
// as a command's can.
func BenchmarkCommandReads(b *testing.B) {
	db, _ := mustOpenDB(b)
	mustCycle(b, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for b.Loop() {
		commandReads(b, ctx, db)
	}
}

// commandReads makes the reads nearly every command makes before its own:
// the generation, the settings, the current cycle.
func commandReads(tb testing.TB, ctx context.Context, db *storage.DB) {
	tb.Helper()
	if _, err := db.Generation(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Settings(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.CurrentCycle(ctx); err != nil {
		tb.Fatal(err)
	}
}
