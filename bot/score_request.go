package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

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
	send := func(ctx context.Context) error { return b.sendScoreRequests(ctx, c, next, progress, reqs) }
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

// resumeScoreRequests finishes, at start, the scoring requests of the last
// closed cycle that a stopped process had begun to send: once any request
// of a cycle is in the ledger, asking again sends only those never sent. A
// process stopped before its first request leaves nothing to go on; the
// admin's next `/okr cycle close` sends them (alreadyClosed).
func (b *Bot) resumeScoreRequests(ctx context.Context) error {
	cycles, err := b.store.FindCycles(ctx)
	if err != nil {
		return err
	}
	for _, c := range cycles { // newest first
		if c.Status != okr.CycleClosed {
			continue
		}
		begun, err := b.store.FindDeliveries(ctx, okr.DeliveryFilter{Prefix: okr.ScorePrefix(c.ID), Limit: 1})
		if err != nil || len(begun) == 0 {
			return err
		}
		_, err = b.askToScore(ctx, c, true)
		return err
	}
	return nil
}

// sendScoreRequests DMs each owner once. When its time runs short it hands
// the rest to a fresh handler, so a large company is asked in full.
func (b *Bot) sendScoreRequests(ctx context.Context, c *okr.Cycle, next string, progress map[int64]float64, reqs []*scoreRequest) error {
	for i, r := range reqs {
		// Each handler sends at least one, so a short handler timeout
		// still makes progress.
		if dl, ok := ctx.Deadline(); ok && i > 0 && time.Until(dl) < 5*time.Second {
			rest := reqs[i:]
			b.goWork(b.workCtx, "score requests "+c.Name, func(ctx context.Context) error {
				return b.sendScoreRequests(ctx, c, next, progress, rest)
			})
			return nil
		}
		if err := b.sendScoreRequest(ctx, c, next, progress, r); err != nil {
			b.log.Error("scoring request not sent", slog.String("cycle", c.Name), slog.String("user", r.UserID), slog.Any("err", err))
		}
	}
	return nil
}

// sendScoreRequest DMs one owner once over the ledger: a request cut short
// (by an error, or by a process that died) is sent by a later call, one
// already sent never again.
func (b *Bot) sendScoreRequest(ctx context.Context, c *okr.Cycle, next string, progress map[int64]float64, r *scoreRequest) error {
	if u, err := b.store.FindUserByID(ctx, r.UserID); err == nil && (u.Deleted || u.IsBot) {
		return nil // nobody to ask; an admin can still score through the owner's successor
	}
	msg := scoreRequestMessage(c, next, progress, r)
	key := okr.ScoreKey(c.ID, r.UserID)
	send := func(ctx context.Context) (string, error) {
		return b.sender.post(ctx, outgoing{Target: r.UserID, Key: key, Msg: msg})
	}
	outcome, err := b.opts.Deliverer.Deliver(ctx, key, r.UserID, send, b.sender.find)
	if err != nil {
		return fmt.Errorf("send scoring request: %w", err)
	}
	if outcome == okr.NotDelivered {
		b.log.Warn("scoring request refused by Slack for good", slog.String("cycle", c.Name), slog.String("user", r.UserID))
	}
	return nil
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
