package okrfile

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Store is what an import reads and writes and an export reads.
type Store interface {
	okr.CycleService
	okr.TeamService
	okr.ObjectiveService
	okr.KeyResultService
}

// Calendar is the company's fiscal year and time zone, for a cycle a file
// names that does not exist yet (it is created as upcoming).
type Calendar struct {
	FiscalMonth time.Month
	Location    *time.Location
}

// Change is one thing an import did, or would do in a dry run.
type Change struct {
	Line int
	What string
}

func (c Change) String() string {
	if c.Line == 0 {
		return c.What
	}
	return fmt.Sprintf("line %d: %s", c.Line, c.What)
}

// slackID is what a Slack user or channel ID looks like.
var (
	userID    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	channelID = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
)

// Import checks f against the store and, unless dryRun, applies it,
// returning what it changed (or would). When the file has problems it
// returns them as Problems and writes nothing.
func Import(ctx context.Context, store Store, f *File, cal Calendar, dryRun bool) ([]Change, error) {
	im := &importer{ctx: ctx, store: store, f: normalised(f), cal: cal, dry: dryRun}
	if err := im.check(); err != nil {
		return nil, err
	}
	if err := im.apply(); err != nil {
		return im.changes, err
	}
	return im.changes, nil
}

// normalised is a copy of f whose text is as okr stores it (okr.NormaliseLine
// and okr.NormaliseText), so that a file with invisible characters or
// decomposed accents matches what is stored, and importing it again
// changes nothing.
func normalised(f *File) *File {
	out := *f
	line := okr.NormaliseLine
	out.Teams = slices.Clone(f.Teams)
	for i := range out.Teams {
		t := &out.Teams[i]
		t.Name, t.Department = line(t.Name), line(t.Department)
	}
	out.Objectives = slices.Clone(f.Objectives)
	for i := range out.Objectives {
		o := &out.Objectives[i]
		o.Key, o.Title, o.Description, o.Team = line(o.Key), line(o.Title), okr.NormaliseText(o.Description), line(o.Team)
		o.Parent, o.ParentKeyResult = line(o.Parent), line(o.ParentKeyResult)
		o.KeyResults = slices.Clone(o.KeyResults)
		for j := range o.KeyResults {
			k := &o.KeyResults[j]
			k.Title, k.Unit = line(k.Title), line(k.Unit)
		}
	}
	return &out
}

type importer struct {
	ctx   context.Context
	store Store
	f     *File
	cal   Calendar
	dry   bool

	problems Problems
	changes  []Change

	cycle   *okr.Cycle // nil until it exists
	quarter okr.Quarter
	teams   map[string]*okr.Team // stored, by lower-case name
	levels  []okr.Level          // of f.Objectives
	keys    map[string]int       // objective key → index in f.Objectives
	parents []parentRef          // of f.Objectives
	stored  []*okr.Objective     // the stored objective of each file objective, nil when new
}

// parentRef is an objective's parent as the file names it: another
// objective of the file (index), or a stored one (objective).
type parentRef struct {
	index     int // -1 when none in the file
	objective *okr.Objective
	krTitle   string
}

func (im *importer) problem(line int, format string, args ...any) {
	im.problems = append(im.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) change(line int, format string, args ...any) {
	im.changes = append(im.changes, Change{Line: line, What: fmt.Sprintf(format, args...)})
}

// check finds every problem before anything is written.
func (im *importer) check() error {
	ctx, f := im.ctx, im.f
	q, err := okr.ParseQuarter(strings.TrimSpace(f.Cycle))
	if err != nil {
		im.problem(0, "cycle %q: a cycle is written like 2026-Q4", f.Cycle)
	} else {
		im.quarter = q
		c, err := im.store.FindCycleByName(ctx, q.String())
		switch {
		case err == nil && c.Status == okr.CycleClosed:
			im.problem(0, "cycle %s is closed, so it cannot change", c.Name)
		case err == nil:
			im.cycle = c
		case okr.ErrorCode(err) != okr.ENOTFOUND:
			return err
		}
	}

	stored, err := im.store.FindTeams(ctx)
	if err != nil {
		return err
	}
	im.teams = map[string]*okr.Team{}
	for _, t := range stored {
		im.teams[strings.ToLower(t.Name)] = t
	}
	inFile := map[string]int{}
	for _, t := range f.Teams {
		tt := okr.Team{Name: t.Name}
		if err := tt.Validate(); err != nil {
			im.problem(t.Line, "team %q: %s", t.Name, okr.ErrorMessage(err))
			continue
		}
		if line, dup := inFile[strings.ToLower(tt.Name)]; dup {
			im.problem(t.Line, "team %q is also on line %d", t.Name, line)
		}
		inFile[strings.ToLower(tt.Name)] = t.Line
		for _, id := range append([]string{t.Lead}, t.Members...) {
			if id != "" && !userID.MatchString(id) {
				im.problem(t.Line, "team %q: %q is not a Slack user ID (like U012AB3CD; a profile's ⋮ menu → Copy member ID)", t.Name, id)
			}
		}
		if t.Channel != "" && !channelID.MatchString(t.Channel) {
			im.problem(t.Line, "team %q: %q is not a Slack channel ID (like C012AB3CD)", t.Name, t.Channel)
		}
	}
	teamKnown := func(name string) bool {
		_, file := inFile[strings.ToLower(name)]
		return file || im.teams[strings.ToLower(name)] != nil
	}
	for _, t := range f.Teams {
		if t.Department == "" {
			continue
		}
		if !teamKnown(t.Department) {
			im.problem(t.Line, "team %q: its department %q is neither in the file nor in okrbot", t.Name, t.Department)
		} else if strings.EqualFold(t.Department, t.Name) {
			im.problem(t.Line, "team %q cannot be its own department", t.Name)
		}
	}

	im.keys = map[string]int{}
	identities := map[string]int{}
	im.levels = make([]okr.Level, len(f.Objectives))
	for i := range f.Objectives {
		o := &f.Objectives[i]
		level, err := okr.ParseLevel(o.Level)
		if err != nil {
			im.problem(o.Line, "objective %q: level %q is company, department, team or personal", o.Title, o.Level)
		}
		im.levels[i] = level
		if !userID.MatchString(o.Owner) {
			im.problem(o.Line, "objective %q: owner %q is not a Slack user ID (like U012AB3CD)", o.Title, o.Owner)
		}
		// The text as the domain checks it; level and owner are above.
		check := okr.Objective{Title: o.Title, Description: o.Description}
		for field, msg := range okr.FieldErrors(check.Validate()) {
			if field == "title" || field == "description" {
				im.problem(o.Line, "objective %q: %s", o.Title, msg)
			}
		}
		if o.Team != "" && !teamKnown(o.Team) {
			im.problem(o.Line, "objective %q: team %q is neither in the file nor in okrbot", o.Title, o.Team)
		}
		id := identity(level, o.Owner, o.Title)
		if line, dup := identities[id]; dup {
			im.problem(o.Line, "objective %q of %s is also on line %d", o.Title, o.Owner, line)
		}
		identities[id] = o.Line
		key := strings.ToLower(strings.TrimSpace(o.KeyOrTitle()))
		if j, dup := im.keys[key]; dup {
			im.problem(o.Line, "objective key %q is also used on line %d; give one of them a key of its own", o.KeyOrTitle(), f.Objectives[j].Line)
		}
		im.keys[key] = i
		titles := map[string]int{}
		for j := range o.KeyResults {
			kr := &o.KeyResults[j]
			k, err := keyResultOf(o, kr)
			if err != nil {
				im.problem(kr.Line, "key result %q: %s", kr.Title, err)
				continue
			}
			if kr.Owner != "" && !userID.MatchString(kr.Owner) { // an inherited owner is checked above
				im.problem(kr.Line, "key result %q: owner %q is not a Slack user ID (like U012AB3CD)", kr.Title, kr.Owner)
			}
			for _, msg := range okr.FieldErrors(k.Validate()) {
				im.problem(kr.Line, "key result %q: %s", kr.Title, msg)
			}
			if line, dup := titles[strings.ToLower(k.Title)]; dup {
				im.problem(kr.Line, "key result %q is also on line %d of the same objective", kr.Title, line)
			}
			titles[strings.ToLower(k.Title)] = kr.Line
		}
	}

	im.parents = make([]parentRef, len(f.Objectives))
	for i := range f.Objectives {
		im.parents[i] = im.checkParent(i)
	}
	if len(im.problems) > 0 {
		slices.SortStableFunc(im.problems, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
		return im.problems
	}
	return nil
}

// checkParent resolves objective i's parent and checks the link.
func (im *importer) checkParent(i int) parentRef {
	o := &im.f.Objectives[i]
	ref := parentRef{index: -1, krTitle: strings.TrimSpace(o.ParentKeyResult)}
	name := strings.TrimSpace(o.Parent)
	if name == "" {
		if ref.krTitle != "" {
			im.problem(o.Line, "objective %q: parent_key_result needs the parent objective too", o.Title)
		}
		return ref
	}
	var parentLevel okr.Level
	var krTitles []string
	if j, ok := im.keys[strings.ToLower(name)]; ok {
		ref.index = j
		parentLevel = im.levels[j]
		for _, kr := range im.f.Objectives[j].KeyResults {
			krTitles = append(krTitles, kr.Title)
		}
	} else if kind, id := okr.ParseRef(name); kind == okr.RefObjective {
		p, err := im.store.FindObjectiveByID(im.ctx, id)
		if err != nil {
			im.problem(o.Line, "objective %q: parent %s does not exist", o.Title, name)
			return ref
		}
		ref.objective, parentLevel = p, p.Level
		live := false
		krs, err := im.store.FindKeyResults(im.ctx, okr.KeyResultFilter{ObjectiveID: &p.ID, Archived: &live})
		if err == nil {
			for _, kr := range krs {
				krTitles = append(krTitles, kr.Title)
			}
		}
	} else {
		im.problem(o.Line, "objective %q: parent %q is neither the key of an objective in the file nor a reference like O12", o.Title, name)
		return ref
	}
	if level := im.levels[i]; level.Valid() && parentLevel.Valid() && !parentLevel.Above(level) {
		im.problem(o.Line, "objective %q (%s) cannot support %q, which is not above it (%s)", o.Title, level, name, parentLevel)
	}
	if ref.krTitle != "" && !slices.ContainsFunc(krTitles, func(t string) bool { return strings.EqualFold(t, ref.krTitle) }) {
		im.problem(o.Line, "objective %q: %q has no key result %q", o.Title, name, ref.krTitle)
	}
	return ref
}

func identity(level okr.Level, owner, title string) string {
	return strings.ToLower(string(level) + "\x00" + owner + "\x00" + strings.TrimSpace(title))
}

// keyResultOf is the key result a file line describes, with its defaults.
func keyResultOf(o *Objective, kr *KeyResult) (*okr.KeyResult, error) {
	kind := okr.KindIncrease
	if kr.Kind != "" {
		kind = okr.Kind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(kr.Kind)), " ", "_"))
		if !kind.Valid() {
			return nil, fmt.Errorf("kind %q is increase, decrease, stay_above, stay_below or milestone", kr.Kind)
		}
	}
	owner := kr.Owner
	if owner == "" {
		owner = o.Owner
	}
	return &okr.KeyResult{Title: kr.Title, Kind: kind, Start: kr.Start, Target: kr.Target, Current: kr.Start, Unit: kr.Unit,
		OwnerID: owner, Weight: kr.Weight}, nil
}

// apply makes the store say what the file says: the cycle, the teams,
// the objectives and key results, then the links.
func (im *importer) apply() error {
	ctx := im.ctx
	if im.cycle == nil {
		c := okr.NewCycle(im.quarter, im.cal.FiscalMonth, im.cal.Location, okr.CycleUpcoming)
		im.change(0, "create cycle %s (upcoming; `/okr cycle start %s` starts it)", c.Name, c.Name)
		if !im.dry {
			if err := im.store.CreateCycle(ctx, c); err != nil {
				return err
			}
			im.cycle = c
		}
	}
	if err := im.applyTeams(); err != nil {
		return err
	}
	var stored map[string]*okr.Objective
	if im.cycle != nil && im.cycle.ID != 0 {
		active := okr.StatusActive
		objs, _, err := im.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &im.cycle.ID, Status: &active})
		if err != nil {
			return err
		}
		stored = make(map[string]*okr.Objective, len(objs))
		for _, o := range objs {
			stored[identity(o.Level, o.OwnerID, o.Title)] = o
		}
	}
	im.stored = make([]*okr.Objective, len(im.f.Objectives))
	for i := range im.f.Objectives {
		if err := im.applyObjective(i, stored[identity(im.levels[i], im.f.Objectives[i].Owner, im.f.Objectives[i].Title)]); err != nil {
			return err
		}
	}
	for i := range im.f.Objectives {
		if err := im.applyParent(i); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) teamID(name string) int64 {
	if t := im.teams[strings.ToLower(name)]; t != nil {
		return t.ID
	}
	return 0
}

// applyTeams creates or updates the file's teams, departments first.
func (im *importer) applyTeams() error {
	order := slices.Clone(im.f.Teams)
	slices.SortStableFunc(order, func(a, b Team) int {
		return cmp.Compare(boolRank(a.Department != ""), boolRank(b.Department != ""))
	})
	for _, t := range order {
		want := &okr.Team{Name: strings.TrimSpace(t.Name), ParentID: im.teamID(t.Department), LeadID: t.Lead,
			Members: sortedUnique(t.Members), Channel: t.Channel}
		have := im.teams[strings.ToLower(want.Name)]
		if have == nil {
			im.change(t.Line, "create team %q", want.Name)
			if !im.dry {
				if err := im.store.CreateTeam(im.ctx, want); err != nil {
					return fmt.Errorf("line %d: team %q: %w", t.Line, want.Name, err)
				}
			}
			im.teams[strings.ToLower(want.Name)] = want
			continue
		}
		want.ID = have.ID
		var diffs []string
		if want.ParentID != have.ParentID {
			diffs = append(diffs, "department")
		}
		if want.LeadID != have.LeadID {
			diffs = append(diffs, fmt.Sprintf("lead %s → %s", orNone(have.LeadID), orNone(want.LeadID)))
		}
		if !slices.Equal(want.Members, sortedUnique(have.Members)) {
			diffs = append(diffs, "members")
		}
		if want.Channel != have.Channel {
			diffs = append(diffs, fmt.Sprintf("channel %s → %s", orNone(have.Channel), orNone(want.Channel)))
		}
		if len(diffs) == 0 {
			continue
		}
		im.change(t.Line, "update team %q: %s", want.Name, strings.Join(diffs, ", "))
		if !im.dry {
			if err := im.store.UpdateTeam(im.ctx, want); err != nil {
				return fmt.Errorf("line %d: team %q: %w", t.Line, want.Name, err)
			}
		}
		im.teams[strings.ToLower(want.Name)] = want
	}
	return nil
}

// applyObjective creates objective i with its key results, or brings the
// stored one (have) and its key results in line with the file.
func (im *importer) applyObjective(i int, have *okr.Objective) error {
	ctx, o := im.ctx, &im.f.Objectives[i]
	var krs []*okr.KeyResult
	for j := range o.KeyResults {
		k, _ := keyResultOf(o, &o.KeyResults[j])
		k.Validate() // defaults (weight 1, a milestone's 0 → 1)
		krs = append(krs, k)
	}
	if have == nil {
		obj := &okr.Objective{Title: o.Title, Description: o.Description, Level: im.levels[i], OwnerID: o.Owner,
			TeamID: im.teamID(o.Team), Status: okr.StatusActive}
		im.change(o.Line, "create %s objective %q of %s with %s", obj.Level, strings.TrimSpace(o.Title), o.Owner, plural(len(krs), "key result"))
		if !im.dry {
			obj.CycleID = im.cycle.ID
			if err := im.store.CreateObjective(ctx, obj, krs, okr.LinkOptions{}); err != nil {
				return fmt.Errorf("line %d: objective %q: %w", o.Line, o.Title, err)
			}
			im.stored[i] = obj
		}
		return nil
	}
	im.stored[i] = have
	var upd okr.ObjectiveUpdate
	var diffs []string
	if desc := strings.TrimSpace(o.Description); desc != have.Description {
		upd.Description = &desc
		diffs = append(diffs, "description")
	}
	if team := im.teamID(o.Team); team != have.TeamID {
		upd.TeamID = &team
		diffs = append(diffs, "team")
	}
	if len(diffs) > 0 {
		im.change(o.Line, "update objective %s %q: %s", have.Ref(), have.Title, strings.Join(diffs, ", "))
		if !im.dry {
			if _, err := im.store.UpdateObjective(ctx, have.ID, upd); err != nil {
				return fmt.Errorf("line %d: objective %q: %w", o.Line, o.Title, err)
			}
		}
	}
	live := false
	existing, err := im.store.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &have.ID, Archived: &live})
	if err != nil {
		return err
	}
	for j, want := range krs {
		line := o.KeyResults[j].Line
		k := slices.IndexFunc(existing, func(kr *okr.KeyResult) bool { return strings.EqualFold(kr.Title, want.Title) })
		if k < 0 {
			im.change(line, "add key result %q to %s", want.Title, have.Ref())
			if !im.dry {
				want.ObjectiveID = have.ID
				if err := im.store.CreateKeyResult(ctx, want); err != nil {
					return fmt.Errorf("line %d: key result %q: %w", line, want.Title, err)
				}
			}
			continue
		}
		cur := existing[k]
		var u okr.KeyResultUpdate
		var diffs []string
		if want.Kind != cur.Kind {
			u.Kind, diffs = &want.Kind, append(diffs, fmt.Sprintf("kind %s → %s", cur.Kind, want.Kind))
		}
		if want.Start != cur.Start {
			u.Start, diffs = &want.Start, append(diffs, fmt.Sprintf("start %v → %v", cur.Start, want.Start))
		}
		if want.Target != cur.Target {
			u.Target, diffs = &want.Target, append(diffs, fmt.Sprintf("target %v → %v", cur.Target, want.Target))
		}
		if want.Unit != cur.Unit {
			u.Unit, diffs = &want.Unit, append(diffs, fmt.Sprintf("unit %q → %q", cur.Unit, want.Unit))
		}
		if want.OwnerID != cur.OwnerID {
			u.OwnerID, diffs = &want.OwnerID, append(diffs, fmt.Sprintf("owner %s → %s", cur.OwnerID, want.OwnerID))
		}
		if want.Weight != cur.Weight {
			u.Weight, diffs = &want.Weight, append(diffs, fmt.Sprintf("weight %v → %v", cur.Weight, want.Weight))
		}
		if len(diffs) == 0 {
			continue
		}
		im.change(line, "update key result %s %q: %s", cur.Ref(), cur.Title, strings.Join(diffs, ", "))
		if !im.dry {
			if _, err := im.store.UpdateKeyResult(ctx, cur.ID, u); err != nil {
				return fmt.Errorf("line %d: key result %q: %w", line, want.Title, err)
			}
		}
	}
	return nil
}

// applyParent links objective i as the file says, or unlinks it.
func (im *importer) applyParent(i int) error {
	o, ref, have := &im.f.Objectives[i], im.parents[i], im.stored[i]
	var target okr.LinkTarget
	parentName := ""
	switch {
	case ref.index >= 0:
		parentName = im.f.Objectives[ref.index].KeyOrTitle()
		if p := im.stored[ref.index]; p != nil {
			target.ObjectiveID = p.ID
		}
	case ref.objective != nil:
		parentName, target.ObjectiveID = ref.objective.Ref(), ref.objective.ID
	}
	if ref.krTitle != "" && target.ObjectiveID != 0 {
		live := false
		krs, err := im.store.FindKeyResults(im.ctx, okr.KeyResultFilter{ObjectiveID: &target.ObjectiveID, Archived: &live})
		if err != nil {
			return err
		}
		if k := slices.IndexFunc(krs, func(kr *okr.KeyResult) bool { return strings.EqualFold(kr.Title, ref.krTitle) }); k >= 0 {
			target.KeyResultID = krs[k].ID
		}
	}
	if have != nil && have.ParentObjectiveID == target.ObjectiveID && have.ParentKeyResultID == target.KeyResultID && (target.ObjectiveID != 0 || parentName == "") {
		return nil
	}
	if parentName == "" {
		if have == nil || !have.HasParent() {
			return nil
		}
		im.change(o.Line, "unlink %s %q from its parent %s (the file gives none)", have.Ref(), have.Title, okr.ObjectiveRef(have.ParentObjectiveID))
	} else if ref.krTitle != "" {
		im.change(o.Line, "link %q to the key result %q of %q", o.KeyOrTitle(), ref.krTitle, parentName)
	} else {
		im.change(o.Line, "link %q to %q", o.KeyOrTitle(), parentName)
	}
	if im.dry {
		return nil
	}
	if err := im.store.SetParent(im.ctx, have.ID, target, okr.LinkOptions{AllowCrossCycle: ref.objective != nil}); err != nil {
		return fmt.Errorf("line %d: link %q: %w", o.Line, o.Title, err)
	}
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
