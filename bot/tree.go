package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

const (
	// treePage is the number of tree lines a page shows; a line is at most
	// about 400 characters (a 60-character title escaped), so a page packs
	// into a handful of sections.
	treePageLines = 40
	treeTitle     = 60
	// indent is one level of the tree: an em space, which Slack keeps where
	// it collapses ordinary leading spaces.
	indent = "\u2003"
)

// cmdTree shows the alignment tree of the current cycle, or the part of it
// below one objective: `/okr tree [<objective>]`.
func (b *Bot) cmdTree(ctx context.Context, c *command) error {
	q := pageQuery{View: "tree"}
	if c.rest != "" {
		o, err := b.resolveObjective(ctx, c.rest)
		if err != nil {
			return err
		}
		if o.Status != okr.StatusActive {
			return okr.Errorf(okr.EINVALID, "*%s* is %s; the tree shows active objectives. `/okr show %s` shows it.", o.Ref(), o.Status, o.Ref())
		}
		q.Cycle, q.Root = o.CycleID, o.ID
	} else {
		cycle, err := b.currentCycle(ctx)
		if err != nil {
			return err
		}
		q.Cycle = cycle.ID
	}
	msg, err := b.treePage(ctx, q)
	if err != nil {
		return err
	}
	return b.send(ctx, c.replyTo(), msg)
}

// treeEntry is one line of the tree.
type treeEntry struct {
	text   string
	parent int // index of the entry it hangs under; -1 at the top of a group
	group  string
	crumb  string // how the entry reads in a "continued under" trail
	// heading marks a group's heading line ("Not aligned · 3 objectives").
	heading bool
}

// treePage renders one page of the tree.
func (b *Bot) treePage(ctx context.Context, q pageQuery) (message, error) {
	a, err := b.analyzeCycle(ctx, q.Cycle)
	if err != nil {
		return message{}, err
	}
	cycle := a.Cycle
	entries, objectives := b.trees.layout(a, q.Root)
	var heading string
	if q.Root != 0 {
		root := a.Objective(q.Root)
		if root == nil {
			return message{}, okr.Errorf(okr.ENOTFOUND, "%s is no longer an active objective of %s.", okr.ObjectiveRef(q.Root), cycle.Name)
		}
		heading = fmt.Sprintf("*Alignment below %s* %s · %s · %s", root.Objective.Ref(), esc(trunc(root.Objective.Title, treeTitle)),
			cycleLabel(cycle), countOf(objectives-1, "aligned objective", "aligned objectives"))
	} else {
		heading = fmt.Sprintf("*Alignment tree* · %s · %s · %s aligned", cycleLabel(cycle), countOf(objectives, "objective", "objectives"), pct(a.AlignmentRatio()))
	}
	head := []slack.Block{section(heading)}
	if objectives == 0 {
		text := fmt.Sprintf(":seedling: There are no active objectives in %s yet. Admins start with the company's (`/okr new company`); teams align theirs under them.", cycle.Name)
		return message{Text: text, Blocks: append(head, section(text))}, nil
	}
	lo, hi := pageSlice(len(entries), q.Offset, treePageLines)
	q.Offset = lo
	if lo == 0 {
		head = append(head, contextBlock("🟢 on track · 🟠 behind · ⏳ stale · 🟡 at risk · 🔴 off track · ⚪ not started · → delivers that key result, “drives” it when that key result's progress comes from what delivers it · progress includes rollups"))
	} else if trail := treeTrail(entries, lo); trail != "" {
		head = append(head, contextBlock(trail))
	}
	lines := make([]string, 0, hi-lo)
	for _, e := range entries[lo:hi] {
		lines = append(lines, e.text)
	}
	nav := pageNav(q, hi-lo, len(entries), treePageLines, "lines")
	return message{Text: "Alignment tree · " + cycleLabel(cycle), Blocks: assemble(head, lineSections(lines, 0), nav)}, nil
}

// treeLayouts keeps the trees laid out from the current shared analysis,
// by root: every page of a tree of 10,000 objectives, and every person
// asking for it, reads one layout until the analysis changes. The next
// analysis, brought up to date after a write, shares the states of the
// objectives the write left alone: their lines are taken from the last
// layout rather than drawn again.
type treeLayouts struct {
	mu       sync.Mutex
	analysis *okr.Analysis
	byRoot   map[int64]treeLayout
	lines    treeLines
}

// treeLines remembers the line drawn for each objective state, for the
// next layout; states are never changed, so one drawn at the same depth
// with the same mark reads the same. The lines are kept by position in
// their analysis' objectives, each with the state it was drawn from: an
// analysis brought up to date after a write keeps the states, and the
// positions, of the objectives the write did not touch, and a line whose
// position now holds another state is drawn again. (A map keyed by state
// cost a third of a tree laid out after a write at 10,000 objectives,
// BENCHMARKS.md, issue 11.)
type treeLines struct {
	last, next []treeLine
}

type treeLine struct {
	state       *okr.ObjectiveState // nil: nothing drawn at this position
	depth       int
	mark        string
	text, crumb string
}

type treeLayout struct {
	entries    []treeEntry // shared: read, never changed
	objectives int
}

// forget drops the layouts and the lines kept for the next, with the
// analysis and states they hold: called as a whole new analysis starts to
// be made to replace the shared one (analyses.replacing), whose states no
// line can be reused for, so the old layouts do not take memory beside the
// new analysis, and the old analysis and its graph need not stay until
// someone next asks for the tree.
func (t *treeLayouts) forget() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.analysis, t.byRoot, t.lines = nil, nil, treeLines{}
}

func (t *treeLayouts) layout(a *okr.Analysis, root int64) ([]treeEntry, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.analysis != a {
		t.analysis, t.byRoot = a, map[int64]treeLayout{}
		if t.lines.next != nil {
			t.lines.last = t.lines.next
		}
		t.lines.next = make([]treeLine, len(a.Objectives))
	}
	l, ok := t.byRoot[root]
	if !ok {
		l.entries, l.objectives = treeEntries(a, root, &t.lines)
		t.byRoot[root] = l
	}
	return l.entries, l.objectives
}

// treeEntries lays the cycle's active objectives out as a tree, depth
// first: company objectives at the root with everything aligned under them
// (objectives delivering a key result sit under that key result's
// objective), then objectives aligned to something outside the cycle, then
// the unaligned, each group under its own heading line. Below root, only
// that objective's subtree. It returns the lines and how many objectives
// they show. lines, when not nil, lends the lines drawn before and keeps
// the ones drawn now.
func treeEntries(a *okr.Analysis, root int64, lines *treeLines) ([]treeEntry, int) {
	var out []treeEntry
	if root == 0 { // the whole cycle, and at most three headings
		out = make([]treeEntry, 0, len(a.Objectives)+3)
	}
	seen := make([]bool, len(a.Objectives)) // by position in a.Objectives
	objectives := 0
	var walk func(i, depth, parent int, group string)
	walk = func(i, depth, parent int, group string) {
		if seen[i] { // stored data with a loop: show each objective once
			return
		}
		seen[i] = true
		st := a.Objectives[i]
		o := st.Objective
		objectives++
		mark := ""
		switch {
		case depth > 0 && o.ParentKeyResultID != 0 && a.Drives(o):
			mark = " → drives " + okr.KeyResultRef(o.ParentKeyResultID)
		case depth > 0 && o.ParentKeyResultID != 0:
			mark = " → " + okr.KeyResultRef(o.ParentKeyResultID)
		case depth == 0 && o.HasParent() && a.Objective(o.ParentObjectiveID) == nil:
			mark = alignmentMark(o)
		}
		line, drawn := treeLine{}, false
		if lines != nil && i < len(lines.last) {
			line = lines.last[i]
			drawn = line.state == st && line.depth == depth && line.mark == mark
		}
		if !drawn {
			prefix := ""
			if depth > 0 {
				prefix = strings.Repeat(indent, depth-1) + "└ "
			}
			line = treeLine{state: st, depth: depth, mark: mark,
				text: fmt.Sprintf("%s%s *%s* %s · %s %s%s", prefix, healthEmoji(st.Health), o.Ref(), esc(trunc(o.Title, treeTitle)),
					bar(st.Progress), pct(st.Progress), mark),
				crumb: fmt.Sprintf("*%s* %s", o.Ref(), esc(trunc(o.Title, 40))),
			}
		}
		if lines != nil {
			lines.next[i] = line
		}
		out = append(out, treeEntry{text: line.text, parent: parent, group: group, crumb: line.crumb})
		me := len(out) - 1
		for _, c := range st.Children {
			if ci, ok := a.Position(c.ID); ok {
				walk(ci, depth+1, me, group)
			}
		}
	}
	heading := func(title string, n int) {
		out = append(out, treeEntry{text: fmt.Sprintf("*%s* · %s", title, countOf(n, "objective", "objectives")), parent: -1, group: title, heading: true})
	}

	if root != 0 {
		if i, ok := a.Position(root); ok {
			walk(i, 0, -1, "")
		}
		return out, objectives
	}
	var outside, unaligned []int // positions in a.Objectives
	for i, st := range a.Objectives {
		o := st.Objective
		switch {
		case o.Level == okr.LevelCompany:
			walk(i, 0, -1, "")
		case !o.HasParent():
			unaligned = append(unaligned, i)
		case a.Objective(o.ParentObjectiveID) == nil:
			outside = append(outside, i)
		}
	}
	if len(outside) > 0 {
		heading("Aligned outside this cycle", len(outside))
		for _, i := range outside {
			walk(i, 0, -1, "Aligned outside this cycle")
		}
	}
	// Whatever is still unseen hangs under nothing that was drawn (a loop in
	// stored data, say): it is listed with the unaligned rather than lost.
	for i, st := range a.Objectives {
		if !seen[i] && !reachesRoot(a, st) {
			unaligned = append(unaligned, i)
		}
	}
	if len(unaligned) > 0 {
		heading("Not aligned", len(unaligned))
		for _, i := range unaligned {
			walk(i, 0, -1, "Not aligned")
		}
	}
	return out, objectives
}

// reachesRoot reports whether an objective's parent chain ends at an
// objective the tree draws at its top (a company objective, one aligned
// outside the cycle, or an unaligned one) rather than running in a loop.
func reachesRoot(a *okr.Analysis, st *okr.ObjectiveState) bool {
	seen := map[int64]bool{}
	for st != nil && !seen[st.Objective.ID] {
		seen[st.Objective.ID] = true
		o := st.Objective
		if o.Level == okr.LevelCompany || !o.HasParent() {
			return true
		}
		parent := a.Objective(o.ParentObjectiveID)
		if parent == nil {
			return true
		}
		st = parent
	}
	return false
}

// treeTrail tells where a page that starts mid-tree is: the objectives above
// its first line.
func treeTrail(entries []treeEntry, at int) string {
	var path []string
	for p := entries[at].parent; p >= 0; p = entries[p].parent {
		path = append([]string{entries[p].crumb}, path...)
	}
	if e := entries[at]; e.group != "" && !e.heading {
		path = append([]string{"*" + e.group + "*"}, path...)
	}
	if len(path) == 0 {
		return ""
	}
	return "Continued under " + strings.Join(path, " › ")
}
