package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestCycles(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	if _, err := db.CurrentCycle(ctx); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("CurrentCycle on empty = %v, want not found", err)
	}
	q4 := mustCycle(t, db)
	got, err := db.CurrentCycle(ctx)
	if err != nil || got.ID != q4.ID || got.Name != "2026-Q4" || !got.Start.Equal(q4.Start) || !got.End.Equal(q4.End) {
		t.Fatalf("CurrentCycle = %+v, %v", got, err)
	}
	if err := db.CreateCycle(ctx, okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleUpcoming)); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("duplicate name = %v, want conflict", err)
	}
	if err := db.CreateCycle(ctx, okr.NewCycle(okr.Quarter{Year: 2027, Q: 2}, time.January, time.UTC, okr.CycleCurrent)); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("second current = %v, want conflict", err)
	}
	q1 := okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.January, time.UTC, okr.CycleUpcoming)
	if err := db.CreateCycle(ctx, q1); err != nil {
		t.Fatal(err)
	}
	if err := db.StartCycle(ctx, q1.ID); err != nil {
		t.Fatal(err)
	}
	cur, _ := db.CurrentCycle(ctx)
	old, _ := db.FindCycleByName(ctx, "2026-q4")
	if cur.ID != q1.ID || old.Status != okr.CycleClosed {
		t.Fatalf("after start: current %s, old %s", cur.Name, old.Status)
	}
	if err := db.StartCycle(ctx, q4.ID); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("restart closed = %v, want conflict", err)
	}
	all, _ := db.FindCycles(ctx)
	if len(all) != 2 || all[0].Name != "2027-Q1" {
		t.Fatalf("FindCycles = %v", all)
	}
}

func TestObjective_RoundTrip(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	team := &okr.Team{Name: "Platform", LeadID: "ULEAD", Members: []string{"U2", "U1", "U2"}}
	if err := db.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	o := &okr.Objective{Title: "Ship a reliable platform", Description: "No more 3am pages", Level: okr.LevelTeam,
		OwnerID: "ULEAD", TeamID: team.ID, CycleID: c.ID, RollupChildren: true, Weight: 2}
	krs := []*okr.KeyResult{
		{Title: "Uptime", Kind: okr.KindStayAbove, Target: 99.9, Current: 99.95, Unit: "%", OwnerID: "U1"},
		{Title: "Churn", Kind: okr.KindDecrease, Start: 8, Target: 5, Current: 8, Unit: "%", OwnerID: "U2", Weight: 3},
		{Title: "Runbooks written", Kind: okr.KindMilestone, OwnerID: "U1"},
	}
	mustObjective(t, db, o, krs...)
	if o.ID == 0 || krs[0].ID == 0 || krs[2].ObjectiveID != o.ID {
		t.Fatalf("IDs not set: %+v %+v", o, krs[0])
	}
	got, err := db.FindObjectiveByID(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != o.Title || got.Description != o.Description || got.Level != okr.LevelTeam || got.TeamID != team.ID ||
		!got.RollupChildren || got.Weight != 2 || got.Status != okr.StatusActive || !got.CreatedAt.Equal(o.CreatedAt) {
		t.Fatalf("objective = %+v, want %+v", got, o)
	}
	gotKRs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	if err != nil || len(gotKRs) != 3 {
		t.Fatalf("key results = %v, %v", gotKRs, err)
	}
	if k := gotKRs[1]; k.Kind != okr.KindDecrease || k.Start != 8 || k.Target != 5 || k.Unit != "%" || k.OwnerID != "U2" || k.Weight != 3 {
		t.Fatalf("key result = %+v", k)
	}
	if k := gotKRs[2]; k.Kind != okr.KindMilestone || k.Target != 1 {
		t.Fatalf("milestone = %+v", k)
	}
	byIDs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{IDs: []int64{krs[2].ID, krs[0].ID}})
	if err != nil || len(byIDs) != 2 || byIDs[0].ID != krs[0].ID || byIDs[1].ID != krs[2].ID {
		t.Fatalf("by IDs = %v, %v", byIDs, err)
	}
	// By IDs alone (a prepared read) the rows are whole, as the other
	// filters read them; an ID given twice, or unknown, changes nothing.
	again, err := db.FindKeyResults(ctx, okr.KeyResultFilter{IDs: []int64{krs[1].ID, 999999, krs[1].ID}})
	if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], gotKRs[1]) {
		t.Fatalf("by IDs = %+v, %v; want %+v", again, err, gotKRs[1])
	}
	if none, err := db.FindKeyResults(ctx, okr.KeyResultFilter{IDs: []int64{}}); err != nil || len(none) != 0 {
		t.Fatalf("empty IDs = %v, %v", none, err)
	}
	gotTeam, err := db.FindTeamByName(ctx, "platform")
	if err != nil || !slices.Equal(gotTeam.Members, []string{"U1", "U2"}) || gotTeam.LeadID != "ULEAD" {
		t.Fatalf("team = %+v, %v", gotTeam, err)
	}

	prefix := "ship a"
	found, total, err := db.FindObjectives(ctx, okr.ObjectiveFilter{TitlePrefix: &prefix})
	if err != nil || total != 1 || len(found) != 1 {
		t.Fatalf("title prefix search = %d, %v", total, err)
	}
	// A query is normalised as titles are stored: a zero-width space typed
	// (or pasted) inside it still finds the title.
	invisible := "s\u200bhip a"
	if found, _, err := db.FindObjectives(ctx, okr.ObjectiveFilter{Search: &invisible}); err != nil || len(found) != 1 {
		t.Fatalf("search with a zero-width space = %d, %v", len(found), err)
	}
	weird := "100%_"
	if found, _, _ := db.FindObjectives(ctx, okr.ObjectiveFilter{Search: &weird}); len(found) != 0 {
		t.Fatal("LIKE wildcards in a search were not escaped")
	}
	if _, err := db.FindObjectiveByID(ctx, 999); okr.ErrorCode(err) != okr.ENOTFOUND || okr.ErrorMessage(err) != "There is no objective O999." {
		t.Fatalf("missing = %v", err)
	}
}

func TestCreateObjective_ValidatesAndWritesNothingOnError(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := &okr.Objective{Title: "Good", Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID}
	bad := &okr.KeyResult{Title: "Bad", Kind: okr.KindIncrease, Start: 5, Target: 5, OwnerID: "U1"}
	err := db.CreateObjective(ctx, o, []*okr.KeyResult{metric("ok", "U1", 0, 1), bad}, okr.LinkOptions{})
	if got := okr.FieldErrors(err)["target"]; got != "Target must differ from start." {
		t.Fatalf("error = %v", err)
	}
	if _, total, _ := db.FindObjectives(ctx, okr.ObjectiveFilter{}); total != 0 {
		t.Fatalf("%d objectives stored after a failed create", total)
	}
}

func TestParentLinks(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	company := mustObjective(t, db, &okr.Objective{Title: "Delight customers", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID},
		metric("NPS", "CEO", 30, 45))
	companyKRs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &company.ID})
	dept := mustObjective(t, db, &okr.Objective{Title: "Support excellence", Level: okr.LevelDepartment, OwnerID: "VP", CycleID: c.ID, ParentObjectiveID: company.ID})
	team := mustObjective(t, db, &okr.Objective{Title: "Faster replies", Level: okr.LevelTeam, OwnerID: "LEAD", CycleID: c.ID})

	tests := []struct {
		name    string
		target  okr.LinkTarget
		opts    okr.LinkOptions
		wantErr string
	}{
		{"to department", okr.LinkTarget{ObjectiveID: dept.ID}, okr.LinkOptions{}, ""},
		{"inherit a company key result", okr.LinkTarget{KeyResultID: companyKRs[0].ID}, okr.LinkOptions{}, ""},
		{"unknown parent", okr.LinkTarget{ObjectiveID: 999}, okr.LinkOptions{}, "There is no objective O999."},
		{"unknown key result", okr.LinkTarget{KeyResultID: 999}, okr.LinkOptions{}, "There is no key result KR999."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.SetParent(ctx, team.ID, tt.target, tt.opts)
			if tt.wantErr != "" {
				if got := okr.FieldErrors(err)["parent"]; got != tt.wantErr {
					t.Fatalf("SetParent = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindObjectiveByID(ctx, team.ID)
			wantObj := tt.target.ObjectiveID
			if tt.target.KeyResultID != 0 {
				wantObj = company.ID // the key result's objective is the parent objective
			}
			if got.ParentObjectiveID != wantObj || got.ParentKeyResultID != tt.target.KeyResultID {
				t.Fatalf("parent = O%d/KR%d, want O%d/KR%d", got.ParentObjectiveID, got.ParentKeyResultID, wantObj, tt.target.KeyResultID)
			}
		})
	}

	// The department cannot move under the team (a lower level, and a loop).
	if err := db.SetParent(ctx, dept.ID, okr.LinkTarget{ObjectiveID: team.ID}, okr.LinkOptions{}); okr.FieldErrors(err)["parent"] == "" {
		t.Fatalf("department under team = %v, want a parent error", err)
	}
	// Cross-cycle only when asked.
	next := okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.January, time.UTC, okr.CycleUpcoming)
	if err := db.CreateCycle(ctx, next); err != nil {
		t.Fatal(err)
	}
	future := mustObjective(t, db, &okr.Objective{Title: "Next year", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: next.ID})
	if err := db.SetParent(ctx, team.ID, okr.LinkTarget{ObjectiveID: future.ID}, okr.LinkOptions{}); okr.FieldErrors(err)["parent"] == "" {
		t.Fatalf("cross-cycle without asking = %v", err)
	}
	if err := db.SetParent(ctx, team.ID, okr.LinkTarget{ObjectiveID: future.ID}, okr.LinkOptions{AllowCrossCycle: true}); err != nil {
		t.Fatalf("cross-cycle when asked = %v", err)
	}
	// Unlink.
	if err := db.SetParent(ctx, team.ID, okr.LinkTarget{}, okr.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindObjectiveByID(ctx, team.ID); got.HasParent() {
		t.Fatal("unlink kept the parent")
	}
	// A level change that would put the department at or below its parent is refused.
	level := okr.LevelCompany
	if _, err := db.UpdateObjective(ctx, dept.ID, okr.ObjectiveUpdate{Level: &level}); okr.FieldErrors(err)["level"] == "" {
		t.Fatalf("raise department to company level while under a company objective = %v", err)
	}
	// ... and one that would put the company objective at its child's level.
	level = okr.LevelDepartment
	if _, err := db.UpdateObjective(ctx, company.ID, okr.ObjectiveUpdate{Level: &level}); okr.FieldErrors(err)["level"] == "" {
		t.Fatalf("lower company objective to its child's level = %v", err)
	}
	title := "Delight every customer"
	if got, err := db.UpdateObjective(ctx, company.ID, okr.ObjectiveUpdate{Title: &title}); err != nil || got.Title != title {
		t.Fatalf("rename = %v, %v", got, err)
	}
}

func TestArchiveObjective_KeepsHistoryAndOrphansChildren(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	parent := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID}, metric("ARR", "CEO", 0, 10))
	child := mustObjective(t, db, &okr.Objective{Title: "Sell", Level: okr.LevelTeam, OwnerID: "L", CycleID: c.ID, ParentObjectiveID: parent.ID})
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &parent.ID})
	clk.Add(time.Hour)
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "CEO", Value: 4, Confidence: okr.OnTrack}}); err != nil {
		t.Fatal(err)
	}
	if err := db.ArchiveObjective(ctx, parent.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindObjectiveByID(ctx, parent.ID)
	if got.Status != okr.StatusArchived {
		t.Fatalf("status = %v", got.Status)
	}
	if ch, _ := db.FindObjectiveByID(ctx, child.ID); ch.HasParent() {
		t.Fatal("child still points at an archived parent")
	}
	history, err := db.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &krs[0].ID})
	if err != nil || len(history) != 1 || history[0].Value != 4 {
		t.Fatalf("history after archive = %v, %v", history, err)
	}
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "CEO", Value: 5, Confidence: okr.OnTrack}}); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("check-in on archived = %v, want conflict", err)
	}
	g, err := db.LoadGraph(ctx, c.ID, clk.Now())
	if err != nil || len(g.Objectives) != 1 || len(g.KeyResults) != 0 {
		t.Fatalf("graph after archive: %d objectives, %d key results, %v", len(g.Objectives), len(g.KeyResults), err)
	}
}

func TestClosedCycleIsReadOnlyButScorable(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	o := mustObjective(t, db, &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID}, metric("ARR", "CEO", 0, 10))
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	if err := db.CloseCycle(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	title := "Grow more"
	if _, err := db.UpdateObjective(ctx, o.ID, okr.ObjectiveUpdate{Title: &title}); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("edit in closed cycle = %v", err)
	}
	if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: krs[0].ID, AuthorID: "CEO", Value: 5, Confidence: okr.OnTrack}}); okr.ErrorMessage(err) != "2026-Q4 is closed; closed cycles are read-only." {
		t.Fatalf("check-in in closed cycle = %v", err)
	}
	if err := db.CreateObjective(ctx, &okr.Objective{Title: "Late", Level: okr.LevelTeam, OwnerID: "U", CycleID: c.ID}, nil, okr.LinkOptions{}); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("create in closed cycle = %v", err)
	}
	if err := db.CloseObjective(ctx, o.ID, 0.7); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindObjectiveByID(ctx, o.ID)
	if got.Status != okr.StatusClosed || got.Score == nil || *got.Score != 0.7 {
		t.Fatalf("scored = %+v", got)
	}
	if err := db.CloseObjective(ctx, o.ID, 1.5); okr.FieldErrors(err)["score"] == "" {
		t.Fatalf("score 1.5 = %v", err)
	}
}

func TestTeams_Departments(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	eng := &okr.Team{Name: "Engineering"}
	if err := db.CreateTeam(ctx, eng); err != nil {
		t.Fatal(err)
	}
	platform := &okr.Team{Name: "Platform", ParentID: eng.ID}
	if err := db.CreateTeam(ctx, platform); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTeam(ctx, &okr.Team{Name: "platform"}); okr.FieldErrors(err)["name"] != "There is already a team called platform." {
		t.Fatalf("duplicate name = %v", err)
	}
	if err := db.CreateTeam(ctx, &okr.Team{Name: "SRE", ParentID: platform.ID}); okr.FieldErrors(err)["parent"] == "" {
		t.Fatalf("three levels deep = %v", err)
	}
	eng.ParentID = platform.ID
	if err := db.UpdateTeam(ctx, eng); okr.FieldErrors(err)["parent"] == "" {
		t.Fatalf("department with teams joining a department = %v", err)
	}
	platform.Members = []string{"U9"}
	platform.LeadID = "U8"
	if err := db.UpdateTeam(ctx, platform); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindTeamByID(ctx, platform.ID)
	if !slices.Equal(got.Members, []string{"U9"}) || got.LeadID != "U8" || got.ParentID != eng.ID || !got.HasMember("U8") {
		t.Fatalf("team = %+v", got)
	}
	all, _ := db.FindTeams(ctx)
	if len(all) != 2 || all[0].Name != "Engineering" {
		t.Fatalf("FindTeams = %v", all)
	}
}

func TestLinks(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	a := mustObjective(t, db, &okr.Objective{Title: "A", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID})
	b := mustObjective(t, db, &okr.Objective{Title: "B", Level: okr.LevelTeam, OwnerID: "U2", CycleID: c.ID})
	cc := mustObjective(t, db, &okr.Objective{Title: "C", Level: okr.LevelTeam, OwnerID: "U3", CycleID: c.ID})
	up := mustObjective(t, db, &okr.Objective{Title: "Up", Level: okr.LevelCompany, OwnerID: "U4", CycleID: c.ID})
	link := func(from, to *okr.Objective, kind okr.LinkKind) error {
		return db.CreateLink(ctx, &okr.Link{FromID: from.ID, ToID: to.ID, Kind: kind, CreatedBy: "U1"}, okr.LinkOptions{})
	}
	if err := link(a, b, okr.LinkDependsOn); err != nil {
		t.Fatal(err)
	}
	if err := link(b, cc, okr.LinkDependsOn); err != nil {
		t.Fatal(err)
	}
	if err := link(cc, a, okr.LinkDependsOn); okr.FieldErrors(err)["parent"] == "" {
		t.Fatalf("dependency loop a->b->c->a = %v", err)
	}
	if err := link(a, b, okr.LinkDependsOn); okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("duplicate = %v", err)
	}
	if err := link(a, up, okr.LinkRelatesTo); err != nil {
		t.Fatal(err)
	}
	links, err := db.FindLinks(ctx, a.ID)
	if err != nil || len(links) != 2 {
		t.Fatalf("links of a = %v, %v", links, err)
	}
	if err := db.DeleteLink(ctx, links[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteLink(ctx, links[0].ID); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("delete twice = %v", err)
	}
}

func TestCloseObjectives_AllOrNothingWithCarryOver(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	yearly := mustObjective(t, db, &okr.Objective{Title: "Yearly", Level: okr.LevelCompany, OwnerID: "CEO", CycleID: c.ID})
	a := mustObjective(t, db, &okr.Objective{Title: "A", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID, ParentObjectiveID: yearly.ID}, metric("k", "U1", 0, 10))
	b := mustObjective(t, db, &okr.Objective{Title: "B", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID}, metric("k", "U1", 0, 10))
	next := okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.January, time.UTC, okr.CycleUpcoming)
	must(t, db.CreateCycle(ctx, next))
	closed := okr.NewCycle(okr.Quarter{Year: 2026, Q: 3}, time.January, time.UTC, okr.CycleClosed)
	must(t, db.CreateCycle(ctx, closed))

	// A carry-over into a closed cycle fails, and so does everything with it.
	err := db.CloseObjectives(ctx, []okr.Closing{
		{ObjectiveID: a.ID, Score: 0.7},
		{ObjectiveID: b.ID, Score: 0.4, CarryOver: &okr.Objective{Title: "B", Level: okr.LevelTeam, OwnerID: "U1", CycleID: closed.ID}},
	})
	if okr.ErrorCode(err) != okr.ECONFLICT {
		t.Fatalf("carry into a closed cycle = %v", err)
	}
	if got, _ := db.FindObjectiveByID(ctx, a.ID); got.Status != okr.StatusActive {
		t.Fatalf("A was closed although the batch failed: %s", got.Status)
	}

	// A parent in the closed cycle no longer holds: the copy is made unaligned.
	copyA := &okr.Objective{Title: "A", Level: okr.LevelTeam, OwnerID: "U1", CycleID: next.ID, ParentObjectiveID: a.ID}
	must(t, db.CloseObjectives(ctx, []okr.Closing{
		{ObjectiveID: a.ID, Score: 0.7, CarryOver: copyA, CarryKeyResults: []*okr.KeyResult{metric("k", "U1", 5, 10)}},
		{ObjectiveID: b.ID, Score: 0.4},
	}))
	for id, want := range map[int64]float64{a.ID: 0.7, b.ID: 0.4} {
		got, _ := db.FindObjectiveByID(ctx, id)
		if got.Status != okr.StatusClosed || got.Score == nil || *got.Score != want {
			t.Fatalf("O%d = %s %v, want closed %v", id, got.Status, got.Score, want)
		}
	}
	got, err := db.FindObjectiveByID(ctx, copyA.ID)
	must(t, err)
	krs, _ := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &copyA.ID})
	if got.CycleID != next.ID || got.HasParent() || len(krs) != 1 || krs[0].Start != 5 {
		t.Fatalf("copy = %+v with %d key results", got, len(krs))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFindObjectives_TotalWithAndWithoutAPage: the total is every match,
// whether it is counted apart for a page or taken from the rows read.
func TestFindObjectives_TotalWithAndWithoutAPage(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	for i := range 5 {
		owner := []string{"U1", "U2"}[i%2]
		mustObjective(t, db, &okr.Objective{Title: fmt.Sprintf("Goal %d", i), Level: okr.LevelCompany, OwnerID: owner, CycleID: c.ID})
	}
	u1 := "U1"
	for _, tc := range []struct {
		name        string
		f           okr.ObjectiveFilter
		rows, total int
	}{
		{"all", okr.ObjectiveFilter{CycleID: &c.ID}, 5, 5},
		{"one owner", okr.ObjectiveFilter{CycleID: &c.ID, OwnerID: &u1}, 3, 3},
		{"a page", okr.ObjectiveFilter{CycleID: &c.ID, Limit: 2}, 2, 5},
		{"the last page", okr.ObjectiveFilter{CycleID: &c.ID, Limit: 2, Offset: 4}, 1, 5},
		{"a page of one owner's", okr.ObjectiveFilter{OwnerID: &u1, Limit: 1, Offset: 1}, 1, 3},
		{"an offset without a limit is ignored", okr.ObjectiveFilter{CycleID: &c.ID, Offset: 3}, 5, 5},
	} {
		found, total, err := db.FindObjectives(ctx, tc.f)
		if err != nil || len(found) != tc.rows || total != tc.total {
			t.Errorf("%s: %d rows, total %d, %v; want %d rows, total %d", tc.name, len(found), total, err, tc.rows, tc.total)
		}
	}
}
