package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

// The delivery ledger and the instances that hold its claims. Its writes do
// not move the generation (see LoadGraph): they change nothing an analysis
// reads, so a busy fan-out never invalidates what was computed from it.

// Claim takes key for instance in one transaction, so that of any number of
// callers in any number of processes exactly one holds a key at a time.
func (db *DB) Claim(ctx context.Context, key, target, instance string) (okr.Claim, error) {
	tx, err := db.beginLedgerWrite(ctx)
	if err != nil {
		return okr.Claim{}, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (key, target, owner, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		key, target, instance, toMillis(tx.now))
	if err != nil {
		return okr.Claim{}, fmt.Errorf("claim %q: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return okr.Claim{}, fmt.Errorf("claim %q: %w", key, err)
	} else if n == 1 {
		return okr.Claim{Result: okr.ClaimNew}, tx.Commit()
	}
	prev, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE key = ?`, key))
	if err != nil {
		return okr.Claim{}, fmt.Errorf("claim %q: %w", key, err)
	}
	if prev.Done() {
		return okr.Claim{Result: okr.ClaimDone, Previous: prev}, nil
	}
	if prev.Owner != instance {
		var alive bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM instances WHERE id = ? AND beat_at > ?)`,
			prev.Owner, toMillis(tx.now.Add(-okr.InstanceTimeout))).Scan(&alive); err != nil {
			return okr.Claim{}, fmt.Errorf("claim %q: %w", key, err)
		}
		if alive {
			return okr.Claim{Result: okr.ClaimBusy, Previous: prev}, nil
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET owner = ?, target = ?, claimed_at = ? WHERE key = ?`,
		instance, target, toMillis(tx.now), key); err != nil {
		return okr.Claim{}, fmt.Errorf("take over %q: %w", key, err)
	}
	return okr.Claim{Result: okr.ClaimTakenOver, Previous: prev}, tx.Commit()
}

// MarkSent confirms a claimed delivery; ENOTFOUND if it was never claimed.
func (db *DB) MarkSent(ctx context.Context, key, ref string) error {
	return db.finishDelivery(ctx, key, `UPDATE deliveries SET ref = ?, sent_at = ?, failed_at = NULL, error = '' WHERE key = ?`, ref)
}

// MarkFailed gives a claimed delivery up for good; ENOTFOUND if it was never
// claimed.
func (db *DB) MarkFailed(ctx context.Context, key, reason string) error {
	return db.finishDelivery(ctx, key, `UPDATE deliveries SET error = ?, failed_at = ? WHERE key = ? AND sent_at IS NULL`, reason)
}

// finishDelivery runs an update taking (value, now, key).
func (db *DB) finishDelivery(ctx context.Context, key, query, value string) error {
	tx, err := db.beginLedgerWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, query, value, toMillis(tx.now), key)
	if err != nil {
		return fmt.Errorf("record delivery %q: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record delivery %q: %w", key, err)
	} else if n == 0 {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE key = ?)`, key).Scan(&exists); err != nil {
			return fmt.Errorf("record delivery %q: %w", key, err)
		}
		if !exists {
			return okr.Errorf(okr.ENOTFOUND, "Delivery %s was never claimed.", key)
		}
	}
	return tx.Commit()
}

const deliveryColumns = `key, target, owner, ref, claimed_at, sent_at, failed_at, error`

func scanDelivery(s scanner) (*okr.Delivery, error) {
	var d okr.Delivery
	var claimed int64
	var sent, failed sql.NullInt64
	if err := s.Scan(&d.Key, &d.Target, &d.Owner, &d.Ref, &claimed, &sent, &failed, &d.Error); err != nil {
		return nil, err
	}
	d.ClaimedAt, d.SentAt, d.FailedAt = fromMillis(claimed), fromNullMillis(sent), fromNullMillis(failed)
	return &d, nil
}

// FindDelivery returns ENOTFOUND for a key never claimed.
func (db *DB) FindDelivery(ctx context.Context, key string) (*okr.Delivery, error) {
	d, err := scanDelivery(db.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "Delivery %s was never claimed.", key)
	}
	if err != nil {
		return nil, fmt.Errorf("find delivery %q: %w", key, err)
	}
	return d, nil
}

// FindDeliveries lists deliveries by key prefix and suffix, newest claim
// first. The prefix uses the primary key's order, so it is cheap.
func (db *DB) FindDeliveries(ctx context.Context, f okr.DeliveryFilter) ([]*okr.Delivery, error) {
	var where []string
	var args []any
	if f.Prefix != "" {
		// A range on the key instead of LIKE: no escaping of '%' and '_',
		// and the primary key index answers it.
		where, args = append(where, `key >= ? AND key < ?`), append(args, f.Prefix, f.Prefix+"\U0010FFFF")
	}
	if f.Suffix != "" {
		where, args = append(where, `substr(key, -?) = ?`), append(args, len(f.Suffix), f.Suffix)
	}
	if f.Sent != nil {
		if *f.Sent {
			where = append(where, `sent_at IS NOT NULL`)
		} else {
			where = append(where, `sent_at IS NULL`)
		}
	}
	query := `SELECT ` + deliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY claimed_at DESC, key DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return db.deliveries(ctx, query, args...)
}

// Pending lists deliveries claimed but neither sent nor failed, oldest
// first.
func (db *DB) Pending(ctx context.Context) ([]*okr.Delivery, error) {
	return db.deliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY claimed_at, key`)
}

func (db *DB) deliveries(ctx context.Context, query string, args ...any) ([]*okr.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	defer rows.Close()
	var out []*okr.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("find deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	return out, nil
}

// Beat records that the instance is alive, registering it the first time.
func (db *DB) Beat(ctx context.Context, in okr.Instance) error {
	tx, err := db.beginLedgerWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO instances (id, host, pid, beat_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at`, in.ID, in.Host, in.PID, toMillis(tx.now)); err != nil {
		return fmt.Errorf("instance %s beat: %w", in.ID, err)
	}
	return tx.Commit()
}

// Instances lists the registered instances by ID.
func (db *DB) Instances(ctx context.Context) ([]*okr.Instance, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, host, pid, beat_at FROM instances ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find instances: %w", err)
	}
	defer rows.Close()
	var out []*okr.Instance
	for rows.Next() {
		var in okr.Instance
		var beat int64
		if err := rows.Scan(&in.ID, &in.Host, &in.PID, &beat); err != nil {
			return nil, fmt.Errorf("find instances: %w", err)
		}
		in.BeatAt = fromMillis(beat)
		out = append(out, &in)
	}
	return out, rows.Err()
}

// Leave removes instances; the claims they held can be taken over at once.
func (db *DB) Leave(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.beginLedgerWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM instances WHERE id IN (`+placeholders(len(ids))+`)`, args...); err != nil {
		return fmt.Errorf("remove instances: %w", err)
	}
	return tx.Commit()
}
