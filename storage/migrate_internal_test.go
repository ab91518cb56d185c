package storage

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/okrbot/okrbot/okr"
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

// databaseAt makes at path the database an okrbot knowing only the first
// version migrations would have left, and returns it open with an Exec
// that fails the test on an error.
func databaseAt(t *testing.T, path string, version int) (*sql.DB, func(q string, args ...any)) {
	t.Helper()
	ms, err := migrations()
	if err != nil || len(ms) < version {
		t.Fatalf("migrations = %d, %v", len(ms), err)
	}
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.Exec(q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	for _, m := range ms[:version] {
		if m.step == nil {
			mustExec(m.sql)
		} else if err := runStep(old, m); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		mustExec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`, m.version, m.name)
	}
	return old, mustExec
}

// runStep applies a migration written in Go in a transaction of its own.
func runStep(db *sql.DB, m migration) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := m.step(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// TestOpen_CleansTextStoredBeforeNormalisation: rows written at schema
// version 2, before okrbot normalised text, come out of the migration as
// the domain would store them today: controls, bidi controls and
// zero-width characters gone, NFC, single-line fields on one line. Team
// names that become equal stay unique, and check-ins stay append-only.
func TestOpen_CleansTextStoredBeforeNormalisation(t *testing.T) {
	const before = 2 // the last schema version whose text may be dirty
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "okrbot.db")
	old, mustExec := databaseAt(t, path, before)
	mustExec(`INSERT INTO cycles (id, name, start_at, end_at, status) VALUES (1, '2026-Q4', 0, 1, 'current')`)
	for _, team := range []struct {
		id   int
		name string
	}{
		{1, "Sales"},
		{2, "Sa\u200Bles"},          // becomes Sales, which team 1 has
		{3, "\u202E\u200B"},         // becomes empty
		{4, "Plat\x00form\tteam\n"}, // becomes Platform team
		{5, "sales\u200C"},          // becomes sales, which team 1 has (ignoring case), and then Sales (2)
	} {
		mustExec(`INSERT INTO teams (id, name) VALUES (?, ?)`, team.id, team.name)
	}
	mustExec(`INSERT INTO objectives (id, cycle_id, title, description, level, owner_id, team_id, created_at, updated_at)
		VALUES (1, 1, ?, ?, 'team', 'U1', 4, 5, 6)`, "Grow\x00 revenue \u202Egnp.exe", "Why\r\nnow\u0085\u200B")
	mustExec(`INSERT INTO objectives (id, cycle_id, title, description, level, owner_id, created_at, updated_at)
		VALUES (2, 1, ?, '', 'company', 'U1', 5, 6)`, "Cafe\u0301 👩\u200D💻 \U0001F1EB\U0001F1F7")
	mustExec(`INSERT INTO objectives (id, cycle_id, title, description, level, owner_id, created_at, updated_at)
		VALUES (3, 1, ?, '', 'company', 'U1', 5, 6)`, "\x00\u2066")
	mustExec(`INSERT INTO objectives (id, cycle_id, title, description, level, owner_id, created_at, updated_at)
		VALUES (4, 1, 'Already clean', ?, 'company', 'U1', 5, 6)`, "Two\nlines")
	mustExec(`INSERT INTO key_results (id, objective_id, cycle_id, title, kind, start, target, current, unit, owner_id, created_at, updated_at)
		VALUES (1, 1, 1, ?, 'increase', 0, 10, 0, ?, 'U1', 5, 6)`, "Sign\u200B-ups\n", "le\u2060ads")
	mustExec(`INSERT INTO checkins (id, key_result_id, author_id, value, previous, confidence, note, blockers, created_at)
		VALUES (1, 1, 'U1', 3, 0, 'at_risk', ?, ?, 7)`, "Good\x00 week\r\n\u202Ereally", "none\u200B")
	var generation int
	if err := old.QueryRow(`SELECT value FROM generation`).Scan(&generation); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.MigrationBackup == "" {
		t.Error("no backup before migrating")
	}

	teams, err := db.FindTeams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	for _, team := range teams {
		names[team.ID] = team.Name
	}
	for id, want := range map[int64]string{1: "Sales", 2: "Sales (2)", 3: "Team 3", 4: "Platform team", 5: "sales (3)"} {
		if names[id] != want {
			t.Errorf("team %d = %+q, want %+q", id, names[id], want)
		}
	}
	for id, want := range map[int64][2]string{
		1: {"Grow revenue gnp.exe", "Why\nnow"},
		2: {"Café 👩\u200D💻 \U0001F1EB\U0001F1F7", ""},
		3: {"Untitled", ""},
		4: {"Already clean", "Two\nlines"},
	} {
		o, err := db.FindObjectiveByID(ctx, id)
		if err != nil || o.Title != want[0] || o.Description != want[1] {
			t.Errorf("objective %d = %+q, %+q, %v; want %+q, %+q", id, o.Title, o.Description, err, want[0], want[1])
			continue
		}
		if o.UpdatedAt.UnixMilli() != 6 {
			t.Errorf("objective %d: updated_at = %v; cleaning is not an edit", id, o.UpdatedAt)
		}
	}
	kr, err := db.FindKeyResultByID(ctx, 1)
	if err != nil || kr.Title != "Sign-ups" || kr.Unit != "leads" {
		t.Errorf("key result = %+q, %+q, %v", kr.Title, kr.Unit, err)
	}
	id := int64(1)
	history, err := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &id})
	if err != nil || len(history) != 1 || history[0].Note != "Good week\nreally" || history[0].Blockers != "none" {
		t.Errorf("check-ins = %+v, %v", history, err)
	}

	// What SQLite sees: whole titles (length() stops at a NUL), the
	// analysis snapshot in step, check-ins still append-only, and a new
	// generation for any process that cached the old text.
	var length int
	var snapshot string
	if err := db.write.QueryRow(`SELECT length(title), json_extract(snapshot, '$[7]') FROM objectives WHERE id = 1`).Scan(&length, &snapshot); err != nil ||
		length != len("Grow revenue gnp.exe") || snapshot != "Grow revenue gnp.exe" {
		t.Errorf("length(title) = %d, snapshot title %+q, %v", length, snapshot, err)
	}
	if _, err := db.write.Exec(`UPDATE checkins SET note = 'rewritten'`); err == nil {
		t.Error("check-ins can be updated after the migration; the trigger is gone")
	}
	var after int
	if err := db.write.QueryRow(`SELECT value FROM generation`).Scan(&after); err != nil || after <= generation {
		t.Errorf("generation %d -> %d (%v), want it moved", generation, after, err)
	}
}

// TestOpen_KeyResultsCheckedInAreSetByHand: the migration to schema 4 sets
// every key result already checked in by hand, so that upgrading changes no
// progress a person set; one never checked in is driven by what delivers
// it from then on.
func TestOpen_KeyResultsCheckedInAreSetByHand(t *testing.T) {
	const before = 3 // the last schema version without key_results.by_hand
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "okrbot.db")
	old, mustExec := databaseAt(t, path, before)
	mustExec(`INSERT INTO cycles (id, name, start_at, end_at, status) VALUES (1, '2026-Q4', 0, 1, 'current')`)
	mustExec(`INSERT INTO objectives (id, cycle_id, title, level, owner_id, created_at, updated_at) VALUES (1, 1, 'Top', 'company', 'U1', 5, 6)`)
	mustExec(`INSERT INTO key_results (id, objective_id, cycle_id, title, kind, start, target, current, owner_id, created_at, updated_at)
		VALUES (1, 1, 1, 'Checked in', 'increase', 0, 10, 3, 'U1', 5, 6), (2, 1, 1, 'Never', 'increase', 0, 10, 0, 'U1', 5, 6)`)
	mustExec(`INSERT INTO checkins (key_result_id, author_id, value, previous, confidence, created_at) VALUES (1, 'U1', 3, 0, 'on_track', 7)`)
	mustExec(`UPDATE key_results SET checked_at = 7, confidence = 'on_track' WHERE id = 1`)
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, want := range map[int64]bool{1: true, 2: false} {
		kr, err := db.FindKeyResultByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if kr.ByHand != want {
			t.Errorf("KR%d by hand = %v, want %v", id, kr.ByHand, want)
		}
		if kr.UpdatedAt.UnixMilli() != 6 {
			t.Errorf("KR%d: updated_at = %v; the migration is not an edit", id, kr.UpdatedAt)
		}
	}
}
