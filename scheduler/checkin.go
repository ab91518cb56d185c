package scheduler

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// runCheckins sends the weekly check-in prompt to every owner of a live key
// result in the zone: one DM each, listing their key results. Someone who
// already checked in on all of them today is not asked again.
func (s *Scheduler) runCheckins(ctx context.Context, r *run) error {
	owners, err := r.p.ownersIn(ctx, r.loc)
	if err != nil {
		return err
	}
	since := okr.StartOfDay(r.at.In(r.loc))
	var letters []letter
	for _, owner := range owners {
		if !r.p.reachable(owner) {
			continue
		}
		krs := r.p.owners[owner]
		if !anyDue(r.p.manual[owner], since) {
			continue
		}
		key := okr.CheckinKey(owner, r.period())
		letters = append(letters, letter{key: key, target: owner, send: func(ctx context.Context) (string, error) {
			full, err := r.p.fullKeyResults(ctx, krs)
			if err != nil {
				return "", err
			}
			states := r.p.states(full)
			return s.notify.CheckinRequest(ctx, &okr.CheckinRequest{
				Key: key, UserID: owner, Cycle: r.p.cycle, At: r.p.now,
				KeyResults: states, Objectives: r.p.objectives(full), Total: len(full), DrivenBy: r.p.drivenBy(states),
			})
		}})
	}
	r.deliverAll(ctx, letters)
	return nil
}

// anyDue reports whether any key result has had no check-in since the
// start of the prompt's day; a key result made today still counts, as the
// prompt is its first chance.
func anyDue(krs []*okr.KeyResult, since time.Time) bool {
	for _, kr := range krs {
		if kr.CheckedAt.Before(since) {
			return true
		}
	}
	return false
}

// runReminders reminds the owners in the zone who still owe a check-in for
// this period, listing what is due, and then tells each team lead in the
// zone who in their teams still owes one.
func (s *Scheduler) runReminders(ctx context.Context, r *run) error {
	owners, err := r.p.ownersIn(ctx, r.loc)
	if err != nil {
		return err
	}
	var letters []letter
	for _, owner := range owners {
		if !r.p.reachable(owner) {
			continue
		}
		due, _ := r.p.dueFor(owner, r.at)
		if len(due) == 0 {
			continue
		}
		key := okr.ReminderKey(owner, r.period())
		total := len(r.p.manual[owner])
		letters = append(letters, letter{key: key, target: owner, send: func(ctx context.Context) (string, error) {
			full, err := r.p.fullKeyResults(ctx, due)
			if err != nil {
				return "", err
			}
			return s.notify.CheckinRequest(ctx, &okr.CheckinRequest{
				Key: key, UserID: owner, Cycle: r.p.cycle, At: r.p.now, Reminder: true,
				KeyResults: r.p.states(full), Objectives: r.p.objectives(full), Total: total,
			})
		}})
	}
	if !r.deliverAll(ctx, letters) {
		return nil
	}
	return s.runLeadSummaries(ctx, r)
}

// runLeadSummaries sends each lead in the zone one DM listing, team by
// team, the people who still owe a check-in, each read in their own zone.
// A lead whose teams are all checked in gets nothing.
func (s *Scheduler) runLeadSummaries(ctx context.Context, r *run) error {
	teams, err := r.p.loadTeams(ctx)
	if err != nil {
		return err
	}
	byLead := map[string][]*okr.Team{}
	for _, t := range teams {
		if t.LeadID != "" && r.p.in(t.LeadID, r.loc) {
			byLead[t.LeadID] = append(byLead[t.LeadID], t)
		}
	}
	var letters []letter
	for _, lead := range slices.Sorted(maps.Keys(byLead)) {
		if !r.p.reachable(lead) {
			continue
		}
		summary := &okr.LeadSummary{LeadID: lead, Cycle: r.p.cycle, At: r.p.now}
		missing := 0
		for _, t := range byLead[lead] {
			tc := r.p.teamCheckins(t)
			missing += len(tc.Missing)
			if tc.Owners > 0 {
				summary.Teams = append(summary.Teams, tc)
			}
		}
		if missing == 0 {
			continue
		}
		summary.Key = okr.LeadSummaryKey(lead, r.period())
		letters = append(letters, letter{key: summary.Key, target: lead, send: func(ctx context.Context) (string, error) {
			return s.notify.LeadSummary(ctx, summary)
		}})
	}
	r.deliverAll(ctx, letters)
	return nil
}

// teamCheckins is where a team's people stand with this period's
// check-ins: its members and the owners of its objectives' key results,
// without its lead (reminded on their own) and without those away.
func (p *pass) teamCheckins(t *okr.Team) okr.TeamCheckins {
	people := map[string]bool{}
	for _, m := range t.Members {
		people[m] = true
	}
	for _, st := range p.analysis.Objectives {
		if st.Objective.TeamID != t.ID {
			continue
		}
		for _, k := range st.KeyResults {
			people[k.KeyResult.OwnerID] = true
		}
	}
	delete(people, t.LeadID)
	ids := make([]string, 0, len(people))
	for id := range people {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	tc := okr.TeamCheckins{Team: t}
	for _, id := range ids {
		if !p.reachable(id) {
			continue
		}
		due, owed := p.dueFor(id, p.now)
		if !owed {
			continue
		}
		tc.Owners++
		if len(due) > 0 {
			tc.Missing = append(tc.Missing, okr.OwedCheckin{UserID: id, Due: len(due), Total: len(p.manual[id])})
		}
	}
	return tc
}
