package storage

import (
	"context"
	"fmt"

	"github.com/okrbot/okrbot/okr"
)

// Claim records key and returns true only the first time, across restarts
// and concurrent callers: the primary key decides, inside SQLite.
func (db *DB) Claim(ctx context.Context, key string) (bool, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (key, claimed_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		key, toMillis(tx.now))
	if err != nil {
		return false, fmt.Errorf("claim %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim %q: %w", key, err)
	}
	return n == 1, tx.Commit()
}

// MarkSent confirms a claimed delivery; ENOTFOUND if it was never claimed.
func (db *DB) MarkSent(ctx context.Context, key, ref string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET ref = ?, sent_at = ? WHERE key = ?`, ref, toMillis(tx.now), key)
	if err != nil {
		return fmt.Errorf("mark %q sent: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark %q sent: %w", key, err)
	} else if n == 0 {
		return okr.Errorf(okr.ENOTFOUND, "Delivery %s was never claimed.", key)
	}
	return tx.Commit()
}

// Pending lists deliveries claimed but not confirmed, oldest first.
func (db *DB) Pending(ctx context.Context) ([]*okr.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key, ref, claimed_at FROM deliveries WHERE sent_at IS NULL ORDER BY claimed_at, key`)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	defer rows.Close()
	var out []*okr.Delivery
	for rows.Next() {
		var d okr.Delivery
		var claimed int64
		if err := rows.Scan(&d.Key, &d.Ref, &claimed); err != nil {
			return nil, fmt.Errorf("pending deliveries: %w", err)
		}
		d.ClaimedAt = fromMillis(claimed)
		out = append(out, &d)
	}
	return out, rows.Err()
}
