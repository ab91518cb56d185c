package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/okrbot/okrbot/okr"
)

const cycleColumns = `id, name, start_at, end_at, status`

func scanCycle(s scanner) (*okr.Cycle, error) {
	var c okr.Cycle
	var start, end int64
	if err := s.Scan(&c.ID, &c.Name, &start, &end, &c.Status); err != nil {
		return nil, err
	}
	c.Start, c.End = fromMillis(start), fromMillis(end)
	return &c, nil
}

// CurrentCycle returns the current cycle; ENOTFOUND before the first.
func (db *DB) CurrentCycle(ctx context.Context) (*okr.Cycle, error) {
	c, err := scanCycle(db.queryRow(ctx, readCurrentCycle))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "There is no current cycle yet; an admin can start one with `/okr cycle start`.")
	}
	if err != nil {
		return nil, fmt.Errorf("current cycle: %w", err)
	}
	return c, nil
}

// FindCycleByID returns ENOTFOUND when there is no such cycle.
func (db *DB) FindCycleByID(ctx context.Context, id int64) (*okr.Cycle, error) {
	return cycleByID(db.queryRow(ctx, readCycleByID, id), id)
}

func findCycleByID(ctx context.Context, tx *Tx, id int64) (*okr.Cycle, error) {
	return cycleByID(tx.queryRow(ctx, readCycleByID, id), id)
}

func cycleByID(row *sql.Row, id int64) (*okr.Cycle, error) {
	c, err := scanCycle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "That cycle does not exist.")
	}
	if err != nil {
		return nil, fmt.Errorf("find cycle %d: %w", id, err)
	}
	return c, nil
}

// FindCycleByName returns ENOTFOUND when there is no such cycle.
func (db *DB) FindCycleByName(ctx context.Context, name string) (*okr.Cycle, error) {
	c, err := scanCycle(db.read.QueryRowContext(ctx, `SELECT `+cycleColumns+` FROM cycles WHERE name = ? COLLATE NOCASE`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "There is no cycle %s.", okr.Quote(name))
	}
	if err != nil {
		return nil, fmt.Errorf("find cycle %q: %w", name, err)
	}
	return c, nil
}

// FindCycles lists every cycle, newest first.
func (db *DB) FindCycles(ctx context.Context) ([]*okr.Cycle, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+cycleColumns+` FROM cycles ORDER BY start_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find cycles: %w", err)
	}
	defer rows.Close()
	var out []*okr.Cycle
	for rows.Next() {
		c, err := scanCycle(rows)
		if err != nil {
			return nil, fmt.Errorf("find cycles: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find cycles: %w", err)
	}
	return out, nil
}

// CreateCycle adds a cycle: ECONFLICT if the name exists or if it is current
// while another cycle is.
func (db *DB) CreateCycle(ctx context.Context, c *okr.Cycle) error {
	if c.Name == "" || !c.End.After(c.Start) {
		return okr.Errorf(okr.EINVALID, "A cycle needs a name and an end after its start.")
	}
	if c.Status == "" {
		c.Status = okr.CycleUpcoming
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cycles WHERE name = ? COLLATE NOCASE)`, c.Name).Scan(&taken); err != nil {
		return fmt.Errorf("create cycle: %w", err)
	}
	if taken {
		return okr.Errorf(okr.ECONFLICT, "The cycle %s already exists.", okr.Quote(c.Name))
	}
	if c.Status == okr.CycleCurrent {
		var current bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cycles WHERE status = 'current')`).Scan(&current); err != nil {
			return fmt.Errorf("create cycle: %w", err)
		}
		if current {
			return okr.Errorf(okr.ECONFLICT, "Another cycle is current; start the new one instead.")
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO cycles (name, start_at, end_at, status) VALUES (?, ?, ?, ?)`,
		c.Name, toMillis(c.Start), toMillis(c.End), c.Status)
	if err != nil {
		return fmt.Errorf("create cycle: %w", err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create cycle: %w", err)
	}
	return tx.Commit()
}

// StartCycle makes the cycle current and closes the one that was current,
// in one transaction. Starting the current cycle again changes nothing.
func (db *DB) StartCycle(ctx context.Context, id int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := findCycleByID(ctx, tx, id)
	if err != nil {
		return err
	}
	switch c.Status {
	case okr.CycleCurrent:
		return nil
	case okr.CycleClosed:
		return okr.Errorf(okr.ECONFLICT, "%s is closed; closed cycles cannot start again.", okr.Quote(c.Name))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cycles SET status = 'closed' WHERE status = 'current'`); err != nil {
		return fmt.Errorf("start cycle %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cycles SET status = 'current' WHERE id = ?`, id); err != nil {
		return fmt.Errorf("start cycle %d: %w", id, err)
	}
	return tx.Commit()
}

// CloseCycle marks a cycle closed; its objectives become read-only except
// for scoring.
func (db *DB) CloseCycle(ctx context.Context, id int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findCycleByID(ctx, tx, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cycles SET status = 'closed' WHERE id = ?`, id); err != nil {
		return fmt.Errorf("close cycle %d: %w", id, err)
	}
	return tx.Commit()
}

// requireOpenCycle refuses changes to objectives in a closed cycle.
func requireOpenCycle(ctx context.Context, tx *Tx, cycleID int64) (*okr.Cycle, error) {
	c, err := findCycleByID(ctx, tx, cycleID)
	if err != nil {
		return nil, err
	}
	if c.Status == okr.CycleClosed {
		return nil, okr.Errorf(okr.ECONFLICT, "%s is closed; closed cycles are read-only.", okr.Quote(c.Name))
	}
	return c, nil
}
