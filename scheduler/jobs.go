package scheduler

import (
	"context"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// job is one kind of thing that happens on a schedule.
type job struct {
	name string
	spec func(okr.Settings) string
	// life is how long after its time an occurrence may still finish: a
	// started fan-out (a crash, an outage) is completed within it, and what
	// is still unsent after it is given up.
	life time.Duration
	// company jobs run once, in the company's zone; the others in every
	// zone where people are, for the people there.
	company bool
	run     func(ctx context.Context, r *run) error
	// earlier selects the deliveries of an occurrence, to tell after a
	// restart whether it was started (none: a late one is never started).
	earlier func(r *run) []okr.DeliveryFilter
}

// jobs in the order a pass runs them.
func (s *Scheduler) jobs() []job {
	return []job{
		{
			name: "checkin", spec: func(st okr.Settings) string { return st.CheckinSchedule },
			life: okr.Week, run: s.runCheckins,
			earlier: func(r *run) []okr.DeliveryFilter {
				return []okr.DeliveryFilter{{Prefix: "checkin:", Suffix: ":" + r.period()}}
			},
		},
		{
			name: "reminder", spec: func(st okr.Settings) string { return st.ReminderSchedule },
			life: 24 * time.Hour, run: s.runReminders,
			earlier: func(r *run) []okr.DeliveryFilter {
				return []okr.DeliveryFilter{{Prefix: "reminder:", Suffix: ":" + r.period()}, {Prefix: "lead:", Suffix: ":" + r.period()}}
			},
		},
		{
			name: "nudge", spec: func(st okr.Settings) string { return st.NudgeSchedule },
			// A day's nudges missed for longer than the catch-up window are
			// not started late: what they were about is still there at the
			// next one.
			life: 24 * time.Hour, run: s.runNudges,
			earlier: func(*run) []okr.DeliveryFilter { return nil },
		},
		{
			name: "digest", spec: func(st okr.Settings) string { return st.DigestSchedule },
			life: 3 * 24 * time.Hour, company: true, run: s.runDigests,
			earlier: func(r *run) []okr.DeliveryFilter { return []okr.DeliveryFilter{{Prefix: okr.DigestPrefix(r.period())}} },
		},
	}
}

// zonesOf lists the zones the job runs in.
func (j job) zonesOf(settings okr.Settings, zones []*time.Location) []*time.Location {
	if j.company {
		return []*time.Location{settings.Location}
	}
	return zones
}

// started tells whether an occurrence that is now too late to start was
// started before (by this process before a restart, or by another): then it
// is finished, not dropped.
func (j job) started(ctx context.Context, s *Scheduler, p *pass, sched *okr.Schedule, at time.Time, loc *time.Location) (bool, error) {
	r := &run{s: s, p: p, job: j.name, at: at, loc: loc, sched: sched}
	for _, filter := range j.earlier(r) {
		found, err := s.store.FindDeliveries(ctx, filter)
		if err != nil {
			return false, err
		}
		for _, d := range found {
			if j.company || p.in(d.Target, loc) {
				return true, nil
			}
		}
	}
	return false, nil
}

// period names the occurrence in delivery keys ("2026-W47").
func (r *run) period() string { return r.sched.Period(r.at, r.loc) }

// week is the ISO week of the occurrence where it happens.
func (r *run) week() string { return okr.WeekPeriod(r.at.In(r.loc)) }
