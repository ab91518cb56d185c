package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// RetimeGraph returns g as of now, or nil when the store has moved past
// g's generation (then only LoadGraph or UpdateGraph says what is there).
// The objectives, key results and links are g's, shared: no write has
// changed them. Only the week-ago values move with the clock, and only key
// results checked in during the week before now have one other than their
// current value, so that is all it reads: three numbers of those rows, not
// the snapshot of every key result. Analysing a cycle afresh once a minute
// (bot/analyses.go) then holds one copy of the cycle, not two.
func (db *DB) RetimeGraph(ctx context.Context, g *okr.Graph, now time.Time) (*okr.Graph, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if gen, err := generation(ctx, tx); err != nil || gen != g.Generation {
		return nil, err
	}
	out := *g
	out.WeekAgo = make([]float64, len(g.KeyResults))
	for i, kr := range g.KeyResults {
		out.WeekAgo[i] = kr.Current // no check-in this week: unchanged
	}
	if len(g.KeyResults) == 0 {
		return &out, nil
	}
	weekStart := now.Add(-okr.Week)
	week := toMillis(weekStart)
	// The graph's key results are the cycle's live ones, by ID: the range
	// keeps the scan to the cycle's rows, as loadKeyResults does.
	rows, err := tx.QueryContext(ctx, `SELECT id, prev_value, prev_checked_at FROM key_results NOT INDEXED
		WHERE id BETWEEN ? AND ? AND cycle_id = ? AND archived = 0 AND checked_at > ?`,
		g.KeyResults[0].ID, g.KeyResults[len(g.KeyResults)-1].ID, g.Cycle.ID, week)
	if err != nil {
		return nil, fmt.Errorf("retime graph: %w", err)
	}
	defer rows.Close()
	var deeper []int // checked in twice or more this week: need the history
	for rows.Next() {
		var id int64
		var prevValue sql.NullFloat64
		var prevCheckedAt sql.NullInt64
		if err := rows.Scan(&id, &prevValue, &prevCheckedAt); err != nil {
			return nil, fmt.Errorf("retime graph: %w", err)
		}
		i, ok := slices.BinarySearchFunc(g.KeyResults, id, keyResultByID)
		if !ok {
			return nil, fmt.Errorf("retime graph: key result %d is live at generation %d but not in the graph", id, g.Generation)
		}
		// As scanGraphKeyResults: the value before this week's only
		// check-in, or before the first of several.
		out.WeekAgo[i] = prevValue.Float64
		if prevCheckedAt.Int64 > week {
			deeper = append(deeper, i)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retime graph: %w", err)
	}
	if err := weekAgoFromHistory(ctx, tx, &out, deeper, weekStart); err != nil {
		return nil, err
	}
	return &out, nil
}
