package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// errSnapshotMoved means two read transactions began on different
// snapshots: a write committed between their first reads.
var errSnapshotMoved = errors.New("a write moved the snapshot between connections")

// LoadGraph loads what okr.Analyze needs for one cycle, as of one snapshot:
// the active objectives, their live key results (each carrying its last
// check-in, see okr.Graph for the fields left out), the links between them,
// and the week-ago value of every key result checked in during the week
// before now.
//
// Reading a value out of SQLite costs about as much as using it, so the key
// results, by far the largest part, are read in two halves on two
// connections at once. Both transactions first read the generation, which
// every write transaction increments; equal generations mean one snapshot.
// If writes keep interleaving, the load falls back to one connection.
func (db *DB) LoadGraph(ctx context.Context, cycleID int64, now time.Time) (*okr.Graph, error) {
	for range 3 {
		g, err := db.loadGraph(ctx, cycleID, now, true)
		if !errors.Is(err, errSnapshotMoved) {
			return g, err
		}
	}
	return db.loadGraph(ctx, cycleID, now, false)
}

func (db *DB) loadGraph(ctx context.Context, cycleID int64, now time.Time, parallel bool) (*okr.Graph, error) {
	txA, txB, err := db.beginReadPair(ctx, parallel)
	if err != nil {
		return nil, err
	}
	defer txA.Rollback()
	defer txB.Rollback()

	c, err := findCycleByID(ctx, txA, cycleID)
	if err != nil {
		return nil, err
	}
	var lo, hi sql.NullInt64
	if err := txA.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM key_results WHERE cycle_id = ?`, cycleID).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("load key results: %w", err)
	}
	weekStart := now.Add(-okr.Week)
	// This goroutine also reads the objectives, about a fifth of the work,
	// so it takes the smaller share of key results.
	mid := lo.Int64 + (hi.Int64-lo.Int64)*2/5
	upper := make(chan krBatch, 1)
	if parallel {
		go func() { upper <- loadKeyResults(ctx, txB, cycleID, mid+1, hi.Int64, weekStart) }()
	} else {
		upper <- loadKeyResults(ctx, txB, cycleID, mid+1, hi.Int64, weekStart)
	}
	g := &okr.Graph{Cycle: c}
	if g.Generation, err = generation(ctx, txA); err != nil {
		return nil, err
	}
	g.Objectives, err = graphObjectives(ctx, txA, cycleID)
	if err == nil {
		g.Links, err = findLinks(ctx, txA, `WHERE from_id IN (SELECT id FROM objectives WHERE cycle_id = ? AND status = 'active')`, cycleID)
	}
	lower := loadKeyResults(ctx, txA, cycleID, lo.Int64, mid, weekStart)
	higher := <-upper // always wait: txB must not be in use when it is rolled back
	if err != nil {
		return nil, err
	}
	if err := errors.Join(lower.err, higher.err); err != nil {
		return nil, err
	}
	g.KeyResults = append(lower.krs, higher.krs...)
	g.WeekAgo = append(lower.weekAgo, higher.weekAgo...)
	for _, i := range higher.deeper {
		lower.deeper = append(lower.deeper, len(lower.krs)+i)
	}
	if err := weekAgoFromHistory(ctx, txA, g, lower.deeper, weekStart); err != nil {
		return nil, err
	}
	// loadKeyResults reads each half in ID order, the lower half first.
	if err := loadByHand(ctx, txA, g.Objectives, g.KeyResults); err != nil {
		return nil, err
	}
	return g, nil
}

// keyResultByID orders a graph's key results, which are sorted by ID,
// against an ID, for slices.BinarySearchFunc.
func keyResultByID(kr *okr.KeyResult, id int64) int { return cmp.Compare(kr.ID, id) }

// loadByHand sets okr.KeyResult.ByHand on the key results among krs (sorted
// by ID) that the objectives deliver, the only ones the setting changes;
// the others read false. A handful of rows, where a column of every key
// result would slow the whole load (and the snapshot column cannot grow a
// field in place: SQLite cannot alter a stored generated column).
func loadByHand(ctx context.Context, tx *Tx, objectives []*okr.Objective, krs []*okr.KeyResult) error {
	var delivered []int64
	for _, o := range objectives {
		if o.ParentKeyResultID == 0 {
			continue
		}
		if _, ok := slices.BinarySearchFunc(krs, o.ParentKeyResultID, keyResultByID); ok {
			delivered = append(delivered, o.ParentKeyResultID)
		}
	}
	if len(delivered) == 0 {
		return nil
	}
	list, err := json.Marshal(delivered)
	if err != nil {
		return fmt.Errorf("load key results set by hand: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM key_results WHERE by_hand = 1 AND id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return fmt.Errorf("load key results set by hand: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("load key results set by hand: %w", err)
		}
		if i, ok := slices.BinarySearchFunc(krs, id, keyResultByID); ok {
			krs[i].ByHand = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load key results set by hand: %w", err)
	}
	return nil
}

// beginReadPair starts two read transactions on one snapshot (or, when not
// parallel, one transaction returned twice). Pairs are taken one at a time:
// two loads each holding one connection of a small pool while waiting for a
// second could otherwise wait for each other forever.
func (db *DB) beginReadPair(ctx context.Context, parallel bool) (a, b *Tx, err error) {
	if !parallel {
		a, err = db.beginRead(ctx)
		return a, a, err
	}
	db.pairMu.Lock()
	defer db.pairMu.Unlock()
	if a, err = db.beginRead(ctx); err != nil {
		return nil, nil, err
	}
	if b, err = db.beginRead(ctx); err != nil {
		a.Rollback()
		return nil, nil, err
	}
	genA, errA := generation(ctx, a)
	genB, errB := generation(ctx, b)
	if err := errors.Join(errA, errB); err != nil || genA != genB {
		a.Rollback()
		b.Rollback()
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, errSnapshotMoved
	}
	return a, b, nil
}

// graphObjectives reads the active objectives of a cycle, each as its
// snapshot column (see the migration), in rowid order over the cycle's ID
// range, as loadKeyResults does.
func graphObjectives(ctx context.Context, tx *Tx, cycleID int64) ([]*okr.Objective, error) {
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM objectives WHERE cycle_id = ?`, cycleID).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("load objectives: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, snapshot FROM objectives NOT INDEXED
		WHERE id BETWEEN ? AND ? AND cycle_id = ? AND status = 'active'`, lo.Int64, hi.Int64, cycleID)
	if err != nil {
		return nil, fmt.Errorf("load objectives: %w", err)
	}
	return scanGraphObjectives(rows, cycleID)
}

// scanGraphObjectives reads rows of (id, snapshot) of active objectives of
// the cycle, and closes them.
func scanGraphObjectives(rows *sql.Rows, cycleID int64) ([]*okr.Objective, error) {
	defer rows.Close()
	var slab []okr.Objective // one allocation for all, not one per row
	var snapshot string
	for rows.Next() {
		slab = append(slab, okr.Objective{CycleID: cycleID, Status: okr.StatusActive})
		o := &slab[len(slab)-1]
		if err := rows.Scan(&o.ID, &snapshot); err != nil {
			return nil, fmt.Errorf("load objectives: %w", err)
		}
		d := jsonFields{rest: snapshot}
		if !d.open() {
			return nil, fmt.Errorf("load objective %d: snapshot %q is not a JSON array", o.ID, snapshot)
		}
		o.Level, o.OwnerID, o.TeamID = okr.Level(d.str()), d.str(), d.int()
		o.ParentObjectiveID, o.ParentKeyResultID, o.RollupChildren, o.Weight = d.int(), d.int(), d.int() != 0, d.float()
		o.Title = d.lastString()
		if err := d.close(); err != nil {
			return nil, fmt.Errorf("load objective %d: snapshot %q: %w", o.ID, snapshot, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load objectives: %w", err)
	}
	out := make([]*okr.Objective, len(slab))
	for i := range slab {
		out[i] = &slab[i]
	}
	return out, nil
}

// Generation is the number every write transaction moves (ledger writes
// excepted, see beginLedgerWrite): a graph loaded at the same generation is
// the same graph.
func (db *DB) Generation(ctx context.Context) (int64, error) {
	// One statement, so no transaction: it is read before nearly every
	// command's reads, and a transaction costs two more statements and a
	// goroutine (see started).
	return scanGeneration(db.queryRow(ctx, readGeneration))
}

func generation(ctx context.Context, tx *Tx) (int64, error) {
	return scanGeneration(tx.queryRow(ctx, readGeneration))
}

func scanGeneration(row *sql.Row) (int64, error) {
	var gen int64
	if err := row.Scan(&gen); err != nil {
		return 0, fmt.Errorf("read generation: %w", err)
	}
	return gen, nil
}

// krBatch is one half of a cycle's key results.
type krBatch struct {
	krs     []*okr.KeyResult
	weekAgo []float64 // as okr.Graph.WeekAgo
	deeper  []int     // indexes of those checked in twice or more this week: need the history
	err     error
}

// loadKeyResults reads the live key results of a cycle with IDs in [lo, hi],
// each as its snapshot column (see the migration), and works out their
// week-ago values from the last two check-ins copied onto them. The rows are
// read in rowid order (NOT INDEXED): a cycle's key results were mostly
// created together, so its ID range is nearly all its own, and a sequential
// read beats a lookup per row through the cycle index.
func loadKeyResults(ctx context.Context, tx *Tx, cycleID, lo, hi int64, weekStart time.Time) (b krBatch) {
	if hi < lo {
		return b
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, snapshot FROM key_results NOT INDEXED
		WHERE id BETWEEN ? AND ? AND cycle_id = ? AND archived = 0`, lo, hi, cycleID)
	if err != nil {
		b.err = fmt.Errorf("load key results: %w", err)
		return b
	}
	return scanGraphKeyResults(rows, weekStart, int(hi-lo+1))
}

// scanGraphKeyResults reads rows of (id, snapshot) of live key results, about
// size of them, and closes them.
func scanGraphKeyResults(rows *sql.Rows, weekStart time.Time, size int) (b krBatch) {
	defer rows.Close()
	slab := make([]okr.KeyResult, 0, size) // one allocation for all, not one per row
	b.weekAgo = make([]float64, 0, size)
	week := weekStart.UnixMilli()
	var snapshot string
	owners := map[string]string{} // one copy of each owner ID (see below)
	for rows.Next() {
		slab = append(slab, okr.KeyResult{})
		kr := &slab[len(slab)-1]
		if err := rows.Scan(&kr.ID, &snapshot); err != nil {
			b.err = fmt.Errorf("load key results: %w", err)
			return b
		}
		s, err := parseSnapshot(snapshot)
		if err != nil {
			b.err = fmt.Errorf("load key result %d: %w", kr.ID, err)
			return b
		}
		// The strings parseSnapshot returns slice the row's snapshot: kept,
		// they would keep every snapshot (a few MiB at 50,000 key results)
		// alive as long as the graph.
		owner, ok := owners[s.ownerID]
		if !ok {
			owner = strings.Clone(s.ownerID)
			owners[owner] = owner
		}
		kr.ObjectiveID, kr.Kind, kr.Start, kr.Target, kr.Current = s.objectiveID, internKind(s.kind), s.start, s.target, s.current
		kr.OwnerID, kr.Weight, kr.Confidence = owner, s.weight, internConfidence(s.confidence)
		if s.checkedAt != 0 {
			kr.CheckedAt = fromMillis(s.checkedAt)
		}
		kr.CreatedAt = fromMillis(s.createdAt)
		switch {
		case s.checkedAt <= week: // no check-in this week: unchanged
			b.weekAgo = append(b.weekAgo, s.current)
		case s.prevCheckedAt <= week:
			b.weekAgo = append(b.weekAgo, s.prevValue) // the value before this week's only check-in
		default:
			b.deeper = append(b.deeper, len(b.weekAgo))
			b.weekAgo = append(b.weekAgo, s.prevValue) // replaced from the history
		}
	}
	if err := rows.Err(); err != nil {
		b.err = fmt.Errorf("load key results: %w", err)
		return b
	}
	b.krs = make([]*okr.KeyResult, len(slab))
	for i := range slab {
		b.krs[i] = &slab[i]
	}
	return b
}

// internKind returns the constant for a kind read from a snapshot, so that
// the key result does not hold on to the snapshot.
func internKind(k string) okr.Kind {
	for _, kind := range okr.Kinds {
		if string(kind) == k {
			return kind
		}
	}
	return okr.Kind(strings.Clone(k))
}

// internConfidence is internKind for a confidence.
func internConfidence(c string) okr.Confidence {
	for _, conf := range okr.Confidences {
		if string(conf) == c {
			return conf
		}
	}
	return okr.Confidence(strings.Clone(c))
}

// snapshot is a key result's snapshot column, decoded. Missing times are 0.
type snapshot struct {
	objectiveID               int64
	kind, ownerID, confidence string
	start, target, current    float64
	weight, prevValue         float64
	checkedAt, createdAt      int64
	prevCheckedAt             int64
}

// parseSnapshot decodes the snapshot column: a JSON array of numbers, nulls
// and strings without escapes (kinds, confidences and Slack IDs need none),
// which SQLite writes with round-trip precision. It slices the string it is
// given rather than copying, which is what makes it cheap.
func parseSnapshot(text string) (snapshot, error) {
	var s snapshot
	d := jsonFields{rest: text}
	if !d.open() {
		return s, fmt.Errorf("snapshot %q is not a JSON array", text)
	}
	s.objectiveID, s.kind, s.start, s.target, s.current = d.int(), d.str(), d.float(), d.float(), d.float()
	s.ownerID, s.weight, s.checkedAt, s.confidence = d.str(), d.float(), d.int(), d.str()
	s.createdAt, s.prevValue, s.prevCheckedAt = d.int(), d.float(), d.int()
	if err := d.close(); err != nil {
		return s, fmt.Errorf("snapshot %q: %w", text, err)
	}
	return s, nil
}

// jsonFields reads the fields of a flat JSON array one by one, keeping the
// first error. null reads as the zero value.
type jsonFields struct {
	rest string
	err  error
}

func (d *jsonFields) open() bool {
	var ok bool
	d.rest, ok = strings.CutPrefix(d.rest, "[")
	return ok
}

// next returns the next raw field.
func (d *jsonFields) next() string {
	if i := strings.IndexByte(d.rest, ','); i >= 0 {
		f := d.rest[:i]
		d.rest = d.rest[i+1:]
		return f
	}
	f, ok := strings.CutSuffix(d.rest, "]")
	if !ok && d.err == nil {
		d.err = errors.New("unterminated array")
	}
	d.rest = ""
	return f
}

func (d *jsonFields) float() float64 {
	f := d.next()
	if f == "null" {
		return 0
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil && d.err == nil {
		d.err = err
	}
	return v
}

func (d *jsonFields) int() int64 {
	f := d.next()
	if f == "null" {
		return 0
	}
	v, err := strconv.ParseInt(f, 10, 64)
	if err != nil && d.err == nil {
		d.err = err
	}
	return v
}

// str reads a string that needs no unescaping.
func (d *jsonFields) str() string {
	f := d.next()
	if f == "null" {
		return ""
	}
	if len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' || strings.IndexByte(f, '\\') >= 0 {
		if d.err == nil {
			d.err = fmt.Errorf("field %s is not a plain string", f)
		}
		return ""
	}
	return f[1 : len(f)-1]
}

// lastString reads the array's last field, a JSON string that may contain
// commas and escapes.
func (d *jsonFields) lastString() string {
	f, ok := strings.CutSuffix(d.rest, "]")
	d.rest = ""
	if !ok || len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' {
		if d.err == nil {
			d.err = errors.New("the last field is not a string")
		}
		return ""
	}
	if strings.IndexByte(f, '\\') < 0 {
		return f[1 : len(f)-1]
	}
	var s string
	if err := json.Unmarshal([]byte(f), &s); err != nil && d.err == nil {
		d.err = err
	}
	return s
}

// close checks that the whole array was read without error.
func (d *jsonFields) close() error {
	if d.err == nil && d.rest != "" {
		d.err = errors.New("more fields than expected")
	}
	return d.err
}

// weekAgoFromHistory sets the week-ago value of the key results at the
// given indexes, which were checked in more than once this week: the value
// before the first of this week's check-ins.
func weekAgoFromHistory(ctx context.Context, tx *Tx, g *okr.Graph, indexes []int, weekStart time.Time) error {
	for _, i := range indexes {
		id := g.KeyResults[i].ID
		if err := tx.QueryRowContext(ctx, `SELECT previous FROM checkins WHERE key_result_id = ? AND created_at > ?
			ORDER BY created_at, id LIMIT 1`, id, toMillis(weekStart)).Scan(&g.WeekAgo[i]); err != nil {
			return fmt.Errorf("week-ago value of key result %d: %w", id, err)
		}
	}
	return nil
}
