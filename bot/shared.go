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
// what it returns.
func (b *Bot) Analysis(ctx context.Context, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error) {
	return b.analyses.load(ctx, b.store, cycle, now, policy, analysisMaxAge)
}

// SuggestionIndex is the cycle's suggestion index, shared with the bot's
// type-ahead and suggestions.
func (b *Bot) SuggestionIndex(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
	return b.indexes.get(ctx, cycleID)
}
