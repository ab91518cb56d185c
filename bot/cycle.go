package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Cycle actions.
const (
	actCycleStart  = "cycle_start"  // value: the name of the cycle to start
	actCycleClose  = "cycle_close"  // value: the ID of the cycle to close
	actCycleCancel = "cycle_cancel" // value: what was not done

	// maxClosedShown bounds the closed cycles /okr cycle lists.
	maxClosedShown = 12
)

// cmdCycle shows the cycles (`/okr cycle`); admins start the next one
// (`/okr cycle start [2027-Q1]`) or close the current one (`/okr cycle close`).
func (b *Bot) cmdCycle(ctx context.Context, c *command) error {
	if len(c.args) == 0 {
		return b.showCycles(ctx, c)
	}
	switch strings.ToLower(c.args[0]) {
	case "start", "begin", "new":
		if len(c.args) > 2 {
			return b.usage(c, "Name one cycle to start, like `2027-Q1`, or none for the next quarter.")
		}
		name := ""
		if len(c.args) == 2 {
			name = c.args[1]
		}
		return b.cycleStart(ctx, c, name)
	case "close", "end", "finish":
		if len(c.args) > 1 {
			return b.usage(c, "`/okr cycle close` closes the current cycle; it takes nothing after it.")
		}
		return b.cycleClose(ctx, c)
	}
	return b.usage(c, fmt.Sprintf("“%s” is not something I do with cycles.", esc(trunc(c.args[0], 30))))
}

// showCycles lists the current, upcoming and closed cycles, and where the
// current one stands.
func (b *Bot) showCycles(ctx context.Context, c *command) error {
	cycles, err := b.store.FindCycles(ctx)
	if err != nil {
		return err
	}
	if len(cycles) == 0 { // the first use: start the quarter we are in
		if _, err := b.currentCycle(ctx); err != nil {
			return err
		}
		if cycles, err = b.store.FindCycles(ctx); err != nil {
			return err
		}
	}
	s := b.settings(ctx)
	now := b.opts.Now()
	var current *okr.Cycle
	var upcoming, closed []*okr.Cycle
	for _, cy := range cycles {
		switch cy.Status {
		case okr.CycleCurrent:
			current = cy
		case okr.CycleUpcoming:
			upcoming = append(upcoming, cy)
		default:
			closed = append(closed, cy)
		}
	}
	blocks := []slack.Block{header("OKR cycles")}
	if current == nil {
		blocks = append(blocks, section("No cycle is current. An admin can start one with `/okr cycle start`."))
	} else {
		active := okr.StatusActive
		_, total, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &current.ID, Status: &active, Limit: 1})
		if err != nil {
			return err
		}
		text := fmt.Sprintf("*%s* · current · %s\n%s\n%s", esc(current.Name), cycleSpan(current, s.Location),
			cycleProgress(current, now, s.Location), countOf(total, "active objective", "active objectives"))
		blocks = append(blocks, section(text))
	}
	if len(upcoming) > 0 {
		slices.SortFunc(upcoming, func(x, y *okr.Cycle) int { return x.Start.Compare(y.Start) })
		lines := []string{"*Upcoming*"}
		for _, cy := range upcoming[:min(len(upcoming), maxClosedShown)] {
			lines = append(lines, fmt.Sprintf("• *%s* · %s", esc(cy.Name), cycleSpan(cy, s.Location)))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	if len(closed) > 0 {
		lines := []string{"*Closed*"}
		for _, cy := range closed[:min(len(closed), maxClosedShown)] {
			lines = append(lines, fmt.Sprintf("• *%s* · %s", esc(cy.Name), cycleSpan(cy, s.Location)))
		}
		if len(closed) > maxClosedShown {
			lines = append(lines, fmt.Sprintf("…and %d older", len(closed)-maxClosedShown))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	blocks = append(blocks, contextBlock("Admins: `/okr cycle start` begins the next quarter · `/okr cycle close` closes the current cycle and asks owners to score"))
	title := "OKR cycles"
	if current != nil {
		title = "Current cycle: " + current.Name
	}
	return b.send(ctx, c.replyTo(), message{Text: title, Blocks: blocks})
}

// cycleSpan writes a cycle's first and last day ("1 Oct – 31 Dec 2026").
// Its bounds are midnights in the time zone the cycle was made in; reading
// them half a day inwards gives the same days in any other zone, in case
// the company time zone changed since.
func cycleSpan(c *okr.Cycle, loc *time.Location) string {
	first := c.Start.Add(12 * time.Hour).In(loc)
	last := c.End.Add(-12 * time.Hour).In(loc)
	if first.Year() == last.Year() {
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// cycleWeeks is where now falls in the cycle: week n of total.
func cycleWeeks(c *okr.Cycle, now time.Time) (n, total int) {
	days := c.End.Sub(c.Start).Hours() / 24
	total = max(1, int(math.Round(days/7)))
	n = int(now.Sub(c.Start).Hours()/24/7) + 1
	return max(1, min(n, total)), total
}

// cycleProgress says where the current cycle stands at now.
func cycleProgress(c *okr.Cycle, now time.Time, loc *time.Location) string {
	switch {
	case now.Before(c.Start):
		days := int(math.Ceil(c.Start.Sub(now).Hours() / 24))
		return fmt.Sprintf("Starts in %s.", countOf(days, "day", "days"))
	case !now.Before(c.End):
		return fmt.Sprintf("Ended on %s: close it or start the next with `/okr cycle start`.", c.End.Add(-12*time.Hour).In(loc).Format("Monday 2 January"))
	}
	n, total := cycleWeeks(c, now)
	return fmt.Sprintf("Week %d of %d · %s %s of the cycle has passed", n, total, bar(c.Elapsed(now)), pct(c.Elapsed(now)))
}

// mayManageCycles refuses anyone but an admin, for every cycle command and
// its confirmation buttons alike.
func (b *Bot) mayManageCycles(ctx context.Context, userID string) error {
	actor, err := b.actor(ctx, userID)
	if err != nil {
		return err
	}
	return actor.CanManageCycles()
}

// cycleStart asks an admin to confirm starting a cycle: the next quarter,
// or the one named.
func (b *Bot) cycleStart(ctx context.Context, c *command, name string) error {
	if err := b.mayManageCycles(ctx, c.UserID); err != nil {
		return err
	}
	s := b.settings(ctx)
	target, err := b.cycleToStart(ctx, s, name)
	if err != nil {
		if okr.ErrorCode(err) == okr.EINVALID {
			return b.usage(c, okr.ErrorMessage(err))
		}
		return err
	}
	if target.Status == okr.CycleCurrent {
		return okr.Errorf(okr.ECONFLICT, "*%s* is already the current cycle.", esc(target.Name))
	}
	lines := []string{fmt.Sprintf("Start *%s* (%s) as the current cycle?", esc(target.Name), cycleSpan(target, s.Location))}
	old, err := b.store.CurrentCycle(ctx)
	switch {
	case err == nil:
		active := okr.StatusActive
		objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &old.ID, Status: &active})
		if err != nil {
			return err
		}
		owners := map[string]bool{}
		for _, o := range objs {
			owners[o.OwnerID] = true
		}
		lines = append(lines, fmt.Sprintf("*%s* closes and becomes read-only. %s", esc(old.Name), scoringPlan(len(objs), len(owners), "*"+esc(target.Name)+"*")))
	case okr.ErrorCode(err) != okr.ENOTFOUND:
		return err
	}
	text := strings.Join(lines, "\n")
	start := button("Start "+target.Name, actCycleStart, target.Name)
	start.Style = slack.StylePrimary
	return b.send(ctx, c.replyTo(), message{Text: text, Blocks: []slack.Block{
		section(text),
		actions("cycle_start", start, button("Cancel", actCycleCancel, "start")),
	}})
}

// cycleToStart finds or describes (unsaved, ID 0) the cycle to start: the
// one named, or the quarter after the current (or last closed) one.
func (b *Bot) cycleToStart(ctx context.Context, s okr.Settings, name string) (*okr.Cycle, error) {
	now := b.opts.Now()
	var q okr.Quarter
	if name != "" {
		c, err := b.store.FindCycleByName(ctx, name)
		if err == nil {
			if c.Status == okr.CycleClosed {
				return nil, okr.Errorf(okr.ECONFLICT, "*%s* is closed; closed cycles cannot start again.", esc(c.Name))
			}
			return c, nil
		}
		if okr.ErrorCode(err) != okr.ENOTFOUND {
			return nil, err
		}
		if q, err = okr.ParseQuarter(name); err != nil {
			return nil, okr.Errorf(okr.EINVALID, "“%s” is not a cycle: cycles are quarters, named like 2027-Q1.", esc(trunc(name, 30)))
		}
	} else {
		cycles, err := b.store.FindCycles(ctx)
		if err != nil {
			return nil, err
		}
		q = okr.QuarterOf(now.In(s.Location), s.FiscalMonth)
		var base *okr.Cycle // the current cycle, else the last closed one
		for _, c := range cycles {
			if c.Status == okr.CycleCurrent {
				base = c
				break
			}
		}
		for _, c := range cycles { // newest first
			if base == nil && c.Status == okr.CycleClosed {
				base = c
			}
		}
		if base != nil {
			if next := okr.QuarterAfter(base, s); quarterIndex(next) > quarterIndex(q) || base.Status == okr.CycleCurrent {
				q = next
			}
		}
	}
	c, err := b.store.FindCycleByName(ctx, q.String())
	switch {
	case err == nil:
		if c.Status == okr.CycleClosed {
			return nil, okr.Errorf(okr.ECONFLICT, "*%s* is closed; closed cycles cannot start again.", esc(c.Name))
		}
		return c, nil
	case okr.ErrorCode(err) != okr.ENOTFOUND:
		return nil, err
	}
	c = okr.NewCycle(q, s.FiscalMonth, s.Location, okr.CycleUpcoming)
	if !c.End.After(now) {
		return nil, okr.Errorf(okr.EINVALID, "%s ended on %s; start a cycle that has not ended yet.", c.Name,
			c.End.Add(-12*time.Hour).In(s.Location).Format("2 January 2006"))
	}
	return c, nil
}

// scoringPlan tells an admin what closing a cycle with these open
// objectives sets off.
func scoringPlan(objectives, owners int, next string) string {
	switch {
	case objectives == 0:
		return "It has no open objectives to score."
	case objectives == 1:
		return fmt.Sprintf("Its one open objective stays as it is until its owner scores it: they get a DM to do so, and can carry it over to %s with its key results.", next)
	case owners == 1:
		return fmt.Sprintf("Its %s stay as they are until their owner scores them: they get a DM to do so, and can carry unfinished ones over to %s with their key results.", countOf(objectives, "open objective", "open objectives"), next)
	}
	return fmt.Sprintf("Its %s stay as they are until their owners score them: each of the %s gets a DM to do so, and can carry unfinished ones over to %s with their key results.", countOf(objectives, "open objective", "open objectives"), countOf(owners, "owner", "owners"), next)
}

func quarterIndex(q okr.Quarter) int { return q.Year*4 + q.Q }

// onCycleStart starts the confirmed cycle, closing the one that was
// current and asking its owners to score.
func (b *Bot) onCycleStart(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	if err := b.mayManageCycles(ctx, cb.User.ID); err != nil {
		return err
	}
	to := replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}
	s := b.settings(ctx)
	target, err := b.cycleToStart(ctx, s, a.Value)
	if err != nil {
		return err
	}
	if target.ID == 0 {
		if err := b.store.CreateCycle(ctx, target); err != nil {
			if okr.ErrorCode(err) != okr.ECONFLICT {
				return err
			}
			// Created meanwhile, by another click.
			if target, err = b.store.FindCycleByName(ctx, target.Name); err != nil {
				return err
			}
		}
	}
	if target.Status == okr.CycleCurrent {
		text := fmt.Sprintf("*%s* is already the current cycle.", esc(target.Name))
		return b.send(ctx, to, say(text).replacing(true))
	}
	old, err := b.store.CurrentCycle(ctx)
	if err != nil && okr.ErrorCode(err) != okr.ENOTFOUND {
		return err
	}
	if err := b.store.StartCycle(ctx, target.ID); err != nil {
		return err
	}
	b.log.Info("cycle started", slog.String("cycle", target.Name), slog.String("by", cb.User.ID))
	text := fmt.Sprintf(":rocket: *%s* is now the current cycle (%s).", esc(target.Name), cycleSpan(target, s.Location))
	if old != nil && old.ID != target.ID {
		asked, err := b.askToScore(ctx, old, false)
		if err != nil {
			return err
		}
		text += fmt.Sprintf("\n*%s* is closed. %s", esc(old.Name), asked)
	}
	return b.send(ctx, to, say(text).replacing(true))
}

// cycleClose asks an admin to confirm closing the current cycle. A second
// close finds it closed and says so; owners never get a second request.
func (b *Bot) cycleClose(ctx context.Context, c *command) error {
	if err := b.mayManageCycles(ctx, c.UserID); err != nil {
		return err
	}
	s := b.settings(ctx)
	cur, err := b.store.CurrentCycle(ctx)
	if okr.ErrorCode(err) == okr.ENOTFOUND {
		return b.alreadyClosed(ctx, c.replyTo(), nil, false)
	}
	if err != nil {
		return err
	}
	active := okr.StatusActive
	objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &cur.ID, Status: &active})
	if err != nil {
		return err
	}
	owners := map[string]bool{}
	for _, o := range objs {
		owners[o.OwnerID] = true
	}
	lines := []string{fmt.Sprintf("Close *%s* (%s)? It becomes read-only: no more check-ins or changes.", esc(cur.Name), cycleSpan(cur, s.Location))}
	next := "the next cycle"
	if n, err := b.nextCycle(ctx, cur, false); err == nil {
		next = "*" + esc(n.Name) + "*"
	}
	lines = append(lines, scoringPlan(len(objs), len(owners), next))
	lines = append(lines, "No new cycle starts until you run `/okr cycle start`.")
	text := strings.Join(lines, "\n")
	closeBtn := button("Close "+cur.Name, actCycleClose, idValue(cur.ID))
	closeBtn.Style = slack.StyleDanger
	return b.send(ctx, c.replyTo(), message{Text: text, Blocks: []slack.Block{
		section(text),
		actions("cycle_close", closeBtn, button("Cancel", actCycleCancel, "close")),
	}})
}

// alreadyClosed answers a close when there is nothing current to close. It
// also sends any scoring request that never went out (one cut short by a
// restart); those already sent are not sent again.
func (b *Bot) alreadyClosed(ctx context.Context, to replyTo, c *okr.Cycle, replace bool) error {
	if c == nil {
		cycles, err := b.store.FindCycles(ctx)
		if err != nil {
			return err
		}
		for _, cy := range cycles { // newest first
			if cy.Status == okr.CycleClosed {
				c = cy
				break
			}
		}
	}
	if c == nil {
		return okr.Errorf(okr.ECONFLICT, "There is no current cycle to close. `/okr cycle start` starts one.")
	}
	if _, err := b.askToScore(ctx, c, true); err != nil {
		return err
	}
	text := fmt.Sprintf("*%s* is already closed (%s); its owners were asked to score their objectives when it closed. `/okr cycle start` starts the next cycle.",
		esc(c.Name), cycleSpan(c, b.settings(ctx).Location))
	return b.send(ctx, to, say(text).replacing(replace))
}

// onCycleClose closes the confirmed cycle and asks its owners to score.
func (b *Bot) onCycleClose(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	if err := b.mayManageCycles(ctx, cb.User.ID); err != nil {
		return err
	}
	to := replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}
	c, err := b.store.FindCycleByID(ctx, parseID(a.Value))
	if err != nil {
		return err
	}
	switch c.Status {
	case okr.CycleClosed:
		return b.alreadyClosed(ctx, to, c, true)
	case okr.CycleUpcoming:
		return okr.Errorf(okr.ECONFLICT, "*%s* has not started, so it cannot close.", esc(c.Name))
	}
	if err := b.store.CloseCycle(ctx, c.ID); err != nil {
		return err
	}
	b.log.Info("cycle closed", slog.String("cycle", c.Name), slog.String("by", cb.User.ID))
	asked, err := b.askToScore(ctx, c, false)
	if err != nil {
		return err
	}
	text := fmt.Sprintf(":checkered_flag: Closed *%s*. %s\nStart the next cycle with `/okr cycle start` when you are ready.", esc(c.Name), asked)
	return b.send(ctx, to, say(text).replacing(true))
}

func (b *Bot) onCycleCancel(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	text := "Nothing changed."
	if a.Value == "start" {
		text = "Nothing changed; the current cycle goes on."
	}
	return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text).replacing(true))
}

// currentCycle returns the current cycle, starting the quarter that
// contains today on the very first use (okr.CurrentCycle).
func (b *Bot) currentCycle(ctx context.Context) (*okr.Cycle, error) {
	return okr.CurrentCycle(ctx, b.store, b.settings(ctx), b.opts.Now())
}

// nextCycle is the cycle objectives of c are carried over to
// (okr.NextCycle); with create set it is saved, as upcoming, if it is new.
func (b *Bot) nextCycle(ctx context.Context, c *okr.Cycle, create bool) (*okr.Cycle, error) {
	s := b.settings(ctx)
	next, err := okr.NextCycle(ctx, b.store, c, s, false)
	if err != nil || next.ID != 0 || !create {
		return next, err
	}
	if next, err = okr.NextCycle(ctx, b.store, c, s, true); err != nil {
		return nil, err
	}
	b.log.Info("cycle created for carried-over objectives", slog.String("cycle", next.Name))
	return next, nil
}
