package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
)

// monday10 is a Monday in 2026-Q4 at the default check-in time, in UTC.
var monday10 = time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)

// crowd is a workspace of n owners in UTC, each owning one key result of
// one objective, created a week before monday10.
func crowd(t *testing.T, n int, configure ...func(*rigConfig)) (*rig, []string) {
	t.Helper()
	var users []slackfake.User
	var ids []string
	for i := range n {
		id := fmt.Sprintf("UOWNER%03d", i)
		ids = append(ids, id)
		users = append(users, slackfake.User{ID: id, Name: strings.ToLower(id), RealName: "Owner " + itoa(i), TZ: "UTC"})
	}
	cfg := rigConfig{start: monday10.Add(-7 * 24 * time.Hour), users: users}
	for _, c := range configure {
		c(&cfg)
	}
	r := newRig(t, cfg)
	ctx := context.Background()
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	must(t, r.db.CreateCycle(ctx, c))
	for _, id := range ids {
		o := &okr.Objective{Title: "Objective of " + id, Level: okr.LevelPersonal, OwnerID: id, CycleID: c.ID}
		must(t, r.db.CreateObjective(ctx, o, []*okr.KeyResult{{Title: "Result", Kind: okr.KindIncrease, Target: 10, OwnerID: id}}, okr.LinkOptions{}))
	}
	r.clock.Set(monday10.Add(-time.Minute))
	return r, ids
}

// exactlyOnePrompt checks that every owner has one check-in prompt, and
// that the ledger recorded each as sent.
func (r *rig) exactlyOnePrompt(ids []string) {
	r.t.Helper()
	for _, id := range ids {
		if got := withKind(r.dms(id), "checkin"); len(got) != 1 {
			r.t.Errorf("%s has %d check-in prompts, want exactly 1", id, len(got))
		}
	}
	pending, err := r.db.Pending(context.Background())
	must(r.t, err)
	if len(pending) != 0 {
		r.t.Errorf("%d deliveries left pending: %+v", len(pending), pending[0])
	}
}

func (r *rig) waitForPrompts(ids []string) {
	r.t.Helper()
	r.waitFor("every prompt", func() bool {
		for _, id := range ids {
			if len(withKind(r.dms(id), "checkin")) == 0 {
				return false
			}
		}
		return true
	})
}

// TestFanOut_StoppedAtARandomSendAndRestarted: however the fan-out is cut
// short, a restart completes it and nobody gets a prompt twice.
func TestFanOut_StoppedAtARandomSendAndRestarted(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 4 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			r, ids := crowd(t, 30)
			r.startScheduler()
			cut := 1 + rng.IntN(len(ids)-2)
			r.clock.Set(monday10)
			r.waitFor(fmt.Sprint(cut, " prompts"), func() bool { return len(r.srv.CallsTo("chat.postMessage")) >= cut })
			r.stopScheduler()
			sent := len(r.srv.CallsTo("chat.postMessage"))
			if sent >= len(ids) {
				t.Logf("the fan-out finished before the stop (%d sent); the restart must send nothing", sent)
			}
			r.startScheduler()
			r.advanceTo(monday10.Add(time.Minute))
			r.waitForPrompts(ids)
			r.exactlyOnePrompt(ids)
		})
	}
}

// TestFanOut_ThroughRateLimitsServerErrorsAndLostAnswers: with one call in
// ten answered 429 or 500, or handled but its answer lost, nothing is lost
// and nothing doubled.
func TestFanOut_ThroughRateLimitsServerErrorsAndLostAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault slackfake.Fault
	}{
		{"429", slackfake.Fault{Status: 429, RetryAfter: time.Second, Rate: 0.1}},
		{"500", slackfake.Fault{Status: 500, Rate: 0.1}},
		{"lost", slackfake.Fault{Lost: true, Rate: 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ids := crowd(t, 30)
			r.srv.SetFault("chat.postMessage", tc.fault)
			r.startScheduler()
			r.advanceTo(monday10)
			r.waitForPrompts(ids)
			r.waitFor("the ledger to record every prompt", func() bool {
				pending, err := r.db.Pending(context.Background())
				return err == nil && len(pending) == 0
			})
			r.exactlyOnePrompt(ids)
			injected := 0
			for _, c := range r.srv.CallsTo("chat.postMessage") {
				if c.Injected {
					injected++
				}
			}
			if injected == 0 {
				t.Fatalf("no fault was injected; the test tested nothing")
			}
		})
	}
}

// TestTwoProcesses_OnOneDatabaseSendNothingTwice: two schedulers (as two
// okrbot processes would) run the same fan-out at once.
func TestTwoProcesses_OnOneDatabaseSendNothingTwice(t *testing.T) {
	r, ids := crowd(t, 30)
	r.startScheduler()
	second := scheduler.New(r.db, r.bot.Notifier(), okr.NewDeliverer(r.db, "second-process"), r.schedOpts)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("second scheduler: %v", err)
		}
	}()
	r.advanceTo(monday10)
	r.waitFor("the second scheduler's pass", func() bool { return !second.LastPass().Before(monday10) })
	r.waitForPrompts(ids)
	r.exactlyOnePrompt(ids)
}

// TestCatchUp_StartsAMissedPromptWhileStillUseful: down at 10:00 Monday,
// started at 14:00, okrbot sends Monday's prompts; started the next day
// after noon, it does not.
func TestCatchUp_StartsAMissedPromptWhileStillUseful(t *testing.T) {
	t.Run("same afternoon", func(t *testing.T) {
		r, ids := crowd(t, 3)
		r.clock.Set(monday10.Add(4 * time.Hour))
		r.startScheduler()
		r.waitForPrompts(ids)
		r.exactlyOnePrompt(ids)
	})
	t.Run("next day", func(t *testing.T) {
		r, ids := crowd(t, 3)
		r.clock.Set(monday10.Add(25 * time.Hour))
		r.startScheduler()
		r.advanceTo(monday10.Add(26 * time.Hour))
		for _, id := range ids {
			if n := len(withKind(r.dms(id), "checkin")); n != 0 {
				t.Errorf("%s got %d prompts a day late", id, n)
			}
		}
	})
}

// TestCrash_BetweenSlackAcceptingAndTheLedgerRecording: a process died
// after Slack took the message and before it noted so. The next one finds
// the message in the DM and records it instead of sending it again.
func TestCrash_BetweenSlackAcceptingAndTheLedgerRecording(t *testing.T) {
	r, ids := crowd(t, 3)
	ctx := context.Background()
	r.clock.Set(monday10)
	c, err := r.db.CurrentCycle(ctx)
	must(t, err)
	// The process that died: it claimed the first owner's prompt and Slack
	// posted it; its ledger entry stayed pending.
	key := okr.CheckinKey(ids[0], okr.WeekPeriod(monday10))
	if claim, err := r.db.Claim(ctx, key, ids[0], "dead-process"); err != nil || claim.Result != okr.ClaimNew {
		t.Fatalf("claim = %v, %v", claim.Result, err)
	}
	if _, err := r.bot.Notifier().CheckinRequest(ctx, &okr.CheckinRequest{Key: key, UserID: ids[0], Cycle: c, At: monday10}); err != nil {
		t.Fatal(err)
	}
	r.startScheduler()
	r.waitForPrompts(ids)
	r.waitFor("the ledger to record every prompt", func() bool {
		pending, err := r.db.Pending(ctx)
		return err == nil && len(pending) == 0
	})
	r.exactlyOnePrompt(ids)
	d, err := r.db.FindDelivery(ctx, key)
	must(t, err)
	if want := withKind(r.dms(ids[0]), "checkin")[0].TS; d.TS() != want {
		t.Fatalf("recorded ts %q, want the message's %q", d.TS(), want)
	}
}

// TestSettings_ChangedScheduleAppliesAtTheNextMinute: /okr settings moves
// the check-in to 10:30; no restart.
func TestSettings_ChangedScheduleAppliesAtTheNextMinute(t *testing.T) {
	r, ids := crowd(t, 2)
	r.startScheduler()
	must(t, r.db.SetSettings(context.Background(), map[string]string{okr.SettingCheckinSchedule: "30 10 * * MON"}))
	r.advanceTo(monday10.Add(time.Minute))
	for _, id := range ids {
		if n := len(withKind(r.dms(id), "checkin")); n != 0 {
			t.Fatalf("%s was prompted at 10:00 after the schedule moved to 10:30", id)
		}
	}
	if next := r.sched.NextWake(r.clock.Now()); !next.Equal(monday10.Add(30 * time.Minute)) {
		t.Fatalf("next wake = %s, want 10:30", next)
	}
	r.advanceTo(monday10.Add(30 * time.Minute))
	r.waitForPrompts(ids)
	r.exactlyOnePrompt(ids)
}

// TestOutage_PromptTriedUntilItsWeekIsOverThenGivenUp: with Slack failing
// all week, a prompt is tried again pass after pass; once its week is over
// it is given up, counted, and never sent late, and the next week's goes
// out when Slack is back.
func TestOutage_PromptTriedUntilItsWeekIsOverThenGivenUp(t *testing.T) {
	r, ids := crowd(t, 2, func(c *rigConfig) {
		c.schedOpts = func(o *scheduler.Options) { o.SendTimeout = time.Second }
	})
	r.srv.SetFault("chat.postMessage", slackfake.Fault{Status: 503})
	r.startScheduler()
	r.advanceTo(monday10)
	r.advanceTo(monday10.Add(3 * 24 * time.Hour))
	if got := r.sched.Stats().Errors; got < 4 {
		t.Fatalf("%d failed attempts over three days, want each prompt tried at two passes at least", got)
	}
	r.advanceTo(monday10.Add(7*24*time.Hour - time.Minute))
	r.srv.ClearFaults()
	r.advanceTo(monday10.Add(7 * 24 * time.Hour))
	r.waitForPrompts(ids)
	// What was due in the lost week and never sent is given up: each
	// prompt and each reminder, and the nudges.
	lost := func() []*okr.Delivery {
		old, err := r.db.FindDeliveries(context.Background(), okr.DeliveryFilter{Prefix: "checkin:", Suffix: ":" + okr.WeekPeriod(monday10)})
		must(t, err)
		return old
	}
	r.waitFor("the last week's prompts to be given up", func() bool {
		old := lost()
		return len(old) == len(ids) && !slices.ContainsFunc(old, func(d *okr.Delivery) bool { return !d.Failed() })
	})
	if got := r.sched.Stats().GivenUp; got < uint64(2*len(ids)) {
		t.Fatalf("%d messages given up, want at least the %d prompts and %d reminders of the lost week", got, len(ids), len(ids))
	}
	for _, id := range ids {
		prompts := withKind(r.dms(id), "checkin")
		if len(prompts) != 1 || !strings.Contains(prompts[0].Key, okr.WeekPeriod(monday10.Add(7*24*time.Hour))) {
			t.Fatalf("%s got %d prompts (%v), want only the new week's", id, len(prompts), prompts)
		}
	}
	// The ledger says what became of last week's: given up, not pending.
	r.exactlyOnePrompt(ids)
	for _, d := range lost() {
		if !d.Failed() || !strings.HasPrefix(d.Error, "expired") {
			t.Fatalf("the lost week's %s is recorded as %+v", d.Key, d)
		}
	}
}
