package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// withDefaults fills the zero fields of the configured settings.
func withDefaults(s okr.Settings) okr.Settings {
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.FiscalMonth == 0 {
		s.FiscalMonth = time.January
	}
	if s.Policy == (okr.Policy{}) {
		s.Policy = okr.DefaultPolicy()
	}
	if s.CheckinSchedule == "" {
		s.CheckinSchedule = "0 10 * * MON"
	}
	if s.ReminderSchedule == "" {
		s.ReminderSchedule = "0 15 * * WED"
	}
	if s.DigestSchedule == "" {
		s.DigestSchedule = "0 16 * * FRI"
	}
	return s
}

// settings are the configured defaults with the admins' stored overrides.
// A stored value that no longer reads is logged and skipped, never fatal.
func (b *Bot) settings(ctx context.Context) okr.Settings {
	stored, err := b.store.Settings(ctx)
	if err != nil {
		b.log.Error("read settings; using the configured defaults", slog.Any("err", err))
		return b.opts.Defaults
	}
	s, err := b.opts.Defaults.Apply(stored)
	if err != nil {
		b.log.Warn("a stored setting is invalid and was skipped", slog.Any("err", err))
	}
	return s
}

func (b *Bot) policy(ctx context.Context) okr.Policy { return b.settings(ctx).Policy }

// currentCycle returns the current cycle, starting the quarter that
// contains today on the very first use. Once cycles exist, none being
// current is an admin's choice (they closed one and start the next
// themselves), so that answers with the not-found error instead.
func (b *Bot) currentCycle(ctx context.Context) (*okr.Cycle, error) {
	c, err := b.store.CurrentCycle(ctx)
	if okr.ErrorCode(err) != okr.ENOTFOUND {
		return c, err
	}
	if all, ferr := b.store.FindCycles(ctx); ferr != nil {
		return nil, ferr
	} else if len(all) > 0 {
		return nil, err
	}
	s := b.settings(ctx)
	now := b.opts.Now().In(s.Location)
	c = okr.NewCycle(okr.QuarterOf(now, s.FiscalMonth), s.FiscalMonth, s.Location, okr.CycleCurrent)
	if err := b.store.CreateCycle(ctx, c); err != nil && okr.ErrorCode(err) != okr.ECONFLICT {
		return nil, err
	}
	return b.store.CurrentCycle(ctx) // another request may have created it first
}
