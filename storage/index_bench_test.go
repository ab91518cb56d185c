package storage_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/benchorg"
	"github.com/okrbot/okrbot/okr"
)

// BenchmarkLoadSuggestionIndex builds the current cycle's suggestion index
// from SQLite at 10,000 objectives and 50,000 key results, in both shapes
// of issue 11. Besides the time and what one build allocates (-benchmem),
// it reports the heap the index keeps while it is alive (retained-MB),
// which counts against issue 11's resident memory budget for as long as
// the bot runs. The organisations have no check-ins: the index reads none.
func BenchmarkLoadSuggestionIndex(b *testing.B) {
	for _, shape := range []benchorg.Shape{benchorg.Realistic, benchorg.Extreme} {
		b.Run(shape.Name, func(b *testing.B) {
			shape.Checkins = 0
			path := filepath.Join(b.TempDir(), "okrbot.db")
			org, err := benchorg.Seed(context.Background(), path, shape, []string{"UADA", "ULEE", "UMIA"}, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			db, _ := mustOpenPath(b, path)
			ctx := context.Background()
			load := func() *okr.SuggestionIndex {
				ix, err := okr.LoadSuggestionIndex(ctx, db, org.Cycle.ID)
				if err != nil {
					b.Fatal(err)
				}
				if ix.Len() != shape.Objectives {
					b.Fatalf("indexed %d objectives", ix.Len())
				}
				return ix
			}
			load() // warm the database's caches and statements
			retained := retainedMB(load)
			b.ReportAllocs()
			for b.Loop() {
				load()
			}
			b.ReportMetric(retained, "retained-MB") // after the loop, which deletes metrics reported before it
		})
	}
}

// retainedMB is how much more live heap there is, after a collection, while
// what build returns is kept alive.
func retainedMB[T any](build func() T) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}
