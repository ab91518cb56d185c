package bot

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Page sizes of /okr list. An objective line is at most about 700
// characters (a 120-character title escaped) and a key-result line about
// 1100, so even the worst page packs into well under 50 blocks.
const (
	listObjectivesPage = 25
	listKeyResultsPage = 15
)

// List filters as a paging button stores them.
const (
	filterMine    = "mine:"   // + the viewer's user ID
	filterPerson  = "person:" // + a user ID
	filterTeam    = "team:"   // + a team ID
	filterCompany = "company"
	filterAtRisk  = "at-risk"
	filterStale   = "stale"
)

// cmdList lists objectives: `/okr list [mine | @person | team <name> |
// company | at-risk | stale | <cycle>]`, a cycle combining with any filter.
// With no filter it lists the person's own objectives, or the company's
// when they own nothing.
func (b *Bot) cmdList(ctx context.Context, c *command) error {
	cycle, rest, err := b.cycleArg(ctx, c.rest)
	if err != nil {
		return err
	}
	q := pageQuery{View: "list", Cycle: cycle.ID}
	word, arg, _ := strings.Cut(rest, " ")
	arg = strings.TrimSpace(arg)
	note := ""
	switch w := strings.ToLower(word); {
	case w == "":
		q.Filter = filterMine + c.UserID
		a, err := b.analyze(ctx, cycle)
		if err != nil {
			return err
		}
		nothing, err := b.ownsNothing(ctx, a, c.UserID)
		if err != nil {
			return err
		}
		if nothing {
			q.Filter = filterCompany
			note = fmt.Sprintf("You own nothing in %s, so here are the company objectives. `/okr list team &lt;name&gt;` shows a team's.", cycle.Name)
		}
	case w == "mine" || w == "me" || w == "my":
		q.Filter = filterMine + c.UserID
	case strings.HasPrefix(word, "<@"):
		id, ok := parseUserMention(word)
		if !ok {
			return b.usage(c, "I could not read that mention; pick the person from Slack's @ menu.")
		}
		q.Filter = filterPerson + id
	case strings.HasPrefix(word, "@"):
		return b.usage(c, fmt.Sprintf("I could not tell who “%s” is; pick the person from Slack's @ menu so the name turns into a mention.", esc(trunc(word, 40))))
	case w == "team":
		t, err := b.teamForList(ctx, arg)
		if err != nil {
			return err
		}
		q.Filter = filterTeam + strconv.FormatInt(t.ID, 10)
	case w == "company" || w == "co":
		q.Filter = filterCompany
	case w == "at-risk" || w == "atrisk" || w == "risk" || w == "risky":
		q.Filter = filterAtRisk
	case w == "at" && strings.EqualFold(arg, "risk"):
		q.Filter, arg = filterAtRisk, ""
	case w == "stale":
		q.Filter = filterStale
	default:
		return b.usage(c, fmt.Sprintf("I can't list by “%s”.", esc(trunc(rest, 40))))
	}
	if arg != "" && !strings.HasPrefix(q.Filter, filterTeam) {
		return b.usage(c, fmt.Sprintf("I can't list by “%s”: one filter at a time, and a cycle if you like.", esc(trunc(rest, 40))))
	}
	if (q.Filter == filterAtRisk || q.Filter == filterStale) && cycle.Status == okr.CycleClosed {
		return okr.Errorf(okr.EINVALID, "%s is closed: at-risk and stale key results are about a cycle in progress. `/okr list %s` shows its final scores.", cycle.Name, cycle.Name)
	}
	msg, err := b.listPage(ctx, c.UserID, q, note)
	if err != nil {
		return err
	}
	return b.send(ctx, c.replyTo(), msg)
}

// cycleArg finds a cycle named as the first or last word of text ("2026-Q3")
// and returns it with the rest of the text; without one, the current cycle.
func (b *Bot) cycleArg(ctx context.Context, text string) (*okr.Cycle, string, error) {
	words := strings.Fields(text)
	for _, i := range []int{0, len(words) - 1} {
		if i < 0 || i >= len(words) {
			continue
		}
		qtr, err := okr.ParseQuarter(words[i])
		if err != nil {
			continue
		}
		c, err := b.store.FindCycleByName(ctx, qtr.String())
		if okr.ErrorCode(err) == okr.ENOTFOUND {
			return nil, "", errNoCycle(qtr.String())
		}
		if err != nil {
			return nil, "", err
		}
		rest := slices.Delete(slices.Clone(words), i, i+1)
		return c, strings.Join(rest, " "), nil
	}
	c, err := b.currentCycle(ctx)
	return c, strings.Join(words, " "), err
}

// teamForList finds a team by name, case-insensitively; an unknown name is
// answered with the teams there are.
func (b *Bot) teamForList(ctx context.Context, name string) (*okr.Team, error) {
	if name == "" {
		teams, err := b.store.FindTeams(ctx)
		if err != nil {
			return nil, err
		}
		return nil, okr.Errorf(okr.EINVALID, "Which team? Use `/okr list team &lt;name&gt;`. %s", knownTeams(teams))
	}
	t, err := b.store.FindTeamByName(ctx, name)
	if okr.ErrorCode(err) != okr.ENOTFOUND {
		return t, err
	}
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	return nil, okr.Errorf(okr.ENOTFOUND, "There is no team named “%s”. %s", esc(trunc(name, 80)), knownTeams(teams))
}

func knownTeams(teams []*okr.Team) string {
	if len(teams) == 0 {
		return "There are no teams yet; an admin can add one with `/okr team new`."
	}
	var names []string
	for _, t := range teams[:min(len(teams), 30)] {
		names = append(names, esc(trunc(t.Name, 40)))
	}
	more := ""
	if len(teams) > 30 {
		more = fmt.Sprintf(" and %d more (`/okr team`)", len(teams)-30)
	}
	return "Teams: " + strings.Join(names, ", ") + more + "."
}

// listPage renders one page of a list. note, when set, explains the choice
// of filter (on the first page only).
func (b *Bot) listPage(ctx context.Context, viewer string, q pageQuery, note string) (message, error) {
	a, err := b.analyzeCycle(ctx, q.Cycle)
	if err != nil {
		return message{}, err
	}
	cycle := a.Cycle
	if q.Filter == filterAtRisk || q.Filter == filterStale {
		return b.keyResultListPage(ctx, a, q, b.viewerLocation(ctx, viewer))
	}
	var objs []*okr.Objective
	var heading, empty string
	closed := cycle.Status == okr.CycleClosed
	suggest := func(s string) string { // ways forward make sense in an open cycle only
		if closed {
			return ""
		}
		return " " + s
	}
	switch kind, arg, _ := strings.Cut(q.Filter, ":"); kind + ":" {
	case filterMine, filterPerson:
		if objs, err = b.personsObjectives(ctx, a, arg); err != nil {
			return message{}, err
		}
		if kind+":" == filterMine && arg == viewer {
			heading = "*Your objectives*"
			empty = fmt.Sprintf("You have no objectives or key results in %s.%s", cycle.Name,
				suggest("Create one with `/okr new`, or see the company's with `/okr list company`."))
		} else {
			heading = fmt.Sprintf("*Objectives of %s*", mention(arg))
			empty = fmt.Sprintf("%s owns no objectives or key results in %s.%s", mention(arg), cycle.Name,
				suggest("`/okr list company` shows what the company is working on."))
		}
	case filterTeam:
		id, _ := strconv.ParseInt(arg, 10, 64)
		t, err := b.store.FindTeamByID(ctx, id)
		if err != nil {
			return message{}, err
		}
		if objs, err = b.teamObjectives(ctx, cycle, t); err != nil {
			return message{}, err
		}
		heading = fmt.Sprintf("*%s objectives*", esc(trunc(t.Name, 80)))
		empty = fmt.Sprintf("%s has no objectives in %s.%s", esc(trunc(t.Name, 80)), cycle.Name,
			suggest("Anyone in the team can add one with `/okr new team`."))
	default:
		company := okr.LevelCompany
		if closed {
			objs, _, err = b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &cycle.ID, Level: &company})
		} else {
			isCompany := func(o *okr.Objective) bool { return o.Level == company }
			objs, err = b.activeAndScored(ctx, a, isCompany, func(yield func(*okr.ObjectiveState) bool) {
				for _, st := range a.Objectives {
					if isCompany(st.Objective) && !yield(st) {
						return
					}
				}
			}, 0)
		}
		if err != nil {
			return message{}, err
		}
		heading = "*Company objectives*"
		empty = fmt.Sprintf("There are no company objectives in %s.%s", cycle.Name, suggest("Admins create them with `/okr new company`."))
	}
	objs = slices.DeleteFunc(objs, func(o *okr.Objective) bool { return o.Status == okr.StatusArchived })
	sortByLevel(objs)

	title := fmt.Sprintf("%s · %s", heading, cycleLabel(cycle))
	head := []slack.Block{section(fmt.Sprintf("%s · %s", title, countOf(len(objs), "objective", "objectives")))}
	if note != "" {
		head = append(head, contextBlock(note))
	}
	if len(objs) == 0 {
		text := ":seedling: " + empty
		return message{Text: text, Blocks: append(head, section(text))}, nil
	}
	lo, hi := pageSlice(len(objs), q.Offset, listObjectivesPage)
	q.Offset = lo
	lines := make([]string, 0, hi-lo)
	for _, o := range objs[lo:hi] {
		lines = append(lines, listedObjectiveLine(a, o))
	}
	nav := pageNav(q, hi-lo, len(objs), listObjectivesPage, "objectives")
	return message{Text: plainTitle(heading, cycle), Blocks: assemble(head, lineSections(lines, 0), nav)}, nil
}

// sortByLevel puts objectives in the order lists show them: company first,
// then by ID. A person may own thousands, and each read of one is a cache
// miss, so it reads each level once and groups them by level in one
// stable pass; a level is then sorted only if it is not in ID order
// already, which it is when the objectives come from the analysis
// (okr.Analysis.OwnedBy yields them by ID).
func sortByLevel(objs []*okr.Objective) {
	const levels = 5 // okr.Level.Rank: 1 to 4, 0 for none
	var count [levels]int
	ranks := make([]uint8, len(objs))
	for i, o := range objs {
		r := o.Level.Rank()
		ranks[i] = uint8(r)
		count[r]++
	}
	var next [levels]int
	for r := 1; r < levels; r++ {
		next[r] = next[r-1] + count[r-1]
	}
	grouped := make([]*okr.Objective, len(objs))
	for i, o := range objs {
		grouped[next[ranks[i]]] = o
		next[ranks[i]]++
	}
	for r, lo := 0, 0; r < levels; r++ {
		sortByID(grouped[lo : lo+count[r]])
		lo += count[r]
	}
	copy(objs, grouped)
}

// sortByID sorts objectives by ID, each ID read once, unless they are in
// that order already.
func sortByID(objs []*okr.Objective) {
	if slices.IsSortedFunc(objs, func(x, y *okr.Objective) int { return cmp.Compare(x.ID, y.ID) }) {
		return
	}
	type keyed struct {
		id int64
		o  *okr.Objective
	}
	keys := make([]keyed, len(objs))
	for i, o := range objs {
		keys[i] = keyed{o.ID, o}
	}
	slices.SortFunc(keys, func(x, y keyed) int { return cmp.Compare(x.id, y.id) })
	for i, k := range keys {
		objs[i] = k.o
	}
}

// keyResultListPage lists at-risk or stale key results, each under its
// objective; an objective continuing from the previous page says so.
func (b *Bot) keyResultListPage(ctx context.Context, a *okr.Analysis, q pageQuery, loc *time.Location) (message, error) {
	states, heading, noun := a.AtRisk, "*At-risk key results*", "key results, worst first"
	empty := fmt.Sprintf(":tada: No key result in %s is at risk, off track or behind schedule.", a.Cycle.Name)
	if q.Filter == filterStale {
		days := int(b.policy(ctx).StaleAfter.Hours() / 24)
		states, heading, noun = a.Stale, "*Stale key results*", "key results with no check-in for "+countOf(days, "day", "days")
		empty = fmt.Sprintf(":white_check_mark: Every key result in %s has had a check-in in the last %s.", a.Cycle.Name, countOf(days, "day", "days"))
	}
	head := []slack.Block{section(fmt.Sprintf("%s · %s · %s", heading, cycleLabel(a.Cycle), countOf(len(states), "key result", "key results")))}
	if len(states) == 0 {
		return message{Text: empty, Blocks: append(head, section(empty))}, nil
	}
	states = byObjective(states)
	lo, hi := pageSlice(len(states), q.Offset, listKeyResultsPage)
	q.Offset = lo
	shown, err := b.withDetails(ctx, states[lo:hi])
	if err != nil {
		return message{}, err
	}
	var lines []string
	for i, st := range shown {
		objID := st.KeyResult.ObjectiveID
		first := i == 0 || shown[i-1].KeyResult.ObjectiveID != objID
		if first {
			line := ""
			if os := a.Objective(objID); os != nil {
				line = listedObjectiveLine(a, os.Objective)
			}
			if i == 0 && lo > 0 && states[lo-1].KeyResult.ObjectiveID == objID {
				line += " _(continued)_"
			}
			lines = append(lines, line)
		}
		lines = append(lines, "\u2003└ "+keyResultLine(st, a.DeliveredBy(st.KeyResult.ID))+" · "+checkinStatus(st, a.At, loc))
	}
	nav := pageNav(q, hi-lo, len(states), listKeyResultsPage, noun)
	return message{Text: plainTitle(heading, a.Cycle), Blocks: assemble(head, lineSections(lines, 0), nav)}, nil
}

// byObjective gathers key results under their objective, objectives in the
// order they first appear: a list sorted worst first stays worst first
// from one objective to the next.
func byObjective(states []okr.KeyResultState) []okr.KeyResultState {
	var order []int64
	groups := map[int64][]okr.KeyResultState{}
	for _, s := range states {
		id := s.KeyResult.ObjectiveID
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], s)
	}
	out := make([]okr.KeyResultState, 0, len(states))
	for _, id := range order {
		out = append(out, groups[id]...)
	}
	return out
}

// personsObjectives are the objectives a person owns and those holding a
// key result they own, in the analysed cycle.
func (b *Bot) personsObjectives(ctx context.Context, a *okr.Analysis, userID string) ([]*okr.Objective, error) {
	cycle := a.Cycle
	if cycle.Status != okr.CycleClosed {
		return b.personsActiveObjectives(ctx, a, userID)
	}
	owned, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &cycle.ID, OwnerID: &userID})
	if err != nil {
		return nil, err
	}
	live := false
	krs, err := b.store.FindKeyResults(ctx, okr.KeyResultFilter{CycleID: &cycle.ID, OwnerID: &userID, Archived: &live})
	if err != nil {
		return nil, err
	}
	have := map[int64]bool{}
	for _, o := range owned {
		have[o.ID] = true
	}
	ids := []int64{}
	for _, kr := range krs {
		if !have[kr.ObjectiveID] {
			have[kr.ObjectiveID] = true
			ids = append(ids, kr.ObjectiveID)
		}
	}
	if len(ids) > 0 {
		more, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: ids})
		if err != nil {
			return nil, err
		}
		owned = append(owned, more...)
	}
	return slices.DeleteFunc(owned, func(o *okr.Objective) bool { return o.Status == okr.StatusArchived }), nil
}

// ownsNothing reports whether personsObjectives finds nothing, without
// listing what it finds: a person may own thousands.
func (b *Bot) ownsNothing(ctx context.Context, a *okr.Analysis, userID string) (bool, error) {
	if a.Cycle.Status != okr.CycleClosed && a.OwnedCount(userID) > 0 {
		return false, nil
	}
	mine, err := b.personsObjectives(ctx, a, userID)
	return len(mine) == 0, err
}

// personsActiveObjectives is personsObjectives for a cycle still open: the
// active objectives come from the shared analysis, which has them all (one
// owner may hold thousands of key results, and reading their rows again
// for each list is what made it slow); the person's objectives already
// scored, which the analysis leaves out, come from the store.
func (b *Bot) personsActiveObjectives(ctx context.Context, a *okr.Analysis, userID string) ([]*okr.Objective, error) {
	return b.activeAndScored(ctx, a, func(o *okr.Objective) bool { return o.OwnerID == userID }, a.OwnedBy(userID), a.OwnedCount(userID))
}

// activeAndScored lists, in a cycle still open, the active objectives of
// the shared analysis given and the objectives already scored that scored
// keeps (the analysis leaves those out). size, when known, is how many
// active ones there are: a person may own thousands.
func (b *Bot) activeAndScored(ctx context.Context, a *okr.Analysis, keep func(*okr.Objective) bool, active iter.Seq[*okr.ObjectiveState], size int) ([]*okr.Objective, error) {
	out := make([]*okr.Objective, 0, size)
	for st := range active {
		out = append(out, st.Objective)
	}
	scored, err := b.scored.of(ctx, b.store, a)
	if err != nil {
		return nil, err
	}
	for _, o := range scored {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// scoredObjectives keeps the scored objectives of the cycle last analysed,
// for the analysis read from: in a cycle still open they are few or none,
// yet every list of a person's or the company's objectives shows them, and
// asking the store each time was a fifth of /okr list's CPU. A write that
// scores, reopens or archives one moves the store's generation, and the
// next read gets a new analysis (see analyses), and with it the scored
// objectives read again. The analysis is held weakly: this must not keep
// an old one alive. What of returns is shared: callers must not change it.
type scoredObjectives struct {
	mu       sync.Mutex
	analysis weak.Pointer[okr.Analysis]
	objects  []*okr.Objective
}

func (s *scoredObjectives) of(ctx context.Context, store okr.ObjectiveService, a *okr.Analysis) ([]*okr.Objective, error) {
	key := weak.Make(a)
	s.mu.Lock()
	if s.analysis == key {
		objs := s.objects
		s.mu.Unlock()
		return objs, nil
	}
	s.mu.Unlock()
	closed := okr.StatusClosed
	objs, _, err := store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &a.Cycle.ID, Status: &closed})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.analysis, s.objects = key, objs
	s.mu.Unlock()
	return objs, nil
}

// teamObjectives are a team's objectives in a cycle; a department's include
// those of its teams.
func (b *Bot) teamObjectives(ctx context.Context, cycle *okr.Cycle, t *okr.Team) ([]*okr.Objective, error) {
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	var out []*okr.Objective
	for _, tm := range teams {
		if tm.ID != t.ID && tm.ParentID != t.ID {
			continue
		}
		objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &cycle.ID, TeamID: &tm.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// listedObjectiveLine is an objective as lists show it: objectiveLine with
// its alignment, or its final score once closed.
func listedObjectiveLine(a *okr.Analysis, o *okr.Objective) string {
	if o.Status == okr.StatusClosed && o.Score != nil {
		return closedObjectiveLine(o) + alignmentMark(o)
	}
	progress, health := 0.0, okr.HealthNotStarted
	if st := a.Objective(o.ID); st != nil {
		progress, health = st.Progress, st.Health
	}
	return objectiveLine(o, progress, health) + alignmentMark(o)
}

// closedObjectiveLine is a closed objective with its final score.
func closedObjectiveLine(o *okr.Objective) string {
	return fmt.Sprintf("🏁 *%s* %s · %s · %s final score %.1f · %s", o.Ref(), esc(trunc(o.Title, 120)), o.Level.Label(),
		bar(*o.Score), *o.Score, mention(o.OwnerID))
}

// alignmentMark says compactly what an objective supports: " · ↑ O3",
// " · ↑ KR12" for a key result it delivers, or a warning when an objective
// below company level supports nothing.
func alignmentMark(o *okr.Objective) string {
	switch {
	case o.ParentKeyResultID != 0:
		return " · ↑ " + okr.KeyResultRef(o.ParentKeyResultID)
	case o.ParentObjectiveID != 0:
		return " · ↑ " + okr.ObjectiveRef(o.ParentObjectiveID)
	case o.Level != okr.LevelCompany:
		return " · ⚠️ unaligned"
	}
	return ""
}

// cycleLabel names a cycle, saying when it is history.
func cycleLabel(c *okr.Cycle) string {
	switch c.Status {
	case okr.CycleClosed:
		return c.Name + " (closed)"
	case okr.CycleUpcoming:
		return c.Name + " (upcoming)"
	}
	return c.Name
}

// plainTitle is a page's notification text: its heading without markup.
func plainTitle(heading string, c *okr.Cycle) string {
	return strings.Trim(heading, "*") + " · " + cycleLabel(c)
}
