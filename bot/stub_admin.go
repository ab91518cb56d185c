package bot

import (
	"context"
	"errors"
)

// TEMPORARY: replaced by cycle.go and the settings modal.
func (b *Bot) cmdCycle(ctx context.Context, c *command) error { return errors.New("cycle: not built") }
func (b *Bot) cmdSettings(ctx context.Context, c *command) error {
	return errors.New("settings: not built")
}
