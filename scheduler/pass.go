package scheduler

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// pass is what one wake of the scheduler reads: the settings, the cycle and
// the people at the start, and the rest only when a job that is due needs
// it, once.
type pass struct {
	s        *Scheduler
	now      time.Time
	previous time.Time // when this process's previous pass began; zero at start
	failing  int       // deliveries in a row that failed, across the pass's jobs
	settings okr.Settings
	cycle    *okr.Cycle // nil when no cycle is current
	users    map[string]*okr.User
	zones    []*time.Location          // where people are, and the company
	locs     map[string]*time.Location // each person's zone, once read

	graph    *okr.Graph
	analysis *okr.Analysis
	owners   map[string][]*okr.KeyResult // live key results of active objectives, by owner
	manual   map[string][]*okr.KeyResult // those of owners that take check-ins: not driven (okr.KeyResultState.Driven)
	teams    []*okr.Team
	index    *okr.SuggestionIndex
}

func (s *Scheduler) newPass(ctx context.Context, now time.Time) (*pass, error) {
	settings, err := okr.LoadSettings(ctx, s.store, s.opts.Defaults)
	if err != nil {
		s.log.Warn("a stored setting is invalid and was skipped", slog.Any("err", err))
	}
	p := &pass{s: s, now: now, settings: settings, users: map[string]*okr.User{}, locs: map[string]*time.Location{}}
	users, err := s.store.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		p.users[u.ID] = u
	}
	p.zones = p.zoneList()
	p.cycle, err = okr.CurrentCycle(ctx, s.store, settings, now)
	if okr.ErrorCode(err) == okr.ENOTFOUND {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// location is where a person is; the company's zone when Slack never said.
func (p *pass) location(userID string) *time.Location {
	if loc, ok := p.locs[userID]; ok {
		return loc
	}
	loc := p.settings.Location
	if u := p.users[userID]; u != nil {
		loc = u.Location(p.settings.Location)
	}
	p.locs[userID] = loc
	return loc
}

// reachable reports whether the person should get messages now: not a
// bot, not deactivated, not away (/okr away). Someone okrbot has not synced
// yet is tried: Slack refuses a deactivated person for good.
func (p *pass) reachable(userID string) bool {
	u := p.users[userID]
	if u == nil {
		return userID != ""
	}
	return !u.IsBot && !u.Deleted && !u.Away(p.now)
}

// zoneList is every zone where someone is, and the company's, by name.
func (p *pass) zoneList() []*time.Location {
	zones := map[string]*time.Location{p.settings.Location.String(): p.settings.Location}
	for id, u := range p.users {
		if u.IsBot || u.Deleted {
			continue
		}
		loc := p.location(id)
		zones[loc.String()] = loc
	}
	return sortedZones(zones)
}

// in reports whether the person's zone is loc.
func (p *pass) in(userID string, loc *time.Location) bool {
	return p.location(userID).String() == loc.String()
}

// loadGraph reads the current cycle's graph and analysis, once a pass.
// They may be shared (Options.Analysis): nothing here changes them.
func (p *pass) loadGraph(ctx context.Context) error {
	if p.graph != nil {
		return nil
	}
	g, a, err := p.s.opts.Analysis(ctx, p.cycle, p.now, p.settings.Policy)
	if err != nil {
		return err
	}
	p.graph, p.analysis = g, a
	p.owners, p.manual = map[string][]*okr.KeyResult{}, map[string][]*okr.KeyResult{}
	for _, kr := range g.KeyResults {
		st, ok := p.analysis.StateOf(kr)
		if !ok {
			continue
		}
		p.owners[kr.OwnerID] = append(p.owners[kr.OwnerID], kr)
		if !st.Driven {
			p.manual[kr.OwnerID] = append(p.manual[kr.OwnerID], kr)
		}
	}
	return nil
}

// forget lets go of the graph, analysis and suggestion index the pass
// read, before a long delivery (a few hundred messages take minutes at
// Slack's pace): shared with the bot (Options.Analysis), they would
// otherwise stay in memory beside the newer ones the bot makes meanwhile.
// A later job of the pass reads them again.
func (p *pass) forget() {
	p.graph, p.analysis, p.owners, p.manual, p.index = nil, nil, nil, nil, nil
}

// ownersIn lists the owners of live key results whose zone is loc, by ID.
func (p *pass) ownersIn(ctx context.Context, loc *time.Location) ([]string, error) {
	if err := p.loadGraph(ctx); err != nil {
		return nil, err
	}
	var out []string
	for id := range p.owners {
		if p.in(id, loc) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (p *pass) loadTeams(ctx context.Context) ([]*okr.Team, error) {
	if p.teams != nil {
		return p.teams, nil
	}
	teams, err := p.s.store.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	if teams == nil {
		teams = []*okr.Team{}
	}
	p.teams = teams
	return teams, nil
}

// fullKeyResults reads the full rows (titles, units) of the given key
// results, keeping the order.
func (p *pass) fullKeyResults(ctx context.Context, krs []*okr.KeyResult) ([]*okr.KeyResult, error) {
	return okr.FullKeyResults(ctx, p.s.store, krs)
}

// withDetails swaps the key results of states for their full rows: the
// analysis carries no titles.
func (p *pass) withDetails(ctx context.Context, states []okr.KeyResultState) ([]okr.KeyResultState, error) {
	return okr.WithDetails(ctx, p.s.store, states)
}

// states is the state of each key result now (as analysed, with the rows
// given), most in need of a check-in first: the worst health, then the
// longest without one, and the driven ones, which owe none, last.
func (p *pass) states(krs []*okr.KeyResult) []okr.KeyResultState {
	out := make([]okr.KeyResultState, len(krs))
	for i, kr := range krs {
		st, ok := p.analysis.StateOf(kr)
		if !ok {
			st = p.settings.Policy.KeyResultHealth(kr, p.cycle, p.now)
		}
		out[i] = st
	}
	slices.SortStableFunc(out, func(x, y okr.KeyResultState) int {
		return cmp.Or(cmp.Compare(boolRank(x.Driven), boolRank(y.Driven)), cmp.Compare(y.Health.Severity(), x.Health.Severity()),
			lastTouched(x.KeyResult).Compare(lastTouched(y.KeyResult)), cmp.Compare(x.KeyResult.ID, y.KeyResult.ID))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// drivenBy names the objectives driving each driven key result of states,
// by key-result ID; nil when none is driven.
func (p *pass) drivenBy(states []okr.KeyResultState) map[int64][]int64 {
	var out map[int64][]int64
	for _, st := range states {
		if st.Driven {
			if out == nil {
				out = map[int64][]int64{}
			}
			out[st.KeyResult.ID] = p.analysis.DeliveredBy(st.KeyResult.ID)
		}
	}
	return out
}

func lastTouched(kr *okr.KeyResult) time.Time {
	if kr.CheckedAt.IsZero() {
		return kr.CreatedAt
	}
	return kr.CheckedAt
}

// objectives maps the objectives of key results, from the analysis.
func (p *pass) objectives(krs []*okr.KeyResult) map[int64]*okr.Objective {
	out := map[int64]*okr.Objective{}
	for _, kr := range krs {
		if st := p.analysis.Objective(kr.ObjectiveID); st != nil {
			out[kr.ObjectiveID] = st.Objective
		}
	}
	return out
}

// periodStart is when the check-in period of a person in loc that includes
// t began: the start of the day of the latest check-in prompt, so that a
// check-in made the morning before the prompt counts. ok is false when no
// prompt fell in the week before t.
func (p *pass) periodStart(t time.Time, loc *time.Location) (time.Time, bool) {
	sched, err := okr.ParseSchedule(p.settings.CheckinSchedule)
	if err != nil {
		return time.Time{}, false
	}
	prompt, ok := sched.Last(t, loc, okr.Week+time.Hour)
	if !ok {
		return time.Time{}, false
	}
	return okr.StartOfDay(prompt.In(loc)), true
}

// dueFor is what a person still owes for the check-in period that includes
// t, and how many key results they own in it.
func (p *pass) dueFor(userID string, t time.Time) (due []*okr.KeyResult, owed bool) {
	start, ok := p.periodStart(t, p.location(userID))
	if !ok {
		return nil, false
	}
	krs := p.manual[userID]
	for _, kr := range krs {
		if kr.CreatedAt.Before(start) {
			owed = true
		}
	}
	return okr.DueKeyResults(krs, start), owed
}
