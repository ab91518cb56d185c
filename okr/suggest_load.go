package okr

import (
	"context"
	"fmt"
)

// SuggestionStore is what building a suggestion index reads.
type SuggestionStore interface {
	CycleService
	ObjectiveService
	KeyResultService
	TeamService
	SettingService
	SuggestionFeedbackService
}

const (
	// pastCyclesLearned is how many earlier cycles' links an index learns
	// from: a year of quarters, recent enough to speak of today's
	// organisation.
	pastCyclesLearned = 4
	// feedbackLearned bounds the answers to suggestions read, newest first.
	feedbackLearned = 5000
)

// LoadSuggestionIndex builds the cycle's suggestion index from the store:
// its objectives and key results, the teams, the links of the cycles before
// it, people's answers to earlier suggestions and the lexicon with the
// workspace's own terms.
func LoadSuggestionIndex(ctx context.Context, store SuggestionStore, cycleID int64) (*SuggestionIndex, error) {
	in := SuggestionInput{CycleID: cycleID, Lexicon: BuiltinLexicon()}
	live := false
	objs, _, err := store.FindObjectives(ctx, ObjectiveFilter{CycleID: &cycleID})
	if err != nil {
		return nil, fmt.Errorf("index objectives: %w", err)
	}
	// The key results' titles alone: whole rows, 50,000 of them, were
	// most of what building the index allocated.
	krs, err := store.FindKeyResultTexts(ctx, KeyResultFilter{CycleID: &cycleID, Archived: &live})
	if err != nil {
		return nil, fmt.Errorf("index key results: %w", err)
	}
	in.Objectives = objs
	if in.Teams, err = store.FindTeams(ctx); err != nil {
		return nil, fmt.Errorf("index teams: %w", err)
	}
	if in.Feedback, err = store.FindSuggestionFeedback(ctx, feedbackLearned); err != nil {
		return nil, fmt.Errorf("index feedback: %w", err)
	}
	settings, err := store.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("index terms: %w", err)
	}
	if terms, err := ParseLexicon(settings[SettingTerms]); err == nil { // /okr settings refuses bad terms; a bad file import too
		in.Lexicon = in.Lexicon.With(terms)
	}
	past, err := pastCycles(ctx, store, cycleID)
	if err != nil {
		return nil, err
	}
	for _, c := range past {
		// Only what was linked teaches anything; the rest stays on disk.
		objs, _, err := store.FindObjectives(ctx, ObjectiveFilter{CycleID: &c.ID, Linked: true})
		if err != nil {
			return nil, fmt.Errorf("index past objectives: %w", err)
		}
		pastKRs, err := store.FindKeyResultTexts(ctx, KeyResultFilter{CycleID: &c.ID, Archived: &live, Linked: true})
		if err != nil {
			return nil, fmt.Errorf("index past key results: %w", err)
		}
		in.Objectives = append(in.Objectives, objs...)
		krs = append(krs, pastKRs...)
	}
	return newSuggestionIndex(in, krs), nil
}

// pastCycles are the cycles that started before this one, the most recent
// first, at most pastCyclesLearned.
func pastCycles(ctx context.Context, store CycleService, cycleID int64) ([]*Cycle, error) {
	all, err := store.FindCycles(ctx) // newest first
	if err != nil {
		return nil, fmt.Errorf("index cycles: %w", err)
	}
	var this *Cycle
	for _, c := range all {
		if c.ID == cycleID {
			this = c
		}
	}
	var out []*Cycle
	for _, c := range all {
		if this != nil && c.ID != cycleID && c.Start.Before(this.Start) && len(out) < pastCyclesLearned {
			out = append(out, c)
		}
	}
	return out, nil
}
