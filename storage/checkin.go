package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

// CreateCheckins records the check-ins in one transaction, copying each onto
// its key result and setting it by hand (okr.KeyResult.ByHand); either all
// are stored or none is. Each check-in's Previous is set to the key
// result's value just before it.
func (db *DB) CreateCheckins(ctx context.Context, checkins []*okr.Checkin) error {
	var errs []error
	for _, c := range checkins {
		errs = append(errs, c.Validate())
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range checkins {
		kr, err := liveKeyResult(ctx, tx, c.KeyResultID)
		if err != nil {
			return err
		}
		if kr.Kind == okr.KindMilestone && c.Value != 0 && c.Value != 1 {
			return okr.FieldErrorf("value", "A milestone is done or not done.")
		}
		c.Previous, c.CreatedAt = kr.Current, tx.now
		tx.touch(kr.ObjectiveID)
		res, err := tx.ExecContext(ctx, `INSERT INTO checkins (key_result_id, author_id, value, previous, confidence, note, blockers, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.KeyResultID, c.AuthorID, c.Value, c.Previous, c.Confidence, c.Note, c.Blockers, toMillis(tx.now))
		if err != nil {
			return fmt.Errorf("record check-in for key result %d: %w", c.KeyResultID, err)
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("record check-in for key result %d: %w", c.KeyResultID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE key_results SET prev_value = current, prev_checked_at = checked_at,
			current = ?, checked_at = ?, confidence = ?, by_hand = 1, updated_at = ? WHERE id = ?`,
			c.Value, toMillis(tx.now), c.Confidence, toMillis(tx.now), c.KeyResultID); err != nil {
			return fmt.Errorf("record check-in for key result %d: %w", c.KeyResultID, err)
		}
	}
	return tx.Commit()
}

// FindCheckins lists check-ins, newest first.
func (db *DB) FindCheckins(ctx context.Context, f okr.CheckinFilter) ([]*okr.Checkin, error) {
	var where []string
	var args []any
	if f.KeyResultID != nil {
		where, args = append(where, `key_result_id = ?`), append(args, *f.KeyResultID)
	}
	if f.AuthorID != nil {
		where, args = append(where, `author_id = ?`), append(args, *f.AuthorID)
	}
	if f.Since != nil {
		where, args = append(where, `created_at >= ?`), append(args, toMillis(*f.Since))
	}
	query := `SELECT id, key_result_id, author_id, value, previous, confidence, note, blockers, created_at FROM checkins`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find check-ins: %w", err)
	}
	defer rows.Close()
	var out []*okr.Checkin
	for rows.Next() {
		var c okr.Checkin
		var created int64
		if err := rows.Scan(&c.ID, &c.KeyResultID, &c.AuthorID, &c.Value, &c.Previous, &c.Confidence, &c.Note, &c.Blockers, &created); err != nil {
			return nil, fmt.Errorf("find check-ins: %w", err)
		}
		c.CreatedAt = fromMillis(created)
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find check-ins: %w", err)
	}
	return out, nil
}
