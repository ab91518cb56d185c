package okr_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestDueKeyResults(t *testing.T) {
	since := time.Date(2026, time.November, 16, 10, 0, 0, 0, time.UTC)
	before, after := since.Add(-24*time.Hour), since.Add(time.Hour)
	krs := []*okr.KeyResult{
		{ID: 1, CreatedAt: before},                                              // never checked in: due
		{ID: 2, CreatedAt: before, CheckedAt: before.Add(-time.Hour)},           // checked in last period: due
		{ID: 3, CreatedAt: before, CheckedAt: since},                            // checked in as the period began
		{ID: 4, CreatedAt: before, CheckedAt: after},                            // checked in during it
		{ID: 5, CreatedAt: since},                                               // made as it began
		{ID: 6, CreatedAt: after},                                               // made during it
		{ID: 7, CreatedAt: before, Archived: true},                              // archived, never checked in
		{ID: 8, CreatedAt: before, CheckedAt: before, Archived: true},           // archived
		{ID: 9, CreatedAt: since.Add(-time.Nanosecond), CheckedAt: time.Time{}}, // just before: due
	}
	var got []int64
	for _, kr := range okr.DueKeyResults(krs, since) {
		got = append(got, kr.ID)
	}
	if want := []int64{1, 2, 9}; !slices.Equal(got, want) {
		t.Fatalf("DueKeyResults = %v, want %v", got, want)
	}
	if got := okr.DueKeyResults(nil, since); len(got) != 0 {
		t.Fatalf("DueKeyResults(nil) = %v, want none", got)
	}
}

// fakeCycles is an in-memory CycleService.
type fakeCycles struct {
	mu     sync.Mutex
	cycles []*okr.Cycle
	nextID int64
	// beforeCreate, when set, runs inside CreateCycle before it checks for
	// conflicts: another caller getting there first.
	beforeCreate func()
	// beforeFind, when set, runs once at the start of FindCycles: another
	// caller creating the first cycle between two reads.
	beforeFind func()
	created    int
	err        error // returned by every method when set
}

var _ okr.CycleService = (*fakeCycles)(nil)

func newFakeCycles(cycles ...*okr.Cycle) *fakeCycles {
	f := &fakeCycles{nextID: 100}
	f.cycles = append(f.cycles, cycles...)
	return f
}

func (f *fakeCycles) CurrentCycle(ctx context.Context) (*okr.Cycle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	for _, c := range f.cycles {
		if c.Status == okr.CycleCurrent {
			cp := *c
			return &cp, nil
		}
	}
	return nil, okr.Errorf(okr.ENOTFOUND, "No current cycle.")
}

func (f *fakeCycles) FindCycleByID(ctx context.Context, id int64) (*okr.Cycle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cycles {
		if c.ID == id {
			cp := *c
			return &cp, nil
		}
	}
	return nil, okr.Errorf(okr.ENOTFOUND, "No cycle %d.", id)
}

func (f *fakeCycles) FindCycleByName(ctx context.Context, name string) (*okr.Cycle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cycles {
		if strings.EqualFold(c.Name, name) {
			cp := *c
			return &cp, nil
		}
	}
	return nil, okr.Errorf(okr.ENOTFOUND, "No cycle %s.", name)
}

func (f *fakeCycles) FindCycles(ctx context.Context) ([]*okr.Cycle, error) {
	if hook := f.beforeFind; hook != nil {
		f.beforeFind = nil
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []*okr.Cycle
	for _, c := range f.cycles {
		cp := *c
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *okr.Cycle) int { return b.Start.Compare(a.Start) })
	return out, nil
}

func (f *fakeCycles) CreateCycle(ctx context.Context, c *okr.Cycle) error {
	if f.beforeCreate != nil {
		f.beforeCreate()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	for _, have := range f.cycles {
		if strings.EqualFold(have.Name, c.Name) {
			return okr.Errorf(okr.ECONFLICT, "Cycle %s exists.", c.Name)
		}
		if c.Status == okr.CycleCurrent && have.Status == okr.CycleCurrent {
			return okr.Errorf(okr.ECONFLICT, "Another cycle is current.")
		}
	}
	f.nextID++
	c.ID = f.nextID
	cp := *c
	f.cycles = append(f.cycles, &cp)
	f.created++
	return nil
}

func (f *fakeCycles) StartCycle(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cycles {
		if c.Status == okr.CycleCurrent {
			c.Status = okr.CycleClosed
		}
	}
	for _, c := range f.cycles {
		if c.ID == id {
			c.Status = okr.CycleCurrent
			return nil
		}
	}
	return okr.Errorf(okr.ENOTFOUND, "No cycle %d.", id)
}

func (f *fakeCycles) CloseCycle(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cycles {
		if c.ID == id {
			c.Status = okr.CycleClosed
			return nil
		}
	}
	return okr.Errorf(okr.ENOTFOUND, "No cycle %d.", id)
}

func (f *fakeCycles) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cycles)
}

// quarterCycle is the stored cycle of quarter "2026-Q4" (January fiscal
// year) in loc, with an ID and a status.
func quarterCycle(t *testing.T, name string, loc *time.Location, id int64, status okr.CycleStatus) *okr.Cycle {
	t.Helper()
	q, err := okr.ParseQuarter(name)
	if err != nil {
		t.Fatalf("parse %q: %v", name, err)
	}
	c := okr.NewCycle(q, time.January, loc, status)
	c.ID = id
	return c
}

func TestCurrentCycle(t *testing.T) {
	ctx := context.Background()
	auckland := mustZone(t, "Pacific/Auckland")

	t.Run("FirstUseCreatesTheQuarterInTheCompanyZone", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			s     okr.Settings
			now   time.Time
			want  string
			start time.Time
		}{
			{"UTC", okr.Settings{}, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-Q4", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
			// 23:30 UTC on 31 December is already noon on New Year's Day in Auckland.
			{"Auckland", okr.Settings{Location: auckland}, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-Q1", time.Date(2027, 1, 1, 0, 0, 0, 0, auckland)},
			{"FiscalOctober", okr.Settings{FiscalMonth: time.October}, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), "2027-Q1", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				f := newFakeCycles()
				c, err := okr.CurrentCycle(ctx, f, tt.s, tt.now)
				if err != nil {
					t.Fatalf("CurrentCycle: %v", err)
				}
				if c.Name != tt.want || c.Status != okr.CycleCurrent || c.ID == 0 || !c.Start.Equal(tt.start) || !c.End.Equal(tt.start.AddDate(0, 3, 0)) {
					t.Fatalf("CurrentCycle = %+v, want current %s from %v, stored", c, tt.want, tt.start)
				}
				if !c.Contains(tt.now) {
					t.Fatalf("the created cycle %v..%v does not contain now %v", c.Start, c.End, tt.now)
				}
				again, err := okr.CurrentCycle(ctx, f, tt.s, tt.now.Add(time.Hour))
				if err != nil || again.ID != c.ID {
					t.Fatalf("second CurrentCycle = %+v, %v; want the same cycle", again, err)
				}
				if got, want := f.count(), 1; got != want {
					t.Fatalf("cycles stored = %d, want %d", got, want)
				}
			})
		}
	})

	t.Run("ExistingCurrent", func(t *testing.T) {
		f := newFakeCycles(quarterCycle(t, "2026-Q3", time.UTC, 1, okr.CycleClosed), quarterCycle(t, "2026-Q4", time.UTC, 2, okr.CycleCurrent))
		// Even when now is past its end: starting the next is an admin's call.
		c, err := okr.CurrentCycle(ctx, f, okr.Settings{}, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || c.ID != 2 {
			t.Fatalf("CurrentCycle = %+v, %v; want cycle 2", c, err)
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})

	t.Run("NoneCurrentOnceCyclesExist", func(t *testing.T) {
		f := newFakeCycles(quarterCycle(t, "2026-Q3", time.UTC, 1, okr.CycleClosed))
		c, err := okr.CurrentCycle(ctx, f, okr.Settings{}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		if got, want := okr.ErrorCode(err), okr.ENOTFOUND; got != want {
			t.Fatalf("CurrentCycle = %+v, %v; want %s", c, err, want)
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})

	t.Run("AnotherCallerCreatedItFirst", func(t *testing.T) {
		f := newFakeCycles()
		f.beforeCreate = func() {
			f.beforeCreate = nil
			f.mu.Lock()
			defer f.mu.Unlock()
			f.cycles = append(f.cycles, quarterCycle(t, "2026-Q4", time.UTC, 7, okr.CycleCurrent))
		}
		c, err := okr.CurrentCycle(ctx, f, okr.Settings{}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || c.ID != 7 {
			t.Fatalf("CurrentCycle = %+v, %v; want the other caller's cycle 7", c, err)
		}
		if got, want := f.count(), 1; got != want {
			t.Fatalf("cycles stored = %d, want %d", got, want)
		}
	})

	// The first read finds no current cycle, and by the second another
	// caller has created it: that cycle is the answer, not "none yet".
	t.Run("AnotherCallerCreatedItBetweenTheReads", func(t *testing.T) {
		f := newFakeCycles()
		f.beforeFind = func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.cycles = append(f.cycles, quarterCycle(t, "2026-Q4", time.UTC, 9, okr.CycleCurrent))
		}
		c, err := okr.CurrentCycle(ctx, f, okr.Settings{}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || c.ID != 9 {
			t.Fatalf("CurrentCycle = %+v, %v; want the other caller's cycle 9", c, err)
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})

	t.Run("StoreError", func(t *testing.T) {
		boom := errors.New("disk on fire")
		f := newFakeCycles()
		f.err = boom
		if _, err := okr.CurrentCycle(ctx, f, okr.Settings{}, time.Now()); !errors.Is(err, boom) {
			t.Fatalf("CurrentCycle error = %v, want %v", err, boom)
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})
}

func TestNextCycle(t *testing.T) {
	ctx := context.Background()
	q4 := func() *okr.Cycle { return quarterCycle(t, "2026-Q4", time.UTC, 1, okr.CycleCurrent) }

	t.Run("EarliestOpenLaterCycle", func(t *testing.T) {
		f := newFakeCycles(
			quarterCycle(t, "2026-Q3", time.UTC, 5, okr.CycleUpcoming), // earlier: never
			q4(),
			quarterCycle(t, "2027-Q3", time.UTC, 4, okr.CycleUpcoming),
			quarterCycle(t, "2027-Q1", time.UTC, 2, okr.CycleClosed), // closed: skipped
			quarterCycle(t, "2027-Q2", time.UTC, 3, okr.CycleUpcoming),
		)
		for _, create := range []bool{false, true} {
			c, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, create)
			if err != nil || c.ID != 3 {
				t.Fatalf("NextCycle(create=%v) = %+v, %v; want 2027-Q2 (3)", create, c, err)
			}
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})

	t.Run("FollowingQuarterUnsaved", func(t *testing.T) {
		f := newFakeCycles(quarterCycle(t, "2026-Q3", time.UTC, 5, okr.CycleClosed), q4())
		c, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, false)
		if err != nil {
			t.Fatalf("NextCycle: %v", err)
		}
		if c.ID != 0 || c.Name != "2027-Q1" || c.Status != okr.CycleUpcoming ||
			!c.Start.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !c.End.Equal(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("NextCycle = %+v, want unsaved upcoming 2027-Q1", c)
		}
		if f.created != 0 || f.count() != 2 {
			t.Fatalf("store changed: created %d, %d cycles", f.created, f.count())
		}
	})

	t.Run("FollowingQuarterCreated", func(t *testing.T) {
		f := newFakeCycles(q4())
		c, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, true)
		if err != nil {
			t.Fatalf("NextCycle: %v", err)
		}
		if c.ID == 0 || c.Name != "2027-Q1" || c.Status != okr.CycleUpcoming {
			t.Fatalf("NextCycle = %+v, want stored upcoming 2027-Q1", c)
		}
		stored, err := f.FindCycleByName(ctx, "2027-Q1")
		if err != nil || stored.ID != c.ID || stored.Status != okr.CycleUpcoming {
			t.Fatalf("stored = %+v, %v; want the created cycle", stored, err)
		}
		// Asking again finds it rather than creating another.
		again, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, true)
		if err != nil || again.ID != c.ID || f.created != 1 {
			t.Fatalf("second NextCycle = %+v, %v (created %d); want the same cycle", again, err, f.created)
		}
	})

	t.Run("CreatedMeanwhile", func(t *testing.T) {
		f := newFakeCycles(q4())
		f.beforeCreate = func() {
			f.beforeCreate = nil
			f.mu.Lock()
			defer f.mu.Unlock()
			f.cycles = append(f.cycles, quarterCycle(t, "2027-Q1", time.UTC, 9, okr.CycleUpcoming))
		}
		c, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, true)
		if err != nil || c.ID != 9 {
			t.Fatalf("NextCycle = %+v, %v; want the cycle created meanwhile (9)", c, err)
		}
	})

	t.Run("FollowingQuarterClosed", func(t *testing.T) {
		f := newFakeCycles(q4(), quarterCycle(t, "2027-Q1", time.UTC, 2, okr.CycleClosed))
		for _, create := range []bool{false, true} {
			c, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, create)
			if got, want := okr.ErrorCode(err), okr.ECONFLICT; got != want {
				t.Fatalf("NextCycle(create=%v) = %+v, %v; want %s", create, c, err, want)
			}
			if !strings.Contains(okr.ErrorMessage(err), "2027-Q1") {
				t.Fatalf("message = %q, want it to name the cycle", okr.ErrorMessage(err))
			}
		}
		if f.created != 0 {
			t.Fatalf("created %d cycles, want 0", f.created)
		}
	})

	t.Run("FiscalYear", func(t *testing.T) {
		s := okr.Settings{FiscalMonth: time.October}
		c := okr.NewCycle(okr.Quarter{Year: 2027, Q: 4}, time.October, time.UTC, okr.CycleCurrent) // Jul-Sep 2027
		c.ID = 1
		next, err := okr.NextCycle(ctx, newFakeCycles(c), c, s, false)
		if err != nil || next.Name != "2028-Q1" || !next.Start.Equal(time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("NextCycle = %+v, %v; want 2028-Q1 from 2027-10-01", next, err)
		}
	})

	t.Run("StoreError", func(t *testing.T) {
		boom := errors.New("disk on fire")
		f := newFakeCycles(q4())
		f.err = boom
		if _, err := okr.NextCycle(ctx, f, q4(), okr.Settings{}, true); !errors.Is(err, boom) {
			t.Fatalf("NextCycle error = %v, want %v", err, boom)
		}
	})
}

func TestQuarterAfter(t *testing.T) {
	auckland := mustZone(t, "Pacific/Auckland")
	for _, tt := range []struct {
		name string
		c    *okr.Cycle
		s    okr.Settings
		want string
	}{
		{"Q4", okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent), okr.Settings{}, "2027-Q1"},
		{"Q1", okr.NewCycle(okr.Quarter{Year: 2026, Q: 1}, time.January, time.UTC, okr.CycleCurrent), okr.Settings{}, "2026-Q2"},
		{"InZone", okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, auckland, okr.CycleCurrent), okr.Settings{Location: auckland}, "2027-Q1"},
		// Named by dates, not by name: the cycle called 2026-Q4 under a
		// January year ends in December, which is Q3 of fiscal 2027 under
		// an April year; the next is Q4 (January to March 2027).
		{"FiscalYearChanged", okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleClosed), okr.Settings{FiscalMonth: time.April}, "2027-Q4"},
		{"FiscalOctober", okr.NewCycle(okr.Quarter{Year: 2027, Q: 1}, time.October, time.UTC, okr.CycleCurrent), okr.Settings{FiscalMonth: time.October}, "2027-Q2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := okr.QuarterAfter(tt.c, tt.s).String(); got != tt.want {
				t.Fatalf("QuarterAfter(%s) = %s, want %s", tt.c.Name, got, tt.want)
			}
		})
	}
}

func TestCycle_FirstAndLastWeek(t *testing.T) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	for _, tt := range []struct {
		name        string
		at          time.Time
		first, last bool
	}{
		{"BeforeStart", c.Start.Add(-time.Nanosecond), false, false},
		{"Start", c.Start, true, false},
		{"EndOfFirstWeek", c.Start.Add(okr.Week - time.Nanosecond), true, false},
		{"SecondWeek", c.Start.Add(okr.Week), false, false},
		{"Middle", c.Start.Add(6 * okr.Week), false, false},
		{"BeforeLastWeek", c.End.Add(-okr.Week - time.Nanosecond), false, false},
		{"LastWeek", c.End.Add(-okr.Week), false, true},
		{"LastMoment", c.End.Add(-time.Nanosecond), false, true},
		{"End", c.End, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.InFirstWeek(tt.at); got != tt.first {
				t.Errorf("InFirstWeek(%v) = %v, want %v", tt.at, got, tt.first)
			}
			if got := c.InLastWeek(tt.at); got != tt.last {
				t.Errorf("InLastWeek(%v) = %v, want %v", tt.at, got, tt.last)
			}
		})
	}
}

func TestSettings_WithDefaults(t *testing.T) {
	got := okr.Settings{}.WithDefaults()
	if got.Location != time.UTC || got.FiscalMonth != time.January || got.Policy != okr.DefaultPolicy() || got.DigestChannel != "" {
		t.Fatalf("WithDefaults = %v %+v", got, got.Policy)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"checkin", got.CheckinSchedule, "0 10 * * MON"},
		{"reminder", got.ReminderSchedule, "0 15 * * WED"},
		{"digest", got.DigestSchedule, "0 16 * * FRI"},
		{"nudge", got.NudgeSchedule, "0 11 * * MON-FRI"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s schedule = %q, want %q", tt.name, tt.got, tt.want)
		}
		if err := okr.CheckSchedule(tt.got); err != nil {
			t.Errorf("default %s schedule %q does not parse: %v", tt.name, tt.got, err)
		}
	}

	berlin := mustZone(t, "Europe/Berlin")
	set := okr.Settings{Location: berlin, FiscalMonth: time.April, CheckinSchedule: "0 9 * * TUE", ReminderSchedule: "0 9 * * THU",
		DigestSchedule: "0 9 * * FRI", NudgeSchedule: "0 9 * * MON", DigestChannel: "C1", Policy: okr.Policy{MaxKeyResults: 4}}
	if got := set.WithDefaults(); got != set {
		t.Fatalf("WithDefaults changed set fields: %v %+v, want %v %+v", got, got.Policy, set, set.Policy)
	}
}

// fakeSettings is a SettingService over a map.
type fakeSettings struct {
	values map[string]string
	err    error
}

var _ okr.SettingService = (*fakeSettings)(nil)

func (f *fakeSettings) Settings(ctx context.Context) (map[string]string, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.values, nil
}

func (f *fakeSettings) SetSettings(ctx context.Context, values map[string]string) error {
	for k, v := range values {
		if v == "" {
			delete(f.values, k)
		} else {
			f.values[k] = v
		}
	}
	return nil
}

func TestLoadSettings(t *testing.T) {
	ctx := context.Background()
	defaults := okr.Settings{DigestChannel: "C0"}.WithDefaults()

	t.Run("AppliesOverrides", func(t *testing.T) {
		store := &fakeSettings{values: map[string]string{
			okr.SettingTimezone:         "Asia/Kolkata",
			okr.SettingFiscalYearStart:  "10",
			okr.SettingCheckinSchedule:  "0 9 * * TUE",
			okr.SettingReminderSchedule: "0 14 * * THU",
			okr.SettingDigestSchedule:   "CRON_TZ=Europe/London 0 16 * * FRI",
			okr.SettingNudgeSchedule:    " 30 11 * * MON-THU ",
			okr.SettingDigestChannel:    "C42",
			okr.SettingMinKeyResults:    "1",
			okr.SettingStaleDays:        "7",
		}}
		got, err := okr.LoadSettings(ctx, store, okr.Settings{DigestChannel: "C0"})
		if err != nil {
			t.Fatalf("LoadSettings: %v", err)
		}
		if got.Location.String() != "Asia/Kolkata" || got.FiscalMonth != time.October || got.CheckinSchedule != "0 9 * * TUE" ||
			got.ReminderSchedule != "0 14 * * THU" || got.DigestSchedule != "CRON_TZ=Europe/London 0 16 * * FRI" ||
			got.NudgeSchedule != "30 11 * * MON-THU" || got.DigestChannel != "C42" {
			t.Fatalf("LoadSettings = %v", got)
		}
		want := okr.DefaultPolicy()
		want.MinKeyResults, want.StaleAfter = 1, 7*24*time.Hour
		if got.Policy != want {
			t.Fatalf("policy = %+v, want %+v", got.Policy, want)
		}
	})

	t.Run("NothingStored", func(t *testing.T) {
		got, err := okr.LoadSettings(ctx, &fakeSettings{}, okr.Settings{DigestChannel: "C0"})
		if err != nil || got != defaults {
			t.Fatalf("LoadSettings = %v, %v; want the defaults %v", got, err, defaults)
		}
	})

	t.Run("BadValueSkipped", func(t *testing.T) {
		store := &fakeSettings{values: map[string]string{
			okr.SettingNudgeSchedule:   "weekday mornings",
			okr.SettingCheckinSchedule: "0 9 * * TUE",
			okr.SettingDigestChannel:   "C42",
		}}
		got, err := okr.LoadSettings(ctx, store, okr.Settings{DigestChannel: "C0"})
		if err == nil {
			t.Fatal("LoadSettings error = nil, want the bad nudge schedule reported")
		}
		fields := okr.FieldErrors(err)
		if len(fields) != 1 || !strings.Contains(fields[okr.SettingNudgeSchedule], "“weekday mornings” is not a schedule") {
			t.Fatalf("field errors = %v, want one about %s", fields, okr.SettingNudgeSchedule)
		}
		if got.NudgeSchedule != okr.DefaultNudgeSchedule {
			t.Fatalf("nudge schedule = %q, want the default kept", got.NudgeSchedule)
		}
		if got.CheckinSchedule != "0 9 * * TUE" || got.DigestChannel != "C42" {
			t.Fatalf("the good values were not applied: %v", got)
		}
	})

	t.Run("StoreError", func(t *testing.T) {
		boom := errors.New("database is locked")
		got, err := okr.LoadSettings(ctx, &fakeSettings{err: boom}, okr.Settings{DigestChannel: "C0"})
		if !errors.Is(err, boom) {
			t.Fatalf("LoadSettings error = %v, want %v", err, boom)
		}
		if got != defaults {
			t.Fatalf("LoadSettings = %v, want the defaults %v", got, defaults)
		}
	})
}

// TestSuggestionIndex_Structural: objectives with no word in common still
// get suggestions from the organisation chart, each saying why.
func TestSuggestionIndex_Structural(t *testing.T) {
	const (
		dept      = 10 // a department
		team      = 11 // a team in it
		otherDept = 20
	)
	teams := []*okr.Team{
		{ID: dept, Name: "Engineering"},
		{ID: team, Name: "Platform", ParentID: dept},
		{ID: otherDept, Name: "Sales"},
		{ID: 21, Name: "Inside sales", ParentID: otherDept},
	}
	obj := func(id int64, level okr.Level, teamID, cycle int64, status okr.ObjectiveStatus) *okr.Objective {
		return &okr.Objective{ID: id, Title: "Objective", Level: level, OwnerID: "U1", TeamID: teamID, CycleID: cycle, Status: status, Weight: 1}
	}
	objectives := []*okr.Objective{
		obj(8, okr.LevelCompany, 0, 1, okr.StatusActive),
		obj(3, okr.LevelCompany, 0, 1, okr.StatusActive),
		obj(6, okr.LevelDepartment, dept, 1, okr.StatusActive),
		obj(2, okr.LevelDepartment, dept, 1, okr.StatusActive),
		obj(4, okr.LevelCompany, 0, 1, okr.StatusClosed),
		obj(5, okr.LevelCompany, 0, 1, okr.StatusArchived),
		obj(7, okr.LevelCompany, 0, 2, okr.StatusActive),             // another cycle
		obj(9, okr.LevelDepartment, dept, 2, okr.StatusActive),       // another cycle
		obj(12, okr.LevelDepartment, dept, 1, okr.StatusArchived),    // archived
		obj(13, okr.LevelDepartment, otherDept, 1, okr.StatusActive), // another department
		obj(14, okr.LevelTeam, team, 1, okr.StatusActive),            // not above a team objective
		obj(15, okr.LevelTeam, dept, 1, okr.StatusActive),            // the department's, but team level
		obj(16, okr.LevelCompany, dept, 1, okr.StatusActive),         // a company objective run by the department
		obj(50, okr.LevelTeam, team, 1, okr.StatusActive),            // the child
		obj(51, okr.LevelPersonal, team, 1, okr.StatusActive),        // a personal child
		obj(52, okr.LevelDepartment, dept, 1, okr.StatusActive),      // a department child
		obj(53, okr.LevelTeam, 0, 1, okr.StatusActive),               // a team objective with no team
		obj(54, okr.LevelTeam, otherDept+1, 1, okr.StatusActive),     // a team objective in Sales
	}
	byID := map[int64]*okr.Objective{}
	for _, o := range objectives {
		byID[o.ID] = o
	}
	ix := okr.NewSuggestionIndex(okr.SuggestionInput{CycleID: 1, Objectives: objectives, Teams: teams})
	const deptWhy, companyWhy, teamWhy = "your department's objective", "a company objective", "your team's objective"

	type want struct {
		id  int64
		why string
	}
	for _, tt := range []struct {
		name  string
		child int64
		limit int
		want  []want
	}{
		{"TeamInDepartment", 50, 0, []want{{2, deptWhy}, {6, deptWhy}, {52, deptWhy}, {3, companyWhy}, {8, companyWhy}, {16, companyWhy}}},
		{"PersonalLooksAtTheTeamFirst", 51, 0, []want{{14, teamWhy}, {50, teamWhy}, {2, deptWhy}, {6, deptWhy}, {52, deptWhy}, {3, companyWhy}, {8, companyWhy}, {16, companyWhy}}},
		{"Limit", 50, 4, []want{{2, deptWhy}, {6, deptWhy}, {52, deptWhy}, {3, companyWhy}}},
		{"LimitWithinDepartment", 50, 1, []want{{2, deptWhy}}},
		{"DepartmentChild", 52, 0, []want{{3, companyWhy}, {8, companyWhy}, {16, companyWhy}}},
		{"NoTeam", 53, 0, []want{{3, companyWhy}, {8, companyWhy}, {16, companyWhy}}},
		{"OtherDepartment", 54, 0, []want{{13, deptWhy}, {3, companyWhy}, {8, companyWhy}, {16, companyWhy}}},
		{"Company", 3, 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			child := byID[tt.child]
			got := ix.Suggest(child, nil, tt.limit)
			var gotW []want
			for _, s := range got {
				gotW = append(gotW, want{s.Objective.ID, s.Why})
				if p := s.Objective; p.CycleID != child.CycleID || p.Status != okr.StatusActive || !p.Level.Above(child.Level) {
					t.Errorf("suggested %+v, which may not be a parent of %+v", p, child)
				}
			}
			if !slices.Equal(gotW, tt.want) {
				t.Fatalf("Suggest = %v, want %v", gotW, tt.want)
			}
		})
	}
}
