package storage

import (
	"context"
	"fmt"

	"github.com/okrbot/okrbot/okr"
)

// RecordSuggestionFeedback stores a person's answer to a suggested parent,
// replacing an earlier answer for the same pair. It leaves the generation
// alone: nothing analysed reads it (the suggestion index is rebuilt by
// whoever records it).
func (db *DB) RecordSuggestionFeedback(ctx context.Context, fb okr.SuggestionFeedback, userID string) error {
	tx, err := db.beginLedgerWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM objectives WHERE id IN (?, ?)`, fb.ChildID, fb.ParentID).Scan(&n); err != nil {
		return fmt.Errorf("record suggestion feedback: %w", err)
	}
	if n != 2 {
		return okr.Errorf(okr.ENOTFOUND, "That objective no longer exists.")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO suggestion_feedback (child_id, parent_id, accepted, user_id, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (child_id, parent_id) DO UPDATE SET accepted = excluded.accepted, user_id = excluded.user_id, created_at = excluded.created_at`,
		fb.ChildID, fb.ParentID, fb.Accepted, userID, toMillis(tx.now))
	if err != nil {
		return fmt.Errorf("record suggestion feedback: %w", err)
	}
	return tx.Commit()
}

// FindSuggestionFeedback lists the answers, newest first, at most limit (0
// for all).
func (db *DB) FindSuggestionFeedback(ctx context.Context, limit int) ([]okr.SuggestionFeedback, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.read.QueryContext(ctx, `SELECT child_id, parent_id, accepted FROM suggestion_feedback
		ORDER BY created_at DESC, child_id, parent_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read suggestion feedback: %w", err)
	}
	defer rows.Close()
	var out []okr.SuggestionFeedback
	for rows.Next() {
		var fb okr.SuggestionFeedback
		if err := rows.Scan(&fb.ChildID, &fb.ParentID, &fb.Accepted); err != nil {
			return nil, fmt.Errorf("read suggestion feedback: %w", err)
		}
		out = append(out, fb)
	}
	return out, rows.Err()
}
