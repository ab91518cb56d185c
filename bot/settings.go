package bot

import (
	"context"
	"log/slog"

	"github.com/okrbot/okrbot/okr"
)

// settings are the configured defaults with the admins' stored overrides.
// A stored value that no longer reads is logged and skipped, never fatal.
func (b *Bot) settings(ctx context.Context) okr.Settings {
	s, err := okr.LoadSettings(ctx, b.store, b.opts.Defaults)
	switch {
	case err == nil:
	case len(okr.FieldErrors(err)) > 0:
		b.log.Warn("a stored setting is invalid and was skipped", slog.Any("err", err))
	default:
		b.log.Error("read settings; using the configured defaults", slog.Any("err", err))
	}
	return s
}

func (b *Bot) policy(ctx context.Context) okr.Policy { return b.settings(ctx).Policy }
