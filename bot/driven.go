package bot

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/okrbot/okrbot/okr"
)

// A key result that objectives deliver is driven by them unless it is set
// by hand (okr/driven.go, docs/progress.md): a check-in sets it by hand,
// and /okr drive lets them drive it again.

// drivenKR is a key result driven now: its analysed state and the
// objectives driving it.
type drivenKR struct {
	state okr.KeyResultState
	by    []int64
}

// drivenNow finds which of krs are driven now, from the analyses of their
// cycles, by key-result ID. objectives maps the objectives of krs; one
// missing from it is read.
func (b *Bot) drivenNow(ctx context.Context, krs []*okr.KeyResult, objectives map[int64]*okr.Objective) (map[int64]drivenKR, error) {
	var missing []int64
	for _, kr := range krs {
		if objectives[kr.ObjectiveID] == nil {
			missing = append(missing, kr.ObjectiveID)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		found, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: slices.Compact(missing)})
		if err != nil {
			return nil, err
		}
		objectives = maps.Clone(objectives)
		if objectives == nil {
			objectives = map[int64]*okr.Objective{}
		}
		for _, o := range found {
			objectives[o.ID] = o
		}
	}
	out := map[int64]drivenKR{}
	analyses := map[int64]*okr.Analysis{}
	for _, kr := range krs {
		o := objectives[kr.ObjectiveID]
		if o == nil || o.Status != okr.StatusActive {
			continue
		}
		a := analyses[o.CycleID]
		if a == nil {
			var err error
			if a, err = b.analyzeCycle(ctx, o.CycleID); err != nil {
				return nil, err
			}
			analyses[o.CycleID] = a
		}
		if st, ok := a.StateOf(kr); ok && st.Driven {
			out[kr.ID] = drivenKR{state: st, by: a.DeliveredBy(kr.ID)}
		}
	}
	return out, nil
}

// cmdDrive lets the objectives that deliver a key result drive its
// progress again, after a check-in set it by hand: `/okr drive KR45`. Who
// may check in on it may do this.
func (b *Bot) cmdDrive(ctx context.Context, c *command) error {
	t, err := b.resolve(ctx, c.rest)
	if err != nil {
		return err
	}
	kr := t.KeyResult
	if kr == nil {
		return okr.Errorf(okr.EINVALID, "*%s* is an objective; name one of its key results, like `/okr drive KR45`.", t.Objective.Ref())
	}
	actor, err := b.actor(ctx, c.UserID)
	if err != nil {
		return err
	}
	if actor.CanCheckIn(kr) != nil {
		return okr.Errorf(okr.EFORBIDDEN, "Only %s, who owns %s, or an admin can choose what sets its progress.", mention(kr.OwnerID), kr.Ref())
	}
	if err := b.checkOpen(ctx, t.Objective); err != nil {
		return err
	}
	a, err := b.analyzeCycle(ctx, t.Objective.CycleID)
	if err != nil {
		return err
	}
	by := a.DeliveredBy(kr.ID)
	if len(by) == 0 {
		return okr.Errorf(okr.EINVALID, "No active objective of this cycle delivers *%s* %s, so nothing can drive it. "+
			"An objective delivers it once it is linked to it: `/okr link O12 to %s`.", kr.Ref(), esc(trunc(kr.Title, 80)), kr.Ref())
	}
	if st, ok := a.StateOf(kr); ok && st.Driven {
		return b.send(ctx, c.replyTo(), say(fmt.Sprintf("*%s* %s is already %s: %s.", kr.Ref(), esc(trunc(kr.Title, 80)), drivenText(by), pct(st.Progress))))
	}
	driven := false
	if _, err := b.store.UpdateKeyResult(ctx, kr.ID, okr.KeyResultUpdate{ByHand: &driven}); err != nil {
		return err
	}
	b.log.Info("key result driven again", slog.String("user", c.UserID), slog.Int64("key_result", kr.ID))
	now := "its progress is theirs from now on"
	if a, err := b.analyzeCycle(ctx, t.Objective.CycleID); err != nil {
		b.log.Warn("analyse after driving a key result", slog.Int64("key_result", kr.ID), slog.Any("err", err))
	} else if st, ok := a.StateOf(kr); ok && st.Driven {
		now = fmt.Sprintf("%s %s from their progress", bar(st.Progress), pct(st.Progress))
	}
	text := fmt.Sprintf(":white_check_mark: *%s* %s is %s again: %s. A check-in on it sets it by hand.",
		kr.Ref(), esc(trunc(kr.Title, 80)), drivenText(by), now)
	if err := b.send(ctx, c.replyTo(), say(text)); err != nil {
		return err
	}
	return b.publishHome(ctx, kr.OwnerID)
}
