package storage

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestOpen_BacksUpBeforeMigratingAnExistingDatabase: a database at an older
// schema is copied beside itself, as it was, before it is migrated; a new
// database is not.
func TestOpen_BacksUpBeforeMigratingAnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "okrbot.db")
	ms, err := migrations()
	if err != nil || len(ms) < 2 {
		t.Fatalf("migrations = %d, %v; the test needs two", len(ms), err)
	}
	// A database left by the okrbot that knew only the first migration.
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		ms[0].sql,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '` + ms[0].name + `', 0)`,
		`INSERT INTO settings (key, value, updated_at) VALUES ('digest_channel', 'C1', 0)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if want := path + ".v1.bak"; db.MigrationBackup != want {
		t.Fatalf("MigrationBackup = %q, want %q", db.MigrationBackup, want)
	}
	backup, err := sql.Open("sqlite", db.MigrationBackup)
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	var version int
	var channel string
	if err := backup.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != 1 {
		t.Fatalf("the backup is at version %d (%v), want 1", version, err)
	}
	if err := backup.QueryRow(`SELECT value FROM settings WHERE key = 'digest_channel'`).Scan(&channel); err != nil || channel != "C1" {
		t.Fatalf("the backup's settings: %q, %v", channel, err)
	}
	if s, err := db.Settings(ctx); err != nil || s["digest_channel"] != "C1" {
		t.Fatalf("the migrated database's settings: %v, %v", s, err)
	}

	// Opening again migrates nothing and copies nothing; a new database
	// has nothing to copy.
	db.Close()
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	fresh, err := Open(ctx, filepath.Join(t.TempDir(), "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if again.MigrationBackup != "" || fresh.MigrationBackup != "" {
		t.Fatalf("copies made without a migration: %q, %q", again.MigrationBackup, fresh.MigrationBackup)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) > 4 { // okrbot.db, -wal, -shm, .v1.bak
		t.Errorf("files beside the database: %v", entries)
	}
}
