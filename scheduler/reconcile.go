package scheduler

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Reconciling at start: deliveries claimed by a process that is gone and
// never confirmed may have reached Slack (it died between Slack's answer
// and writing it down). Each is looked for in its conversation first; one
// found is recorded as sent, so no job sends it again. One not found stays
// for its job to send (the job takes the claim over and looks once more),
// unless it is older than any job's life, when it is given up.
const (
	// maxReconcile bounds the lookups at start (conversations.history is
	// rate limited); what is left is checked when its job reaches it.
	maxReconcile = 200
	// reconcileSkew widens the window looked in: Slack's timestamps and
	// this machine's clock may differ a little.
	reconcileSkew = 5 * time.Minute
	// staleClaim is older than any job's life: nothing will send it now.
	staleClaim = 8 * 24 * time.Hour
)

// reconcile checks the deliveries left pending by instances that are gone.
func (s *Scheduler) reconcile(ctx context.Context) error {
	pending, err := s.store.Pending(ctx)
	if err != nil {
		return err
	}
	instances, err := s.store.Instances(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	alive := map[string]bool{}
	for _, in := range instances {
		alive[in.ID] = now.Sub(in.BeatAt) < okr.InstanceTimeout
	}
	checked := 0
	for _, d := range pending {
		if ctx.Err() != nil || checked >= maxReconcile {
			break
		}
		if alive[d.Owner] || d.Target == "" {
			continue // another process is sending it, or there is nowhere to look
		}
		checked++
		ref, found, err := s.notify.FindSent(ctx, d.Target, d.Key, d.ClaimedAt.Add(-reconcileSkew))
		switch {
		case err != nil:
			s.log.Warn("could not check an unconfirmed delivery; its job will", slog.String("key", d.Key), slog.Any("err", err))
		case found:
			if err := s.store.MarkSent(ctx, d.Key, ref); err != nil {
				return err
			}
			s.stats.recovered.Add(1)
			s.log.Info("an earlier attempt had reached Slack; recorded it", slog.String("key", d.Key))
		case now.Sub(d.ClaimedAt) > staleClaim && !strings.HasPrefix(d.Key, "score:"):
			// Scoring requests belong to the bot: a later close sends them.
			if err := s.store.MarkFailed(ctx, d.Key, "expired: not sent before its time was over"); err != nil {
				return err
			}
			s.stats.givenUp.Add(1)
			s.log.Error("an unconfirmed delivery was never sent and its time is over; given up", slog.String("key", d.Key))
		}
	}
	return nil
}
