package storage

import (
	"context"
	"database/sql"
)

// started is the context a statement runs under: ctx, except that once the
// statement has started it runs to its end. A ctx that has already ended
// still fails the statement at once, as before.
//
// Why: with a ctx that can end, the SQLite driver starts a goroutine for
// every statement to interrupt it, and database/sql another for every
// result set, to close it. (database/sql starts one for every transaction
// whatever its ctx, and one for each result set inside it: so a read of
// one statement goes without a transaction.) A warm /okr list in
// BenchmarkReads, the emulator's part included, now starts 2 goroutines
// instead of 22, and the three reads nearly every command makes take
// 28 µs instead of 48 (BENCHMARKS.md, issue 11).
// Nothing here needs them. In WAL mode a read never waits for a lock and
// takes milliseconds; a write's statements run inside a transaction that
// already holds the write lock, and waiting for that lock (beginWrite) is
// still cancelled with ctx.
func started(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// readPool is the pool of read-only connections; each read runs to its
// end once started (see started).
type readPool struct{ *sql.DB }

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.DB.QueryContext(started(ctx), query, args...)
}

func (p readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.DB.QueryRowContext(started(ctx), query, args...)
}

func (p readPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return p.DB.BeginTx(started(ctx), opts)
}
