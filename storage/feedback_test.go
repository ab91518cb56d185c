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
