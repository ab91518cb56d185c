package bot

import (
	"context"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// What the bot keeps in memory that the scheduler, in the same process,
// reads too (scheduler.Options): one analysed cycle and one suggestion
// index, not one for the bot and another for each of the scheduler's
// passes. At 10,000 objectives each costs tens of megabytes and tens to
// hundreds of milliseconds to make.

// Analysis is the cycle's graph and its analysis as of now under policy,
// shared with the bot's reads. It is at most a minute old (analysisMaxAge)
// and reflects every write the store has made. Callers must not change
// what it returns. It waits for the bot's warm-up (warmedUp).
func (b *Bot) Analysis(ctx context.Context, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error) {
	b.warmedUp(ctx)
	return b.analyses.load(ctx, b.store, cycle, now, policy, analysisMaxAge)
}

// SuggestionIndex is the cycle's suggestion index, shared with the bot's
// type-ahead and suggestions. It waits for the one the bot builds at start
// (Warm): two built side by side would hold twice the memory. It reflects
// every write the store has made: one the bot could not patch over (okrbot
// import, say) is built again now, for a nudge must not miss the parents
// an import just made.
func (b *Bot) SuggestionIndex(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	b.warmedUp(ctx)
	return b.indexes.fresh(ctx, cycleID)
}

// warmedUp waits until the suggestion index the bot builds at start is
// ready (Warm), or ctx ends. The scheduler's first pass starts as soon as
// people are known: making its analysis, or a second index, beside the
// first would hold the memory of both at once.
func (b *Bot) warmedUp(ctx context.Context) {
	select {
	case <-b.warm:
	case <-ctx.Done():
	}
}
