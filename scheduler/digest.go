package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/okrbot/okrbot/okr"
)

// detailed is how many items of each digest list get their full rows
// (titles, units): more than a digest shows of any list; the key results of
// the first detailedObjectives top objectives, which the thread lists, get
// theirs too.
const (
	detailed           = 200
	detailedObjectives = 20
)

// runDigests posts the company digest to the digest channel, and each team
// with a channel of its own its team digest: the summary once, then its
// thread (detail and chart), each message once.
func (s *Scheduler) runDigests(ctx context.Context, r *run) error {
	if err := r.p.loadGraph(ctx); err != nil {
		return err
	}
	all, err := r.p.digestTargets(ctx)
	if err != nil {
		return err
	}
	targets := filter(all, func(t digestTarget) bool { return t.channel != "" })
	for i, t := range targets {
		if r.halted(ctx, len(targets)-i) {
			return nil
		}
		if err := s.postDigest(ctx, r, t.channel, t.team); err != nil {
			return err
		}
	}
	return nil
}

// digestTarget is one digest and where it goes.
type digestTarget struct {
	channel string    // "" for the company digest when no channel is set
	team    *okr.Team // nil for the company digest
}

// digestTargets are the digests of a digest run: the company's first, to
// the digest channel, then each team with a channel of its own.
func (p *pass) digestTargets(ctx context.Context) ([]digestTarget, error) {
	teams, err := p.loadTeams(ctx)
	if err != nil {
		return nil, err
	}
	targets := []digestTarget{{channel: p.settings.DigestChannel}}
	for _, t := range teams {
		if t.Channel != "" {
			targets = append(targets, digestTarget{channel: t.Channel, team: t})
		}
	}
	return targets, nil
}

func (s *Scheduler) postDigest(ctx context.Context, r *run, channel string, team *okr.Team) error {
	key := okr.DigestKey(r.period(), channel, teamID(team))
	var d *okr.Digest
	build := func(ctx context.Context) (*okr.Digest, error) {
		if d != nil {
			return d, nil
		}
		var err error
		d, err = r.p.digest(ctx, team)
		if d != nil {
			d.Key, d.Channel = key, channel
		}
		return d, err
	}
	outcome := r.deliver(ctx, letter{key: key, target: channel, send: func(ctx context.Context) (string, error) {
		d, err := build(ctx)
		if err != nil {
			return "", err
		}
		return s.notify.Digest(ctx, d)
	}})
	switch outcome {
	case okr.Delivered, okr.Recovered, okr.AlreadyDone:
	default:
		return nil // not posted (yet): no thread
	}
	summary, err := s.store.FindDelivery(ctx, key)
	if err != nil {
		return err
	}
	if !summary.Sent() {
		return nil
	}
	d, err = build(ctx)
	if err != nil {
		return err
	}
	parts, err := s.notify.DigestThread(ctx, d, summary.Ref)
	if err != nil {
		return err
	}
	letters := make([]letter, len(parts))
	for i, p := range parts {
		letters[i] = letter{key: p.Key, target: p.Target, send: p.Send, find: p.Find}
	}
	r.deliverAll(ctx, letters)
	return nil
}

func teamID(t *okr.Team) int64 {
	if t == nil {
		return 0
	}
	return t.ID
}

// digest gathers the state of the company (team nil) or of one team: its
// top objectives with what supports them, the week's wins, what is at risk
// or stale, the alignment gaps, check-in participation and the progress
// history for the chart.
func (p *pass) digest(ctx context.Context, team *okr.Team) (*okr.Digest, error) {
	a := p.analysis
	d := &okr.Digest{Team: team, Cycle: p.cycle, At: p.now, Location: p.settings.Location,
		Expected: p.cycle.Elapsed(p.now), Aligned: a.Aligned, Alignable: a.Alignable}

	// What the digest covers: every objective for the company; for a team,
	// its own objectives (and its teams', for a department) with what is
	// aligned under them.
	inScope := func(*okr.Objective) bool { return true }
	var tops []*okr.ObjectiveState
	if team == nil {
		for _, st := range a.Objectives {
			if st.Objective.Level == okr.LevelCompany {
				tops = append(tops, st)
			}
		}
	} else {
		teams, err := p.loadTeams(ctx)
		if err != nil {
			return nil, err
		}
		own := map[int64]bool{team.ID: true}
		for _, t := range teams {
			if t.ParentID == team.ID {
				own[t.ID] = true
			}
		}
		mine := map[int64]bool{}
		for _, st := range a.Objectives {
			if own[st.Objective.TeamID] {
				mine[st.Objective.ID] = true
			}
		}
		for _, st := range a.Objectives {
			if mine[st.Objective.ID] && !mine[st.Objective.ParentObjectiveID] {
				tops = append(tops, st)
			}
		}
		covered := map[int64]bool{}
		for _, st := range tops {
			covered[st.Objective.ID] = true
			for _, sub := range p.supporters(st) {
				covered[sub.Objective.ID] = true
			}
		}
		inScope = func(o *okr.Objective) bool { return covered[o.ID] }
		d.Aligned, d.Alignable = 0, 0
		for id := range covered {
			if o := a.Objective(id).Objective; o.Level != okr.LevelCompany {
				d.Alignable++
				if o.HasParent() {
					d.Aligned++
				}
			}
		}
	}
	for i, st := range tops {
		if i < detailedObjectives {
			// The thread lists these objectives' key results by title: a
			// copy of the state with the full rows, the analysis untouched.
			full := *st
			var err error
			if full.KeyResults, err = p.withDetails(ctx, st.KeyResults); err != nil {
				return nil, err
			}
			st = &full
		}
		d.Objectives = append(d.Objectives, okr.DigestObjective{State: st, Supporters: p.supporters(st)})
	}

	krInScope := func(k okr.KeyResultState) bool {
		st := a.Objective(k.KeyResult.ObjectiveID)
		return st != nil && inScope(st.Objective)
	}
	for _, st := range a.Objectives {
		if !inScope(st.Objective) {
			continue
		}
		for _, k := range st.KeyResults {
			if k.Progress >= 1 && k.Previous < 1 {
				d.Wins = append(d.Wins, k)
			}
			if k.Driven {
				if d.DrivenBy == nil {
					d.DrivenBy = map[int64][]int64{}
				}
				d.DrivenBy[k.KeyResult.ID] = a.DeliveredBy(k.KeyResult.ID)
			}
		}
	}
	slices.SortFunc(d.Wins, func(x, y okr.KeyResultState) int { return cmp.Compare(x.KeyResult.ID, y.KeyResult.ID) })
	d.AtRisk = filter(a.AtRisk, krInScope)
	d.Stale = filter(a.Stale, krInScope)
	for _, o := range a.Orphans {
		if inScope(o) {
			d.Orphans = append(d.Orphans, o)
		}
	}
	if team == nil {
		d.Unsupported = a.Unsupported
	}
	var err error
	for _, list := range []*[]okr.KeyResultState{&d.Wins, &d.AtRisk, &d.Stale} {
		n := min(len(*list), detailed)
		var shown []okr.KeyResultState
		if shown, err = p.withDetails(ctx, (*list)[:n]); err != nil {
			return nil, err
		}
		*list = append(shown, (*list)[n:]...)
	}

	d.Participation = p.participation(func(owner string) bool {
		if team == nil {
			return true
		}
		for _, kr := range p.owners[owner] {
			if st := a.Objective(kr.ObjectiveID); st != nil && inScope(st.Objective) {
				return true
			}
		}
		return false
	})

	if len(tops) > 0 {
		times := okr.CycleWeeks(p.cycle, p.now)
		values, err := p.s.store.ValuesAt(ctx, p.cycle.ID, times)
		if err != nil {
			return nil, fmt.Errorf("digest history: %w", err)
		}
		ids := make([]int64, len(tops))
		for i, st := range tops {
			ids[i] = st.Objective.ID
		}
		d.History = okr.ProgressHistory(p.graph, values, times, p.settings.Policy, ids)
	}
	return d, nil
}

// supporters are the objectives aligned under st at any depth, level by
// level from the top, each level by ID.
func (p *pass) supporters(st *okr.ObjectiveState) []*okr.ObjectiveState {
	var out []*okr.ObjectiveState
	seen := map[int64]bool{st.Objective.ID: true}
	level := []*okr.ObjectiveState{st}
	for len(level) > 0 {
		var next []*okr.ObjectiveState
		for _, parent := range level {
			for _, c := range parent.Children {
				if cs := p.analysis.Objective(c.ID); cs != nil && !seen[c.ID] {
					seen[c.ID] = true
					next = append(next, cs)
				}
			}
		}
		slices.SortFunc(next, func(x, y *okr.ObjectiveState) int { return cmp.Compare(x.Objective.ID, y.Objective.ID) })
		out = append(out, next...)
		level = next
	}
	return out
}

// participation counts, among the owners counted, those who owed a
// check-in this period (each in their own zone) and those who made it.
// Someone away is not counted.
func (p *pass) participation(counted func(owner string) bool) okr.Participation {
	var out okr.Participation
	for owner := range p.owners {
		if !counted(owner) || !p.reachable(owner) {
			continue
		}
		due, owed := p.dueFor(owner, p.now)
		if !owed {
			continue
		}
		out.Due++
		if len(due) == 0 {
			out.Done++
		}
	}
	return out
}

func filter[T any](in []T, keep func(T) bool) []T {
	var out []T
	for _, x := range in {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
