package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// TestAnalyses_NeverStale: writers check in on their own key results and
// create objectives while readers read; after every write, the shared
// analysis a read returns reflects it, and an analysis is made again only
// when something changed.
func TestAnalyses_NeverStale(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "okrbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	cycle, err := okr.CurrentCycle(ctx, db, okr.Settings{}, now)
	if err != nil {
		t.Fatal(err)
	}
	const writers, writes = 4, 15
	krs := make([]*okr.KeyResult, writers)
	for w := range writers {
		kr := &okr.KeyResult{Title: "Metric", Kind: okr.KindIncrease, Target: 1000, OwnerID: "U1"}
		o := &okr.Objective{CycleID: cycle.ID, Title: fmt.Sprintf("Writer %d", w), Level: okr.LevelCompany, OwnerID: "U1"}
		if err := db.CreateObjective(ctx, o, []*okr.KeyResult{kr}, okr.LinkOptions{}); err != nil {
			t.Fatal(err)
		}
		krs[w] = kr
	}
	var c analyses
	var replaced atomic.Int64 // analyses made afresh to take the cycle's place
	c.replacing = func() { replaced.Add(1) }
	policy := okr.DefaultPolicy()

	// Reused while nothing moves.
	first, err := c.get(ctx, db, cycle, now, policy)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.get(ctx, db, cycle, now.Add(30*time.Second), policy); again != first {
		t.Fatal("an unchanged database made a new analysis")
	}
	// Delivery-ledger writes change nothing an analysis shows.
	if _, err := db.Claim(ctx, "test:ledger", "U1", "inst"); err != nil {
		t.Fatal(err)
	}
	if again, _ := c.get(ctx, db, cycle, now, policy); again != first {
		t.Fatal("a delivery-ledger write made a new analysis")
	}
	// When the clock has moved on, a read still gets the analysis there is
	// at once, and a new one is made in the background for the next reads.
	later := now.Add(2 * time.Minute)
	c.mu.Lock()
	firstGraph := c.byCycle[cycle.ID].g
	c.mu.Unlock()
	if a, _ := c.get(ctx, db, cycle, later, policy); a != first {
		t.Fatal("a two-minute-old analysis did not answer at once")
	}
	c.mu.Lock()
	refreshed := c.refreshing[cycle.ID]
	c.mu.Unlock()
	if refreshed == nil {
		t.Fatal("a two-minute-old analysis answered without a new one being started")
	}
	select {
	case <-refreshed:
	case <-time.After(time.Minute):
		t.Fatal("the new analysis was not made within a minute")
	}
	if got := replaced.Load(); got != 2 { // the first, and the one made in the background
		t.Errorf("%d analyses made afresh were reported, want 2", got)
	}
	if a, err := c.get(ctx, db, cycle, later, policy); err != nil || !a.At.Equal(later) {
		t.Fatalf("after the background analysis, a read got one made at %v (%v), want %v", a.At, err, later)
	}
	// Nothing was written meanwhile: the new analysis is of the same
	// objectives and key results, not of a second copy of them.
	c.mu.Lock()
	laterGraph := c.byCycle[cycle.ID].g
	c.mu.Unlock()
	if laterGraph == firstGraph || len(laterGraph.KeyResults) != len(firstGraph.KeyResults) || laterGraph.KeyResults[0] != firstGraph.KeyResults[0] {
		t.Fatal("the background analysis loaded the unchanged cycle again rather than share its key results")
	}
	// One past analysisMaxStale is never given; nor one made under another
	// policy.
	if a, err := c.get(ctx, db, cycle, later.Add(2*analysisMaxStale), policy); err != nil || !a.At.Equal(later.Add(2*analysisMaxStale)) {
		t.Fatalf("a read %v after the last analysis got one made at %v (%v)", 2*analysisMaxStale, a.At, err)
	}
	other := policy
	other.MaxKeyResults++
	if changed, _ := c.get(ctx, db, cycle, now, other); changed == first {
		t.Fatal("an analysis made under another policy was reused")
	}

	if _, err := c.get(ctx, db, cycle, now, policy); err != nil { // back to this policy: made afresh
		t.Fatal(err)
	}
	freshBefore := replaced.Load()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 { // readers that keep the cache busy
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.get(ctx, db, cycle, now, policy); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var writersDone sync.WaitGroup
	for w := range writers {
		writersDone.Go(func() {
			for i := 1; i <= writes; i++ {
				value := float64(w*1000 + i)
				if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[w].ID, AuthorID: "U1", Value: value, Confidence: okr.OnTrack}}); err != nil {
					t.Error(err)
					return
				}
				a, err := c.get(ctx, db, cycle, now, policy)
				if err != nil {
					t.Error(err)
					return
				}
				if got := currentOf(a, krs[w].ID); got != value {
					t.Errorf("writer %d: after checking in %v the analysis says %v", w, value, got)
					return
				}
				title := fmt.Sprintf("Writer %d, objective %d", w, i)
				o := &okr.Objective{CycleID: cycle.ID, Title: title, Level: okr.LevelCompany, OwnerID: "U1"}
				if err := db.CreateObjective(ctx, o, []*okr.KeyResult{{Title: "k", Kind: okr.KindIncrease, Target: 1, OwnerID: "U1"}}, okr.LinkOptions{}); err != nil {
					t.Error(err)
					return
				}
				if a, err = c.get(ctx, db, cycle, now, policy); err != nil || a.Objective(o.ID) == nil {
					t.Errorf("writer %d: the analysis after creating %s lacks it (%v)", w, o.Ref(), err)
					return
				}
			}
		})
	}
	writersDone.Wait()
	close(stop)
	wg.Wait()
	// The writes were followed by patching the analysis before them, not by
	// analysing the cycle again.
	if got := replaced.Load(); got != freshBefore {
		t.Errorf("%d analyses brought up to date were reported as made afresh", got-freshBefore)
	}
	if c.patched < writers*writes {
		t.Errorf("%d of %d analyses were brought up to date from the one before, want at least %d", c.patched, c.count(), writers*writes)
	}
}

func currentOf(a *okr.Analysis, krID int64) float64 {
	for _, st := range a.Objectives {
		for _, k := range st.KeyResults {
			if k.KeyResult.ID == krID {
				return k.KeyResult.Current
			}
		}
	}
	return -1
}
