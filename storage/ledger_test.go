package storage_test

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

func beat(t *testing.T, db *storage.DB, id string) {
	t.Helper()
	if err := db.Beat(context.Background(), okr.Instance{ID: id, Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestLedger_ClaimOnceAcrossGoroutinesInstancesAndRestarts(t *testing.T) {
	path := t.TempDir() + "/okrbot.db"
	db, clk := mustOpenPath(t, path)
	ctx := context.Background()
	const key = "checkin:2026-Q4:2026-W45:U1"
	var news, busy atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		id := "instance-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		beat(t, db, id)
		wg.Go(func() {
			<-start
			c, err := db.Claim(ctx, key, "U1", id)
			if err != nil {
				t.Error(err)
			}
			switch c.Result {
			case okr.ClaimNew:
				news.Add(1)
			case okr.ClaimBusy:
				busy.Add(1)
			default:
				t.Errorf("claim by %s = %v", id, c.Result)
			}
		})
	}
	close(start)
	wg.Wait()
	if news.Load() != 1 || busy.Load() != 49 {
		t.Fatalf("%d new and %d busy claims, want exactly 1 and 49", news.Load(), busy.Load())
	}
	pending, err := db.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Key != key || pending[0].Target != "U1" || pending[0].Done() {
		t.Fatalf("pending = %+v, %v", pending, err)
	}

	// After a restart the key is still held by its live owner.
	db2, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db2.Now = clk.Now
	if c, err := db2.Claim(ctx, key, "U1", "someone-else"); c.Result != okr.ClaimBusy || err != nil {
		t.Fatalf("claim after restart = %v, %v; want busy", c.Result, err)
	}
	if err := db2.MarkSent(ctx, key, "D1/1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	if pending, _ := db2.Pending(ctx); len(pending) != 0 {
		t.Fatalf("pending after sent = %v", pending)
	}
	c, err := db2.Claim(ctx, key, "U1", "someone-else")
	if err != nil || c.Result != okr.ClaimDone || c.Previous.Ref != "D1/1700000000.000100" || c.Previous.Channel() != "D1" || c.Previous.TS() != "1700000000.000100" {
		t.Fatalf("claim after sent = %+v, %v", c, err)
	}
	if err := db2.MarkSent(ctx, "never-claimed", "x"); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("MarkSent unclaimed = %v", err)
	}
	if err := db2.MarkFailed(ctx, "never-claimed", "x"); okr.ErrorCode(err) != okr.ENOTFOUND {
		t.Fatalf("MarkFailed unclaimed = %v", err)
	}
}

func TestLedger_TakeOverOnlyFromInstancesThatAreGone(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	beat(t, db, "A")
	beat(t, db, "B")
	if c, _ := db.Claim(ctx, "k1", "U1", "A"); c.Result != okr.ClaimNew {
		t.Fatalf("first claim = %v", c.Result)
	}
	if c, _ := db.Claim(ctx, "k1", "U1", "B"); c.Result != okr.ClaimBusy {
		t.Fatalf("claim while A beats = %v, want busy", c.Result)
	}
	// The owner itself may take its own claim back (an attempt that gave
	// up); the caller knows whether it is still sending.
	if c, _ := db.Claim(ctx, "k1", "U1", "A"); c.Result != okr.ClaimTakenOver {
		t.Fatalf("claim by its owner = %v, want taken over", c.Result)
	}

	// A stops beating: after the timeout its claim may be taken over, once.
	clk.Add(okr.InstanceTimeout + time.Second)
	beat(t, db, "B")
	claimedAt := clk.Now()
	c, err := db.Claim(ctx, "k1", "U1", "B")
	if err != nil || c.Result != okr.ClaimTakenOver || c.Previous.Owner != "A" {
		t.Fatalf("claim after A went quiet = %+v, %v", c, err)
	}
	d, err := db.FindDelivery(ctx, "k1")
	if err != nil || d.Owner != "B" || !d.ClaimedAt.Equal(claimedAt.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("delivery = %+v, %v", d, err)
	}
	beat(t, db, "A") // A comes back: the key is B's now
	if c, _ := db.Claim(ctx, "k1", "U1", "A"); c.Result != okr.ClaimBusy {
		t.Fatalf("claim by A after takeover = %v, want busy", c.Result)
	}

	// An instance that leaves hands its claims over at once.
	if c, _ := db.Claim(ctx, "k2", "U2", "A"); c.Result != okr.ClaimNew {
		t.Fatal("claim k2")
	}
	if err := db.Leave(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Claim(ctx, "k2", "U2", "B"); c.Result != okr.ClaimTakenOver {
		t.Fatalf("claim of a left instance's key = %v", c.Result)
	}
	ins, err := db.Instances(ctx)
	if err != nil || len(ins) != 1 || ins[0].ID != "B" || ins[0].Host != "h" {
		t.Fatalf("instances = %+v, %v", ins, err)
	}

	// A delivery Slack refused for good is done, with its reason.
	if err := db.MarkFailed(ctx, "k2", "user_disabled"); err != nil {
		t.Fatal(err)
	}
	c, _ = db.Claim(ctx, "k2", "U2", "B")
	if c.Result != okr.ClaimDone || !c.Previous.Failed() || c.Previous.Error != "user_disabled" {
		t.Fatalf("claim of a failed delivery = %+v", c.Previous)
	}
}

func TestLedger_FindDeliveriesByPrefixAndSuffix(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	keys := []string{
		"checkin:2026-Q4:2026-W46:U1", "checkin:2026-Q4:2026-W47:U1", "checkin:2026-Q4:2026-W47:U2",
		"checkin:2026-Q4:2026-W47:U12", "checkin:2026-Q4_x:2026-W47:U1", "reminder:2026-Q4:2026-W47:U1",
	}
	for _, k := range keys {
		clk.Add(time.Second)
		if _, err := db.Claim(ctx, k, "U", "A"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MarkSent(ctx, "checkin:2026-Q4:2026-W47:U1", "D1/1.000001"); err != nil {
		t.Fatal(err)
	}
	got := func(f okr.DeliveryFilter) []string {
		ds, err := db.FindDeliveries(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Key)
		}
		return out
	}
	if g := got(okr.DeliveryFilter{Prefix: "checkin:2026-Q4:", Suffix: ":U1"}); len(g) != 2 || g[0] != "checkin:2026-Q4:2026-W47:U1" || g[1] != "checkin:2026-Q4:2026-W46:U1" {
		t.Fatalf("prefix and suffix = %v (newest first)", g)
	}
	sent := true
	if g := got(okr.DeliveryFilter{Prefix: "checkin:", Sent: &sent}); len(g) != 1 {
		t.Fatalf("sent = %v", g)
	}
	if g := got(okr.DeliveryFilter{Prefix: "checkin:2026-Q4:2026-W47:", Limit: 2}); len(g) != 2 {
		t.Fatalf("limit = %v", g)
	}
	if g := got(okr.DeliveryFilter{Prefix: "%"}); len(g) != 0 {
		t.Fatalf("a '%%' prefix is literal: %v", g)
	}
}

func TestValuesAt_WeeklyValuesFromHistory(t *testing.T) {
	db, clk := mustOpenDB(t)
	ctx := context.Background()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(ctx, c); err != nil {
		t.Fatal(err)
	}
	kr := &okr.KeyResult{Title: "Leads", Kind: okr.KindIncrease, Start: 10, Target: 110, Current: 10, OwnerID: "U1"}
	quiet := &okr.KeyResult{Title: "Quiet", Kind: okr.KindIncrease, Start: 0, Target: 1, OwnerID: "U1"}
	o := &okr.Objective{Title: "Grow", Level: okr.LevelTeam, OwnerID: "U1", CycleID: c.ID}
	if err := db.CreateObjective(ctx, o, []*okr.KeyResult{kr, quiet}, okr.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now()
	checkin := func(v float64) {
		t.Helper()
		if err := db.CreateCheckins(ctx, []*okr.Checkin{{KeyResultID: kr.ID, AuthorID: "U1", Value: v, Confidence: okr.OnTrack}}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(2 * 24 * time.Hour)
	checkin(20) // day 2
	clk.Add(24 * time.Hour)
	checkin(30) // day 3
	clk.Add(10 * 24 * time.Hour)
	checkin(70) // day 13
	times := []time.Time{t0.Add(24 * time.Hour), t0.Add(3 * 24 * time.Hour), t0.Add(7 * 24 * time.Hour), t0.Add(13 * 24 * time.Hour), t0.Add(20 * 24 * time.Hour)}
	got, err := db.ValuesAt(ctx, c.ID, times)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{10, 30, 30, 70, 70}
	if len(got) != 1 || len(got[kr.ID]) != len(want) {
		t.Fatalf("values = %v; only the key result with check-ins is listed", got)
	}
	for i, w := range want {
		if math.Abs(got[kr.ID][i]-w) > 1e-9 {
			t.Fatalf("value at %d = %v, want %v (all %v)", i, got[kr.ID][i], w, got[kr.ID])
		}
	}
	// A time before every check-in lists nothing.
	if got, err := db.ValuesAt(ctx, c.ID, times[:1]); err != nil || len(got) != 0 {
		t.Fatalf("values before any check-in = %v, %v", got, err)
	}
}

func TestTeam_ChannelRoundTrips(t *testing.T) {
	db, _ := mustOpenDB(t)
	ctx := context.Background()
	team := &okr.Team{Name: "Marketing", LeadID: "U1", Channel: "C42"}
	if err := db.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindTeamByID(ctx, team.ID)
	if err != nil || got.Channel != "C42" {
		t.Fatalf("team = %+v, %v", got, err)
	}
	got.Channel = ""
	if err := db.UpdateTeam(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindTeamByID(ctx, team.ID); got.Channel != "" {
		t.Fatalf("channel after clearing = %q", got.Channel)
	}
}
