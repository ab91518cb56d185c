package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

const keyResultColumns = `id, objective_id, title, kind, start, target, current, unit, owner_id, weight, archived,
	checked_at, COALESCE(confidence, ''), created_at, updated_at, by_hand`

func scanKeyResult(s scanner) (*okr.KeyResult, error) {
	var kr okr.KeyResult
	var checked sql.NullInt64
	var created, updated int64
	if err := s.Scan(&kr.ID, &kr.ObjectiveID, &kr.Title, &kr.Kind, &kr.Start, &kr.Target, &kr.Current, &kr.Unit,
		&kr.OwnerID, &kr.Weight, &kr.Archived, &checked, &kr.Confidence, &created, &updated, &kr.ByHand); err != nil {
		return nil, err
	}
	kr.CheckedAt = fromNullMillis(checked)
	kr.CreatedAt, kr.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &kr, nil
}

// CreateKeyResult adds a key result to an active objective in an open cycle.
func (db *DB) CreateKeyResult(ctx context.Context, kr *okr.KeyResult) error {
	if err := kr.Validate(); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := findObjectiveByID(ctx, tx, kr.ObjectiveID)
	if err != nil {
		return err
	}
	if err := requireActive(ctx, tx, o); err != nil {
		return err
	}
	if err := insertKeyResult(ctx, tx, o, kr); err != nil {
		return err
	}
	tx.touch(o.ID)
	return tx.Commit()
}

// insertKeyResult adds a key result to the objective o.
func insertKeyResult(ctx context.Context, tx *Tx, o *okr.Objective, kr *okr.KeyResult) error {
	kr.ObjectiveID, kr.CreatedAt, kr.UpdatedAt, kr.Archived = o.ID, tx.now, tx.now, false
	res, err := tx.ExecContext(ctx, `INSERT INTO key_results (objective_id, cycle_id, title, kind, start, target, current, unit,
		owner_id, weight, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.CycleID, kr.Title, kr.Kind, kr.Start, kr.Target, kr.Current, kr.Unit, kr.OwnerID, kr.Weight,
		toMillis(tx.now), toMillis(tx.now))
	if err != nil {
		return fmt.Errorf("create key result: %w", err)
	}
	if kr.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create key result: %w", err)
	}
	return nil
}

// FindKeyResultByID returns ENOTFOUND when there is no such key result.
func (db *DB) FindKeyResultByID(ctx context.Context, id int64) (*okr.KeyResult, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findKeyResultByID(ctx, tx, id)
}

func findKeyResultByID(ctx context.Context, tx *Tx, id int64) (*okr.KeyResult, error) {
	kr, err := scanKeyResult(tx.QueryRowContext(ctx, `SELECT `+keyResultColumns+` FROM key_results WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "There is no key result %s.", okr.KeyResultRef(id))
	}
	if err != nil {
		return nil, fmt.Errorf("find key result %d: %w", id, err)
	}
	return kr, nil
}

// FindKeyResults lists the key results that match, by ID.
func (db *DB) FindKeyResults(ctx context.Context, f okr.KeyResultFilter) ([]*okr.KeyResult, error) {
	if f.IDs != nil && len(f.IDs) == 0 {
		return nil, nil
	}
	var rows *sql.Rows
	var err error
	if onlyIDs(f) {
		ids, _ := json.Marshal(f.IDs) // a []int64 always marshals
		rows, err = db.query(ctx, readKeyResultsByID, string(ids))
	} else {
		query, args := keyResultQuery(keyResultColumns, f)
		rows, err = db.read.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("find key results: %w", err)
	}
	defer rows.Close()
	var out []*okr.KeyResult
	for rows.Next() {
		kr, err := scanKeyResult(rows)
		if err != nil {
			return nil, fmt.Errorf("find key results: %w", err)
		}
		out = append(out, kr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find key results: %w", err)
	}
	return out, nil
}

// FindKeyResultTexts lists the key results' titles alone, by ID: the
// suggestion index reads 50,000 of them, and whole rows cost several times
// as much to read and keep.
func (db *DB) FindKeyResultTexts(ctx context.Context, f okr.KeyResultFilter) ([]okr.KeyResultText, error) {
	if f.IDs != nil && len(f.IDs) == 0 {
		return nil, nil
	}
	query, args := keyResultQuery(`id, objective_id, title`, f)
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find key result texts: %w", err)
	}
	defer rows.Close()
	var out []okr.KeyResultText
	for rows.Next() {
		var t okr.KeyResultText
		if err := rows.Scan(&t.ID, &t.ObjectiveID, &t.Title); err != nil {
			return nil, fmt.Errorf("find key result texts: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find key result texts: %w", err)
	}
	return out, nil
}

// onlyIDs: the filter asks for the key results with those IDs and nothing
// else, as a page asks for the ones it shows in full.
func onlyIDs(f okr.KeyResultFilter) bool {
	return f.IDs != nil && f.ObjectiveID == nil && f.OwnerID == nil && f.CycleID == nil &&
		f.Archived == nil && !f.Linked && f.Limit == 0
}

// keyResultQuery selects the columns of the key results the filter keeps,
// by ID. f.IDs must not be empty (the caller answers none).
func keyResultQuery(columns string, f okr.KeyResultFilter) (string, []any) {
	var where []string
	var args []any
	if f.IDs != nil {
		where = append(where, `id IN (`+placeholders(len(f.IDs))+`)`)
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.ObjectiveID != nil {
		where, args = append(where, `objective_id = ?`), append(args, *f.ObjectiveID)
	}
	if f.OwnerID != nil {
		where, args = append(where, `owner_id = ?`), append(args, *f.OwnerID)
	}
	if f.CycleID != nil {
		where, args = append(where, `cycle_id = ?`), append(args, *f.CycleID)
	}
	if f.Archived != nil {
		where, args = append(where, `archived = ?`), append(args, *f.Archived)
	}
	if f.Linked {
		where = append(where, linkedObjective("objective_id"))
	}
	query := `SELECT ` + columns + ` FROM key_results`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY id`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return query, args
}

// UpdateKeyResult applies the update and returns the key result as stored.
func (db *DB) UpdateKeyResult(ctx context.Context, id int64, upd okr.KeyResultUpdate) (*okr.KeyResult, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	kr, err := liveKeyResult(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	next, err := upd.Apply(kr)
	if err != nil {
		return nil, err
	}
	next.UpdatedAt = tx.now
	tx.touch(kr.ObjectiveID)
	if _, err := tx.ExecContext(ctx, `UPDATE key_results SET title = ?, kind = ?, start = ?, target = ?, current = ?, unit = ?,
		owner_id = ?, weight = ?, by_hand = ?, updated_at = ? WHERE id = ?`,
		next.Title, next.Kind, next.Start, next.Target, next.Current, next.Unit, next.OwnerID, next.Weight, next.ByHand,
		toMillis(tx.now), id); err != nil {
		return nil, fmt.Errorf("update key result %d: %w", id, err)
	}
	return next, tx.Commit()
}

// ArchiveKeyResult hides a key result; its check-ins stay. Objectives that
// delivered it keep supporting its objective.
func (db *DB) ArchiveKeyResult(ctx context.Context, id int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	kr, err := liveKeyResult(ctx, tx, id)
	if err != nil {
		return err
	}
	tx.touch(kr.ObjectiveID)
	if _, err := tx.ExecContext(ctx, `UPDATE key_results SET archived = 1, updated_at = ? WHERE id = ?`, toMillis(tx.now), id); err != nil {
		return fmt.Errorf("archive key result %d: %w", id, err)
	}
	if err := tx.touchReturned(ctx, `UPDATE objectives SET parent_key_result_id = NULL, updated_at = ? WHERE parent_key_result_id = ?
		RETURNING id`, toMillis(tx.now), id); err != nil {
		return fmt.Errorf("archive key result %d: %w", id, err)
	}
	return tx.Commit()
}

// liveKeyResult loads a key result that may change: not archived, under an
// active objective in an open cycle.
func liveKeyResult(ctx context.Context, tx *Tx, id int64) (*okr.KeyResult, error) {
	kr, err := findKeyResultByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if kr.Archived {
		return nil, okr.Errorf(okr.ECONFLICT, "%s is archived; it cannot change.", kr.Ref())
	}
	o, err := findObjectiveByID(ctx, tx, kr.ObjectiveID)
	if err != nil {
		return nil, err
	}
	if err := requireActive(ctx, tx, o); err != nil {
		return nil, err
	}
	return kr, nil
}
