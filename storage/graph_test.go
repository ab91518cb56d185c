package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// TestLoadGraph_MatchesTheRows checks that what the snapshot columns give
// the analysis is what the rows say, for awkward titles too.
func TestLoadGraph_MatchesTheRows(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	team := &okr.Team{Name: "Core"}
	if err := db.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	titles := []string{
		`Plain`,
		`Commas, "quotes", and ] brackets [`,
		`Back\slash \"escaped\" \n not a newline`,
		"Unicode: café 🚀 — 日本語\ttab",
		`<!channel> & <https://evil|innocent>`,
	}
	parent := mustObjective(t, db, &okr.Objective{Title: "Top", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID, RollupChildren: true},
		metric("k", "U1", 0, 10))
	for i, title := range titles {
		o := &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: "U2", TeamID: team.ID, CycleID: c.ID, ParentObjectiveID: parent.ID, Weight: float64(i + 1)}
		kr := &okr.KeyResult{Title: "kr", Kind: okr.KindDecrease, Start: 8.125, Target: 0.1 + 0.2, Current: 1.0 / 3, Unit: "%", OwnerID: "U3", Weight: 2.5}
		mustObjective(t, db, o, kr)
	}
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{CycleID: &c.ID})
	clk.Add(time.Hour)
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[1].ID, AuthorID: "U3", Value: 2, Confidence: okr.AtRisk}}); err != nil {
		t.Fatal(err)
	}
	now := clk.Now().Add(time.Minute)
	g, err := db.LoadGraph(ctx, c.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := db.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID})
	if len(g.Objectives) != len(want) {
		t.Fatalf("%d objectives, want %d", len(g.Objectives), len(want))
	}
	for i, got := range g.Objectives {
		w := want[i]
		if got.ID != w.ID || got.Title != w.Title || got.Level != w.Level || got.OwnerID != w.OwnerID || got.TeamID != w.TeamID ||
			got.ParentObjectiveID != w.ParentObjectiveID || got.RollupChildren != w.RollupChildren || got.Weight != w.Weight ||
			got.CycleID != w.CycleID || got.Status != w.Status {
			t.Errorf("graph objective\n%+v\nwant\n%+v", got, w)
		}
	}
	wantKRs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{CycleID: &c.ID})
	if len(g.KeyResults) != len(wantKRs) || len(g.WeekAgo) != len(wantKRs) {
		t.Fatalf("%d key results (%d week-ago values), want %d", len(g.KeyResults), len(g.WeekAgo), len(wantKRs))
	}
	for i, got := range g.KeyResults {
		w := wantKRs[i]
		if got.ID != w.ID || got.ObjectiveID != w.ObjectiveID || got.Kind != w.Kind || got.Start != w.Start || got.Target != w.Target ||
			got.Current != w.Current || got.OwnerID != w.OwnerID || got.Weight != w.Weight || !got.CheckedAt.Equal(w.CheckedAt) ||
			got.Confidence != w.Confidence || !got.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("graph key result\n%+v\nwant\n%+v", got, w)
		}
	}
	// The key result checked in once this week began it at 1/3.
	if got := g.WeekAgo[1]; got != 1.0/3 {
		t.Errorf("week-ago value = %v, want 1/3", got)
	}
	if got := g.WeekAgo[2]; got != 1.0/3 {
		t.Errorf("unchanged key result's week-ago value = %v, want its current 1/3", got)
	}
}
