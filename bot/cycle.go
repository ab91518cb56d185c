package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Cycle actions and the scoring modal.
const (
	cbScore = "okr_score"

	actCycleStart  = "cycle_start"  // value: the name of the cycle to start
	actCycleClose  = "cycle_close"  // value: the ID of the cycle to close
	actCycleCancel = "cycle_cancel" // value: what was not done
	actScoreOpen   = "cycle_score"  // value: the ID of the closed cycle

	// maxScored is how many objectives one scoring modal holds: two input
	// blocks each, plus a few, within Slack's 100 blocks per view.
	maxScored = 45
	// staleScoreClaim is how old a claimed but unconfirmed scoring DM must
	// be before a later close sends it again: the send that claimed it has
	// long given up by then (handlers run at most HandlerTimeout).
	staleScoreClaim = 10 * time.Minute
	// maxClosedShown bounds the closed cycles /okr cycle lists.
	maxClosedShown = 12
)

func init() {
	submissions[cbScore] = (*Bot).submitScores
	actionHandlers[actCycleStart] = (*Bot).onCycleStart
	actionHandlers[actCycleClose] = (*Bot).onCycleClose
	actionHandlers[actCycleCancel] = (*Bot).onCycleCancel
	actionHandlers[actScoreOpen] = (*Bot).openScores
}

// cmdCycle shows the cycles (`/okr cycle`); admins start the next one
// (`/okr cycle start [2027-Q1]`) or close the current one (`/okr cycle close`).
func (b *Bot) cmdCycle(ctx context.Context, c *command) error {
	if len(c.args) == 0 {
		return b.showCycles(ctx, c)
	}
	switch strings.ToLower(c.args[0]) {
	case "start", "begin", "new":
		if len(c.args) > 2 {
			return usage(c, "Name one cycle to start, like `2027-Q1`, or none for the next quarter.")
		}
		name := ""
		if len(c.args) == 2 {
			name = c.args[1]
		}
		return b.cycleStart(ctx, c, name)
	case "close", "end", "finish":
		if len(c.args) > 1 {
			return usage(c, "`/okr cycle close` closes the current cycle; it takes nothing after it.")
		}
		return b.cycleClose(ctx, c)
	}
	return usage(c, fmt.Sprintf("“%s” is not something I do with cycles.", esc(trunc(c.args[0], 30))))
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

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
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
			return usage(c, okr.ErrorMessage(err))
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
			// By dates, not by name: a fiscal year start changed since
			// would make the names mean other months.
			if next := quarterAfter(base, s); quarterIndex(next) > quarterIndex(q) || base.Status == okr.CycleCurrent {
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
		return fmt.Sprintf("Its %d open objectives stay as they are until their owner scores them: they get a DM to do so, and can carry unfinished ones over to %s with their key results.", objectives, next)
	}
	return fmt.Sprintf("Its %d open objectives stay as they are until their owners score them: each of the %d owners gets a DM to do so, and can carry unfinished ones over to %s with their key results.", objectives, owners, next)
}

// quarterAfter is the fiscal quarter after the cycle's last day.
func quarterAfter(c *okr.Cycle, s okr.Settings) okr.Quarter {
	return okr.QuarterOf(c.End.Add(-12*time.Hour).In(s.Location), s.FiscalMonth).Next()
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

// scoreRequest is one owner's objectives to score.
type scoreRequest struct {
	UserID     string
	Objectives []*okr.Objective
}

// askToScore sends each owner of an open objective in the closed cycle a
// DM to score theirs, and says what it is doing. The delivery ledger makes
// it safe to call again: an owner already asked is not asked twice. With
// wait unset the DMs go out in the background, so the admin's answer does
// not wait for a large company; with it set, they are out on return.
func (b *Bot) askToScore(ctx context.Context, c *okr.Cycle, wait bool) (string, error) {
	active := okr.StatusActive
	objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, Status: &active})
	if err != nil {
		return "", err
	}
	if len(objs) == 0 {
		return "It had no open objectives to score.", nil
	}
	a, err := b.analyze(ctx, c)
	if err != nil {
		return "", err
	}
	progress := make(map[int64]float64, len(objs))
	for _, o := range objs {
		if st := a.Objective(o.ID); st != nil {
			progress[o.ID] = st.Progress
		}
	}
	next := "the next cycle"
	if n, err := b.nextCycle(ctx, c, false); err == nil {
		next = n.Name
	}
	byOwner := map[string]*scoreRequest{}
	var reqs []*scoreRequest
	for _, o := range objs {
		r := byOwner[o.OwnerID]
		if r == nil {
			r = &scoreRequest{UserID: o.OwnerID}
			byOwner[o.OwnerID] = r
			reqs = append(reqs, r)
		}
		r.Objectives = append(r.Objectives, o)
	}
	slices.SortFunc(reqs, func(x, y *scoreRequest) int { return cmp.Compare(x.UserID, y.UserID) })
	retry, err := b.staleScoreClaims(ctx, c)
	if err != nil {
		return "", err
	}
	send := func(ctx context.Context) error { return b.sendScoreRequests(ctx, c, next, progress, reqs, retry) }
	if wait {
		if err := send(ctx); err != nil {
			return "", err
		}
	} else {
		b.goWork(b.workCtx, "score requests "+c.Name, send)
	}
	return fmt.Sprintf("I am asking %s to score %s%s; they can carry unfinished ones over to *%s*.",
		countOf(len(reqs), "owner", "owners"), countOf(len(objs), "open objective", "open objectives"),
		map[bool]string{true: "", false: " between them"}[len(reqs) == 1], esc(next)), nil
}

func scoreKey(c *okr.Cycle, userID string) string { return fmt.Sprintf("score:%d:%s", c.ID, userID) }

// staleScoreClaims are owners whose scoring DM was claimed long ago and
// never confirmed: the send was cut short, so it may go out again.
func (b *Bot) staleScoreClaims(ctx context.Context, c *okr.Cycle) (map[string]bool, error) {
	pending, err := b.store.Pending(ctx)
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("score:%d:", c.ID)
	out := map[string]bool{}
	for _, d := range pending {
		if user, ok := strings.CutPrefix(d.Key, prefix); ok && b.opts.Now().Sub(d.ClaimedAt) > staleScoreClaim {
			out[user] = true
		}
	}
	return out, nil
}

// sendScoreRequests DMs each owner once. When its time runs short it hands
// the rest to a fresh handler, so a large company is asked in full.
func (b *Bot) sendScoreRequests(ctx context.Context, c *okr.Cycle, next string, progress map[int64]float64, reqs []*scoreRequest, retry map[string]bool) error {
	for i, r := range reqs {
		// Each handler sends at least one, so a short handler timeout
		// still makes progress.
		if dl, ok := ctx.Deadline(); ok && i > 0 && time.Until(dl) < 5*time.Second {
			rest := reqs[i:]
			b.goWork(b.workCtx, "score requests "+c.Name, func(ctx context.Context) error {
				return b.sendScoreRequests(ctx, c, next, progress, rest, retry)
			})
			return nil
		}
		if err := b.sendScoreRequest(ctx, c, next, progress, r, retry[r.UserID]); err != nil {
			b.log.Error("scoring request not sent", slog.String("cycle", c.Name), slog.String("user", r.UserID), slog.Any("err", err))
		}
	}
	return nil
}

func (b *Bot) sendScoreRequest(ctx context.Context, c *okr.Cycle, next string, progress map[int64]float64, r *scoreRequest, retry bool) error {
	if u, err := b.store.FindUserByID(ctx, r.UserID); err == nil && (u.Deleted || u.IsBot) {
		return nil // nobody to ask; an admin can still score through the owner's successor
	}
	key := scoreKey(c, r.UserID)
	first, err := b.store.Claim(ctx, key)
	if err != nil {
		return err
	}
	if !first && !retry {
		return nil
	}
	msg := scoreRequestMessage(c, next, progress, r)
	channel, ts, err := b.api.PostMessageContext(ctx, r.UserID, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	if err != nil {
		return fmt.Errorf("send scoring request: %w", err)
	}
	return b.store.MarkSent(ctx, key, channel+"/"+ts)
}

// scoreRequestMessage lists an owner's objectives with their progress and a
// button that opens the scoring form.
func scoreRequestMessage(c *okr.Cycle, next string, progress map[int64]float64, r *scoreRequest) message {
	intro := fmt.Sprintf(":checkered_flag: *%s* has closed. Time to score your %s:", esc(c.Name),
		map[bool]string{true: "objective", false: "objectives"}[len(r.Objectives) == 1])
	var lines []string
	for _, o := range r.Objectives {
		p := progress[o.ID]
		lines = append(lines, fmt.Sprintf("• *%s* %s · %s %s", o.Ref(), esc(trunc(o.Title, 120)), bar(p), pct(p)))
	}
	blocks := []slack.Block{section(intro)}
	blocks = append(blocks, lineSections(lines, 10)...)
	blocks = append(blocks,
		contextBlock(fmt.Sprintf("Score each from 0.0 to 1.0; 0.7 on a stretch goal is a success. Unfinished objectives can be carried over to %s with their key results.", esc(next))),
	)
	score := button("Score my objectives", actScoreOpen, idValue(c.ID))
	score.Style = slack.StylePrimary
	blocks = append(blocks, actions("score", score))
	return message{Text: fmt.Sprintf("%s has closed: time to score your objectives", c.Name), Blocks: blocks}
}

// nextCycle is the cycle after c, where objectives are carried over: the
// earliest open cycle that starts after it, else the following quarter,
// created as upcoming when create is set (unsaved, ID 0, when not).
func (b *Bot) nextCycle(ctx context.Context, c *okr.Cycle, create bool) (*okr.Cycle, error) {
	cycles, err := b.store.FindCycles(ctx)
	if err != nil {
		return nil, err
	}
	var best *okr.Cycle
	for _, cy := range cycles {
		if cy.ID == c.ID || cy.Status == okr.CycleClosed || !cy.Start.After(c.Start) {
			continue
		}
		if best == nil || cy.Start.Before(best.Start) {
			best = cy
		}
	}
	if best != nil {
		return best, nil
	}
	s := b.settings(ctx)
	next := okr.NewCycle(quarterAfter(c, s), s.FiscalMonth, s.Location, okr.CycleUpcoming)
	for _, cy := range cycles {
		if strings.EqualFold(cy.Name, next.Name) {
			return nil, okr.Errorf(okr.ECONFLICT, "The next cycle, %s, is closed already; nothing can be carried over into it.", esc(cy.Name))
		}
	}
	if !create {
		return next, nil
	}
	if err := b.store.CreateCycle(ctx, next); err != nil {
		if okr.ErrorCode(err) != okr.ECONFLICT {
			return nil, err
		}
		return b.store.FindCycleByName(ctx, next.Name) // created meanwhile
	}
	b.log.Info("cycle created for carried-over objectives", slog.String("cycle", next.Name))
	return next, nil
}

// openScores opens the scoring form for the clicker's open objectives in
// the closed cycle.
func (b *Bot) openScores(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	c, err := b.closedCycle(ctx, parseID(a.Value))
	if err != nil {
		return err
	}
	active, owner := okr.StatusActive, cb.User.ID
	objs, total, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, OwnerID: &owner, Status: &active, Limit: maxScored})
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		text := fmt.Sprintf(":white_check_mark: Your objectives in *%s* are all scored. Thank you!", esc(c.Name))
		return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text))
	}
	a2, err := b.analyze(ctx, c)
	if err != nil {
		return err
	}
	next := "the next cycle"
	if n, err := b.nextCycle(ctx, c, false); err == nil {
		next = n.Name
	}
	blocks := []slack.Block{contextBlock("Score each objective from 0.0 to 1.0 (or as a percentage); 0.7 on a stretch goal is a success. Each is filled in with its progress.")}
	meta := viewMeta{ResponseURL: cb.ResponseURL, CycleID: c.ID}
	for _, o := range objs {
		p := 0.0
		if st := a2.Objective(o.ID); st != nil {
			p = st.Progress
		}
		id := idValue(o.ID)
		in := textInput("score_"+id, trunc(o.Ref()+" · "+o.Title, 150), "0.0 to 1.0, e.g. 0.7 or 70%", strconv.FormatFloat(math.Round(p*10)/10, 'f', 1, 64), 10, false, false)
		in.Hint = plain(fmt.Sprintf("Progress %s · %s objective", pct(p), o.Level.Label()))
		blocks = append(blocks, in, checkboxes("carry_"+id, "Next cycle", []*slack.OptionBlockObject{
			option("Carry over to "+next, "carry", "A copy with its unmet key results, starting from where they are now"),
		}, nil))
		meta.IDs = append(meta.IDs, o.ID)
	}
	if total > len(objs) {
		blocks = append(blocks, contextBlock(fmt.Sprintf("You have %d more; score these, then click the button again for the rest.", total-len(objs))))
	}
	return b.openModal(ctx, cb.TriggerID, modal(cbScore, "Score "+c.Name, "Save scores", meta, blocks))
}

// closedCycle loads the cycle a scoring button or form is about: scores
// are given only once a cycle has closed, whatever a button says.
func (b *Bot) closedCycle(ctx context.Context, id int64) (*okr.Cycle, error) {
	c, err := b.store.FindCycleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != okr.CycleClosed {
		return nil, okr.Errorf(okr.ECONFLICT, "%s is not closed; objectives are scored when their cycle closes.", esc(c.Name))
	}
	return c, nil
}

// readScore reads a score as people write it: "0.7", ".7", "0,7", "70%".
func readScore(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	bad := okr.Errorf(okr.EINVALID, "A score is from 0.0 to 1.0, like 0.7, or a percentage like 70%%.")
	if s == "" {
		return 0, bad
	}
	percent := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, bad
	}
	if percent {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, bad
	}
	return math.Round(v*100) / 100, nil
}

// scored is one objective's line in the scoring confirmation.
type scored struct {
	Objective *okr.Objective
	Score     float64
	Carry     bool           // ticked to carry over
	Copy      *okr.Objective // the carried-over copy (its ID set once saved)
	copies    []*okr.KeyResult
	KRs       int  // key results carried with it
	Left      int  // met key results left behind
	Already   bool // carried over before
}

// submitScores records each score and carries the ticked objectives over.
func (b *Bot) submitScores(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	c, err := b.closedCycle(ctx, meta.CycleID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	if len(meta.IDs) == 0 {
		return b.generalError(cb, okr.Errorf(okr.EINVALID, "This form lost track of its objectives; click the Score button again.")), nil
	}
	objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: meta.IDs})
	if err != nil {
		return b.generalError(cb, err), nil
	}
	var results []*scored
	carry := false
	for _, o := range objs {
		block := "score_" + idValue(o.ID)
		if o.CycleID != c.ID {
			errs.set(block, "%s is not in %s; objectives are scored when their own cycle closes.", o.Ref(), esc(c.Name))
			continue
		}
		if o.OwnerID != cb.User.ID && !actor.Admin {
			errs.set(block, "Only %s, who owns %s, or an admin can score it.", mention(o.OwnerID), o.Ref())
			continue
		}
		if o.Status == okr.StatusArchived {
			continue // archived since the form opened: nothing to score
		}
		v, err := readScore(state.text(block))
		if err != nil {
			errs.set(block, "%s", okr.ErrorMessage(err))
			continue
		}
		r := &scored{Objective: o, Score: v}
		if len(state.checked("carry_"+idValue(o.ID))) > 0 {
			r.Carry, carry = true, true
		}
		results = append(results, r)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	var next *okr.Cycle
	if carry {
		if next, err = b.nextCycle(ctx, c, true); err != nil {
			for _, r := range results {
				if r.Carry {
					if okr.ErrorCode(err) == okr.EINTERNAL {
						return b.generalError(cb, err), nil
					}
					errs.set("carry_"+idValue(r.Objective.ID), "%s", okr.ErrorMessage(err))
					return errs, nil
				}
			}
		}
	}
	closings := make([]okr.Closing, 0, len(results))
	for _, r := range results {
		cl := okr.Closing{ObjectiveID: r.Objective.ID, Score: r.Score}
		if r.Carry {
			if err := b.carryOver(ctx, r, next); err != nil {
				if okr.ErrorCode(err) == okr.EINTERNAL {
					return b.generalError(cb, err), nil
				}
				errs.set("carry_"+idValue(r.Objective.ID), "%s", okr.ErrorMessage(err))
				continue
			}
			if !r.Already {
				cl.CarryOver, cl.CarryKeyResults = r.Copy, r.copies
			}
		}
		closings = append(closings, cl)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	// One transaction: every score and copy is saved, or none is.
	if err := b.store.CloseObjectives(ctx, closings); err != nil {
		if okr.ErrorCode(err) == okr.EINTERNAL {
			return b.generalError(cb, err), nil
		}
		return b.generalError(cb, okr.Errorf(okr.ErrorCode(err), "Nothing was saved: %s", okr.ErrorMessage(err))), nil
	}
	b.changed()
	return nil, func(ctx context.Context) error {
		return b.confirmScores(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, c, next, results)
	}
}

// carryOver prepares the copy of a scored objective for the next cycle:
// its live key results with their current values as the new starts; key
// results already met stay behind. It writes nothing (CloseObjectives does,
// with the scores). A copy made before (same owner and title) is not made
// again.
func (b *Bot) carryOver(ctx context.Context, r *scored, next *okr.Cycle) error {
	o := r.Objective
	title, owner := o.Title, o.OwnerID
	found, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &next.ID, OwnerID: &owner, TitlePrefix: &title})
	if err != nil {
		return err
	}
	for _, f := range found {
		if f.Status != okr.StatusArchived && strings.EqualFold(f.Title, o.Title) {
			r.Copy, r.Already = f, true
			return nil
		}
	}
	krs, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, kr := range krs {
		if kr.Done() || (kr.Kind == okr.KindIncrease || kr.Kind == okr.KindDecrease) && kr.Progress() >= 1 {
			r.Left++
			continue
		}
		r.copies = append(r.copies, &okr.KeyResult{Title: kr.Title, Kind: kr.Kind, Start: kr.Current, Target: kr.Target,
			Current: kr.Current, Unit: kr.Unit, OwnerID: kr.OwnerID, Weight: kr.Weight})
	}
	r.Copy = &okr.Objective{Title: o.Title, Description: o.Description, Level: o.Level, OwnerID: o.OwnerID, TeamID: o.TeamID,
		CycleID: next.ID, RollupChildren: o.RollupChildren, Weight: o.Weight}
	// A parent in a cycle that stays open (a yearly objective, say) still
	// applies; one in the closed cycle does not (CloseObjectives drops a
	// parent that no longer holds).
	if o.ParentObjectiveID != 0 {
		if p, err := b.store.FindObjectiveByID(ctx, o.ParentObjectiveID); err == nil && p.CycleID != o.CycleID && p.Status == okr.StatusActive {
			r.Copy.ParentObjectiveID, r.Copy.ParentKeyResultID = o.ParentObjectiveID, o.ParentKeyResultID
		}
	}
	r.KRs = len(r.copies)
	return nil
}

// confirmScores replaces the scoring DM with what was recorded.
func (b *Bot) confirmScores(ctx context.Context, to replyTo, c *okr.Cycle, next *okr.Cycle, results []*scored) error {
	var lines []string
	for _, r := range results {
		line := fmt.Sprintf("• *%s* %s · score *%s*", r.Objective.Ref(), esc(trunc(r.Objective.Title, 120)), strconv.FormatFloat(r.Score, 'f', -1, 64))
		switch {
		case r.Copy != nil && r.Already:
			line += fmt.Sprintf(" · already carried over as *%s*", r.Copy.Ref())
		case r.Copy != nil:
			line += fmt.Sprintf(" · carried over to %s as *%s* with %s", esc(next.Name), r.Copy.Ref(), countOf(r.KRs, "key result", "key results"))
			if r.Left > 0 {
				line += fmt.Sprintf(" (%s already met stayed behind)", countOf(r.Left, "key result", "key results"))
			}
		}
		lines = append(lines, line)
	}
	intro := fmt.Sprintf(":white_check_mark: Scored your %s objectives:", esc(c.Name))
	blocks := []slack.Block{section(intro)}
	blocks = append(blocks, lineSections(lines, 20)...)
	if next != nil && slices.ContainsFunc(results, func(r *scored) bool { return r.Copy != nil && !r.Already }) {
		blocks = append(blocks, contextBlock(fmt.Sprintf("Carried-over objectives are not aligned in %s unless their parent carried on; `/okr link` aligns them.", esc(next.Name))))
	}
	// This replaces the request and its button: keep the button while
	// objectives are left (one form holds at most maxScored).
	active, owner := okr.StatusActive, to.UserID
	if _, left, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, OwnerID: &owner, Status: &active, Limit: 1}); err != nil {
		return err
	} else if left > 0 {
		score := button("Score the rest", actScoreOpen, idValue(c.ID))
		score.Style = slack.StylePrimary
		blocks = append(blocks, section(fmt.Sprintf("%s still to score.", countOf(left, "objective is", "objectives are"))), actions("score", score))
	}
	return b.send(ctx, to, message{Text: intro, Blocks: blocks, Replace: to.ResponseURL != ""})
}
