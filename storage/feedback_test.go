package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestSuggestionFeedback_LatestAnswerPerPair(t *testing.T) {
	ctx := context.Background()
	db, clk := mustOpenDB(t)
	c := mustCycle(t, db)
	parent := mustObjective(t, db, &okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID})
	other := mustObjective(t, db, &okr.Objective{Title: "Delight guests", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID})
	child := mustObjective(t, db, &okr.Objective{Title: "Fill midweek beds", Level: okr.LevelTeam, OwnerID: "U2", CycleID: c.ID})
	gen, err := db.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}

	record := func(parentID int64, accepted bool) {
		t.Helper()
		clk.Add(time.Second)
		if err := db.RecordSuggestionFeedback(ctx, okr.SuggestionFeedback{ChildID: child.ID, ParentID: parentID, Accepted: accepted}, "U2"); err != nil {
			t.Fatal(err)
		}
	}
	record(other.ID, false)
	record(parent.ID, false)
	record(parent.ID, true) // changed their mind: the latest answer counts
	got, err := db.FindSuggestionFeedback(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []okr.SuggestionFeedback{{ChildID: child.ID, ParentID: parent.ID, Accepted: true}, {ChildID: child.ID, ParentID: other.ID}}
	if !slices.Equal(got, want) {
		t.Fatalf("FindSuggestionFeedback = %+v, want %+v (newest first)", got, want)
	}
	if got, _ := db.FindSuggestionFeedback(ctx, 1); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("FindSuggestionFeedback(limit 1) = %+v, want the newest", got)
	}
	if after, _ := db.Generation(ctx); after != gen {
		t.Fatalf("generation moved from %d to %d: answers to suggestions change no analysis", gen, after)
	}
	err = db.RecordSuggestionFeedback(ctx, okr.SuggestionFeedback{ChildID: child.ID, ParentID: 9999}, "U2")
	if okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("feedback on a missing objective: %v, want ENOTFOUND", err)
	}
}

// TestLoadSuggestionIndex_LearnsFromPastCycles: the index reads the links of
// past cycles (and only those objectives), so what supported what last
// quarter guides this quarter's suggestions.
func TestLoadSuggestionIndex_LearnsFromPastCycles(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpenDB(t)
	past := okr.NewCycle(okr.Quarter{Year: 2026, Q: 3}, time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(ctx, past); err != nil {
		t.Fatal(err)
	}
	delight := mustObjective(t, db, &okr.Objective{Title: "Delight our guests", Level: okr.LevelCompany, OwnerID: "U1", CycleID: past.ID})
	for _, title := range []string{"Spa treatments people rave about", "A spa in every city hotel"} {
		mustObjective(t, db, &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: "U2", CycleID: past.ID, ParentObjectiveID: delight.ID},
			metric("Spa bookings", "U2", 0, 100))
	}
	mustObjective(t, db, &okr.Objective{Title: "Spa staff rota", Level: okr.LevelTeam, OwnerID: "U2", CycleID: past.ID}) // linked to nothing
	now := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleUpcoming)
	if err := db.CreateCycle(ctx, now); err != nil {
		t.Fatal(err)
	}
	if err := db.StartCycle(ctx, now.ID); err != nil {
		t.Fatal(err)
	}
	guests := mustObjective(t, db, &okr.Objective{Title: "Be the guests' first choice in every city", Level: okr.LevelCompany, OwnerID: "U1", CycleID: now.ID})
	mustObjective(t, db, &okr.Objective{Title: "Open three hotels in Spain", Level: okr.LevelCompany, OwnerID: "U1", CycleID: now.ID})
	child := mustObjective(t, db, &okr.Objective{Title: "Upgrade the spa", Level: okr.LevelTeam, OwnerID: "U2", CycleID: now.ID})

	ix, err := okr.LoadSuggestionIndex(ctx, db, now.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := ix.Suggest(child, nil, 3)
	if len(got) == 0 || got[0].Objective.ID != guests.ID || got[0].Why != "2 objectives like this one link here" {
		t.Fatalf("Suggest = %+v, want %s first, learned from last quarter", got, guests.Ref())
	}
	linked, _, err := db.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &past.ID, Linked: true})
	if err != nil || len(linked) != 3 {
		t.Fatalf("linked objectives of the past cycle = %d, %v; want the parent and its two children", len(linked), err)
	}
	krs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{CycleID: &past.ID, Linked: true})
	if err != nil || len(krs) != 2 {
		t.Fatalf("linked key results of the past cycle = %d, %v; want the two children's", len(krs), err)
	}
}
