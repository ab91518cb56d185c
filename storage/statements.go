package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// A preparedRead is one of the reads that run on nearly every command or
// page, kept prepared on the read pool for as long as it is open. SQLite parses and
// plans a statement every time one is prepared, and database/sql prepares
// one for every query it is handed as text: at 10,000 objectives, preparing
// these again on every /okr list was a fifth of the list's CPU
// (BENCHMARKS.md, issue 11).
type preparedRead int

const (
	readGeneration preparedRead = iota
	readSettings
	readCurrentCycle
	readCycleByID
	readKeyResultsByID
	readUserByID
)

var preparedQueries = [...]string{
	readGeneration:   `SELECT value FROM generation WHERE id = 1`,
	readSettings:     `SELECT key, value FROM settings`,
	readCurrentCycle: `SELECT ` + cycleColumns + ` FROM cycles WHERE status = 'current'`,
	readCycleByID:    `SELECT ` + cycleColumns + ` FROM cycles WHERE id = ?`,
	// The IDs as one JSON array, so that the text is the same for any
	// number of them: the key results a page shows in full.
	readKeyResultsByID: `SELECT ` + keyResultColumns + ` FROM key_results WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
	// The person behind a command: their time zone, whether they are away.
	readUserByID: `SELECT ` + userColumns + ` FROM users WHERE id = ?`,
}

// statements are the prepared reads, indexed by preparedRead. They are
// all prepared when the database opens, never later: preparing takes a
// connection from the pool, and a caller holding one (in a transaction)
// could otherwise wait for itself. database/sql then prepares each again
// once on every other connection that runs it.
type statements []*sql.Stmt

func prepareReads(ctx context.Context, pool *sql.DB) (statements, error) {
	s := make(statements, len(preparedQueries))
	for i, q := range preparedQueries {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prepare %q: %w", q, err), s.close())
		}
		s[i] = st
	}
	return s, nil
}

func (s statements) close() error {
	var errs []error
	for _, st := range s {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// queryRow runs a prepared read on the read pool.
func (db *DB) queryRow(ctx context.Context, r preparedRead, args ...any) *sql.Row {
	return db.readStmts[r].QueryRowContext(started(ctx), args...)
}

// query runs a prepared read on the read pool.
func (db *DB) query(ctx context.Context, r preparedRead, args ...any) (*sql.Rows, error) {
	return db.readStmts[r].QueryContext(started(ctx), args...)
}

// queryRow runs a prepared read in the transaction: a read transaction
// through the statement prepared on its connection, a write transaction
// (on the write pool, which keeps none) from the query's text.
func (tx *Tx) queryRow(ctx context.Context, r preparedRead, args ...any) *sql.Row {
	if tx.stmts == nil {
		return tx.QueryRowContext(ctx, preparedQueries[r], args...)
	}
	ctx = started(ctx)
	return tx.StmtContext(ctx, tx.stmts[r]).QueryRowContext(ctx, args...)
}
