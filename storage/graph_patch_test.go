package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// TestUpdateGraph_PatchedEqualsFresh makes random writes of every kind
// (check-ins, edits, links, archives, new objectives and key results,
// closings, and writes that change no graph), a few at a time, and after
// each batch brings the graph and its analysis up to date with UpdateGraph
// and okr.Reanalyze: both must equal a fresh LoadGraph and okr.Analyze of
// the same database, whatever Analyze's rules are. A write by another
// process (a second DB on the same file, as okrbot import is) must make
// UpdateGraph load afresh.
//
// Many writes are about driven key results (okr/driven.go): objectives made
// or linked to deliver a key result, often one that a deliverer holds (a
// chain), unlinked, archived or closed; check-ins on a driven key result
// (setting it by hand), /okr drive (clearing that), check-ins on what
// deliverers hold, and delivered key results archived. Those cycles must
// patch too.
func TestUpdateGraph_PatchedEqualsFresh(t *testing.T) {
	for _, seed := range []uint64{11, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { patchedEqualsFresh(t, seed) })
	}
}

func patchedEqualsFresh(t *testing.T, seed uint64) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	r := rand.New(rand.NewPCG(seed, 7))
	owners := []string{"U1", "U2", "U3", "U4"}
	levels := []okr.Level{okr.LevelCompany, okr.LevelDepartment, okr.LevelTeam, okr.LevelPersonal}

	// A week and more of history first, so that week-ago values come from
	// before the window, from one check-in in it and from several.
	var objectives []*okr.Objective
	live := false
	keyResultsOf := func(objectiveID int64) []*okr.KeyResult {
		krs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &objectiveID, Archived: &live})
		if err != nil {
			t.Fatal(err)
		}
		return krs
	}
	newObjective := func() {
		level := levels[r.IntN(len(levels))]
		o := &okr.Objective{Title: fmt.Sprintf("Objective %d", len(objectives)), Level: level, OwnerID: owners[r.IntN(len(owners))],
			CycleID: c.ID, RollupChildren: r.IntN(2) == 0, Weight: float64(1 + r.IntN(3))}
		if parent := pick(r, objectives); parent != nil && parent.Level.Above(level) && r.IntN(4) > 0 {
			o.ParentObjectiveID = parent.ID
			if r.IntN(3) == 0 { // deliver one of its key results
				if kr := pick(r, keyResultsOf(parent.ID)); kr != nil {
					o.ParentKeyResultID = kr.ID
				}
			}
		}
		var krs []*okr.KeyResult
		for k := range r.IntN(4) {
			kr := metric(fmt.Sprintf("KR %d", k), owners[r.IntN(len(owners))], 0, 100)
			kr.Weight = float64(1 + r.IntN(2))
			krs = append(krs, kr)
		}
		if err := db.CreateObjective(ctx, o, krs, okr.LinkOptions{}); err != nil {
			refused(t, err)
			return
		}
		objectives = append(objectives, o)
	}
	for range 30 {
		newObjective()
	}
	liveKRs := func() []*okr.KeyResult {
		krs, err := db.FindKeyResults(ctx, okr.KeyResultFilter{CycleID: &c.ID, Archived: &live})
		if err != nil {
			t.Fatal(err)
		}
		return krs
	}
	checkIn := func() {
		kr := pick(r, liveKRs())
		if kr == nil {
			return
		}
		err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: float64(r.IntN(120)),
			Confidence: okr.Confidences[r.IntN(len(okr.Confidences))]}})
		refused(t, err)
	}
	active := okr.StatusActive
	activeObjectives := func() []*okr.Objective {
		found, _, err := db.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, Status: &active})
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	deliverers := func() []*okr.Objective {
		var out []*okr.Objective
		for _, o := range activeObjectives() {
			if o.ParentKeyResultID != 0 {
				out = append(out, o)
			}
		}
		return out
	}
	// deliver links an objective below a key result's objective to deliver
	// it: any key result, or, half the time, one a deliverer holds, so that
	// what drives one key result is driven in turn.
	deliver := func() {
		kr := pick(r, liveKRs())
		if d := pick(r, deliverers()); d != nil && r.IntN(2) == 0 {
			if own := pick(r, keyResultsOf(d.ID)); own != nil {
				kr = own
			}
		}
		if kr == nil {
			return
		}
		parent, err := db.FindObjectiveByID(ctx, kr.ObjectiveID)
		if err != nil {
			t.Fatal(err)
		}
		var below []*okr.Objective // mostly not yet delivering, so that deliverers add up
		for _, o := range activeObjectives() {
			if parent.Level.Above(o.Level) && (o.ParentKeyResultID == 0 || r.IntN(4) == 0) {
				below = append(below, o)
			}
		}
		if o := pick(r, below); o != nil {
			refused(t, db.SetParent(ctx, o.ID, okr.LinkTarget{KeyResultID: kr.ID}, okr.LinkOptions{}))
		}
	}
	// delivered picks a key result that an active objective delivers.
	delivered := func() *okr.KeyResult {
		d := pick(r, deliverers())
		if d == nil {
			return nil
		}
		kr, err := db.FindKeyResultByID(ctx, d.ParentKeyResultID)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	checkInOn := func(kr *okr.KeyResult) {
		if kr == nil || kr.Archived {
			return
		}
		err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: float64(r.IntN(120)),
			Confidence: okr.Confidences[r.IntN(len(okr.Confidences))]}})
		refused(t, err)
	}
	drive := func() { // /okr drive
		if kr := delivered(); kr != nil && !kr.Archived {
			byHand := false
			_, err := db.UpdateKeyResult(ctx, kr.ID, okr.KeyResultUpdate{ByHand: &byHand})
			refused(t, err)
		}
	}
	for range 6 {
		deliver()
	}
	for range 10 {
		clk.Add(24 * time.Hour)
		for range 10 {
			checkIn()
		}
		if r.IntN(3) == 0 {
			drive()
		}
	}
	at := clk.Now().Add(2 * 24 * time.Hour) // the analysis time, after every write
	policy := okr.DefaultPolicy()

	g, err := db.LoadGraph(ctx, c.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	a := okr.Analyze(g, at, policy)
	other, err := storage.Open(ctx, db.Path()) // another process on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	writes := []func(){
		checkIn, checkIn, checkIn, newObjective,
		func() { // edit a key result
			kr := pick(r, liveKRs())
			if kr == nil {
				return
			}
			target, weight, owner := float64(50+r.IntN(100)), float64(1+r.IntN(3)), owners[r.IntN(len(owners))]
			_, err := db.UpdateKeyResult(ctx, kr.ID, okr.KeyResultUpdate{Target: &target, Weight: &weight, OwnerID: &owner})
			refused(t, err)
		},
		func() { // add a key result
			if o := pick(r, objectives); o != nil {
				kr := metric("Added", owners[r.IntN(len(owners))], 0, 10)
				kr.ObjectiveID = o.ID
				refused(t, db.CreateKeyResult(ctx, kr))
			}
		},
		func() { // archive a key result
			if kr := pick(r, liveKRs()); kr != nil && r.IntN(2) == 0 {
				refused(t, db.ArchiveKeyResult(ctx, kr.ID))
			}
		},
		func() { // edit an objective
			if o := pick(r, objectives); o != nil {
				owner, rollup, weight := owners[r.IntN(len(owners))], r.IntN(2) == 0, float64(1+r.IntN(3))
				level := levels[r.IntN(len(levels))]
				_, err := db.UpdateObjective(ctx, o.ID, okr.ObjectiveUpdate{OwnerID: &owner, RollupChildren: &rollup, Weight: &weight, Level: &level})
				refused(t, err)
			}
		},
		func() { // link, relink or unlink an objective
			o, parent := pick(r, objectives), pick(r, objectives)
			if o == nil || parent == nil {
				return
			}
			target := okr.LinkTarget{ObjectiveID: parent.ID}
			if r.IntN(4) == 0 {
				target = okr.LinkTarget{}
			} else if kr := pick(r, liveKRs()); kr != nil && r.IntN(2) == 0 {
				target = okr.LinkTarget{KeyResultID: kr.ID}
			}
			refused(t, db.SetParent(ctx, o.ID, target, okr.LinkOptions{}))
		},
		func() { // a horizontal link, made or removed
			from, to := pick(r, objectives), pick(r, objectives)
			if from == nil || to == nil {
				return
			}
			l := &okr.Link{FromID: from.ID, ToID: to.ID, Kind: okr.LinkRelatesTo, CreatedBy: "U1"}
			if err := db.CreateLink(ctx, l, okr.LinkOptions{}); err != nil {
				refused(t, err)
				return
			}
			if r.IntN(2) == 0 {
				refused(t, db.DeleteLink(ctx, l.ID))
			}
		},
		func() { // archive or close an objective
			if o := pick(r, objectives); o != nil && r.IntN(3) == 0 {
				if r.IntN(2) == 0 {
					refused(t, db.ArchiveObjective(ctx, o.ID))
				} else {
					refused(t, db.CloseObjective(ctx, o.ID, 0.5))
				}
			}
		},
		deliver, deliver, deliver, deliver, newObjective, drive,
		func() { // a deliverer unlinked, or moved to support its parent objective itself
			if d := pick(r, deliverers()); d != nil && r.IntN(2) == 0 {
				target := okr.LinkTarget{}
				if r.IntN(2) == 0 {
					target.ObjectiveID = d.ParentObjectiveID
				}
				refused(t, db.SetParent(ctx, d.ID, target, okr.LinkOptions{}))
			}
		},
		func() { checkInOn(delivered()) }, // sets it by hand
		drive, drive,
		func() { // a check-in on what a deliverer holds
			if d := pick(r, deliverers()); d != nil {
				checkInOn(pick(r, keyResultsOf(d.ID)))
			}
		},
		func() { // a deliverer archived or closed
			if d := pick(r, deliverers()); d != nil && r.IntN(3) == 0 {
				if r.IntN(2) == 0 {
					refused(t, db.ArchiveObjective(ctx, d.ID))
				} else {
					refused(t, db.CloseObjective(ctx, d.ID, 0.5))
				}
			}
		},
		func() { // a delivered key result archived, or its objective
			if kr := delivered(); kr != nil && !kr.Archived && r.IntN(3) == 0 {
				if r.IntN(2) == 0 {
					refused(t, db.ArchiveKeyResult(ctx, kr.ID))
				} else {
					refused(t, db.ArchiveObjective(ctx, kr.ObjectiveID))
				}
			}
		},
		func() { // a deliverer edited: its weight counts in what it drives
			if d := pick(r, deliverers()); d != nil {
				weight, rollup := float64(1+r.IntN(3)), r.IntN(2) == 0
				_, err := db.UpdateObjective(ctx, d.ID, okr.ObjectiveUpdate{Weight: &weight, RollupChildren: &rollup})
				refused(t, err)
			}
		},
		func() { // writes no graph holds
			refused(t, db.UpsertUsers(ctx, []*okr.User{{ID: owners[r.IntN(len(owners))], Name: "someone", TZ: "UTC"}}))
			refused(t, db.SetSettings(ctx, map[string]string{"digest_channel": fmt.Sprintf("C%d", r.IntN(9))}))
		},
	}
	// Patched updates of a cycle with a driven key result, and with a chain:
	// an objective that drives a key result and holds one driven in turn.
	var patched, fresh, patchedDriven, patchedChain int
	for step := range 300 {
		outsider := false
		if step%25 == 24 {
			kr := pick(r, liveKRs())
			err := other.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: kr.OwnerID, Value: 7, Confidence: okr.AtRisk}})
			refused(t, err)
			outsider = err == nil
		}
		for range 1 + r.IntN(3) {
			clk.Add(time.Minute)
			writes[r.IntN(len(writes))]()
		}
		next, change, err := db.UpdateGraph(ctx, g, at)
		if err != nil {
			t.Fatal(err)
		}
		if change == nil {
			fresh++
			a = okr.Analyze(next, at, policy)
		} else {
			if outsider {
				t.Fatalf("step %d: a write by another process was patched over", step)
			}
			patched++
			if slices.ContainsFunc(a.Objectives, drives) {
				patchedDriven++
			}
			if slices.ContainsFunc(a.Objectives, func(s *okr.ObjectiveState) bool { return drives(s) && a.Drives(s.Objective) }) {
				patchedChain++
			}
			a = okr.Reanalyze(a, next, change, policy)
		}
		g = next
		wantGraph, err := db.LoadGraph(ctx, c.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		if d := graphDiff(g, wantGraph); d != "" {
			t.Fatalf("step %d: the patched graph differs from a fresh load:\n%s", step, d)
		}
		if want := okr.Analyze(wantGraph, at, policy); !reflect.DeepEqual(a, want) {
			t.Fatalf("step %d: the patched analysis differs from Analyze:\n%s", step, analysisDiff(a, want))
		}
	}
	// Only the other process's writes load afresh.
	t.Logf("%d updates patched (%d with driven key results, %d with a chain of them), %d loaded afresh", patched, patchedDriven, patchedChain, fresh)
	if patched < 250 || fresh < 6 || patchedDriven < 200 || patchedChain < 50 {
		t.Fatal("the test did not exercise every case")
	}
}

// drives reports whether an objective holds a driven key result.
func drives(s *okr.ObjectiveState) bool {
	return slices.ContainsFunc(s.KeyResults, func(k okr.KeyResultState) bool { return k.Driven })
}

// refused fails the test on an error other than one a person's bad request
// gets: random writes are often refused (a link that would loop, a level
// that breaks one).
func refused(t *testing.T, err error) {
	t.Helper()
	switch okr.ErrorCode(err) {
	case "", okr.EINVALID, okr.ECONFLICT, okr.ENOTFOUND:
		return
	}
	t.Fatal(err)
}

func pick[T any](r *rand.Rand, xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	return xs[r.IntN(len(xs))]
}

// graphDiff names the first difference between two graphs, or "" when
// they hold the same (an empty list and none alike).
func graphDiff(got, want *okr.Graph) string {
	if got.Generation != want.Generation || !reflect.DeepEqual(got.Cycle, want.Cycle) {
		return fmt.Sprintf("generation %d of %+v, want %d of %+v", got.Generation, got.Cycle, want.Generation, want.Cycle)
	}
	if d := firstDiff("objective", got.Objectives, want.Objectives); d != "" {
		return d
	}
	if d := firstDiff("key result", got.KeyResults, want.KeyResults); d != "" {
		return d
	}
	if d := firstDiff("week-ago value", got.WeekAgo, want.WeekAgo); d != "" {
		return d
	}
	return firstDiff("link", got.Links, want.Links)
}

// analysisDiff names the first difference between two analyses.
func analysisDiff(got, want *okr.Analysis) string {
	if d := firstDiff("objective state", got.Objectives, want.Objectives); d != "" {
		return d
	}
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range gv.NumField() {
		if f := gv.Type().Field(i); f.IsExported() && !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			return fmt.Sprintf("%s:\n%s\nwant\n%s", f.Name, dump(gv.Field(i).Interface()), dump(wv.Field(i).Interface()))
		}
	}
	return "(in unexported fields)"
}

func firstDiff[T any](what string, got, want []T) string {
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("%s %d:\n%s\nwant\n%s", what, i, dump(got[i]), dump(want[i]))
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d %ss, want %d", len(got), what, len(want))
	}
	return ""
}

// dump shows a value with what its pointers point to, a level deep.
func dump(v any) string {
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.Pointer && !rv.IsNil():
		return fmt.Sprintf("&%+v", rv.Elem().Interface())
	case rv.Kind() == reflect.Slice:
		out := "["
		for i := range rv.Len() {
			out += dump(rv.Index(i).Interface()) + " "
		}
		return out + "]"
	}
	return fmt.Sprintf("%+v", v)
}

// TestWrittenSince_TellsOwnWritesFromAnotherProcess: writes this DB made
// are known; one by another process on the same file (okrbot import) is
// not, nor is anything before it, while later ones from a generation
// after it are.
func TestWrittenSince_TellsOwnWritesFromAnotherProcess(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	c := mustCycle(t, db)
	create := func(on *storage.DB, title string) {
		t.Helper()
		o := &okr.Objective{Title: title, Level: okr.LevelCompany, OwnerID: "U1", CycleID: c.ID}
		if err := on.CreateObjective(ctx, o, nil, okr.LinkOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	written := func(since int64) (int64, bool) {
		t.Helper()
		gen, known, err := db.WrittenSince(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		return gen, known
	}
	start, err := db.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if gen, known := written(start); gen != start || !known {
		t.Fatalf("nothing written: WrittenSince = %d, %v; want %d, true", gen, known, start)
	}
	create(db, "Ours")
	create(db, "Ours too")
	own, known := written(start)
	if own != start+2 || !known {
		t.Fatalf("two own writes: WrittenSince = %d, %v; want %d, true", own, known, start+2)
	}

	other, err := storage.Open(ctx, db.Path()) // another process on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	create(other, "Imported")
	if gen, known := written(own); gen != own+1 || known {
		t.Fatalf("another process's write: WrittenSince = %d, %v; want %d, false", gen, known, own+1)
	}
	if _, known := written(start); known {
		t.Fatal("writes from before another process's: WrittenSince says known")
	}
	after, _ := written(own)
	create(db, "Ours again")
	if gen, known := written(after); gen != after+1 || !known {
		t.Fatalf("an own write after another process's: WrittenSince = %d, %v; want %d, true", gen, known, after+1)
	}
}
