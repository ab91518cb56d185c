package storage

import (
	"context"
	"fmt"
	"time"
)

// ValuesAt returns each key result's value at each of times (ascending),
// for the key results of the cycle checked in at or before the last of
// them. It reads the check-ins once, in key-result order, keeping only the
// current key result's position: one pass over the history whatever the
// number of times.
func (db *DB) ValuesAt(ctx context.Context, cycleID int64, times []time.Time) (map[int64][]float64, error) {
	out := map[int64][]float64{}
	if len(times) == 0 {
		return out, nil
	}
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	last := toMillis(times[len(times)-1])
	rows, err := tx.QueryContext(ctx, `SELECT c.key_result_id, c.value, c.previous, c.created_at
		FROM checkins c JOIN key_results k ON k.id = c.key_result_id
		WHERE k.cycle_id = ? AND c.created_at <= ?
		ORDER BY c.key_result_id, c.created_at, c.id`, cycleID, last)
	if err != nil {
		return nil, fmt.Errorf("check-in history of cycle %d: %w", cycleID, err)
	}
	defer rows.Close()
	stamps := make([]int64, len(times))
	for i, t := range times {
		stamps[i] = toMillis(t)
	}
	var (
		curID  int64 = -1
		values []float64
		next   int // the first time not yet filled for curID
	)
	// finish fills the times after the last check-in with its value.
	finish := func(v float64) {
		for ; next < len(values); next++ {
			values[next] = v
		}
	}
	var lastValue float64
	for rows.Next() {
		var id, at int64
		var value, previous float64
		if err := rows.Scan(&id, &value, &previous, &at); err != nil {
			return nil, fmt.Errorf("check-in history of cycle %d: %w", cycleID, err)
		}
		if id != curID {
			if values != nil {
				finish(lastValue)
			}
			curID, values, next = id, make([]float64, len(times)), 0
			out[id] = values
			// Before its first check-in, a key result stood where that
			// check-in found it.
			for next < len(stamps) && stamps[next] < at {
				values[next] = previous
				next++
			}
		}
		// Times before this check-in keep the value before it.
		for next < len(stamps) && stamps[next] < at {
			values[next] = lastValue
			next++
		}
		lastValue = value
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check-in history of cycle %d: %w", cycleID, err)
	}
	if values != nil {
		finish(lastValue)
	}
	return out, nil
}
