package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// The gap report shows every kind of gap with its count and its first few
// items; "See all" opens one kind on its own, in pages.
const (
	gapsPreview        = 5  // items per kind in the overview
	gapsOrphanPreview  = 3  // orphans in the overview, each with suggestions
	gapsPageLines      = 20 // items per page of one kind
	gapsOrphanPage     = 8  // orphans per page: two blocks each
	gapsPeoplePreview  = 20 // quiet owners named in the overview
	gapsPeoplePage     = 60 // quiet owners per page
	gapsSuggestions    = 2  // suggested parents per orphan
	gapsSuggestionText = 80
)

// Kinds of gap, as paging buttons name them.
const (
	gapOrphans     = "orphans"
	gapUnsupported = "unsupported"
	gapStale       = "stale"
	gapAtRisk      = "at-risk"
	gapOverloaded  = "overloaded"
	gapFewKRs      = "few-krs"
	gapManyKRs     = "many-krs"
	gapQuiet       = "quiet"
)

// gapKind is one kind of gap in the report.
type gapKind struct {
	key, emoji, name, about string
	n                       int
	people                  bool // items are people, named on one line
	// lines renders items lo..hi.
	lines func(ctx context.Context, lo, hi int) ([]string, error)
}

// cmdGaps shows the alignment analysis of the current cycle: `/okr gaps`,
// or one kind of gap in full (`/okr gaps stale`).
func (b *Bot) cmdGaps(ctx context.Context, c *command) error {
	cycle, err := b.currentCycle(ctx)
	if err != nil {
		return err
	}
	q := pageQuery{View: "gaps", Cycle: cycle.ID}
	if c.rest != "" {
		q.Filter = strings.ToLower(strings.TrimSpace(c.rest))
		if !knownGap(q.Filter) {
			return b.usage(c, fmt.Sprintf("There is no kind of gap called “%s”; try %s.", esc(trunc(c.rest, 30)),
				strings.Join([]string{gapOrphans, gapUnsupported, gapStale, gapAtRisk, gapOverloaded, gapFewKRs, gapManyKRs, gapQuiet}, ", ")))
		}
	}
	msg, err := b.gapsPage(ctx, c.UserID, q)
	if err != nil {
		return err
	}
	return b.send(ctx, c.replyTo(), msg)
}

func knownGap(key string) bool {
	switch key {
	case gapOrphans, gapUnsupported, gapStale, gapAtRisk, gapOverloaded, gapFewKRs, gapManyKRs, gapQuiet:
		return true
	}
	return false
}

// gapsPage renders the overview (no filter) or a page of one kind of gap.
func (b *Bot) gapsPage(ctx context.Context, viewer string, q pageQuery) (message, error) {
	a, err := b.analyzeCycle(ctx, q.Cycle)
	if err != nil {
		return message{}, err
	}
	kinds := b.gapKinds(a, b.policy(ctx), b.viewerLocation(ctx, viewer))
	if q.Filter == "" {
		return b.gapsOverview(ctx, a, kinds)
	}
	for _, k := range kinds {
		if k.key == q.Filter {
			return b.gapKindPage(ctx, a, k, q)
		}
	}
	return message{}, fmt.Errorf("gaps page for unknown kind %q", q.Filter)
}

// gapKinds lists the kinds of gap the analysis found, in the order the
// report shows them, with how to render their items.
func (b *Bot) gapKinds(a *okr.Analysis, p okr.Policy, loc *time.Location) []gapKind {
	objLines := func(objs []*okr.Objective) func(context.Context, int, int) ([]string, error) {
		return func(_ context.Context, lo, hi int) ([]string, error) {
			var out []string
			for _, o := range objs[lo:hi] {
				out = append(out, listedObjectiveLine(a, o))
			}
			return out, nil
		}
	}
	krLines := func(states []okr.KeyResultState, stale bool) func(context.Context, int, int) ([]string, error) {
		return func(ctx context.Context, lo, hi int) ([]string, error) {
			shown, err := b.withDetails(ctx, states[lo:hi])
			if err != nil {
				return nil, err
			}
			var out []string
			for _, st := range shown {
				line := keyResultLine(st, a.DeliveredBy(st.KeyResult.ID)) + " · in " + okr.ObjectiveRef(st.KeyResult.ObjectiveID)
				if stale {
					line += " · " + checkinStatus(st, a.At, loc)
				}
				out = append(out, line)
			}
			return out, nil
		}
	}
	krCount := func(states []*okr.ObjectiveState) func(context.Context, int, int) ([]string, error) {
		return func(_ context.Context, lo, hi int) ([]string, error) {
			var out []string
			for _, s := range states[lo:hi] {
				out = append(out, fmt.Sprintf("%s · *%s* (aim for %d–%d)", listedObjectiveLine(a, s.Objective),
					countOf(len(s.KeyResults), "key result", "key results"), p.MinKeyResults, p.MaxKeyResults))
			}
			return out, nil
		}
	}
	staleDays := int(p.StaleAfter.Hours() / 24)
	return []gapKind{
		{key: gapOrphans, emoji: "⚠️", name: "Unaligned objectives", about: "below company level and supporting nothing", n: len(a.Orphans)},
		{key: gapUnsupported, emoji: "🏢", name: "Company objectives nothing supports", about: "no objective is aligned under them",
			n: len(a.Unsupported), lines: objLines(a.Unsupported)},
		{key: gapAtRisk, emoji: "🔴", name: "Key results at risk", about: "off track, at risk or behind schedule, worst first",
			n: len(a.AtRisk), lines: krLines(a.AtRisk, false)},
		{key: gapStale, emoji: "⏳", name: "Stale key results", about: "no check-in for " + countOf(staleDays, "day", "days"),
			n: len(a.Stale), lines: krLines(a.Stale, true)},
		{key: gapOverloaded, emoji: "🏋️", name: "Owners over the limit", about: fmt.Sprintf("more than %s at one level", countOf(p.MaxObjectivesPerOwner, "objective", "objectives")),
			n: len(a.OverLoaded), lines: func(_ context.Context, lo, hi int) ([]string, error) {
				var out []string
				for _, l := range a.OverLoaded[lo:hi] {
					level := strings.ToLower(l.Level.Label())
					out = append(out, fmt.Sprintf("%s owns %s (the advice is at most %s)", mention(l.OwnerID),
						countOf(l.Count, level+" objective", level+" objectives"), formatNumber(float64(p.MaxObjectivesPerOwner))))
				}
				return out, nil
			}},
		{key: gapFewKRs, emoji: "📏", name: "Too few key results", about: fmt.Sprintf("fewer than %d", p.MinKeyResults),
			n: len(a.TooFewKeyResults), lines: krCount(a.TooFewKeyResults)},
		{key: gapManyKRs, emoji: "📏", name: "Too many key results", about: fmt.Sprintf("more than %d", p.MaxKeyResults),
			n: len(a.TooManyKeyResults), lines: krCount(a.TooManyKeyResults)},
		{key: gapQuiet, emoji: "🤫", name: "No check-in this week", about: "owners of key results who have not updated any in 7 days",
			n: len(a.Quiet), people: true, lines: func(_ context.Context, lo, hi int) ([]string, error) {
				var out []string
				for _, id := range a.Quiet[lo:hi] {
					out = append(out, mention(id))
				}
				return out, nil
			}},
	}
}

// gapsOverview is the whole report on one page: the alignment ratio, then
// each kind of gap with its count and first items.
func (b *Bot) gapsOverview(ctx context.Context, a *okr.Analysis, kinds []gapKind) (message, error) {
	head := []slack.Block{section(fmt.Sprintf("*Alignment gaps* · %s", cycleLabel(a.Cycle)))}
	if a.Alignable == 0 {
		head = append(head, section("There are no objectives below company level yet, so nothing can be out of alignment."))
	} else {
		head = append(head, section(fmt.Sprintf("%s *%s* of objectives below company level are aligned (%s of %s).",
			bar(a.AlignmentRatio()), pct(a.AlignmentRatio()), formatNumber(float64(a.Aligned)), formatNumber(float64(a.Alignable)))))
	}
	var body []slack.Block
	var allClear []string
	for _, k := range kinds {
		if k.n == 0 {
			allClear = append(allClear, strings.ToLower(k.name))
			continue
		}
		preview := gapsPreview
		switch {
		case k.key == gapOrphans:
			preview = gapsOrphanPreview
		case k.people:
			preview = gapsPeoplePreview
		}
		shown := min(preview, k.n)
		lines := []string{gapTitle(k, shown)}
		var items []slack.Block
		if k.key == gapOrphans {
			blocks, err := b.orphanBlocks(ctx, a, a.Orphans[:shown])
			if err != nil {
				return message{}, err
			}
			items = blocks
		} else {
			more, err := k.lines(ctx, 0, shown)
			if err != nil {
				return message{}, err
			}
			if k.people {
				more = []string{strings.Join(more, ", ")}
			}
			lines = append(lines, more...)
		}
		sections := lineSections(lines, 0)
		if k.n > shown {
			if s, ok := sections[0].(*slack.SectionBlock); ok {
				s.Accessory = slack.NewAccessory(button(fmt.Sprintf("See all %s", formatNumber(float64(k.n))), actPageMore,
					pageValue(pageQuery{View: "gaps", Cycle: a.Cycle.ID, Filter: k.key})))
			}
		}
		body = append(body, divider())
		body = append(body, sections...)
		body = append(body, items...)
	}
	if len(body) == 0 {
		text := fmt.Sprintf(":tada: No gaps in %s: everything is aligned, checked in and on track.", a.Cycle.Name)
		return message{Text: text, Blocks: append(head, section(text))}, nil
	}
	var foot []slack.Block
	if len(allClear) > 0 {
		foot = append(foot, contextBlock("✅ All clear: "+strings.Join(allClear, " · ")))
	}
	return message{Text: "Alignment gaps · " + cycleLabel(a.Cycle), Blocks: assemble(head, body, foot)}, nil
}

// gapTitle heads one kind of gap with its count, saying how many show.
func gapTitle(k gapKind, shown int) string {
	t := fmt.Sprintf("%s *%s: %s* · %s", k.emoji, k.name, formatNumber(float64(k.n)), k.about)
	if shown < k.n {
		t += fmt.Sprintf(" (first %d shown)", shown)
	}
	return t
}

// gapKindPage is one page of one kind of gap.
func (b *Bot) gapKindPage(ctx context.Context, a *okr.Analysis, k gapKind, q pageQuery) (message, error) {
	size := gapsPageLines
	switch {
	case k.key == gapOrphans:
		size = gapsOrphanPage
	case k.people:
		size = gapsPeoplePage
	}
	head := []slack.Block{section(fmt.Sprintf("%s *%s: %s* · %s · %s", k.emoji, k.name, formatNumber(float64(k.n)), k.about, cycleLabel(a.Cycle)))}
	back := button("Back to all gaps", actPageBack, pageValue(pageQuery{View: "gaps", Cycle: a.Cycle.ID}))
	if k.n == 0 {
		text := "✅ None left: this gap is closed."
		return message{Text: text, Blocks: append(head, section(text), actions("page", back))}, nil
	}
	lo, hi := pageSlice(k.n, q.Offset, size)
	q.Offset = lo
	var body []slack.Block
	if k.key == gapOrphans {
		blocks, err := b.orphanBlocks(ctx, a, a.Orphans[lo:hi])
		if err != nil {
			return message{}, err
		}
		body = blocks
	} else {
		lines, err := k.lines(ctx, lo, hi)
		if err != nil {
			return message{}, err
		}
		if k.people {
			lines = []string{strings.Join(lines, ", ")}
		}
		body = lineSections(lines, 0)
	}
	nav := pageNav(q, hi-lo, k.n, size, strings.ToLower(k.name), back)
	return message{Text: k.name + " · " + cycleLabel(a.Cycle), Blocks: assemble(head, body, nav)}, nil
}

// orphanBlocks shows unaligned objectives, each with its best suggested
// parents (and the words they share, which say why) and one-click Link
// buttons: two blocks an objective.
func (b *Bot) orphanBlocks(ctx context.Context, a *okr.Analysis, orphans []*okr.Objective) ([]slack.Block, error) {
	if len(orphans) == 0 {
		return nil, nil
	}
	// fresh, not get: the report is read right after people fix gaps (a
	// Link click, a new objective), and suggesting from the index as it
	// was before would offer what no longer fits; a rebuild is fine here.
	ix, err := b.indexes.fresh(ctx, a.Cycle.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orphans))
	for i, o := range orphans {
		ids[i] = o.ID
	}
	// The analysis' objectives carry no description, which helps matching.
	full, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*okr.Objective{}
	for _, o := range full {
		byID[o.ID] = o
	}
	var out []slack.Block
	for _, o := range orphans {
		if f := byID[o.ID]; f != nil {
			o = f
		}
		krs, err := b.liveKeyResults(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		lines := []string{listedObjectiveLine(a, o)}
		var buttons []slack.BlockElement
		for i, s := range ix.Suggest(o, krs, gapsSuggestions) {
			lines = append(lines, fmt.Sprintf("%s↳ could support *%s* %s · %s · _%s_", indent, s.Objective.Ref(),
				esc(trunc(s.Objective.Title, gapsSuggestionText)), s.Objective.Level.Label(), esc(s.Why)))
			buttons = append(buttons, button("Link to "+s.Objective.Ref(), numbered(actLinkSuggested, i), o.Ref()+">"+targetValue(s.Objective.ID, 0)))
		}
		if len(buttons) == 0 {
			lines = append(lines, indent+"↳ _nothing above it in this cycle to link to yet_")
		}
		buttons = append(buttons, button("Align…", actLinkOpen, o.Ref()))
		out = append(out, lineSections(lines, 0)...)
		out = append(out, actions("gap_"+o.Ref(), buttons...))
	}
	return out, nil
}
