package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestCheckins_HistoryIsAppendOnly(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID},
		metric("MRR", "U1", 100, 200), metric("Leads", "U2", 0, 50))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	for i, v := range []float64{120, 150, 140} {
		clk.Add(24 * time.Hour)
		err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "U1", Value: v, Confidence: okr.Confidences[i], Note: fmt.Sprintf("week %d", i)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	history, err := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &krs[0].ID})
	if err != nil || len(history) != 3 {
		t.Fatalf("history = %v, %v", history, err)
	}
	if h := history[0]; h.Value != 140 || h.Previous != 150 || h.Confidence != okr.OffTrack || h.Note != "week 2" {
		t.Fatalf("newest = %+v", h)
	}
	if h := history[2]; h.Value != 120 || h.Previous != 100 {
		t.Fatalf("oldest = %+v", h)
	}
	kr, _ := db.FindKeyResultByID(ctx, krs[0].ID)
	if kr.Current != 140 || kr.Confidence != okr.OffTrack || !kr.CheckedAt.Equal(clk.Now()) {
		t.Fatalf("key result after check-ins = %+v", kr)
	}

	// Nothing, not even SQL run directly, may change or remove history.
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`UPDATE checkins SET value = 0`, `DELETE FROM checkins`, `DELETE FROM objectives`} {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "never") && !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s = %v, want refused", q, err)
		}
	}

	// One bad check-in in a batch stores none of the batch.
	err = db.CreateCheckins(ctx, []*okr.Checkin{
		{KeyResultID: krs[1].ID, AuthorID: "U2", Value: 10, Confidence: okr.OnTrack},
		{KeyResultID: 99999, AuthorID: "U2", Value: 10, Confidence: okr.OnTrack},
	})
	if okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("batch with a missing key result = %v", err)
	}
	if got, _ := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &krs[1].ID}); len(got) != 0 {
		t.Fatalf("partial batch stored %d check-ins", len(got))
	}
	if kr, _ := db.FindKeyResultByID(ctx, krs[1].ID); kr.Current != 0 || !kr.CheckedAt.IsZero() {
		t.Fatalf("partial batch changed the key result: %+v", kr)
	}
	err = db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[1].ID, AuthorID: "U2", Value: 1, Confidence: "sure"}})
	if okr.FieldErrors(err)["confidence"] == "" {
		t.Fatalf("bad confidence = %v", err)
	}
}

func TestMilestoneCheckin(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Launch", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID},
		&okr.KeyResult{Title: "Ship v2", Kind: okr.KindMilestone, OwnerID: "U1"})
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "U1", Value: 0.5, Confidence: okr.OnTrack}}); okr.FieldErrors(err)["value"] == "" {
		t.Fatalf("half a milestone = %v", err)
	}
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "U1", Value: 1, Confidence: okr.OnTrack}}); err != nil {
		t.Fatal(err)
	}
	if kr, _ := db.FindKeyResultByID(ctx, krs[0].ID); !kr.Done() {
		t.Fatal("milestone not done")
	}
}

// TestConcurrentWriters shows that writers queue instead of failing with
// SQLITE_BUSY, and that readers run beside them.
func TestConcurrentWriters(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID}, metric("MRR", "U1", 0, 1000))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 5 {
				if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "U1", Value: float64(w*5 + i), Confidence: okr.OnTrack}}); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := db.LoadGraph(ctx, c.ID, time.Now()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent access: %v", err)
	}
	if got, _ := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &krs[0].ID}); len(got) != 100 {
		t.Fatalf("stored %d check-ins, want 100", len(got))
	}
}

func TestUsersAndSettings(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	till := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := db.SetAway(ctx, "U1", till); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertUsers(ctx, []*okr.User{
		{ID: "U1", Name: "Ada", TZ: "Europe/Berlin", IsAdmin: true},
		{ID: "U2", Name: "Bob", TZ: "America/New_York", Deleted: true},
	}); err != nil {
		t.Fatal(err)
	}
	u, err := db.FindUserByID(ctx, "U1")
	if err != nil || u.Name != "Ada" || u.TZ != "Europe/Berlin" || !u.IsAdmin || !u.AwayTill.Equal(till) {
		t.Fatalf("user = %+v, %v (the away date must survive a sync)", u, err)
	}
	if loc := u.Location(time.UTC); loc.String() != "Europe/Berlin" {
		t.Fatalf("location = %v", loc)
	}
	if err := db.SetAway(ctx, "U1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.FindUserByID(ctx, "U1"); !u.AwayTill.IsZero() {
		t.Fatal("back did not clear the away date")
	}
	if all, _ := db.FindUsers(ctx); len(all) != 2 || !all[1].Deleted {
		t.Fatalf("users = %v", all)
	}
	if _, err := db.FindUserByID(ctx, "U404"); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("missing user = %v", err)
	}

	if err := db.SetSettings(ctx, map[string]string{"digest_channel": "C1", "timezone": "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSettings(ctx, map[string]string{"timezone": ""}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Settings(ctx)
	if err != nil || len(got) != 1 || got["digest_channel"] != "C1" {
		t.Fatalf("settings = %v, %v", got, err)
	}
}

func TestLoadGraph_WeekAgo(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID},
		metric("MRR", "U1", 0, 100), metric("Leads", "U1", 0, 100))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	checkin := func(kr *okr.KeyResult, v float64) {
		t.Helper()
		if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: "U1", Value: v, Confidence: okr.OnTrack}}); err != nil {
			t.Fatal(err)
		}
	}
	checkin(krs[0], 10) // day 0
	checkin(krs[1], 30)
	clk.Add(8 * 24 * time.Hour)
	checkin(krs[0], 25) // inside the last week: 10 -> 25
	clk.Add(24 * time.Hour)
	checkin(krs[0], 40) // 25 -> 40; the week began at 10
	now := clk.Now().Add(time.Hour)
	g, err := db.LoadGraph(ctx, c.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Objectives) != 1 || len(g.KeyResults) != 2 {
		t.Fatalf("graph: %d objectives, %d key results", len(g.Objectives), len(g.KeyResults))
	}
	if got, want := g.WeekAgo, []float64{10, 30}; !slices.Equal(got, want) {
		t.Fatalf("week-ago values = %v, want %v (MRR began the week at 10; leads did not move)", got, want)
	}
	a := okr.Analyze(g, now, okr.DefaultPolicy())
	if s := a.Objective(o.ID); s.Progress != 0.35 || s.Previous != 0.2 {
		t.Fatalf("progress %v previous %v, want 0.35 and 0.2", s.Progress, s.Previous)
	}
}
