package bot

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// The weekly digest is a short summary in the channel and its detail in the
// summary's thread. Every list is cut so that each message stays within
// Slack's limits (50 blocks, 3000 characters a section) at any size of
// organisation; what is cut points to the command that pages through it.
const (
	digestTopObjectives  = 10  // top objectives on the summary, one line each
	digestPreview        = 3   // items of each list on the summary
	digestObjectiveParts = 10  // top objectives with a thread message of their own
	digestListLines      = 100 // lines of any one list in the thread
	digestSummaryTitle   = 60  // characters of a title on the summary
	digestMaxDepth       = 6   // indentation levels shown in a supporter tree
	// digestPartText is the most text one thread message carries. Slack
	// refuses a chat.postMessage whose blocks hold about 12,000 characters
	// in all (msg_blocks_too_long), long before 50 full sections; the limit
	// is undocumented and reported in slackapi/bolt-js issues 2509 and 2867.
	digestPartText = 10000
	// digestIndent is one level of a supporter tree: an em space, which
	// Slack keeps where it collapses ordinary leading spaces.
	digestIndent = "\u2003"
)

// digestSummary is the digest's top post: the cycle week and check-in
// participation, one line per top objective against the plan, the wins,
// what is at risk or stale, and the alignment gaps, each with its first
// few items.
func digestSummary(d *okr.Digest) message {
	scope := digestScope(d)
	head := "📊 Weekly OKR digest · " + digestText(digestCycleName(d), 40)
	if d.Team != nil {
		head = "📊 " + digestText(d.Team.Name, 60) + " · weekly OKR digest · " + digestText(digestCycleName(d), 40)
	}
	blocks := []slack.Block{header(head)}
	if ctx := digestContext(d); ctx != "" {
		blocks = append(blocks, contextBlock(ctx))
	}

	if len(d.Objectives) == 0 {
		blocks = append(blocks, section(digestEmptyText(d)))
	} else {
		lines := []string{fmt.Sprintf("*%s*", digestCapital(scope))}
		shown := d.Objectives[:min(len(d.Objectives), digestTopObjectives)]
		for _, do := range shown {
			if do.State != nil {
				lines = append(lines, digestTopLine(do, d.Expected))
			}
		}
		if rest := len(d.Objectives) - len(shown); rest > 0 {
			lines = append(lines, fmt.Sprintf("…and %s more in the thread", formatNumber(float64(rest))))
		}
		blocks = append(blocks, lineSections(lines, 4)...)
	}

	var gaps []slack.Block
	if n := len(d.Wins); n > 0 {
		lines := []string{fmt.Sprintf("🏆 *%s* reached %s target this week", countOf(n, "key result", "key results"),
			plural(n, "its", "their"))}
		for _, st := range d.Wins[:min(n, digestPreview)] {
			lines = append(lines, fmt.Sprintf("• *%s* %s · %s", st.KeyResult.Ref(), digestText(st.KeyResult.Title, digestSummaryTitle),
				mention(st.KeyResult.OwnerID)))
		}
		gaps = append(gaps, section(digestMore(lines, n, digestPreview)))
	}
	if n := len(d.AtRisk); n > 0 {
		lines := []string{fmt.Sprintf("⚠️ *%s* at risk, off track or behind", countOf(n, "key result", "key results"))}
		for _, st := range d.AtRisk[:min(n, digestPreview)] {
			st = digestRisk(st)
			lines = append(lines, fmt.Sprintf("• %s *%s* %s · %s · %s%s", healthEmoji(st.Health), st.KeyResult.Ref(),
				digestText(st.KeyResult.Title, digestSummaryTitle), st.Health.Label(), mention(st.KeyResult.OwnerID), digestDriven(d, st)))
		}
		gaps = append(gaps, section(digestMore(lines, n, digestPreview)))
	}
	if n := len(d.Stale); n > 0 {
		lines := []string{fmt.Sprintf("⏳ *%s* without a recent check-in", countOf(n, "key result", "key results"))}
		for _, st := range d.Stale[:min(n, digestPreview)] {
			lines = append(lines, fmt.Sprintf("• *%s* %s · %s · %s", st.KeyResult.Ref(), digestText(st.KeyResult.Title, digestSummaryTitle),
				mention(st.KeyResult.OwnerID), digestStaleSince(d, st)))
		}
		gaps = append(gaps, section(digestMore(lines, n, digestPreview)))
	}
	if align := digestAlignmentText(d); align != "" {
		gaps = append(gaps, section(align))
	}
	if len(gaps) > 0 {
		blocks = append(blocks, divider())
		blocks = append(blocks, gaps...)
	}

	switch {
	case digestCharted(d):
		blocks = append(blocks, contextBlock("Details and the progress chart are in the thread 🧵"))
	case digestHasThread(d):
		blocks = append(blocks, contextBlock("Details are in the thread 🧵"))
	}
	return message{Text: digestSummaryFallback(d), Blocks: blocks}
}

// digestThread is the digest's detail, one message per part, to be posted
// in the summary's thread in order: each top objective with everything
// aligned under it (the first digestObjectiveParts on their own, the rest
// together), then the wins, the key results at risk and the stale ones,
// the unaligned objectives and the company objectives nothing supports.
// Empty parts are left out; an empty digest has no thread (nil).
//
// A part's name (its delivery key's last part) depends only on what it
// shows ("O12", "objectives-more", "wins", "at-risk", "stale", "orphans",
// "unsupported"), never on the parts before it, so that a digest rebuilt
// with slightly different data keeps its parts' names. Names are short,
// unique within a digest, and never "chart".
func digestThread(d *okr.Digest) []digestPart {
	var parts []digestPart
	own := d.Objectives[:min(len(d.Objectives), digestObjectiveParts)]
	for _, do := range own {
		if do.State == nil {
			continue
		}
		parts = append(parts, digestPart{do.State.Objective.Ref(), digestObjectivePart(d, do)})
	}
	if rest := d.Objectives[len(own):]; len(rest) > 0 {
		parts = append(parts, digestPart{"objectives-more", digestMoreObjectivesPart(d, rest)})
	}

	if n := len(d.Wins); n > 0 {
		head := fmt.Sprintf("🏆 *Wins this week* · %s reached %s target 🎉", countOf(n, "key result", "key results"),
			plural(n, "its", "their"))
		lines := make([]string, 0, min(n, digestListLines))
		for _, st := range d.Wins[:min(n, digestListLines)] {
			lines = append(lines, keyResultLine(st, d.DrivenBy[st.KeyResult.ID])+" · in *"+okr.ObjectiveRef(st.KeyResult.ObjectiveID)+"*")
		}
		parts = append(parts, digestPart{"wins", digestListPart(head, lines, n, "", "Wins this week")})
	}
	if n := len(d.AtRisk); n > 0 {
		head := fmt.Sprintf("⚠️ *At risk, off track or behind* · %s, worst first", countOf(n, "key result", "key results"))
		lines := make([]string, 0, min(n, digestListLines))
		for _, st := range d.AtRisk[:min(n, digestListLines)] {
			st = digestRisk(st)
			lines = append(lines, keyResultLine(st, d.DrivenBy[st.KeyResult.ID])+" · "+st.Health.Label()+" · in *"+okr.ObjectiveRef(st.KeyResult.ObjectiveID)+"*")
		}
		parts = append(parts, digestPart{"at-risk", digestListPart(head, lines, n, "`/okr gaps at-risk`", "At risk, off track or behind")})
	}
	if n := len(d.Stale); n > 0 {
		head := fmt.Sprintf("⏳ *Stale* · %s without a recent check-in", countOf(n, "key result", "key results"))
		lines := make([]string, 0, min(n, digestListLines))
		for _, st := range d.Stale[:min(n, digestListLines)] {
			lines = append(lines, keyResultLine(st, d.DrivenBy[st.KeyResult.ID])+" · "+digestStaleSince(d, st))
		}
		parts = append(parts, digestPart{"stale", digestListPart(head, lines, n, "`/okr gaps stale`", "Stale key results")})
	}
	if n := len(d.Orphans); n > 0 {
		head := fmt.Sprintf("🔗 *Not aligned* · %s below company level %s nothing; `/okr link` suggests where each fits",
			countOf(n, "objective", "objectives"), plural(n, "supports", "support"))
		lines := make([]string, 0, min(n, digestListLines))
		for _, o := range d.Orphans[:min(n, digestListLines)] {
			lines = append(lines, fmt.Sprintf("*%s* %s · %s · %s · `/okr link %s`", o.Ref(), digestText(o.Title, 120), o.Level.Label(),
				mention(o.OwnerID), o.Ref()))
		}
		parts = append(parts, digestPart{"orphans", digestListPart(head, lines, n, "`/okr gaps orphans`", "Objectives not aligned")})
	}
	if n := len(d.Unsupported); n > 0 {
		head := fmt.Sprintf("🏢 *Nothing supports %s* · teams align theirs with `/okr link &lt;objective&gt; to O…`",
			plural(n, "this company objective", fmt.Sprintf("these %s company objectives", formatNumber(float64(n)))))
		lines := make([]string, 0, min(n, digestListLines))
		for _, o := range d.Unsupported[:min(n, digestListLines)] {
			lines = append(lines, fmt.Sprintf("*%s* %s · %s", o.Ref(), digestText(o.Title, 120), mention(o.OwnerID)))
		}
		parts = append(parts, digestPart{"unsupported", digestListPart(head, lines, n, "`/okr gaps unsupported`", "Company objectives nothing supports")})
	}

	return parts
}

// digestPart is one message of a digest's thread, with its name.
type digestPart struct {
	name string
	msg  message
}

// digestObjectivePart is one top objective in the thread: where it stands,
// its key results, and every objective aligned under it as a tree.
func digestObjectivePart(d *okr.Digest, do okr.DigestObjective) message {
	st := do.State
	o := st.Objective
	head := objectiveLine(o, st.Progress, st.Health) + "\n" +
		fmt.Sprintf("expected %s by now · %s pts this week · %s", pct(d.Expected), change(st.Change), digestSupportedBy(len(do.Supporters)))
	blocks := []slack.Block{section(head)}

	// The key results take at most half of the message's text, the tree
	// what is left.
	budget := digestPartText - utf8.RuneCountInString(head)
	var lines []string
	if len(st.KeyResults) > 0 {
		krs := make([]string, 0, min(len(st.KeyResults), digestListLines))
		for _, k := range st.KeyResults[:min(len(st.KeyResults), digestListLines)] {
			krs = append(krs, digestKeyResultLine(d, k))
		}
		krs = digestFit(krs, len(st.KeyResults), budget/2, fmt.Sprintf("`/okr show %s`", o.Ref()))
		lines = append(append(lines, "*Key results*"), krs...)
	}
	if len(do.Supporters) == 0 {
		lines = append(lines, fmt.Sprintf("_Nothing is aligned under it yet: teams link theirs with `/okr link &lt;objective&gt; to %s`._", o.Ref()))
	} else {
		tree := digestTree(d, o.ID, do.Supporters)
		shown := digestFit(tree[:min(len(tree), digestListLines)], len(tree), budget-digestTextOf(lines), fmt.Sprintf("`/okr tree %s`", o.Ref()))
		lines = append(append(lines, "*Aligned under it*"), shown...)
	}
	blocks = append(blocks, lineSections(lines, maxMessageBlocks-len(blocks))...)
	text := fmt.Sprintf("%s %s: %s", o.Ref(), digestPlain(o.Title, 60), pct(st.Progress))
	return message{Text: text, Blocks: blocks}
}

// digestMoreObjectivesPart lists, one line each, the top objectives beyond
// those with a thread message of their own.
func digestMoreObjectivesPart(d *okr.Digest, rest []okr.DigestObjective) message {
	head := fmt.Sprintf("*More %s* · %s; `/okr tree O…` shows what is aligned under one", digestScope(d),
		formatNumber(float64(len(rest))))
	var lines []string
	for _, do := range rest[:min(len(rest), digestListLines)] {
		if do.State == nil {
			continue
		}
		st := do.State
		lines = append(lines, objectiveLine(st.Objective, st.Progress, st.Health)+" · "+change(st.Change)+" pts · "+
			digestSupportedBy(len(do.Supporters)))
	}
	return digestListPart(head, lines, len(rest), "`/okr tree`", "More "+digestScope(d))
}

// digestListPart is a thread message of one list: a heading, the lines
// shown, and when there are more items than lines, how many and the
// command that pages through them.
func digestListPart(head string, lines []string, total int, more, text string) message {
	lines = digestFit(lines, total, digestPartText-utf8.RuneCountInString(head), more)
	blocks := []slack.Block{section(head)}
	blocks = append(blocks, lineSections(lines, maxMessageBlocks-len(blocks))...)
	return message{Text: fmt.Sprintf("%s: %s", text, formatNumber(float64(total))), Blocks: blocks}
}

// digestFit keeps the first of lines (of total items) that fit in budget
// characters and, when items are left out, ends with how many and the
// command that pages through them (more, if any).
func digestFit(lines []string, total, budget int, more string) []string {
	const tailRoom = 100 // for the "…and N more" line
	kept, size := 0, 0
	for _, l := range lines {
		n := utf8.RuneCountInString(l) + 1
		if size+n > budget-tailRoom {
			break
		}
		size += n
		kept++
	}
	out := lines[:kept:kept]
	if rest := total - kept; rest > 0 {
		tail := fmt.Sprintf("…and %s more", formatNumber(float64(rest)))
		if more != "" {
			tail += " — " + more
		}
		out = append(out, tail)
	}
	return out
}

// digestTextOf is how many characters lines take in a message.
func digestTextOf(lines []string) int {
	n := 0
	for _, l := range lines {
		n += utf8.RuneCountInString(l) + 1
	}
	return n
}

// digestTree lays the supporters of the objective top out as a tree, depth
// first, each line indented by its depth below top. Supporters come top
// level first, so a parent is always met before its children; one whose
// parent is not among them (stored data changed under the analysis) hangs
// directly under top.
func digestTree(d *okr.Digest, top int64, supporters []*okr.ObjectiveState) []string {
	in := make(map[int64]bool, len(supporters))
	for _, s := range supporters {
		in[s.Objective.ID] = true
	}
	children := map[int64][]*okr.ObjectiveState{}
	for _, s := range supporters {
		parent := s.Objective.ParentObjectiveID
		if !in[parent] || parent == s.Objective.ID {
			parent = top
		}
		children[parent] = append(children[parent], s)
	}
	out := make([]string, 0, len(supporters))
	seen := make(map[int64]bool, len(supporters))
	var walk func(id int64, depth int)
	walk = func(id int64, depth int) {
		for _, s := range children[id] {
			o := s.Objective
			if seen[o.ID] { // a loop in stored data: show each objective once
				continue
			}
			seen[o.ID] = true
			line := strings.Repeat(digestIndent, min(depth, digestMaxDepth)) + "└ " + objectiveLine(o, s.Progress, s.Health)
			switch {
			case o.ParentKeyResultID != 0 && d.DrivenBy[o.ParentKeyResultID] != nil:
				line += " · drives " + okr.KeyResultRef(o.ParentKeyResultID)
			case o.ParentKeyResultID != 0:
				line += " · delivers " + okr.KeyResultRef(o.ParentKeyResultID)
			}
			out = append(out, line)
			walk(o.ID, depth+1)
		}
	}
	walk(top, 0)
	// Whatever a loop kept out of reach of top is still listed.
	for _, s := range supporters {
		if !seen[s.Objective.ID] {
			seen[s.Objective.ID] = true
			out = append(out, "└ "+objectiveLine(s.Objective, s.Progress, s.Health))
		}
	}
	return out
}

// digestRisk is how a key result shows in the list of those at risk: as
// reported when it is at risk or off track, otherwise behind schedule (the
// reason it is listed), even when it is also stale.
func digestRisk(st okr.KeyResultState) okr.KeyResultState {
	if st.Health != okr.HealthAtRisk && st.Health != okr.HealthOffTrack && st.Behind {
		st.Health = okr.HealthBehind
	}
	return st
}

// digestKeyResultLine is a key result of a top objective. The analysis
// loads key results without their titles and units (okr.Graph); one
// without its title is shown by reference, health, progress and owner,
// without numbers that would read wrong without their unit.
func digestKeyResultLine(d *okr.Digest, st okr.KeyResultState) string {
	if st.KeyResult.Title != "" {
		return keyResultLine(st, d.DrivenBy[st.KeyResult.ID])
	}
	return fmt.Sprintf("%s *%s* · %s · %s%s", healthEmoji(st.Health), st.KeyResult.Ref(), pct(st.Progress), mention(st.KeyResult.OwnerID),
		digestDriven(d, st))
}

// digestDriven marks a driven key result on a line that does not say where
// it stands: " · driven by O12, O15", or nothing.
func digestDriven(d *okr.Digest, st okr.KeyResultState) string {
	if !st.Driven {
		return ""
	}
	return " · " + drivenText(d.DrivenBy[st.KeyResult.ID])
}

// digestStaleSince says why a key result is stale: its last check-in, or
// for a driven one that nothing under it was checked in lately (its own
// check-ins do not move it).
func digestStaleSince(d *okr.Digest, st okr.KeyResultState) string {
	if st.Driven {
		return drivenStale
	}
	return digestLastCheckin(st.KeyResult, d.At, d.Location)
}

// digestTopLine is a top objective on the summary: where it stands against
// the plan, how it moved this week, and how much supports it.
func digestTopLine(do okr.DigestObjective, expected float64) string {
	st := do.State
	o := st.Objective
	return fmt.Sprintf("%s *%s* %s\n%s *%s* · expected %s · %s pts this week · %s", healthEmoji(st.Health), o.Ref(),
		digestText(o.Title, digestSummaryTitle), bar(st.Progress), pct(st.Progress), pct(expected), change(st.Change),
		digestSupportedBy(len(do.Supporters)))
}

// digestContext is the summary's context line: the week of the cycle, the
// progress a linear plan expects by now, and this week's check-ins.
func digestContext(d *okr.Digest) string {
	var parts []string
	if week, weeks := digestWeek(d.Cycle, d.At); weeks > 0 {
		parts = append(parts, fmt.Sprintf("Week %d of %d · expected by now %s", week, weeks, pct(d.Expected)))
	}
	if p := d.Participation; p.Due > 0 {
		parts = append(parts, fmt.Sprintf("Check-ins: %s of %s (%s)", formatNumber(float64(p.Done)),
			countOf(p.Due, "owner", "owners"), pct(p.Share())))
	} else {
		parts = append(parts, "Check-ins: none due this week")
	}
	return strings.Join(parts, " · ")
}

// digestAlignmentText sums up the alignment gaps: the share of objectives
// aligned, the objectives aligned with nothing and the company objectives
// nothing supports, with their first few. It is empty when there is
// nothing to say.
func digestAlignmentText(d *okr.Digest) string {
	if d.Alignable == 0 && len(d.Orphans) == 0 && len(d.Unsupported) == 0 {
		return ""
	}
	var lines []string
	if d.Alignable > 0 {
		ratio := float64(d.Aligned) / float64(d.Alignable)
		lines = append(lines, fmt.Sprintf("🔗 *%s of objectives aligned* (%s of %s below company level)", pct(ratio),
			formatNumber(float64(d.Aligned)), formatNumber(float64(d.Alignable))))
	} else {
		lines = append(lines, "🔗 *Alignment*")
	}
	items := func(objs []*okr.Objective) string {
		var parts []string
		for _, o := range objs[:min(len(objs), digestPreview)] {
			parts = append(parts, fmt.Sprintf("*%s* %s (%s)", o.Ref(), digestText(o.Title, digestSummaryTitle), mention(o.OwnerID)))
		}
		if rest := len(objs) - digestPreview; rest > 0 {
			parts = append(parts, fmt.Sprintf("…and %s more", formatNumber(float64(rest))))
		}
		return strings.Join(parts, ", ")
	}
	if n := len(d.Orphans); n > 0 {
		lines = append(lines, fmt.Sprintf("• %s aligned with nothing: %s", countOf(n, "objective", "objectives"), items(d.Orphans)))
	}
	if n := len(d.Unsupported); n > 0 {
		lines = append(lines, fmt.Sprintf("• %s nothing supports: %s", countOf(n, "company objective", "company objectives"),
			items(d.Unsupported)))
	}
	return strings.Join(lines, "\n")
}

// digestEmptyText is what a digest without objectives says, and what to do
// about it.
func digestEmptyText(d *okr.Digest) string {
	cycle := digestText(digestCycleName(d), 40)
	if d.Team != nil {
		return fmt.Sprintf(":seedling: %s has no objectives in %s yet. Draft one with `/okr new team`, then align it with the company's with `/okr link`.",
			digestText(d.Team.Name, 60), cycle)
	}
	return fmt.Sprintf(":seedling: There are no company objectives in %s yet. Admins start with `/okr new company`; teams then align theirs under them with `/okr link`.", cycle)
}

// digestSummaryFallback is the summary's notification text: short, plain,
// and safe (a team name is escaped, as Slack parses &, < and > here too).
func digestSummaryFallback(d *okr.Digest) string {
	var b strings.Builder
	b.WriteString("📊 ")
	if d.Team != nil {
		b.WriteString(digestPlain(d.Team.Name, 40) + " · weekly OKR digest")
	} else {
		b.WriteString("Weekly OKR digest")
	}
	b.WriteString(" · " + digestPlain(digestCycleName(d), 40))
	if week, weeks := digestWeek(d.Cycle, d.At); weeks > 0 {
		fmt.Fprintf(&b, ", week %d of %d", week, weeks)
	}
	if n := len(d.AtRisk); n > 0 {
		fmt.Fprintf(&b, ": %s at risk", formatNumber(float64(n)))
	} else if len(d.Objectives) > 0 {
		b.WriteString(": nothing at risk")
	}
	return b.String()
}

// digestScope names what the digest's objectives are, ready for mrkdwn:
// "company objectives", or a team's ("Platform objectives").
func digestScope(d *okr.Digest) string {
	if d.Team != nil {
		return digestText(d.Team.Name, 60) + " objectives"
	}
	return "company objectives"
}

// digestCharted says whether the digest has a progress chart: top
// objectives with at least one week of history (progressChart).
func digestCharted(d *okr.Digest) bool {
	if len(d.Objectives) == 0 || d.Cycle == nil {
		return false
	}
	for _, s := range d.History {
		if min(len(s.At), len(s.Progress)) > 0 {
			return true
		}
	}
	return false
}

// digestHasThread says whether digestThread has anything to post.
func digestHasThread(d *okr.Digest) bool {
	return len(d.Objectives) > 0 || len(d.Wins) > 0 || len(d.AtRisk) > 0 || len(d.Stale) > 0 ||
		len(d.Orphans) > 0 || len(d.Unsupported) > 0
}

// digestWeek is the week of the cycle at t and how many weeks it has
// (0, 0 without a cycle).
func digestWeek(c *okr.Cycle, t time.Time) (week, weeks int) {
	if c == nil || !c.End.After(c.Start) {
		return 0, 0
	}
	weeks = max(1, int(math.Round(float64(c.End.Sub(c.Start))/float64(okr.Week))))
	week = int(t.Sub(c.Start)/okr.Week) + 1
	return min(max(week, 1), weeks), weeks
}

func digestCycleName(d *okr.Digest) string {
	if d.Cycle == nil {
		return ""
	}
	return d.Cycle.Name
}

// digestLastCheckin says when a key result was last updated, as a date in
// loc.
func digestLastCheckin(kr *okr.KeyResult, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	date := func(t time.Time) string {
		t = t.In(loc)
		if t.Year() != now.In(loc).Year() {
			return t.Format("Jan 2, 2006")
		}
		return t.Format("Jan 2")
	}
	switch {
	case !kr.CheckedAt.IsZero():
		return "last check-in " + date(kr.CheckedAt)
	case !kr.CreatedAt.IsZero():
		return "no check-in since it was created " + date(kr.CreatedAt)
	}
	return "no check-in yet"
}

// digestMore joins the lines of a summary's preview of n items, of which
// shown are listed, and says how many more the thread lists.
func digestMore(lines []string, n, shown int) string {
	if rest := n - shown; rest > 0 {
		lines = append(lines, fmt.Sprintf("…and %s more in the thread", formatNumber(float64(rest))))
	}
	return strings.Join(lines, "\n")
}

// digestText makes text a person typed safe for mrkdwn and short: on one
// line, escaped, and at most n characters once escaped, cut at a whole
// character (never inside an entity such as &amp;) with "…".
func digestText(s string, n int) string {
	s = digestOneLine(s)
	e := esc(s)
	if utf8.RuneCountInString(e) <= n {
		return e
	}
	var b strings.Builder
	size := 0
	for _, r := range s {
		piece := esc(string(r))
		k := utf8.RuneCountInString(piece)
		if size+k > n-1 {
			break
		}
		b.WriteString(piece)
		size += k
	}
	return b.String() + "…"
}

// digestPlain is text a person typed for a notification's fallback text:
// on one line, cut to n characters, then escaped (Slack parses &, < and >
// in the fallback too).
func digestPlain(s string, n int) string { return esc(trunc(digestOneLine(s), n)) }

// digestOneLine turns line breaks and tabs into spaces, so a title never
// breaks the line it is listed on.
func digestOneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func digestSupportedBy(n int) string {
	if n == 0 {
		return "nothing aligned under it yet"
	}
	return "supported by " + countOf(n, "objective", "objectives")
}

// digestCapital capitalises the first letter.
func digestCapital(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return strings.ToUpper(string(r)) + s[size:]
}

// DigestPreview is a digest as it would be posted, for okrbot digest
// -preview: the summary's blocks first, then each message of its thread,
// and the chart the thread would share (nil when the digest has none).
func DigestPreview(d *okr.Digest) (messages [][]slack.Block, chart []byte, err error) {
	messages = append(messages, digestSummary(d).Blocks)
	for _, part := range digestThread(d) {
		messages = append(messages, part.msg.Blocks)
	}
	if digestCharted(d) {
		if chart, err = progressChart(d); err != nil {
			return nil, nil, fmt.Errorf("chart: %w", err)
		}
	}
	return messages, chart, nil
}
