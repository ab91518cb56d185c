package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

const (
	// actHomeNew opens the new-objective modal from the App Home; its value
	// is a level ("team"), or "" for the form's default.
	actHomeNew = "home_new"

	// What the Home lists at most, so that the whole view stays within
	// Slack's 100 blocks whatever the data (each item is one block; with
	// headers, dividers and "…and N more" lines the worst case is 89).
	homeMaxKeyResults = 30
	homeMaxObjectives = 20
	homeMaxCompany    = 20
	homeMaxAttention  = 3 // of each kind of gap: at most 20 lines, two sections
)

// publishHome draws a person's App Home: their key results with a check-in
// button each, their objectives and how they are aligned, what needs their
// attention, and the company objectives. Slack sends app_home_opened on
// every visit, so this is one shared analysis and one views.publish, and
// publishing again shows the same view.
//
// Publishes for one person are coalesced: one asked for while another is
// under way makes that one draw again once it is done, so two never race
// and the last state always wins.
func (b *Bot) publishHome(ctx context.Context, userID string) error {
	b.homes.mu.Lock()
	if b.homes.busy == nil {
		b.homes.busy, b.homes.again = map[string]bool{}, map[string]bool{}
	}
	if b.homes.busy[userID] {
		b.homes.again[userID] = true
		b.homes.mu.Unlock()
		return nil
	}
	b.homes.busy[userID] = true
	b.homes.mu.Unlock()
	finished := false
	defer func() {
		if !finished { // drawing panicked: the next visit must still publish
			b.homes.mu.Lock()
			delete(b.homes.busy, userID)
			delete(b.homes.again, userID)
			b.homes.mu.Unlock()
		}
	}()
	for {
		err := b.drawHome(ctx, userID)
		b.homes.mu.Lock()
		again := b.homes.again[userID] && ctx.Err() == nil
		delete(b.homes.again, userID)
		if !again {
			delete(b.homes.busy, userID)
		}
		b.homes.mu.Unlock()
		if !again {
			finished = true
			return err
		}
	}
}

// homePublishes are the App Home publishes under way, by person.
type homePublishes struct {
	mu    sync.Mutex
	busy  map[string]bool // a publish is under way
	again map[string]bool // and another was asked for meanwhile
}

// drawHome builds and publishes one person's App Home once.
func (b *Bot) drawHome(ctx context.Context, userID string) error {
	_, done, err := b.reading(ctx)
	if err != nil {
		return err
	}
	defer done()
	cycle, err := b.currentCycle(ctx)
	if err != nil {
		return err
	}
	a, err := b.analyze(ctx, cycle)
	if err != nil {
		return err
	}
	blocks, err := b.homeBlocks(ctx, userID, a)
	if err != nil {
		return err
	}
	if len(blocks) > maxViewBlocks { // the caps above make this unreachable; never let a view fail on it
		b.log.Error("home view over the block limit; cut", slog.String("user", userID), slog.Int("blocks", len(blocks)))
		blocks = blocks[:maxViewBlocks]
	}
	done() // drawn: publishing, which Slack may make wait, holds up no other read
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "okr_home", Blocks: slack.Blocks{BlockSet: blocks}}
	// Publishing replaces the whole tab, so a server error or a dropped
	// connection is simply tried again, for a while: a later publish
	// shows the same state anyway.
	ctx, cancel := context.WithTimeout(ctx, homePublishLife)
	defer cancel()
	_, err = b.sender.attempt(ctx, call{what: "views.publish", target: userID, idempotent: true, do: func(ctx context.Context) (string, error) {
		_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view})
		return "", err
	}})
	if err != nil {
		return fmt.Errorf("views.publish home for %s: %w", userID, err)
	}
	return nil
}

// homePublishLife bounds the retries of one App Home publish.
const homePublishLife = time.Minute

// home is what one person's Home shows, gathered from the analysis.
type home struct {
	userID         string
	now            time.Time
	loc            *time.Location // the person's, for dates
	a              *okr.Analysis
	krs            []okr.KeyResultState  // the first homeMaxKeyResults of the person's, most in need first
	krCount        int                   // how many key results the person owns
	objectives     []*okr.ObjectiveState // the first homeMaxObjectives of the person's, top level first
	objectiveCount int                   // how many objectives the person owns
	stale          []okr.KeyResultState  // the first homeMaxAttention of the person's stale key results
	staleCount     int                   // how many of the person's key results are stale
	company        []*okr.ObjectiveState // company objectives, by ID
	details        map[int64]*okr.KeyResult
}

func (b *Bot) homeBlocks(ctx context.Context, userID string, a *okr.Analysis) ([]slack.Block, error) {
	settings := b.settings(ctx)
	// The person is read once: their time zone and whether they are away.
	person, loc := b.userAndLocation(ctx, userID, settings.Location)
	h := &home{userID: userID, now: b.opts.Now(), loc: loc, a: a}
	// An owner of thousands keeps only what the page shows, not a copy of
	// all of it sorted: the Home is redrawn after every check-in.
	krs := leaders[okr.KeyResultState]{n: homeMaxKeyResults, cmp: func(x, y okr.KeyResultState) int {
		return cmp.Or(cmp.Compare(y.Health.Severity(), x.Health.Severity()), cmp.Compare(x.KeyResult.ID, y.KeyResult.ID))
	}}
	objectives := leaders[*okr.ObjectiveState]{n: homeMaxObjectives, cmp: func(x, y *okr.ObjectiveState) int {
		return cmp.Or(cmp.Compare(x.Objective.Level.Rank(), y.Objective.Level.Rank()), cmp.Compare(x.Objective.ID, y.Objective.ID))
	}}
	for s := range a.OwnedBy(userID) {
		if s.Objective.OwnerID == userID {
			objectives.add(s)
			h.objectiveCount++
		}
		for _, k := range s.KeyResults {
			if k.KeyResult.OwnerID == userID {
				krs.add(k)
				h.krCount++
			}
		}
	}
	for _, s := range a.Objectives {
		if s.Objective.Level == okr.LevelCompany {
			h.company = append(h.company, s)
		}
	}
	h.krs, h.objectives = krs.out, objectives.out
	for _, k := range a.Stale {
		if k.KeyResult.OwnerID == userID {
			if len(h.stale) < homeMaxAttention {
				h.stale = append(h.stale, k)
			}
			h.staleCount++
		}
	}

	// Titles and units of only the key results shown (the analysis carries
	// none): the first of the list, and the stale ones named under
	// "Needs your attention".
	full, err := b.withDetails(ctx, slices.Concat(h.krs, h.stale))
	if err != nil {
		return nil, err
	}
	h.details = make(map[int64]*okr.KeyResult, len(full))
	for _, k := range full {
		h.details[k.KeyResult.ID] = k.KeyResult
	}

	when := cycleWhen(a.Cycle, h.now, settings.Location)
	if len(h.krs) == 0 && len(h.objectives) == 0 {
		blocks := []slack.Block{header("👋 Welcome to okrbot"), contextBlock("*" + esc(a.Cycle.Name) + "* · " + when)}
		blocks = append(blocks, welcomeBlocks(settings, len(h.company) > 0)...)
		blocks = append(blocks, divider())
		blocks = append(blocks, h.companyBlocks()...)
		return append(blocks, contextBlock("`/okr help` lists everything okrbot does.")), nil
	}

	head := contextBlock(when)
	if len(h.krs) > 0 {
		head = contextBlock(when, promptText(person, settings, h.now, h.loc))
	}
	blocks := []slack.Block{header("🎯 Your OKRs · " + a.Cycle.Name), head}
	var buttons []slack.BlockElement
	if len(h.krs) > 0 {
		all := button("✅ Check in on all", actCheckinOpen, checkinAll)
		all.Style = slack.StylePrimary
		buttons = append(buttons, all)
	}
	buttons = append(buttons, button("➕ New objective", actHomeNew, ""))
	blocks = append(blocks, actions("home_actions", buttons...))
	blocks = append(blocks, divider())
	blocks = append(blocks, h.keyResultBlocks()...)
	blocks = append(blocks, divider())
	blocks = append(blocks, h.objectiveBlocks()...)
	blocks = append(blocks, divider())
	blocks = append(blocks, h.attentionBlocks(settings.Policy)...)
	blocks = append(blocks, divider())
	blocks = append(blocks, h.companyBlocks()...)
	return append(blocks, contextBlock("`/okr help` lists everything okrbot does.")), nil
}

// promptText says when the person's next check-in prompt comes, in their
// own time, or that they are away. u is nil when the person is unknown.
func promptText(u *okr.User, s okr.Settings, now time.Time, loc *time.Location) string {
	if u != nil && u.Away(now) {
		return fmt.Sprintf("🌴 Away until %s: no prompts or reminders until then (`/okr back`)", u.AwayTill.In(loc).Add(-time.Minute).Format("Mon, Jan 2"))
	}
	sched, err := okr.ParseSchedule(s.CheckinSchedule)
	if err != nil {
		return ""
	}
	next := sched.Next(now, loc)
	return fmt.Sprintf("📅 Next check-in prompt: %s, %s your time", next.Format("Mon, Jan 2"), next.Format("15:04"))
}

// welcomeBlocks explain okrbot to someone with nothing in it yet, saying
// when the rhythm really happens here.
func welcomeBlocks(s okr.Settings, hasCompany bool) []slack.Block {
	p := s.Policy
	digest := "`/okr gaps` shows what is drifting or not aligned"
	if s.DigestChannel != "" {
		digest = "A weekly digest in <#" + s.DigestChannel + "> shows progress, and what is drifting or not aligned: `/okr gaps`"
	}
	text := "*okrbot keeps your OKRs alive, right here in Slack.*\n" +
		"• *Set a goal.* An objective says what you want to achieve; " + fmt.Sprintf("%d–%d", p.MinKeyResults, p.MaxKeyResults) +
		" key results say how you will know you got there: `/okr new`\n" +
		"• *Align it.* Link your objective to the company or team objective it supports, so everyone sees how the work adds up: `/okr link`\n" +
		"• *Check in weekly.* Once you own a key result, I send you a DM each week to update it, at your own local time; it takes a minute: `/okr checkin`\n" +
		"• *Stay on course.* " + digest
	start := button("➕ Create your first objective", actHomeNew, "")
	start.Style = slack.StylePrimary
	hint := "Or type `/okr new` in any channel."
	if hasCompany {
		hint += " A good start is the company objectives below: what will you or your team do for them?"
	}
	return []slack.Block{section(text), actions("home_actions", start), contextBlock(hint)}
}

// keyResult is k with the title and unit loaded for the Home, if they were.
func (h *home) keyResult(k okr.KeyResultState) okr.KeyResultState {
	if kr := h.details[k.KeyResult.ID]; kr != nil {
		k.KeyResult = kr
	}
	return k
}

func (h *home) keyResultBlocks() []slack.Block {
	blocks := []slack.Block{header("Your key results")}
	if len(h.krs) == 0 {
		return append(blocks, contextBlock("You own no key results yet. Add one to an objective with `/okr kr O12`."))
	}
	for _, k := range h.krs {
		k = h.keyResult(k)
		text := keyResultLine(k, h.a.DeliveredBy(k.KeyResult.ID))
		if s := h.a.Objective(k.KeyResult.ObjectiveID); s != nil {
			last := lastCheckinText(k.KeyResult, h.now, h.loc)
			if k.Driven {
				last = "no check-in needed"
			}
			text += fmt.Sprintf("\nfor *%s* %s · %s", s.Objective.Ref(), esc(trunc(s.Objective.Title, 80)), last)
		}
		blk := section(text)
		if !k.Driven { // it owes no check-in, and one would set it by hand
			blk.Accessory = slack.NewAccessory(button("Check in", actCheckinOpen, idValue(k.KeyResult.ID)))
		}
		blocks = append(blocks, blk)
	}
	if rest := h.krCount - len(h.krs); rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("…and %d more — `/okr list mine`", rest)))
	}
	return blocks
}

func (h *home) objectiveBlocks() []slack.Block {
	blocks := []slack.Block{header("Your objectives")}
	if len(h.objectives) == 0 {
		return append(blocks, contextBlock("You own no objectives this cycle. Create one with `/okr new`."))
	}
	for _, s := range h.objectives {
		o := s.Objective
		blk := section(objectiveLine(o, s.Progress, s.Health) + "\n" + h.alignment(s))
		if o.Level != okr.LevelCompany && !o.HasParent() {
			blk.Accessory = slack.NewAccessory(button("Align…", actLinkOpen, o.Ref()))
		}
		blocks = append(blocks, blk)
	}
	if rest := h.objectiveCount - len(h.objectives); rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("…and %d more — `/okr list mine`", rest)))
	}
	return blocks
}

// alignment says where an objective sits: what it supports, or that
// nothing (for a company objective: what supports it).
func (h *home) alignment(s *okr.ObjectiveState) string {
	o := s.Objective
	if o.Level == okr.LevelCompany {
		if n := len(s.Children); n > 0 {
			return "↑ supported by " + countOf(n, "objective", "objectives")
		}
		return "🏝️ nothing supports it yet"
	}
	if !o.HasParent() {
		return "⚠️ not aligned"
	}
	parent := okr.ObjectiveRef(o.ParentObjectiveID)
	if p := h.a.Objective(o.ParentObjectiveID); p != nil {
		parent = fmt.Sprintf("*%s* %s", p.Objective.Ref(), esc(trunc(p.Objective.Title, 80)))
	} else {
		parent = "*" + parent + "*"
	}
	if o.ParentKeyResultID != 0 {
		return fmt.Sprintf("↳ %s *%s* of %s", deliversVerb(h.a, o), okr.KeyResultRef(o.ParentKeyResultID), parent)
	}
	return "↳ supports " + parent
}

// attentionBlocks list the gaps that are the person's to close: stale key
// results, unaligned objectives, company objectives nothing supports, and
// the good-practice limits they exceed. Each kind shows a few, so one
// long list never hides the others.
func (h *home) attentionBlocks(p okr.Policy) []slack.Block {
	var lines []string
	// add shows the first few items of one kind and counts the rest.
	add := func(k *attention, one, many, hint string) {
		lines = append(lines, k.shown...)
		if rest := k.total - len(k.shown); rest > 0 {
			lines = append(lines, "…and "+countOf(rest, "more "+one, "more "+many)+" — "+hint)
		}
	}
	stale := attention{total: h.staleCount}
	for _, k := range h.stale { // only these have titles loaded
		k = h.keyResult(k)
		since := "never checked in"
		switch {
		case k.Driven:
			since = drivenStale + " (" + objectiveRefs(h.a.DeliveredBy(k.KeyResult.ID)) + ")"
		case !k.KeyResult.CheckedAt.IsZero():
			since = "last check-in " + daysAgo(k.KeyResult.CheckedAt, h.now, h.loc)
		}
		stale.shown = append(stale.shown, fmt.Sprintf("⏳ *%s* %s: %s", k.KeyResult.Ref(), esc(trunc(k.KeyResult.Title, 80)), since))
	}
	add(&stale, "stale key result", "stale key results", "`/okr list stale`")

	var orphans attention
	for _, o := range h.a.Orphans {
		if o.OwnerID == h.userID && orphans.counts() {
			orphans.show(fmt.Sprintf("🔗 *%s* %s supports nothing yet: `/okr link %s`", o.Ref(), esc(trunc(o.Title, 80)), o.Ref()))
		}
	}
	add(&orphans, "unaligned objective", "unaligned objectives", "`/okr gaps`")

	var unsupported attention
	for _, o := range h.a.Unsupported {
		if o.OwnerID == h.userID && unsupported.counts() {
			unsupported.show(fmt.Sprintf("🏝️ *%s* %s: no objective supports it yet", o.Ref(), esc(trunc(o.Title, 80))))
		}
	}
	add(&unsupported, "company objective nothing supports", "company objectives nothing supports", "`/okr gaps`")

	var overloaded attention
	for _, l := range h.a.OverLoaded {
		if l.OwnerID == h.userID && overloaded.counts() {
			overloaded.show(fmt.Sprintf("📚 You own %s objectives; at most %d keeps them in focus.",
				formatNumber(float64(l.Count))+" "+strings.ToLower(l.Level.Label()), p.MaxObjectivesPerOwner))
		}
	}
	add(&overloaded, "level with too many objectives", "levels with too many objectives", "`/okr gaps`")

	var shape attention
	for _, list := range [][]*okr.ObjectiveState{h.a.TooFewKeyResults, h.a.TooManyKeyResults} {
		for _, s := range list {
			if s.Objective.OwnerID == h.userID && shape.counts() {
				n := len(s.KeyResults)
				shape.show(fmt.Sprintf("🔢 *%s* %s has %s; %d–%d work best.", s.Objective.Ref(), esc(trunc(s.Objective.Title, 80)),
					countOf(n, "key result", "key results"), p.MinKeyResults, p.MaxKeyResults))
			}
		}
	}
	add(&shape, "objective with too few or too many key results", "objectives with too few or too many key results", "`/okr gaps`")

	blocks := []slack.Block{header("Needs your attention")}
	if len(lines) == 0 {
		return append(blocks, section("✨ Nothing needs your attention right now."))
	}
	return append(blocks, lineSections(lines, 0)...)
}

// attention is one kind of gap on the Home: the lines of the first
// homeMaxAttention, and how many there are. Only the shown are formatted:
// an owner of thousands has thousands of orphans.
type attention struct {
	shown []string
	total int
}

// counts counts one more item and reports whether it is among the shown.
func (k *attention) counts() bool {
	k.total++
	return len(k.shown) < homeMaxAttention
}

func (k *attention) show(line string) { k.shown = append(k.shown, line) }

func (h *home) companyBlocks() []slack.Block {
	blocks := []slack.Block{header("Company objectives")}
	if len(h.company) == 0 {
		return append(blocks, contextBlock(fmt.Sprintf("No company objectives in %s yet; admins add them with `/okr new company`.", esc(h.a.Cycle.Name))))
	}
	for _, s := range h.company[:min(len(h.company), homeMaxCompany)] {
		blocks = append(blocks, section(objectiveLine(s.Objective, s.Progress, s.Health)+" · "+change(s.Change)+" this week"))
	}
	if rest := len(h.company) - homeMaxCompany; rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("…and %d more — `/okr list company`", rest)))
	}
	return blocks
}

// cycleWhen says where now is in the cycle: "Week 7 of 13 · ends Thu,
// Dec 31", with dates in the company's time zone (the cycle's).
func cycleWhen(c *okr.Cycle, now time.Time, loc *time.Location) string {
	last := c.End.In(loc).AddDate(0, 0, -1) // End is the day after the last
	switch {
	case now.Before(c.Start):
		return "Starts " + c.Start.In(loc).Format("Mon, Jan 2")
	case !now.Before(c.End):
		return "Ended " + last.Format("Mon, Jan 2")
	}
	week, weeks := cycleWeek(c, now)
	return fmt.Sprintf("Week %d of %d · ends %s", week, weeks, last.Format("Mon, Jan 2"))
}

// cycleWeek is the week of the cycle now falls in, counted from 1, and how
// many weeks the cycle has (a quarter's 13).
func cycleWeek(c *okr.Cycle, now time.Time) (week, weeks int) {
	const w = 7 * 24 * time.Hour
	weeks = max(1, int(math.Round(float64(c.End.Sub(c.Start))/float64(w))))
	week = int(now.Sub(c.Start)/w) + 1
	return min(max(week, 1), weeks), weeks
}

// homeNew opens the new-objective modal from the Home, as `/okr new` does;
// its confirmation goes to the person's DM.
func (b *Bot) homeNew(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	c := &command{SlashCommand: slack.SlashCommand{Command: "/okr", UserID: cb.User.ID, TriggerID: cb.TriggerID}, verb: "new"}
	if a.Value != "" {
		c.rest, c.args = a.Value, []string{a.Value}
	}
	return b.cmdNew(ctx, c)
}
