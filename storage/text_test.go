package storage_test

import (
	"context"
	"database/sql"
	"testing"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
)

// TestText_StoredClean: text with control, bidi and zero-width characters,
// or in NFD, is stored as the domain normalises it, on every write, and
// SQLite's own text functions see all of it.
func TestText_StoredClean(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)

	team := &okr.Team{Name: "\u202EPlat\u200Bform\x00\tteam"}
	if err := db.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindTeamByID(ctx, team.ID); err != nil || got.Name != "Platform team" {
		t.Fatalf("team = %+q, %v; want %q", got.Name, err, "Platform team")
	}
	// The same name with other invisible characters is the same name.
	if err := db.CreateTeam(ctx, &okr.Team{Name: "Platform\u2060 team"}); okr.FieldErrors(err)["name"] == "" {
		t.Fatalf("a second %q = %v, want a name error", "Platform team", err)
	}
	if got, err := db.FindTeamByName(ctx, "plat\u200Bform\tteam"); err != nil || got.ID != team.ID {
		t.Fatalf("FindTeamByName with invisible characters = %v, %v; want team %d", got, err, team.ID)
	}

	o := &okr.Objective{Title: "Grow\x00 revenue \u202Egnp.exe", Description: "Why\r\nnow\u0085\u200B", Level: okr.LevelTeam,
		OwnerID: "U1", TeamID: team.ID, CycleID: c.ID}
	kr := &okr.KeyResult{Title: "Sign\u200B-ups\n", Kind: okr.KindIncrease, Start: 0, Target: 10, Unit: "le\u2060ads", OwnerID: "U1"}
	mustObjective(t, db, o, kr)
	got, err := db.FindObjectiveByID(ctx, o.ID)
	if err != nil || got.Title != "Grow revenue gnp.exe" || got.Description != "Why\nnow" {
		t.Fatalf("objective = %+q, %+q, %v", got.Title, got.Description, err)
	}
	gotKR, err := db.FindKeyResultByID(ctx, kr.ID)
	if err != nil || gotKR.Title != "Sign-ups" || gotKR.Unit != "leads" {
		t.Fatalf("key result = %+q, %+q, %v", gotKR.Title, gotKR.Unit, err)
	}

	title, unit := "Cafe\u0301 👩\u200D💻\u2069", "\u202Dpts"
	if got, err := db.UpdateObjective(ctx, o.ID, okr.ObjectiveUpdate{Title: &title}); err != nil || got.Title != "Café 👩\u200D💻" {
		t.Fatalf("updated objective = %+q, %v", got.Title, err)
	}
	if got, err := db.UpdateKeyResult(ctx, kr.ID, okr.KeyResultUpdate{Title: &title, Unit: &unit}); err != nil || got.Title != "Café 👩\u200D💻" || got.Unit != "pts" {
		t.Fatalf("updated key result = %+q, %+q, %v", got.Title, got.Unit, err)
	}
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: "U1", Value: 3, Confidence: okr.AtRisk,
		Note: "Good\x00 week\r\n\u202Ereally", Blockers: "none\u200B"}}); err != nil {
		t.Fatal(err)
	}
	history, err := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &kr.ID})
	if err != nil || len(history) != 1 || history[0].Note != "Good week\nreally" || history[0].Blockers != "none" {
		t.Fatalf("check-ins = %+v, %v", history, err)
	}

	// SQLite's length() stops at a NUL; now it counts the whole title.
	var n int
	if err := rawQueryRow(t, db, `SELECT length(title) FROM objectives WHERE id = ?`, o.ID).Scan(&n); err != nil || n != utf8.RuneCountInString("Café 👩\u200D💻") {
		t.Fatalf("length(title) = %d, %v", n, err)
	}
}

// rawQueryRow runs a query on a connection of its own, beside db, to see
// what SQLite itself makes of the rows.
func rawQueryRow(t *testing.T, db interface{ Path() string }, query string, args ...any) *sql.Row {
	t.Helper()
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw.QueryRow(query, args...)
}
