package storage_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
	_ "modernc.org/sqlite"
)

// clock is a settable time source for the database.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mustOpenDB opens a fresh database file in a temporary directory, with a
// clock starting on 2026-11-02 (a Monday in 2026-Q4).
func mustOpenDB(t testing.TB) (*storage.DB, *clock) {
	t.Helper()
	return mustOpenPath(t, filepath.Join(t.TempDir(), "okrbot.db"))
}

func mustOpenPath(t testing.TB, path string) (*storage.DB, *clock) {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db, c
}

// mustCycle creates 2026-Q4 as the current cycle.
func mustCycle(t testing.TB, db *storage.DB) *okr.Cycle {
	t.Helper()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustObjective(t testing.TB, db *storage.DB, o *okr.Objective, krs ...*okr.KeyResult) *okr.Objective {
	t.Helper()
	if err := db.CreateObjective(context.Background(), o, krs, okr.LinkOptions{}); err != nil {
		t.Fatalf("create objective %q: %v", o.Title, err)
	}
	return o
}

func metric(title, owner string, start, target float64) *okr.KeyResult {
	return &okr.KeyResult{Title: title, Kind: okr.KindIncrease, Start: start, Target: target, Current: start, OwnerID: owner}
}

func TestOpen_MigratesFromEmptyAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "okrbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening an up-to-date database applies nothing.
	db, err = storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, version int
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &version); err != nil {
		t.Fatal(err)
	}
	if n != storage.SchemaVersion() || version != storage.SchemaVersion() {
		t.Fatalf("migrations recorded = %d (max %d), want %d", n, version, storage.SchemaVersion())
	}
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode = %q, %v; want wal", mode, err)
	}
}

func TestOpen_RefusesNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "okrbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ := sql.Open("sqlite", path)
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = storage.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "schema version 999") || !strings.Contains(err.Error(), "newer okrbot") {
		t.Fatalf("Open(newer) = %v, want a clear refusal", err)
	}
}

func TestOpen_ForeignKeysOnEveryConnection(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	// A key result for an objective that does not exist must be refused by
	// the foreign key, on the write connection.
	kr := metric("Orphan", "U1", 0, 10)
	kr.ObjectiveID = 12345
	if err := db.CreateKeyResult(ctx, kr); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("CreateKeyResult(missing objective) = %v, want not found", err)
	}
	// Concurrent reads all see the same, consistent data.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.FindCycles(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestOpen_BadPath(t *testing.T) {
	ctx := context.Background()
	if _, err := storage.Open(ctx, ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	if _, err := storage.Open(ctx, filepath.Join(t.TempDir(), "a?b.db")); err == nil || !strings.Contains(err.Error(), "'?'") {
		t.Fatalf("Open(a?b.db) = %v", err)
	}
	if _, err := storage.Open(ctx, filepath.Join(t.TempDir(), "missing", "dir", "okrbot.db")); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestBackup_WhileWriting(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID}, metric("MRR", "U1", 0, 100))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})

	stop := make(chan struct{})
	done := make(chan error)
	go func() { // a writer that keeps going during the backup
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "U1", Value: float64(i % 100), Confidence: okr.OnTrack}}); err != nil {
				done <- err
				return
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, dest)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("writer during backup: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	copyDB, err := storage.Open(ctx, dest)
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer copyDB.Close()
	got, err := copyDB.FindObjectiveByID(ctx, o.ID)
	if err != nil || got.Title != "Grow" {
		t.Fatalf("backup objective = %v, %v", got, err)
	}
	if err := db.Backup(ctx, dest); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
}
