package storage

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Settings returns every stored setting.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := db.query(ctx, readSettings)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read settings: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSettings writes the values in one transaction; an empty value deletes
// the key so the configured default applies again.
func (db *DB) SetSettings(ctx context.Context, values map[string]string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.touchNoGraph() // nothing here is in a graph
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		var err error
		if v == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, k)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, toMillis(tx.now))
		}
		if err != nil {
			return fmt.Errorf("write setting %s: %w", k, err)
		}
	}
	return tx.Commit()
}
