package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// How much /okr show lists of each part, so that the whole answer stays one
// message (docs/slack-platform.md, "Block Kit limits") however much an objective has gathered.
const (
	showKeyResults     = 15
	showAncestors      = 8
	showChildren       = 10
	showLinks          = 10
	showRecentCheckins = 5
	showHistory        = 10
	showNoteText       = 200 // characters of a check-in note, before escaping
	showDescription    = 600
	showCheckinButtons = 10
)

// cmdShow shows one objective or key result in full: `/okr show <ref>`.
func (b *Bot) cmdShow(ctx context.Context, c *command) error {
	t, err := b.resolve(ctx, c.rest)
	if err != nil {
		return err
	}
	var msg message
	if t.KeyResult != nil {
		msg, err = b.showKeyResult(ctx, c.UserID, t.Objective, t.KeyResult)
	} else {
		msg, err = b.showObjective(ctx, c.UserID, t.Objective)
	}
	if err != nil {
		return err
	}
	return b.send(ctx, c.replyTo(), msg)
}

// showObjective is an objective in full: what it is, how it is doing, its
// key results, where it sits in the alignment, and its latest check-ins.
func (b *Bot) showObjective(ctx context.Context, viewer string, o *okr.Objective) (message, error) {
	a, err := b.analyzeCycle(ctx, o.CycleID)
	if err != nil {
		return message{}, err
	}
	cycle := a.Cycle
	loc := b.viewerLocation(ctx, viewer)
	st := a.Objective(o.ID)
	krs, err := b.keyResultStates(ctx, a, o)
	if err != nil {
		return message{}, err
	}

	head := []slack.Block{header("Objective " + o.Ref())}
	title := "*" + fitEscaped(o.Title, okr.MaxTitleLength*5) + "*"
	if o.Description != "" {
		title += "\n" + fitEscaped(oneLine(o.Description), showDescription)
	}
	head = append(head, section(title))
	facts, err := b.objectiveFacts(ctx, o, cycle)
	if err != nil {
		return message{}, err
	}
	head = append(head, contextBlock(facts))
	head = append(head, section(objectiveStatus(o, st)))

	var body []slack.Block
	// Key results, with a check-in button for each the viewer owns.
	lines := []string{fmt.Sprintf("*Key results* (%d)", len(krs))}
	if len(krs) == 0 {
		lines = append(lines, "_None yet._ Add the first with `/okr kr "+o.Ref()+"`.")
	}
	var checkins []slack.BlockElement
	for i, ks := range krs {
		if i < showKeyResults {
			lines = append(lines, keyResultLine(ks, a.DeliveredBy(ks.KeyResult.ID))+" · "+checkinStatus(ks, a.At, loc))
		}
		if ks.KeyResult.OwnerID == viewer && o.Status == okr.StatusActive && cycle.Status != okr.CycleClosed && len(checkins) < showCheckinButtons {
			checkins = append(checkins, button("Check in "+ks.KeyResult.Ref(), actCheckinOpen, strconv.FormatInt(ks.KeyResult.ID, 10)))
		}
	}
	if len(krs) > showKeyResults {
		lines = append(lines, fmt.Sprintf("_…and %s._", countOf(len(krs)-showKeyResults, "more key result", "more key results")))
	}
	body = append(body, lineSections(lines, 0)...)

	alignment, err := b.alignmentLines(ctx, a, o)
	if err != nil {
		return message{}, err
	}
	body = append(body, lineSections(alignment, 0)...)

	recent, err := b.recentCheckins(ctx, krs, a.At, loc)
	if err != nil {
		return message{}, err
	}
	if len(recent) > 0 {
		body = append(body, lineSections(append([]string{"*Recent check-ins*"}, recent...), 0)...)
	}

	// The check-in buttons share their action ID, and Slack refuses a
	// block whose elements repeat one (action_id "should be unique among
	// all other action_ids in the containing block",
	// https://docs.slack.dev/reference/block-kit/block-elements/button-element):
	// each after the first gets a row of its own.
	var foot []slack.Block
	var buttons []slack.BlockElement
	if len(checkins) > 0 {
		buttons = append(buttons, checkins[0])
	}
	if o.Status == okr.StatusActive && o.Level != okr.LevelCompany && !o.HasParent() {
		buttons = append(buttons, button("Align…", actLinkOpen, o.Ref()))
	}
	if len(buttons) > 0 {
		foot = append(foot, actions("show_"+o.Ref(), buttons...))
	}
	for i, c := range checkins[min(1, len(checkins)):] {
		foot = append(foot, actions(fmt.Sprintf("show_%s_%d", o.Ref(), i+2), c))
	}
	if o.Status == okr.StatusActive {
		foot = append(foot, contextBlock(fmt.Sprintf("`/okr edit %[1]s` changes it · `/okr kr %[1]s` adds a key result · `/okr link %[1]s` aligns it · `/okr tree %[1]s` shows what is aligned below", o.Ref())))
	}
	return message{Text: fmt.Sprintf("%s %s", o.Ref(), fitEscaped(o.Title, 200)), Blocks: assemble(head, body, foot)}, nil
}

// keyResultStates are the objective's live key results with their health,
// titles included: from the analysis while the objective is active, worked
// out here once it is closed.
func (b *Bot) keyResultStates(ctx context.Context, a *okr.Analysis, o *okr.Objective) ([]okr.KeyResultState, error) {
	if st := a.Objective(o.ID); st != nil {
		return b.withDetails(ctx, st.KeyResults)
	}
	krs, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	out := make([]okr.KeyResultState, len(krs))
	for i, kr := range krs {
		out[i] = settledState(kr)
	}
	return out, nil
}

// settledState is a key result of an objective no longer in progress
// (closed or archived): its last reported confidence stands, and the
// calendar no longer makes it stale or behind.
func settledState(kr *okr.KeyResult) okr.KeyResultState {
	st := okr.KeyResultState{KeyResult: kr, Progress: kr.Progress()}
	st.Previous = st.Progress
	switch kr.Confidence {
	case okr.OnTrack:
		st.Health = okr.HealthOnTrack
	case okr.AtRisk:
		st.Health = okr.HealthAtRisk
	case okr.OffTrack:
		st.Health = okr.HealthOffTrack
	}
	return st
}

// objectiveFacts is the objective's level, owner, team and cycle on a line.
func (b *Bot) objectiveFacts(ctx context.Context, o *okr.Objective, c *okr.Cycle) (string, error) {
	facts := []string{o.Level.Label() + " level", "owned by " + mention(o.OwnerID)}
	if o.TeamID != 0 {
		t, err := b.store.FindTeamByID(ctx, o.TeamID)
		switch {
		case err == nil:
			facts = append(facts, "team "+esc(trunc(t.Name, 80)))
		case okr.ErrorCode(err) != okr.ENOTFOUND:
			return "", err
		}
	}
	facts = append(facts, cycleLabel(c))
	if o.RollupChildren {
		facts = append(facts, "rolls up what is aligned below")
	}
	return strings.Join(facts, " · "), nil
}

// objectiveStatus is how the objective is doing: its final score once
// closed; otherwise health, progress and the change over the past week.
func objectiveStatus(o *okr.Objective, st *okr.ObjectiveState) string {
	switch {
	case o.Status == okr.StatusClosed && o.Score != nil:
		return fmt.Sprintf("🏁 Closed with a final score of *%.1f* · %s", *o.Score, bar(*o.Score))
	case o.Status == okr.StatusArchived:
		return "🗄 Archived: kept as history, out of every list."
	case st == nil:
		return "⚪ Not in the current analysis."
	}
	return fmt.Sprintf("%s *%s* · %s *%s* · %s this week", healthEmoji(st.Health), st.Health.Label(), bar(st.Progress), pct(st.Progress), change(st.Change))
}

// alignmentLines place an objective in the alignment: the chain of parents
// up to the company level, what is aligned under it, and its horizontal
// links.
func (b *Bot) alignmentLines(ctx context.Context, a *okr.Analysis, o *okr.Objective) ([]string, error) {
	progress := func(x *okr.Objective) string {
		if x.Status == okr.StatusClosed && x.Score != nil {
			return fmt.Sprintf("final %.1f", *x.Score)
		}
		if st := a.Objective(x.ID); st != nil {
			return pct(st.Progress)
		}
		return string(x.Status)
	}
	line := func(prefix string, x *okr.Objective) string {
		return fmt.Sprintf("%s *%s* %s · %s · %s", prefix, x.Ref(), esc(trunc(x.Title, 80)), x.Level.Label(), progress(x))
	}
	lines := []string{"*Alignment*"}
	// Up: the chain of parents, nearest first.
	switch {
	case o.HasParent():
		if o.ParentKeyResultID != 0 {
			kr, err := b.store.FindKeyResultByID(ctx, o.ParentKeyResultID)
			switch {
			case err == nil:
				lines = append(lines, fmt.Sprintf("↑ %s *%s* %s", deliversVerb(a, o), kr.Ref(), esc(trunc(kr.Title, 80))))
			case okr.ErrorCode(err) != okr.ENOTFOUND:
				return nil, err
			}
		}
		seen := map[int64]bool{o.ID: true}
		for id, n := o.ParentObjectiveID, 0; id != 0 && !seen[id] && n < showAncestors; n++ {
			seen[id] = true
			p, err := b.store.FindObjectiveByID(ctx, id)
			if okr.ErrorCode(err) == okr.ENOTFOUND {
				break
			}
			if err != nil {
				return nil, err
			}
			prefix := "↑"
			if n > 0 {
				prefix = strings.Repeat(indent, n) + "↑"
			}
			lines = append(lines, line(prefix, p))
			id = p.ParentObjectiveID
		}
	case o.Level == okr.LevelCompany:
		lines = append(lines, "🏢 A company objective: the top of the alignment.")
	case o.Status != okr.StatusActive:
		lines = append(lines, "It supported nothing.")
	default:
		lines = append(lines, "⚠️ Supports nothing yet. Align it with what it contributes to, so its progress counts there.")
	}

	// Down: what is aligned under it.
	children, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{ParentID: &o.ID})
	if err != nil {
		return nil, err
	}
	children = slices.DeleteFunc(children, func(c *okr.Objective) bool { return c.Status == okr.StatusArchived })
	if len(children) > 0 {
		lines = append(lines, fmt.Sprintf("_Aligned under it (%d):_", len(children)))
		for _, c := range children[:min(len(children), showChildren)] {
			l := line("↓", c)
			switch {
			case c.ParentKeyResultID != 0 && a.Drives(c):
				l += " → drives " + okr.KeyResultRef(c.ParentKeyResultID)
			case c.ParentKeyResultID != 0:
				l += " → " + okr.KeyResultRef(c.ParentKeyResultID)
			}
			lines = append(lines, l)
		}
		if len(children) > showChildren {
			lines = append(lines, fmt.Sprintf("_…and %d more: `/okr tree %s`_", len(children)-showChildren, o.Ref()))
		}
	} else if o.Level != okr.LevelPersonal && o.Status == okr.StatusActive {
		lines = append(lines, "_Nothing is aligned under it yet._")
	}

	// Sideways: dependencies and loose references, both directions.
	links, err := b.store.FindLinks(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if len(links) == 0 {
		return lines, nil
	}
	var ids []int64
	for _, l := range links {
		ids = append(ids, l.FromID, l.ToID)
	}
	others, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*okr.Objective{}
	for _, x := range others {
		byID[x.ID] = x
	}
	for _, l := range links[:min(len(links), showLinks)] {
		verb, other := "", byID[l.ToID]
		switch {
		case l.FromID == o.ID && l.Kind == okr.LinkDependsOn:
			verb = "↔ depends on"
		case l.FromID == o.ID:
			verb = "↔ relates to"
		case l.Kind == okr.LinkDependsOn:
			verb, other = "↔ depended on by", byID[l.FromID]
		default:
			verb, other = "↔ referenced by", byID[l.FromID]
		}
		if other != nil {
			lines = append(lines, line(verb, other))
		}
	}
	if len(links) > showLinks {
		lines = append(lines, fmt.Sprintf("_…and %s._", countOf(len(links)-showLinks, "more link", "more links")))
	}
	return lines, nil
}

// recentCheckins are the latest check-ins across the key results, newest
// first.
func (b *Bot) recentCheckins(ctx context.Context, krs []okr.KeyResultState, now time.Time, loc *time.Location) ([]string, error) {
	byID := map[int64]*okr.KeyResult{}
	var all []*okr.Checkin
	for _, ks := range krs {
		kr := ks.KeyResult
		byID[kr.ID] = kr
		if kr.CheckedAt.IsZero() {
			continue // never checked in: nothing to read
		}
		found, err := b.store.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &kr.ID, Limit: showRecentCheckins})
		if err != nil {
			return nil, err
		}
		all = append(all, found...)
	}
	slices.SortFunc(all, func(x, y *okr.Checkin) int {
		return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), cmp.Compare(y.ID, x.ID))
	})
	var out []string
	for _, c := range all[:min(len(all), showRecentCheckins)] {
		out = append(out, checkinLine(c, byID[c.KeyResultID], true, now, loc))
	}
	return out, nil
}

// checkinLine is one check-in: when, who, the value it moved and the
// confidence, then the note and blockers as the author typed them
// (escaped, on one line each).
func checkinLine(c *okr.Checkin, kr *okr.KeyResult, withRef bool, now time.Time, loc *time.Location) string {
	ref := ""
	if withRef {
		ref = " · *" + kr.Ref() + "*"
	}
	line := fmt.Sprintf("%s%s · %s · %s → *%s* · %s %s", shortDate(c.CreatedAt, now, loc), ref, mention(c.AuthorID),
		esc(value(kr, c.Previous)), esc(value(kr, c.Value)), confidenceEmoji(c.Confidence), c.Confidence.Label())
	if c.Note != "" {
		line += "\n" + indent + "“" + fitEscaped(oneLine(c.Note), showNoteText*5) + "”"
	}
	if c.Blockers != "" {
		line += "\n" + indent + "🚧 " + fitEscaped(oneLine(c.Blockers), showNoteText*5)
	}
	return line
}

// drivenNote explains where the progress of a key result that objectives
// deliver comes from, and how to change it; "" for one nothing delivers.
func drivenNote(kr *okr.KeyResult, st okr.KeyResultState, by []int64) string {
	if len(by) == 0 {
		return ""
	}
	if st.Driven {
		return fmt.Sprintf("🔗 Driven by %s, which %s it: its progress is theirs, weighted as a rollup weighs them. "+
			"A check-in on it sets it by hand instead.", objectiveRefs(by), plural(len(by), "delivers", "deliver"))
	}
	return fmt.Sprintf("✍️ Set by hand: %s %s it, but its own check-ins set its progress. `/okr drive %s` lets %s drive it.",
		objectiveRefs(by), plural(len(by), "delivers", "deliver"), kr.Ref(), plural(len(by), "it", "them"))
}

// showKeyResult is a key result with its objective and its history.
func (b *Bot) showKeyResult(ctx context.Context, viewer string, o *okr.Objective, kr *okr.KeyResult) (message, error) {
	a, err := b.analyzeCycle(ctx, o.CycleID)
	if err != nil {
		return message{}, err
	}
	cycle := a.Cycle
	loc := b.viewerLocation(ctx, viewer)
	ks, ok := a.StateOf(kr)
	if !ok {
		ks = settledState(kr)
	}
	by := a.DeliveredBy(kr.ID)

	of := "of " + listedObjectiveLine(a, o)
	head := []slack.Block{header("Key result " + kr.Ref()), section(keyResultLine(ks, by) + "\n" + of)}
	facts := []string{
		fmt.Sprintf("%s %s, %s this week", healthEmoji(ks.Health), ks.Health.Label(), change(ks.Progress-ks.Previous)),
		"weight " + formatNumber(kr.Weight),
		lastCheckin(kr, a.At, loc),
	}
	if kr.Archived {
		facts = append(facts, "🗄 archived")
	}
	head = append(head, contextBlock(strings.Join(facts, " · ")))
	if text := drivenNote(kr, ks, by); text != "" {
		head = append(head, contextBlock(text))
	}

	history, err := b.store.FindCheckins(ctx, okr.CheckinFilter{KeyResultID: &kr.ID, Limit: showHistory})
	if err != nil {
		return message{}, err
	}
	lines := []string{"*Check-ins*, newest first"}
	switch len(history) {
	case 0:
		lines = []string{"*Check-ins*", "_None yet._"}
	case showHistory:
		lines[0] += fmt.Sprintf(" (the latest %d)", showHistory)
	}
	for _, c := range history {
		lines = append(lines, checkinLine(c, kr, false, a.At, loc))
	}
	body := lineSections(lines, 0)

	var foot []slack.Block
	if kr.OwnerID == viewer && !kr.Archived && o.Status == okr.StatusActive && cycle.Status != okr.CycleClosed {
		foot = append(foot, actions("show_"+kr.Ref(), button("Check in", actCheckinOpen, strconv.FormatInt(kr.ID, 10)).WithStyle(slack.StylePrimary)))
	}
	foot = append(foot, contextBlock(fmt.Sprintf("`/okr edit %s` changes it · `/okr show %s` shows its objective", kr.Ref(), o.Ref())))
	return message{Text: fmt.Sprintf("%s %s", kr.Ref(), fitEscaped(kr.Title, 200)), Blocks: assemble(head, body, foot)}, nil
}
