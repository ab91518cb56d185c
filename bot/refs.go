package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

// target is what a reference names: an objective, or a key result with its
// objective.
type target struct {
	Objective *okr.Objective
	KeyResult *okr.KeyResult // nil for an objective
}

// resolve reads a reference as people type it: "O12", "KR45", or the unique
// start of an objective's title (current cycle first, then any).
func (b *Bot) resolve(ctx context.Context, text string) (target, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return target{}, okr.Errorf(okr.EINVALID, "Name an objective or key result, like `O12` or `KR45`.")
	}
	switch kind, id := okr.ParseRef(text); kind {
	case okr.RefObjective:
		o, err := b.store.FindObjectiveByID(ctx, id)
		return target{Objective: o}, err
	case okr.RefKeyResult:
		kr, err := b.store.FindKeyResultByID(ctx, id)
		if err != nil {
			return target{}, err
		}
		o, err := b.store.FindObjectiveByID(ctx, kr.ObjectiveID)
		return target{Objective: o, KeyResult: kr}, err
	}
	o, err := b.objectiveByTitle(ctx, text)
	return target{Objective: o}, err
}

// resolveObjective is resolve for places that take only an objective.
func (b *Bot) resolveObjective(ctx context.Context, text string) (*okr.Objective, error) {
	t, err := b.resolve(ctx, text)
	if err != nil {
		return nil, err
	}
	if t.KeyResult != nil {
		return nil, okr.Errorf(okr.EINVALID, "%s is a key result; name its objective, %s.", t.KeyResult.Ref(), t.Objective.Ref())
	}
	return t.Objective, nil
}

// objectiveByTitle finds the one active objective whose title starts with
// prefix, preferring the current cycle.
func (b *Bot) objectiveByTitle(ctx context.Context, prefix string) (*okr.Objective, error) {
	var found []*okr.Objective
	total := 0
	// SQLite's LIKE stops reading a pattern at a NUL byte: "KR\x00" would
	// find an objective titled "KR". No title typed in Slack holds a NUL.
	if !strings.ContainsRune(prefix, 0) {
		active := okr.StatusActive
		filter := okr.ObjectiveFilter{TitlePrefix: &prefix, Status: &active, Limit: 6}
		if c, err := b.store.CurrentCycle(ctx); err == nil {
			filter.CycleID = &c.ID
		}
		var err error
		if found, total, err = b.store.FindObjectives(ctx, filter); err != nil {
			return nil, err
		}
		if total == 0 && filter.CycleID != nil {
			filter.CycleID = nil
			if found, total, err = b.store.FindObjectives(ctx, filter); err != nil {
				return nil, err
			}
		}
	}
	switch total {
	case 0:
		return nil, okr.Errorf(okr.ENOTFOUND, "No objective starts with “%s”. Use a reference like `O12`; `/okr list` shows them.", esc(trunc(prefix, 60)))
	case 1:
		return found[0], nil
	}
	var names []string
	for _, o := range found[:min(5, len(found))] {
		names = append(names, fmt.Sprintf("`%s` %s", o.Ref(), esc(trunc(o.Title, 60))))
	}
	more := ""
	if total > 5 {
		more = fmt.Sprintf(" and %d more", total-5)
	}
	return nil, okr.Errorf(okr.EINVALID, "%s start with “%s”: %s%s. Use the reference.",
		countOf(total, "objective", "objectives"), esc(trunc(prefix, 60)), strings.Join(names, ", "), more)
}

// parseUserMention reads "<@U123|ana>" or "<@U123>" (how Slack sends a
// mention with escaping on) and returns the user ID. Only a well-formed ID
// is returned, because the caller writes it back as a mention: text typed
// to look like one ("<@x><!here>") must not come out as markup
// (docs/slack-platform.md, "mrkdwn escaping").
func parseUserMention(s string) (string, bool) {
	if !strings.HasPrefix(s, "<@") || !strings.HasSuffix(s, ">") {
		return "", false
	}
	id, _, _ := strings.Cut(s[2:len(s)-1], "|")
	return id, isUserID(id)
}

// isUserID reports whether s has the shape of a Slack user ID: U or W and
// then upper-case letters and digits.
func isUserID(s string) bool {
	if len(s) < 2 || s[0] != 'U' && s[0] != 'W' {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
