package bot

import (
	"context"
	"errors"
)

// TEMPORARY: replaced by cycle.go, settings modal, away.go.
func (b *Bot) cmdCycle(ctx context.Context, c *command) error { return errors.New("cycle: not built") }
func (b *Bot) cmdSettings(ctx context.Context, c *command) error {
	return errors.New("settings: not built")
}
func (b *Bot) cmdAway(ctx context.Context, c *command) error { return errors.New("away: not built") }
func (b *Bot) cmdBack(ctx context.Context, c *command) error { return errors.New("back: not built") }
