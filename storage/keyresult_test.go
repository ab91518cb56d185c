package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// TestKeyResult_ByHandRoundTrips: a key result starts driven by what
// delivers it, a check-in sets it by hand, an update lets its deliverers
// drive it again; the rows and the analysed graph agree at every step, and
// a closed or archived deliverer drives nothing.
func TestKeyResult_ByHandRoundTrips(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	company := mustObjective(t, db, &okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID},
		metric("Revenue", "CEO", 0, 100), metric("Margin", "CEO", 0, 100))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &company.ID})
	revenue := krs[0]
	teams := make([]*okr.Objective, 2)
	for i := range teams {
		teams[i] = mustObjective(t, db, &okr.Objective{Title: "Sell more", Level: okr.LevelTeam, OwnerID: "LEAD", CycleID: c.ID, Weight: float64(i + 1)},
			metric("Deals", "REP", 0, 10))
		if err := db.SetParent(ctx, teams[i].ID, okr.LinkTarget{KeyResultID: revenue.ID}, okr.LinkOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	teamKRs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{OwnerID: ptr("REP")})
	clk.Add(time.Hour)
	if err := db.CreateCheckins(ctx, []*okr.Checkin{
		{KeyResultID: teamKRs[0].ID, AuthorID: "REP", Value: 6, Confidence: okr.OnTrack}, // 60%, weight 1
		{KeyResultID: teamKRs[1].ID, AuthorID: "REP", Value: 3, Confidence: okr.OnTrack}, // 30%, weight 2
	}); err != nil {
		t.Fatal(err)
	}

	// check reads the key result both ways and analyses the cycle.
	check := func(step string, byHand, driven bool, progress float64) {
		t.Helper()
		got, err := db.FindKeyResultByID(ctx, revenue.ID)
		if err != nil || got.ByHand != byHand {
			t.Fatalf("%s: stored by hand = %v (%v), want %v", step, got.ByHand, err, byHand)
		}
		g, err := db.LoadGraph(ctx, c.ID, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, kr := range g.KeyResults {
			if kr.ID == revenue.ID && kr.ByHand != byHand {
				t.Fatalf("%s: graph by hand = %v, want %v", step, kr.ByHand, byHand)
			}
		}
		st, ok := okr.Analyze(g, clk.Now(), okr.DefaultPolicy()).StateOf(got)
		if !ok || st.Driven != driven || !same(st.Progress, progress) {
			t.Fatalf("%s: analysed driven %v, progress %v; want driven %v, %v", step, st.Driven, st.Progress, driven, progress)
		}
	}
	check("delivered, never checked in", false, true, (0.6+2*0.3)/3)

	clk.Add(time.Hour)
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: revenue.ID, AuthorID: "CEO", Value: 25, Confidence: okr.AtRisk}}); err != nil {
		t.Fatal(err)
	}
	check("checked in", true, false, 0.25)

	if _, err := db.UpdateKeyResult(ctx, revenue.ID, okr.KeyResultUpdate{ByHand: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	check("turned back", false, true, (0.6+2*0.3)/3)

	// Another edit leaves the setting as it is.
	title := "Revenue this quarter"
	if _, err := db.UpdateKeyResult(ctx, revenue.ID, okr.KeyResultUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	check("renamed", false, true, (0.6+2*0.3)/3)

	// Closed and archived deliverers leave the graph: one left drives it
	// alone, none leaves it at its own 25%.
	if err := db.CloseObjective(ctx, teams[0].ID, 0.6); err != nil {
		t.Fatal(err)
	}
	check("one deliverer closed", false, true, 0.3)
	if err := db.ArchiveObjective(ctx, teams[1].ID); err != nil {
		t.Fatal(err)
	}
	check("the other archived", false, false, 0.25)
}

func ptr[T any](v T) *T { return &v }

func same(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }

// TestFindKeyResultTexts: the titles alone come back for exactly the key
// results FindKeyResults finds with the same filter, in the same order.
func TestFindKeyResultTexts(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	company := mustObjective(t, db, &okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID},
		metric("Revenue", "CEO", 0, 100), metric("Margin", "CEO", 0, 100))
	team := mustObjective(t, db, &okr.Objective{Title: "Sell more", Level: okr.LevelTeam, OwnerID: "LEAD", CycleID: c.ID},
		metric("Deals", "REP", 0, 10), metric("Demos", "REP", 0, 10))
	mustObjective(t, db, &okr.Objective{Title: "Tidy the office", Level: okr.LevelTeam, OwnerID: "LEAD", CycleID: c.ID},
		metric("Desks cleared", "LEAD", 0, 10))
	if err := db.SetParent(ctx, team.ID, okr.LinkTarget{ObjectiveID: company.ID}, okr.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	teamKRs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &team.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ArchiveKeyResult(ctx, teamKRs[1].ID); err != nil {
		t.Fatal(err)
	}
	live := false
	for _, f := range []okr.KeyResultFilter{
		{},
		{CycleID: &c.ID, Archived: &live},
		{CycleID: &c.ID, Archived: &live, Linked: true},
		{ObjectiveID: &team.ID},
		{IDs: []int64{teamKRs[1].ID, teamKRs[0].ID}},
		{IDs: []int64{}},
		{OwnerID: ptr("REP"), Limit: 1},
	} {
		want, err := db.FindKeyResults(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindKeyResultTexts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: %d texts, %d key results", f, len(got), len(want))
		}
		for i, kr := range want {
			if g := got[i]; g.ID != kr.ID || g.ObjectiveID != kr.ObjectiveID || g.Title != kr.Title {
				t.Errorf("%+v: text %d is %+v, want %d %d %q", f, i, g, kr.ID, kr.ObjectiveID, kr.Title)
			}
		}
	}
	f := okr.KeyResultFilter{CycleID: &c.ID, Archived: &live, Linked: true}
	if got, _ := db.FindKeyResultTexts(ctx, f); len(got) != 3 {
		t.Errorf("live key results of linked objectives: %+v, want Revenue, Margin and Deals", got)
	}
}
