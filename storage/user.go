package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// UpsertUsers writes the profiles in one transaction. Away dates are the
// bot's own data and survive a resync.
func (db *DB) UpsertUsers(ctx context.Context, users []*okr.User) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.touchNoGraph() // nothing here is in a graph
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO users (id, name, tz, is_admin, is_bot, deleted, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, tz = excluded.tz, is_admin = excluded.is_admin,
			is_bot = excluded.is_bot, deleted = excluded.deleted, updated_at = excluded.updated_at`)
	if err != nil {
		return fmt.Errorf("upsert users: %w", err)
	}
	defer stmt.Close()
	for _, u := range users {
		if u.ID == "" {
			return okr.Errorf(okr.EINVALID, "A user needs an ID.")
		}
		if _, err := stmt.ExecContext(ctx, u.ID, u.Name, u.TZ, u.IsAdmin, u.IsBot, u.Deleted, toMillis(tx.now)); err != nil {
			return fmt.Errorf("upsert user %s: %w", u.ID, err)
		}
	}
	return tx.Commit()
}

const userColumns = `id, name, tz, is_admin, is_bot, deleted, away_till`

func scanUser(s scanner) (*okr.User, error) {
	var u okr.User
	var away sql.NullInt64
	if err := s.Scan(&u.ID, &u.Name, &u.TZ, &u.IsAdmin, &u.IsBot, &u.Deleted, &away); err != nil {
		return nil, err
	}
	u.AwayTill = fromNullMillis(away)
	return &u, nil
}

// FindUserByID returns ENOTFOUND for a user never synced.
func (db *DB) FindUserByID(ctx context.Context, id string) (*okr.User, error) {
	u, err := scanUser(db.queryRow(ctx, readUserByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "I don't know that person yet.")
	}
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", id, err)
	}
	return u, nil
}

// FindUsers lists every cached user by ID.
func (db *DB) FindUsers(ctx context.Context) ([]*okr.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []*okr.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetAway sets the user's away date, or clears it with a zero time. A user
// not yet synced is recorded with just the date.
func (db *DB) SetAway(ctx context.Context, id string, till time.Time) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.touchNoGraph() // nothing here is in a graph
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, away_till, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET away_till = excluded.away_till, updated_at = excluded.updated_at`,
		id, nullMillis(till), toMillis(tx.now)); err != nil {
		return fmt.Errorf("set away for %s: %w", id, err)
	}
	return tx.Commit()
}
