package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/okrbot/okrbot/okr"
)

// goMigrations are the migrations written in Go, numbered in one sequence
// with the embedded .sql files.
var goMigrations = []migration{
	{version: 3, name: "0003_normalise_text", step: normaliseText},
}

// textColumn is a column of text people typed, and how okr normalises it.
type textColumn struct {
	name      string
	multiline bool
	ifEmpty   string // what a value that normalises to nothing becomes
}

func (c textColumn) normalise(s string) string {
	if c.multiline {
		s = okr.NormaliseText(s)
	} else {
		s = okr.NormaliseLine(s)
	}
	if s == "" {
		return c.ifEmpty
	}
	return s
}

// normaliseText makes the text stored before okrbot normalised it what the
// domain stores today (okr.NormaliseLine, okr.NormaliseText): no control,
// bidi control or stray zero-width characters, NFC, titles on one line. It
// is Go because SQL has no Unicode normalisation. Timestamps stay: this is
// not an edit. A title left empty becomes "Untitled"; team names keep
// unique (see normaliseTeamNames).
func normaliseText(ctx context.Context, tx *sql.Tx) error {
	changed, err := normaliseTeamNames(ctx, tx)
	if err != nil {
		return err
	}
	title := textColumn{name: "title", ifEmpty: "Untitled"}
	for _, t := range []struct {
		table   string
		columns []textColumn
	}{
		{"objectives", []textColumn{title, {name: "description", multiline: true}}},
		{"key_results", []textColumn{title, {name: "unit"}}},
		{"checkins", []textColumn{{name: "note", multiline: true}, {name: "blockers", multiline: true}}},
	} {
		n, err := normaliseColumns(ctx, tx, t.table, t.columns)
		if err != nil {
			return err
		}
		changed += n
	}
	if changed == 0 {
		return nil
	}
	// A process still running the previous okrbot may hold the old text in
	// its cache of the cycle's graph; a new generation tells it to reload.
	if _, err := tx.ExecContext(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("move the generation: %w", err)
	}
	return nil
}

// normaliseColumns rewrites the rows of table whose columns change when
// normalised, and returns how many did. Table and column names are this
// file's constants; values are parameters.
func normaliseColumns(ctx context.Context, tx *sql.Tx, table string, columns []textColumn) (int, error) {
	list := ""
	set := ""
	for i, c := range columns {
		if i > 0 {
			list += ", "
			set += ", "
		}
		list += c.name
		set += c.name + " = ?"
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, `+list+` FROM `+table+` ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	var updates [][]any // the new values, then the ID
	for rows.Next() {
		var id int64
		values := make([]string, len(columns))
		dest := []any{&id}
		for i := range values {
			dest = append(dest, &values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return 0, fmt.Errorf("read %s: %w", table, err)
		}
		var args []any
		dirty := false
		for i, c := range columns {
			clean := c.normalise(values[i])
			dirty = dirty || clean != values[i]
			args = append(args, clean)
		}
		if dirty {
			updates = append(updates, append(args, id))
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	if len(updates) == 0 {
		return 0, nil
	}
	// Check-ins are append-only (0001_init.sql); cleaning how a note is
	// encoded is not changing what it says, so the guard is lifted for the
	// rewrite and restored, as it was, in this same transaction.
	if table == "checkins" {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER checkins_no_update`); err != nil {
			return 0, fmt.Errorf("lift the check-in guard: %w", err)
		}
	}
	for _, args := range updates {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+set+` WHERE id = ?`, args...); err != nil {
			return 0, fmt.Errorf("update %s %d: %w", table, args[len(args)-1], err)
		}
	}
	if table == "checkins" {
		if _, err := tx.ExecContext(ctx, `CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins
BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END`); err != nil {
			return 0, fmt.Errorf("restore the check-in guard: %w", err)
		}
	}
	return len(updates), nil
}

// normaliseTeamNames normalises team names, which must stay unique
// (ignoring case, as the teams_name index does): a name that becomes one
// another team has gets " (2)", " (3)"... and a name that becomes empty
// gets the team's number. Names that were clean are not touched, so they
// keep priority; among the rest, the older team does.
func normaliseTeamNames(ctx context.Context, tx *sql.Tx) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM teams ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("read teams: %w", err)
	}
	defer rows.Close()
	type team struct {
		id   int64
		name string
	}
	var dirty []team
	for rows.Next() {
		var t team
		if err := rows.Scan(&t.id, &t.name); err != nil {
			return 0, fmt.Errorf("read teams: %w", err)
		}
		if clean := okr.NormaliseLine(t.name); clean != t.name {
			if clean == "" {
				clean = fmt.Sprintf("Team %d", t.id)
			}
			dirty = append(dirty, team{t.id, clean})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read teams: %w", err)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("read teams: %w", err)
	}
	for _, t := range dirty {
		name := t.name
		for n := 2; ; n++ {
			var taken bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE name = ? COLLATE NOCASE AND id != ?)`, name, t.id).Scan(&taken); err != nil {
				return 0, fmt.Errorf("check team name: %w", err)
			}
			if !taken {
				break
			}
			name = fmt.Sprintf("%s (%d)", t.name, n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE teams SET name = ? WHERE id = ?`, name, t.id); err != nil {
			return 0, fmt.Errorf("update team %d: %w", t.id, err)
		}
	}
	return len(dirty), nil
}
