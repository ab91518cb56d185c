package scheduler

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// orphanGrace is how long an objective may stay unaligned before its owner
// is nudged: a day to link it themselves.
const orphanGrace = 24 * time.Hour

// suggestionsPerNudge is how many parents an orphan's nudge suggests.
const suggestionsPerNudge = 3

// runNudges asks the people in the zone to close their gaps: an objective
// aligned with nothing (with the likeliest parents), company objectives
// nothing supports, stale key results, the good-practice limits, and at
// the edges of a cycle, setting objectives and scoring them. Each person
// gets at most the weekly budget, the most important first; the rest wait
// for the next week. Each subject is nudged at most once a week.
func (s *Scheduler) runNudges(ctx context.Context, r *run) error {
	if err := r.p.loadGraph(ctx); err != nil {
		return err
	}
	byPerson, err := s.nudgeCandidates(ctx, r)
	if err != nil {
		return err
	}
	var letters []letter
	for _, person := range slices.Sorted(maps.Keys(byPerson)) {
		chosen, err := s.withinBudget(ctx, r, person, byPerson[person])
		if err != nil {
			return err
		}
		for _, n := range chosen {
			if err := s.suggestParents(ctx, r.p, n); err != nil {
				return err
			}
			n.Policy, n.At, n.Cycle = r.p.settings.Policy, r.p.now, r.p.cycle
			letters = append(letters, letter{key: n.Key, target: person, send: func(ctx context.Context) (string, error) {
				return s.notify.Nudge(ctx, n)
			}})
		}
	}
	r.p.forget() // the letters hold what they send
	r.deliverAll(ctx, letters)
	return nil
}

// withinBudget chooses which of a person's nudges go out now: the most
// important first and, among equals, what they were nudged about longest
// ago (never first), so that what waits one week goes first the next; none
// about a subject already nudged this week, kickoff and scoring once a
// cycle, and no more than the week's budget left (a nudge claimed this
// week counts, whatever became of it).
func (s *Scheduler) withinBudget(ctx context.Context, r *run, person string, nudges []*okr.Nudge) ([]*okr.Nudge, error) {
	week := r.week()
	earlier, err := s.store.FindDeliveries(ctx, okr.DeliveryFilter{Prefix: okr.NudgePrefix(person)})
	if err != nil {
		return nil, err
	}
	thisWeek := okr.NudgeWeekPrefix(person, week)
	used := 0
	lastWeek := map[string]string{} // kind:subject -> the latest week it was nudged
	for _, d := range earlier {
		if strings.HasPrefix(d.Key, thisWeek) {
			used++
		}
		rest := strings.TrimPrefix(d.Key, okr.NudgePrefix(person))
		w, subject, _ := strings.Cut(rest, ":")
		if w > lastWeek[subject] {
			lastWeek[subject] = w
		}
	}
	subjectOf := func(n *okr.Nudge) string { return strings.TrimPrefix(n.Key, thisWeek) }
	slices.SortStableFunc(nudges, func(x, y *okr.Nudge) int {
		return cmp.Or(cmp.Compare(x.Kind.Importance(), y.Kind.Importance()), strings.Compare(lastWeek[subjectOf(x)], lastWeek[subjectOf(y)]))
	})
	var chosen []*okr.Nudge
	for _, n := range nudges {
		if used+len(chosen) >= s.opts.NudgeBudget {
			break // the rest wait for next week
		}
		if lastWeek[subjectOf(n)] == week {
			continue // this week's nudge about it went out already
		}
		if (n.Kind == okr.NudgeKickoff || n.Kind == okr.NudgeScore) && lastWeek[subjectOf(n)] != "" {
			continue // once a cycle (the subject is the cycle), whichever week it fell in
		}
		chosen = append(chosen, n)
	}
	return chosen, nil
}

// nudgeCandidates gathers every nudge the people in the zone are due this
// week, keyed by person.
func (s *Scheduler) nudgeCandidates(ctx context.Context, r *run) (map[string][]*okr.Nudge, error) {
	p, a, week := r.p, r.p.analysis, r.week()
	out := map[string][]*okr.Nudge{}
	add := func(n *okr.Nudge) {
		if p.in(n.UserID, r.loc) && p.reachable(n.UserID) {
			out[n.UserID] = append(out[n.UserID], n)
		}
	}
	key := func(user string, kind okr.NudgeKind, subject string) string {
		return okr.NudgeKey(user, week, kind, subject)
	}

	if err := s.orphanNudges(ctx, r, add); err != nil {
		return nil, err
	}

	// In a cycle's first week teams are still drafting what will support
	// the company objectives: that is the kickoff's to ask about.
	unsupported := map[string][]*okr.ObjectiveState{}
	for _, o := range a.Unsupported {
		if p.in(o.OwnerID, r.loc) && !p.cycle.InFirstWeek(p.now) && !p.now.Before(p.cycle.Start) {
			unsupported[o.OwnerID] = append(unsupported[o.OwnerID], a.Objective(o.ID))
		}
	}
	for owner, objs := range unsupported {
		add(&okr.Nudge{Key: key(owner, okr.NudgeUnsupported, "company"), Kind: okr.NudgeUnsupported, UserID: owner, Objectives: objs})
	}

	stale := map[string][]okr.KeyResultState{}
	for _, st := range a.Stale {
		// A driven key result is stale when nothing under it was checked
		// in: those key results' owners are nudged; its own owes no
		// check-in, and one would set it by hand.
		if p.in(st.KeyResult.OwnerID, r.loc) && !st.Driven {
			stale[st.KeyResult.OwnerID] = append(stale[st.KeyResult.OwnerID], st)
		}
	}
	for owner, states := range stale {
		full, err := p.withDetails(ctx, states)
		if err != nil {
			return nil, err
		}
		add(&okr.Nudge{Key: key(owner, okr.NudgeStale, "key-results"), Kind: okr.NudgeStale, UserID: owner, KeyResults: full})
	}

	limits := map[string]*okr.Nudge{}
	limit := func(owner string) *okr.Nudge {
		n := limits[owner]
		if n == nil {
			n = &okr.Nudge{Key: key(owner, okr.NudgeLimits, "limits"), Kind: okr.NudgeLimits, UserID: owner}
			limits[owner] = n
		}
		return n
	}
	for _, l := range a.OverLoaded {
		if p.in(l.OwnerID, r.loc) {
			n := limit(l.OwnerID)
			n.Loads = append(n.Loads, l)
		}
	}
	for _, list := range [][]*okr.ObjectiveState{a.TooFewKeyResults, a.TooManyKeyResults} {
		for _, st := range list {
			if p.in(st.Objective.OwnerID, r.loc) {
				n := limit(st.Objective.OwnerID)
				n.Objectives = append(n.Objectives, st)
			}
		}
	}
	for _, n := range limits {
		add(n)
	}

	switch {
	case p.cycle.InFirstWeek(p.now):
		if err := s.kickoffNudges(ctx, r, add); err != nil {
			return nil, err
		}
	case p.cycle.InLastWeek(p.now):
		scoring := map[string][]*okr.ObjectiveState{}
		for _, st := range a.Objectives {
			scoring[st.Objective.OwnerID] = append(scoring[st.Objective.OwnerID], st)
		}
		for owner, objs := range scoring {
			add(&okr.Nudge{Key: key(owner, okr.NudgeScore, p.cycle.Name), Kind: okr.NudgeScore, UserID: owner, Objectives: objs})
		}
	}
	return out, nil
}

// orphanNudges nudges about each objective in the zone that has been
// aligned with nothing for a day. The parents to suggest are found only
// for the nudges that go out this week (suggestParents): an organisation
// can have thousands of orphans and each person gets a few nudges.
func (s *Scheduler) orphanNudges(ctx context.Context, r *run, add func(*okr.Nudge)) error {
	p := r.p
	var ids []int64
	for _, o := range p.analysis.Orphans {
		if p.in(o.OwnerID, r.loc) && p.reachable(o.OwnerID) {
			ids = append(ids, o.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// The analysis carries no times or descriptions: read the orphans.
	orphans, _, err := s.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: ids})
	if err != nil {
		return err
	}
	for _, o := range orphans {
		if o.Status != okr.StatusActive || o.HasParent() || p.now.Sub(latest(o.CreatedAt, o.UpdatedAt)) < orphanGrace {
			continue
		}
		add(&okr.Nudge{
			Key: okr.NudgeKey(o.OwnerID, r.week(), okr.NudgeOrphan, o.Ref()), Kind: okr.NudgeOrphan, UserID: o.OwnerID,
			Objective: o,
		})
	}
	return nil
}

// suggestParents finds the likeliest parents for an orphan's nudge that
// goes out. The ranking weighs the words and the organisation chart, so
// the owner always has somewhere to start.
func (s *Scheduler) suggestParents(ctx context.Context, p *pass, n *okr.Nudge) error {
	if n.Kind != okr.NudgeOrphan {
		return nil
	}
	ix, err := p.suggestionIndex(ctx)
	if err != nil {
		return err
	}
	live := false
	krs, err := s.store.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &n.Objective.ID, Archived: &live})
	if err != nil {
		return err
	}
	n.Suggestions = ix.Suggest(n.Objective, krs, suggestionsPerNudge)
	return nil
}

// kickoffNudges asks, in a cycle's first week, the admins to set company
// objectives when there are none yet, and each team lead whose team has
// none or has some aligned with nothing to draft and align them.
func (s *Scheduler) kickoffNudges(ctx context.Context, r *run, add func(*okr.Nudge)) error {
	p, a := r.p, r.p.analysis
	var company []*okr.ObjectiveState
	byTeam := map[int64]int{}
	orphanTeams := map[int64]bool{}
	for _, st := range a.Objectives {
		if st.Objective.Level == okr.LevelCompany {
			company = append(company, st)
		}
		byTeam[st.Objective.TeamID]++
	}
	for _, o := range a.Orphans {
		orphanTeams[o.TeamID] = true
	}
	key := func(user string) string { return okr.NudgeKey(user, r.week(), okr.NudgeKickoff, p.cycle.Name) }
	if len(company) == 0 {
		for _, admin := range p.admins() {
			add(&okr.Nudge{Key: key(admin), Kind: okr.NudgeKickoff, UserID: admin, Admin: true})
		}
	}
	teams, err := p.loadTeams(ctx)
	if err != nil {
		return err
	}
	byLead := map[string][]*okr.Team{}
	for _, t := range teams {
		if t.LeadID != "" && (byTeam[t.ID] == 0 || orphanTeams[t.ID]) {
			byLead[t.LeadID] = append(byLead[t.LeadID], t)
		}
	}
	for lead, ts := range byLead {
		add(&okr.Nudge{Key: key(lead), Kind: okr.NudgeKickoff, UserID: lead, Teams: ts, Objectives: company})
	}
	return nil
}

// admins are the configured admins, or the workspace's when none is.
func (p *pass) admins() []string {
	if len(p.s.opts.Admins) > 0 {
		return p.s.opts.Admins
	}
	var out []string
	for id, u := range p.users {
		if u.IsAdmin && !u.IsBot && !u.Deleted {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// suggestionIndex indexes the cycle's objectives for parent suggestions,
// once a pass.
func (p *pass) suggestionIndex(ctx context.Context) (*okr.SuggestionIndex, error) {
	if p.index != nil {
		return p.index, nil
	}
	ix, err := p.s.opts.SuggestionIndex(ctx, p.cycle.ID)
	if err != nil {
		return nil, err
	}
	p.index = ix
	return ix, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
