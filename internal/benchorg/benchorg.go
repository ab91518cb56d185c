// Package benchorg seeds the organisations okrbot's benchmarks measure
// (issue 11): 10,000 objectives, 50,000 key results and 500,000 check-ins
// in one cycle, shaped like a real company or like a few people owning
// thousands. It writes the rows with plain SQL in one transaction, as
// creating them one by one through the store would take minutes. For
// benchmarks and measurements only; production code never imports it.
package benchorg

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// Shape is how the objectives are spread over people and teams.
type Shape struct {
	Name string
	// People own the objectives, Teams group them (0: no teams). With
	// Extreme set, the people given to Seed own everything between them.
	People, Teams int
	Extreme       bool
	Objectives    int
	KeyResults    int // per objective
	Checkins      int // per key result
}

var (
	// Realistic is a company of 2,000 people in 300 teams (20 of them
	// departments), each person owning 5 objectives: 10 company, 100
	// department, 1,400 team and 8,490 personal ones, nearly all aligned
	// upward.
	Realistic = Shape{Name: "realistic", People: 2000, Teams: 300, Objectives: 10_000, KeyResults: 5, Checkins: 10}
	// Extreme is the same totals owned by the few people given to Seed.
	Extreme = Shape{Name: "extreme", Extreme: true, Objectives: 10_000, KeyResults: 5, Checkins: 10}
)

// Org is what Seed made.
type Org struct {
	Cycle *okr.Cycle
	// KeyResults holds, for each viewer given to Seed, a key result they
	// own, to check in.
	KeyResults map[string]int64
	// Objective is an objective to show, owned by the first viewer.
	Objective int64
}

// Seed creates the okrbot database at path (which must not exist) with the
// current cycle of the quarter holding now and an organisation of the
// shape in it, with check-ins spread from the cycle's start up to now.
// viewers are Slack user IDs that must be among the people: in the
// realistic shape the first is the chief executive, the second a team lead
// and the third someone with personal objectives; in the extreme shape
// they own everything.
func Seed(ctx context.Context, path string, shape Shape, viewers []string, now time.Time) (*Org, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("seed %s: the file exists", path)
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	q := okr.QuarterOf(now, time.January)
	c := okr.NewCycle(q, time.January, time.UTC, okr.CycleCurrent)
	err = db.CreateCycle(ctx, c)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &seeder{tx: tx, shape: shape, viewers: viewers, cycle: c, now: now, r: rand.New(rand.NewPCG(11, uint64(len(shape.Name)))),
		org: &Org{Cycle: c, KeyResults: map[string]int64{}}}
	if err := s.seed(ctx); err != nil {
		return nil, fmt.Errorf("seed %s organisation: %w", shape.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if _, err := raw.ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, err
	}
	return s.org, nil
}

type seeder struct {
	tx      *sql.Tx
	shape   Shape
	viewers []string
	cycle   *okr.Cycle
	now     time.Time
	r       *rand.Rand
	org     *Org
}

// viewerAt are the people (see plan) the viewers given to Seed stand for
// in the realistic shape: the chief executive, a team lead and someone
// with personal objectives.
var viewerAt = []int{0, 22, 302}

// person is the Slack ID of person i.
func (s *seeder) person(i int) string {
	for v, at := range viewerAt {
		if at == i && v < len(s.viewers) {
			return s.viewers[v]
		}
	}
	return fmt.Sprintf("U%05d", i)
}

// objective is one objective to insert.
type objective struct {
	level  okr.Level
	owner  string
	team   int64
	parent int64
}

func (s *seeder) seed(ctx context.Context) error {
	objectives, err := s.plan(ctx)
	if err != nil {
		return err
	}
	insObj, err := s.tx.PrepareContext(ctx, `INSERT INTO objectives (id, cycle_id, title, level, owner_id, team_id,
		parent_objective_id, rollup_children, weight, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`)
	if err != nil {
		return err
	}
	insKR, err := s.tx.PrepareContext(ctx, `INSERT INTO key_results (id, objective_id, cycle_id, title, kind, start, target, current,
		unit, owner_id, checked_at, confidence, prev_value, prev_checked_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'increase', 0, 100, ?, '%', ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	insCheckin, err := s.tx.PrepareContext(ctx, `INSERT INTO checkins (key_result_id, author_id, value, previous, confidence, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	words := []string{"revenue", "churn", "hiring", "platform", "latency", "support", "europe", "mobile", "security", "brand"}
	created := s.cycle.Start.Add(time.Hour)
	span := s.now.Sub(created)
	confidences := []okr.Confidence{okr.OnTrack, okr.OnTrack, okr.OnTrack, okr.AtRisk, okr.OffTrack}
	krID := int64(0)
	for i, o := range objectives {
		id := int64(i + 1)
		title := fmt.Sprintf("Improve %s and %s %d", words[i%10], words[(i/10)%10], i)
		var team, parent any
		if o.team != 0 {
			team = o.team
		}
		if o.parent != 0 {
			parent = o.parent
		}
		if _, err := insObj.ExecContext(ctx, id, s.cycle.ID, title, o.level, o.owner, team, parent, o.level == okr.LevelCompany,
			created.UnixMilli(), created.UnixMilli()); err != nil {
			return err
		}
		for k := range s.shape.KeyResults {
			krID++
			owner := o.owner
			if !s.shape.Extreme && s.r.IntN(5) == 0 {
				owner = s.person(s.r.IntN(s.shape.People)) // a colleague's key result
			}
			if _, ok := s.org.KeyResults[owner]; !ok {
				s.org.KeyResults[owner] = krID
			}
			// Check-ins evenly over the cycle so far; one key result in ten
			// went quiet three weeks ago (stale).
			n, end := s.shape.Checkins, s.now.Add(-time.Hour)
			if s.r.IntN(10) == 0 {
				end = s.now.Add(-21 * 24 * time.Hour)
			}
			step := (end.Sub(created)) / time.Duration(n+1)
			if step <= 0 || span <= 0 {
				n = 0
			}
			value, prev := 0.0, 0.0
			var at, prevAt time.Time
			var conf okr.Confidence
			for c := range n {
				prev, prevAt = value, at
				value = min(100, value+s.r.Float64()*15)
				conf = confidences[s.r.IntN(len(confidences))]
				at = created.Add(time.Duration(c+1) * step)
				if _, err := insCheckin.ExecContext(ctx, krID, owner, value, prev, conf, at.UnixMilli()); err != nil {
					return err
				}
			}
			if _, err := insKR.ExecContext(ctx, krID, id, s.cycle.ID, fmt.Sprintf("Grow %s metric %d", words[(i+k)%10], k), value, owner,
				nullMillis(at), nullString(string(conf)), nullFloat(prev, !prevAt.IsZero()), nullMillis(prevAt),
				created.UnixMilli(), created.UnixMilli()); err != nil {
				return err
			}
		}
		if s.org.Objective == 0 && len(s.viewers) > 0 && o.owner == s.viewers[0] {
			s.org.Objective = id
		}
	}
	return nil
}

// plan lays the objectives out, parents before children, and creates the
// teams.
func (s *seeder) plan(ctx context.Context) ([]objective, error) {
	var out []objective
	if s.shape.Extreme {
		levels := []okr.Level{okr.LevelCompany, okr.LevelDepartment, okr.LevelTeam, okr.LevelTeam, okr.LevelPersonal}
		byLevel := map[okr.Level][]int64{}
		for i := range s.shape.Objectives {
			o := objective{level: levels[i%5], owner: s.viewers[i%len(s.viewers)]}
			if up := byLevel[aboveOf(o.level)]; len(up) > 0 && s.r.IntN(10) < 8 {
				o.parent = up[s.r.IntN(len(up))]
			}
			out = append(out, o)
			byLevel[o.level] = append(byLevel[o.level], int64(len(out)))
		}
		return out, nil
	}
	// People 0-1 own the company objectives, 2-21 lead the departments,
	// 22-301 lead the teams, everyone else has personal objectives; each
	// owns five.
	const perPerson, departments = 5, 20
	teams := s.shape.Teams - departments
	insTeam, err := s.tx.PrepareContext(ctx, `INSERT INTO teams (id, name, parent_id, lead_id) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	insMember, err := s.tx.PrepareContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`)
	if err != nil {
		return nil, err
	}
	for t := range s.shape.Teams {
		var parent any
		if t >= departments {
			parent = int64(1 + t%departments)
		}
		if _, err := insTeam.ExecContext(ctx, t+1, fmt.Sprintf("Team %d", t+1), parent, s.person(2+t)); err != nil {
			return nil, err
		}
	}
	teamOf := func(p int) int64 { // the team a person works in
		switch {
		case p < 2:
			return 0
		case p < 2+departments:
			return int64(p - 1)
		case p < 2+departments+teams:
			return int64(p - 1)
		}
		return int64(departments + 1 + p%teams)
	}
	for p := range s.shape.People {
		if team := teamOf(p); team != 0 {
			if _, err := insMember.ExecContext(ctx, team, s.person(p)); err != nil {
				return nil, err
			}
		}
	}
	ownedBy := map[int64][]int64{} // team -> its objectives, for aligning under them
	var company []int64
	for i := range s.shape.Objectives {
		p := min(i/perPerson, s.shape.People-1)
		team := teamOf(p)
		o := objective{owner: s.person(p), team: team}
		switch {
		case p < 2:
			o.level = okr.LevelCompany
		case p < 2+departments:
			o.level, o.parent = okr.LevelDepartment, company[s.r.IntN(len(company))]
		case p < 2+departments+teams:
			o.level = okr.LevelTeam
			dept := ownedBy[int64(1+(int(team)-1)%departments)]
			o.parent = dept[s.r.IntN(len(dept))]
		default:
			o.level = okr.LevelPersonal
			if up := ownedBy[team]; len(up) > 0 && s.r.IntN(10) < 8 {
				o.parent = up[s.r.IntN(len(up))]
			}
		}
		out = append(out, o)
		id := int64(len(out))
		if o.level == okr.LevelCompany {
			company = append(company, id)
		} else if o.level != okr.LevelPersonal {
			ownedBy[team] = append(ownedBy[team], id)
		}
	}
	return out, nil
}

// aboveOf is the level an objective of level l aligns under.
func aboveOf(l okr.Level) okr.Level {
	switch l {
	case okr.LevelPersonal:
		return okr.LevelTeam
	case okr.LevelTeam:
		return okr.LevelDepartment
	case okr.LevelDepartment:
		return okr.LevelCompany
	}
	return ""
}

func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullFloat(f float64, valid bool) any {
	if !valid {
		return nil
	}
	return f
}
