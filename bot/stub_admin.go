package bot

import (
	"context"
	"errors"
)

// TEMPORARY: replaced by cycle.go.
func (b *Bot) cmdCycle(ctx context.Context, c *command) error { return errors.New("cycle: not built") }
