package storage_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// The reads kept prepared (the generation, the settings, the current cycle,
// a cycle by ID, a user) see every write at once, while more readers than the read
// pool has connections run them without pause, and while writes that run
// one of them inside their own transaction (starting a cycle) go on.
func TestPreparedReads_SeeEveryWriteWhileReadersHoldThePool(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first := mustCycle(t, db)
	cycles := []*okr.Cycle{first}
	if err := db.UpsertUsers(ctx, []*okr.User{{ID: "U1", Name: "ana", TZ: "UTC"}}); err != nil {
		t.Fatal(err)
	}
	q := okr.Quarter{Year: 2026, Q: 4}
	for range 10 {
		q = q.Next()
		c := okr.NewCycle(q, time.January, time.UTC, okr.CycleUpcoming)
		if err := db.CreateCycle(ctx, c); err != nil {
			t.Fatal(err)
		}
		cycles = append(cycles, c)
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	errs := make(chan error, 16)
	for range 12 { // the read pool holds at most max(4, GOMAXPROCS) connections
		readers.Go(func() {
			last := int64(-1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				gen, err := db.Generation(ctx)
				if err == nil && gen < last {
					t.Errorf("the generation went back from %d to %d", last, gen)
				}
				last = gen
				if err == nil {
					_, err = db.Settings(ctx)
				}
				if err == nil {
					_, err = db.CurrentCycle(ctx)
				}
				if err == nil {
					_, err = db.FindCycleByID(ctx, first.ID)
				}
				if err == nil {
					_, err = db.FindUserByID(ctx, "U1")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}

	for i, c := range cycles[1:] {
		before, err := db.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := strconv.Itoa(i + 1)
		if err := db.SetSettings(ctx, map[string]string{"stale_days": want}); err != nil {
			t.Fatal(err)
		}
		if err := db.StartCycle(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Generation(ctx); err != nil || got != before+2 {
			t.Fatalf("write %d: generation %d (%v), want %d", i, got, err, before+2)
		}
		if s, err := db.Settings(ctx); err != nil || s["stale_days"] != want {
			t.Fatalf("write %d: stale_days %q (%v), want %q", i, s["stale_days"], err, want)
		}
		if cur, err := db.CurrentCycle(ctx); err != nil || cur.ID != c.ID {
			t.Fatalf("write %d: current cycle %+v (%v), want %d", i, cur, err, c.ID)
		}
		if prev, err := db.FindCycleByID(ctx, cycles[i].ID); err != nil || prev.Status != okr.CycleClosed {
			t.Fatalf("write %d: the cycle before %+v (%v), want it closed", i, prev, err)
		}
		till := time.Date(2027, time.January, 1+i, 0, 0, 0, 0, time.UTC)
		if err := db.SetAway(ctx, "U1", till); err != nil {
			t.Fatal(err)
		}
		if u, err := db.FindUserByID(ctx, "U1"); err != nil || !u.AwayTill.Equal(till) {
			t.Fatalf("write %d: away till %+v (%v), want %v", i, u, err, till)
		}
	}
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Closing the database closes the prepared reads with it, and a database
// opened again on the same file prepares them afresh.
func TestPreparedReads_CloseAndOpenAgain(t *testing.T) {
	path := t.TempDir() + "/okrbot.db"
	ctx := context.Background()
	db, _ := mustOpenPath(t, path)
	c := mustCycle(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, _ := mustOpenPath(t, path)
	if cur, err := again.CurrentCycle(ctx); err != nil || cur.ID != c.ID {
		t.Fatalf("current cycle %+v (%v), want %d", cur, err, c.ID)
	}
}
