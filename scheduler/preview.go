package scheduler

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// PreviewDigests builds the digests a digest run at now would post: the
// company's first, then each team with a channel of its own, each with its
// Channel set ("" for the company digest when no digest channel is set).
// It sends nothing and leaves the delivery ledger alone, so an admin can
// read Friday's digest on Tuesday (okrbot digest -preview). Like the
// bot, it starts the first cycle of a database that has none; when an
// admin has closed the current one there is nothing to digest, and the
// error says so.
func PreviewDigests(ctx context.Context, store okr.RhythmStore, defaults okr.Settings, now time.Time) ([]*okr.Digest, error) {
	// A pass reads through its scheduler's store, defaults and logger only;
	// nothing here delivers, so no notifier or ledger is needed.
	s := &Scheduler{store: store, opts: Options{Defaults: defaults}.withDefaults(store),
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p, err := s.newPass(ctx, now)
	if err != nil {
		return nil, err
	}
	if p.cycle == nil {
		return nil, okr.Errorf(okr.ENOTFOUND, "No cycle is current on %s, so there is no digest to show. An admin starts the next one with /okr cycle start.",
			now.In(p.settings.Location).Format("Mon 2 Jan 2006"))
	}
	if err := p.loadGraph(ctx); err != nil {
		return nil, err
	}
	targets, err := p.digestTargets(ctx)
	if err != nil {
		return nil, err
	}
	var out []*okr.Digest
	for _, t := range targets {
		d, err := p.digest(ctx, t.team)
		if err != nil {
			return nil, err
		}
		d.Channel = t.channel
		out = append(out, d)
	}
	return out, nil
}
