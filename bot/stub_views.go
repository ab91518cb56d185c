package bot

import (
	"context"
	"errors"
)

// TEMPORARY: replaced by list.go, show.go, tree.go, gaps.go.
func (b *Bot) cmdList(ctx context.Context, c *command) error { return errors.New("list: not built") }
func (b *Bot) cmdShow(ctx context.Context, c *command) error { return errors.New("show: not built") }
func (b *Bot) cmdTree(ctx context.Context, c *command) error { return errors.New("tree: not built") }
func (b *Bot) cmdGaps(ctx context.Context, c *command) error { return errors.New("gaps: not built") }
