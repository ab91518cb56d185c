// Package storage keeps okrbot's data in SQLite (modernc.org/sqlite, pure
// Go): embedded numbered migrations, parameterised queries, and one
// transaction per change. It implements the service interfaces declared in
// package okr.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var _ okr.Store = (*DB)(nil)

// DB is an open okrbot database. Writes go through a single connection, so
// concurrent writers queue in Go instead of meeting SQLITE_BUSY; reads use a
// pool of read-only connections that WAL lets run beside the writer.
type DB struct {
	path      string
	dsn       string // the connection settings every connection shares
	write     *sql.DB
	read      readPool
	readStmts statements // see preparedRead

	pairMu  sync.Mutex // see beginReadPair
	journal journal    // what this process's writes changed, see UpdateGraph

	// Now is the clock every transaction reads its timestamp from; tests
	// replace it.
	Now func() time.Time
	// MigrationBackup is the copy Open made before it migrated an existing
	// database to a newer schema; "" when it migrated nothing.
	MigrationBackup string
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations. A database written by a newer okrbot is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: the path is empty")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open database %q: the path must not contain '?'", path)
	}
	// Pragmas go in the DSN so that every pooled connection gets them.
	// synchronous=NORMAL is durable across application crashes in WAL mode
	// and only risks the last transactions on power loss, which makes a
	// check-in cost well under a millisecond. Each connection caches 2 MiB
	// of pages and nothing is memory-mapped: both count in the process's
	// resident memory, which GOMEMLIMIT does not govern (a 256 MiB mmap and
	// 64 MiB caches had a bot with 10,000 objectives hold 260 MiB idle; 4 MiB
	// caches 5-10 MiB more than 2 MiB, for no read measurably faster), and
	// the operating system's page cache keeps the file warm anyway.
	base := path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-2048)"
	write, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	db := &DB{path: path, dsn: base, write: write, Now: time.Now}
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	// Readers open after the writer has switched the file to WAL.
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	db.read = readPool{read}
	if db.readStmts, err = prepareReads(ctx, read); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	return db, nil
}

// Close closes both pools; a checkpoint on the last connection folds the WAL
// back into the database file.
func (db *DB) Close() error {
	var errs []error
	if db.read.DB != nil {
		errs = append(errs, db.readStmts.close(), db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// migration is one schema change: an embedded numbered .sql file or, for
// a change SQL cannot express, a Go step (see goMigrations). Both kinds are
// numbered in one sequence and applied the same way, each in its own
// transaction.
type migration struct {
	version int
	name    string
	sql     string
	step    func(ctx context.Context, tx *sql.Tx) error // nil for SQL
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %q is not named like 0001_name.sql", e.Name())
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: version, name: e.Name(), sql: string(body)})
	}
	out = append(out, goMigrations...)
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: versions must run 1, 2, 3... without gaps or repeats", m.name)
		}
	}
	return out, nil
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies each pending migration in its own transaction and records
// it, so a failure leaves the database at the last good version.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var current int
	if err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("the database has schema version %d but this okrbot knows only up to %d: run a newer okrbot, or restore a backup made by this version", current, len(ms))
	}
	if current > 0 && current < len(ms) {
		if err := db.backUpBeforeMigrating(ctx, current); err != nil {
			return err
		}
	}
	for _, m := range ms[current:] {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if m.step != nil {
			err = m.step(ctx, tx)
		} else {
			_, err = tx.ExecContext(ctx, m.sql)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, toMillis(db.Now())); err != nil {
			tx.Rollback()
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// backUpBeforeMigrating copies a database about to be migrated from
// version to a file beside it, so that an upgrade can be undone by
// restoring it. An existing copy of that version is kept; the new one gets
// the time in its name.
func (db *DB) backUpBeforeMigrating(ctx context.Context, version int) error {
	backup := fmt.Sprintf("%s.v%d.bak", db.path, version)
	if _, err := os.Stat(backup); err == nil {
		backup = fmt.Sprintf("%s.v%d-%s.bak", db.path, version, db.Now().UTC().Format("20060102T150405"))
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, backup); err != nil {
		return fmt.Errorf("back up to %s before migrating from schema version %d (nothing was changed): %w", backup, version, err)
	}
	db.MigrationBackup = backup
	return nil
}

// Tx is a transaction with the time it started, which every row it writes
// carries.
type Tx struct {
	*sql.Tx
	now time.Time
	// moves: Commit increments the generation (see LoadGraph), in the same
	// transaction; every write does except the ledger's.
	moves bool
	// change is what the write changed in the cycles' graphs, recorded in
	// the journal at Commit (see touch).
	change  graphChange
	journal *journal
	stmts   statements // a read transaction's, see preparedRead
}

// Commit commits, first moving the generation for a write transaction that
// should, and records in the journal what the new generation changed.
func (tx *Tx) Commit() error {
	if !tx.moves {
		if err := tx.Tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	var gen int64
	if err := tx.QueryRow(`UPDATE generation SET value = value + 1 WHERE id = 1 RETURNING value`).Scan(&gen); err != nil {
		tx.Rollback()
		return fmt.Errorf("commit: %w", err)
	}
	// Held across the commit, so that a reader who sees the new generation
	// finds it in the journal rather than taking it for another process's.
	tx.journal.mu.Lock()
	defer tx.journal.mu.Unlock()
	if err := tx.Tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.journal.record(gen, tx.change)
	return nil
}

// QueryContext runs a statement of the transaction; once it has started,
// it runs to its end (see started).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(started(ctx), query, args...)
}

// QueryRowContext runs a statement of the transaction; once it has
// started, it runs to its end (see started).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(started(ctx), query, args...)
}

// ExecContext runs a statement of the transaction; once it has started,
// it runs to its end (see started).
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(started(ctx), query, args...)
}

// beginWrite starts a write transaction (BEGIN IMMEDIATE on the single write
// connection). Callers defer Rollback and Commit at the end.
func (db *DB) beginWrite(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{Tx: tx, now: db.Now().UTC(), moves: true, journal: &db.journal}, nil
}

// beginLedgerWrite starts a write transaction that leaves the generation
// alone: for the delivery ledger, which nothing analysed reads.
func (db *DB) beginLedgerWrite(ctx context.Context) (*Tx, error) {
	tx, err := db.beginWrite(ctx)
	if tx != nil {
		tx.moves = false
	}
	return tx, err
}

// beginRead starts a read-only transaction: one consistent snapshot.
func (db *DB) beginRead(ctx context.Context) (*Tx, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read: %w", err)
	}
	return &Tx{Tx: tx, now: db.Now().UTC(), stmts: db.readStmts}, nil
}

// SchemaOf reads the schema version of the okrbot database at path without
// changing it; an error if the file is not one (not SQLite, or without
// okrbot's migrations table).
func SchemaOf(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var version int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("%s is not an okrbot database: %w", path, err)
	}
	return version, nil
}

// Writable reports whether a write could be made now: it takes the write
// lock and lets it go, for the readiness probe. A closed database, a
// read-only file or a lock held elsewhere past ctx is an error.
func (db *DB) Writable(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return fmt.Errorf("database not writable: %w", err)
	}
	return tx.Rollback()
}

// Backup writes a consistent copy of the database to path while the bot
// keeps running (VACUUM INTO reads one snapshot). path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	// A connection of its own: not the writer, so writers are not held up,
	// and not a pooled reader, which is query_only (SQLite counts writing
	// the copy as a write).
	conn, err := sql.Open("sqlite", db.dsn)
	if err != nil {
		return fmt.Errorf("backup to %q: %w", path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %q: %w", path, err)
	}
	return nil
}

func toMillis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullMillis stores a zero time as NULL.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMillis(n.Int64)
}

// nullID stores a zero ID as NULL, for optional foreign keys.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
