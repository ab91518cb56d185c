package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

const (
	cbLink = "okr_link"

	actLinkSuggested = "link_suggested" // value "<child ref>><target value>"
	actLinkOpen      = "link_open"      // value: the objective's reference, or "<child ref>><target value>" to start with a parent
	actNotRelated    = "not_related"    // value "<child ref>><target value>": a suggestion the person says is wrong

	maxSuggested       = 5
	maxObjectiveOption = 30
	maxKeyResultOption = 15
)

// cmdLink opens the alignment modal: `/okr link <objective> [to <parent>]`.
func (b *Bot) cmdLink(ctx context.Context, c *command) error {
	childText, parentText, hasParent := cutWord(c.rest, "to")
	o, err := b.resolveObjective(ctx, childText)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, c.UserID, o); err != nil {
		return err
	}
	var initial *slack.OptionBlockObject
	if hasParent {
		t, err := b.resolve(ctx, parentText)
		if err != nil {
			return err
		}
		initial = targetOption(t.Objective, t.KeyResult, "")
	}
	view, err := b.linkView(ctx, o, initial, viewMeta{ResponseURL: c.ResponseURL, ObjectiveID: o.ID})
	if err != nil {
		return err
	}
	return b.openModal(ctx, c.TriggerID, view)
}

// cutWord splits "O12 to O3" at the word sep, case-insensitively.
func cutWord(s, sep string) (before, after string, found bool) {
	words := strings.Fields(s)
	for i, w := range words {
		if strings.EqualFold(w, sep) && i > 0 {
			return strings.Join(words[:i], " "), strings.Join(words[i+1:], " "), true
		}
	}
	return strings.TrimSpace(s), "", false
}

func (b *Bot) linkView(ctx context.Context, o *okr.Objective, initial *slack.OptionBlockObject, meta viewMeta) (slack.ModalViewRequest, error) {
	kind := string(okr.LinkSupports)
	if initial != nil && strings.HasPrefix(initial.Value, "kr:") {
		kind = string(okr.LinkInherits)
	}
	blocks := []slack.Block{
		section(fmt.Sprintf("Aligning *%s* %s (%s)", o.Ref(), esc(o.Title), o.Level.Label())),
		externalSelect("parent", "Links to", "Type to search objectives and key results", initial, false),
		radioButtons("kind", "How", []*slack.OptionBlockObject{
			option("Supports it (a higher-level objective)", string(okr.LinkSupports), ""),
			option("Delivers one of its key results", string(okr.LinkInherits), ""),
			option("Depends on it (a peer objective)", string(okr.LinkDependsOn), ""),
			option("Relates to it (shown, not rolled up)", string(okr.LinkRelatesTo), ""),
		}, kind),
		checkboxes("options", "Options", []*slack.OptionBlockObject{option("Allow another cycle", optionCross, "")}, nil),
	}
	if !o.HasParent() && o.Level != okr.LevelCompany {
		ix, err := b.indexes.get(ctx, o.CycleID)
		if err != nil {
			return slack.ModalViewRequest{}, err
		}
		krs, err := b.liveKeyResults(ctx, o.ID)
		if err != nil {
			return slack.ModalViewRequest{}, err
		}
		var hints []string
		for _, s := range ix.Suggest(o, krs, 3) {
			hints = append(hints, fmt.Sprintf("*%s* %s (%s)", s.Objective.Ref(), esc(trunc(s.Objective.Title, 80)), esc(s.Why)))
		}
		if len(hints) > 0 {
			blocks = append(blocks, contextBlock("Suggested: "+strings.Join(hints, " · ")))
		}
	}
	return modal(cbLink, "Align "+o.Ref(), "Link", meta, blocks), nil
}

func (b *Bot) submitLink(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	kind := okr.LinkKind(state.selected("kind"))
	objID, krID := parseTargetValue(state.selected("parent"))
	opts := okr.LinkOptions{AllowCrossCycle: slices.Contains(state.checked("options"), optionCross)}
	switch {
	case objID == 0 && krID == 0:
		errs.set("parent", "Choose what this objective links to.")
	case kind == okr.LinkSupports && krID != 0:
		kind = okr.LinkInherits // a key result was picked: the objective delivers it
	case kind == okr.LinkInherits && krID == 0:
		errs.set("parent", "Pick one of its key results: type KR or words from the key result.")
	case !kind.Vertical() && krID != 0:
		errs.set("parent", "Depends on and relates to link objectives; pick an objective.")
	case !kind.Valid():
		errs.set("kind", "Choose how the objectives relate.")
	}
	if len(errs) > 0 {
		return errs, nil
	}
	o, refused := b.editable(ctx, cb, meta.ObjectiveID)
	if refused != nil {
		return refused, nil
	}
	var err error
	if kind.Vertical() {
		err = b.store.SetParent(ctx, o.ID, okr.LinkTarget{ObjectiveID: objID, KeyResultID: krID}, opts)
	} else {
		err = b.store.CreateLink(ctx, &okr.Link{FromID: o.ID, ToID: objID, Kind: kind, CreatedBy: cb.User.ID}, opts)
	}
	if err != nil {
		if errs.add("", err) {
			return errs, nil
		}
		return b.generalError(cb, err), nil
	}
	b.changed(o.ID)
	return nil, func(ctx context.Context) error {
		text, err := b.linkedText(ctx, o, kind, objID, krID)
		if err != nil {
			return err
		}
		err = b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, say(text))
		if meta.Home { // opened from the App Home: show the new alignment there
			err = errors.Join(err, b.publishHome(ctx, cb.User.ID))
		}
		return err
	}
}

// linkedText confirms a link in words.
func (b *Bot) linkedText(ctx context.Context, o *okr.Objective, kind okr.LinkKind, objID, krID int64) (string, error) {
	if krID != 0 {
		kr, err := b.store.FindKeyResultByID(ctx, krID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(":link: *%s* %s now delivers *%s* %s.", o.Ref(), esc(o.Title), kr.Ref(), esc(kr.Title)), nil
	}
	p, err := b.store.FindObjectiveByID(ctx, objID)
	if err != nil {
		return "", err
	}
	verb := map[okr.LinkKind]string{okr.LinkSupports: "now supports", okr.LinkDependsOn: "now depends on", okr.LinkRelatesTo: "now relates to"}[kind]
	return fmt.Sprintf(":link: *%s* %s %s *%s* %s.", o.Ref(), esc(o.Title), verb, p.Ref(), esc(p.Title)), nil
}

// cmdUnlink removes an objective's parent.
func (b *Bot) cmdUnlink(ctx context.Context, c *command) error {
	o, err := b.resolveObjective(ctx, c.rest)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, c.UserID, o); err != nil {
		return err
	}
	if !o.HasParent() {
		return okr.Errorf(okr.ECONFLICT, "*%s* is not linked to a parent.", o.Ref())
	}
	if err := b.store.SetParent(ctx, o.ID, okr.LinkTarget{}, okr.LinkOptions{}); err != nil {
		return err
	}
	b.changed(o.ID)
	text := fmt.Sprintf(":scissors: *%s* %s no longer supports *%s*. It will show as unaligned until it is linked again.",
		o.Ref(), esc(o.Title), okr.ObjectiveRef(o.ParentObjectiveID))
	return b.send(ctx, c.replyTo(), say(text))
}

// suggestParents answers the new-objective modal's parent type-ahead,
// suggesting from what has been typed so far.
func (b *Bot) suggestParents(ctx context.Context, cb *slack.InteractionCallback) ([]*slack.OptionGroupBlockObject, error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	child := &okr.Objective{
		Title: state.text("title"), Description: state.text("description"),
		Level: okr.Level(state.selected("level")), CycleID: parseID(state.selected("cycle")),
	}
	if child.Level == "" {
		child.Level = defaultLevel
	}
	if child.CycleID == 0 {
		c, err := b.store.CurrentCycle(ctx)
		if err != nil {
			return nil, err
		}
		child.CycleID = c.ID
	}
	var krs []*okr.KeyResult
	for n := 1; n <= max(meta.Slots, 1); n++ {
		if t := state.text(fmt.Sprintf("kr%d_title", n)); t != "" {
			krs = append(krs, &okr.KeyResult{Title: t})
		}
	}
	return b.targetOptions(ctx, child, krs, cb.Value, true)
}

// suggestLinkTargets answers the link modal's type-ahead: parents above the
// objective for supports and delivers, any objective for the others.
func (b *Bot) suggestLinkTargets(ctx context.Context, cb *slack.InteractionCallback) ([]*slack.OptionGroupBlockObject, error) {
	meta := decodeMeta(cb.View.PrivateMetadata)
	o, err := b.store.FindObjectiveByID(ctx, meta.ObjectiveID)
	if err != nil {
		return nil, err
	}
	kind := okr.LinkKind(stateOf(cb.View).selected("kind"))
	krs, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return b.targetOptions(ctx, o, krs, cb.Value, kind == "" || kind.Vertical())
}

// targetOptions lists link targets for a type-ahead: with nothing typed,
// the best suggestions and then other candidates; with text, the
// objectives and key results that match it. upward limits them to levels
// above the child.
func (b *Bot) targetOptions(ctx context.Context, child *okr.Objective, krs []*okr.KeyResult, query string, upward bool) ([]*slack.OptionGroupBlockObject, error) {
	ix, err := b.indexes.get(ctx, child.CycleID)
	if err != nil {
		return nil, err
	}
	level := child.Level
	if !upward {
		level = ""
	}
	seen := map[int64]bool{child.ID: true}
	var suggested, objectives, keyResults []*slack.OptionBlockObject
	if strings.TrimSpace(query) == "" && upward {
		for _, s := range ix.Suggest(child, krs, maxSuggested) {
			seen[s.Objective.ID] = true
			suggested = append(suggested, targetOption(s.Objective, nil, s.Why))
		}
	}
	objs, krMatches := ix.Match(query, child.CycleID, level, maxObjectiveOption+len(seen))
	for _, o := range objs {
		if !seen[o.ID] && len(objectives) < maxObjectiveOption {
			seen[o.ID] = true
			objectives = append(objectives, targetOption(o, nil, o.Level.Label()))
		}
	}
	if upward {
		for _, kr := range krMatches[:min(len(krMatches), maxKeyResultOption)] {
			keyResults = append(keyResults, targetOption(nil, kr, "key result of "+okr.ObjectiveRef(kr.ObjectiveID)))
		}
	}
	return []*slack.OptionGroupBlockObject{
		slack.NewOptionGroupBlockElement(plain("Suggested"), suggested...),
		slack.NewOptionGroupBlockElement(plain("Objectives"), objectives...),
		slack.NewOptionGroupBlockElement(plain("Key results"), keyResults...),
	}, nil
}

// targetOption is one objective or key result in a select.
func targetOption(o *okr.Objective, kr *okr.KeyResult, description string) *slack.OptionBlockObject {
	if kr != nil {
		return option(kr.Ref()+" · "+kr.Title, targetValue(0, kr.ID), description)
	}
	return option(o.Ref()+" · "+o.Title, targetValue(o.ID, 0), description)
}

// liveKeyResults lists an objective's key results that are not archived.
func (b *Bot) liveKeyResults(ctx context.Context, objectiveID int64) ([]*okr.KeyResult, error) {
	live := false
	return b.store.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &objectiveID, Archived: &live})
}

// suggestionBlocks offers parents for an unaligned objective, each with a
// one-click Link button, and a button to choose another.
func (b *Bot) suggestionBlocks(ctx context.Context, o *okr.Objective, krs []*okr.KeyResult) ([]slack.Block, error) {
	ix, err := b.indexes.fresh(ctx, o.CycleID) // it follows a change: the cached index may predate it
	if err != nil {
		return nil, err
	}
	found := ix.Suggest(o, krs, 3)
	if len(found) == 0 {
		return []slack.Block{
			section(fmt.Sprintf("*%s* supports nothing yet, and this cycle has no higher-level objective to link it to yet.", o.Ref())),
			actions("link_"+o.Ref(), button("Align it…", actLinkOpen, o.Ref())),
		}, nil
	}
	blocks := []slack.Block{section(fmt.Sprintf("*%s* supports nothing yet. %s", o.Ref(), plural(len(found), "This one looks related:", "These look related:")))}
	for _, s := range found {
		text := fmt.Sprintf("*%s* %s · %s\n_%s_", s.Objective.Ref(), esc(trunc(s.Objective.Title, 120)), s.Objective.Level.Label(), esc(s.Why))
		value := o.Ref() + ">" + targetValue(s.Objective.ID, 0)
		blocks = append(blocks, section(text), actions("", button("Link to "+s.Objective.Ref(), actLinkSuggested, value), button("Not related", actNotRelated, value)))
	}
	blocks = append(blocks, actions("link_"+o.Ref(), button("Choose another…", actLinkOpen, o.Ref())))
	return blocks, nil
}

// suggestedPair reads a suggestion's button, "<child ref>><target value>":
// the child, which the person must be allowed to edit, and the suggested
// objective or key result.
func (b *Bot) suggestedPair(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) (*okr.Objective, int64, int64, error) {
	childRef, targetText, ok := strings.Cut(a.Value, ">")
	if !ok {
		return nil, 0, 0, fmt.Errorf("suggestion button value %q", a.Value)
	}
	o, err := b.resolveObjective(ctx, childRef)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := b.canEdit(ctx, cb.User.ID, o); err != nil {
		return nil, 0, 0, err
	}
	objID, krID := parseTargetValue(targetText)
	return o, objID, krID, nil
}

// linkSuggested links an objective to a suggested parent in one click.
func (b *Bot) linkSuggested(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	o, objID, krID, err := b.suggestedPair(ctx, cb, a)
	if err != nil {
		return err
	}
	kind := okr.LinkSupports
	if krID != 0 {
		kind = okr.LinkInherits
	}
	if err := b.store.SetParent(ctx, o.ID, okr.LinkTarget{ObjectiveID: objID, KeyResultID: krID}, okr.LinkOptions{}); err != nil {
		return err
	}
	if objID != 0 {
		// The suggestion was right: the ranking learns from it (see
		// okr.SuggestionIndex). The link stands even if this fails.
		if err := b.store.RecordSuggestionFeedback(ctx, okr.SuggestionFeedback{ChildID: o.ID, ParentID: objID, Accepted: true}, cb.User.ID); err != nil {
			b.log.Warn("record accepted suggestion", slog.String("objective", o.Ref()), slog.Any("err", err))
		}
	}
	b.changed(o.ID)
	text, err := b.linkedText(ctx, o, kind, objID, krID)
	if err != nil {
		return err
	}
	return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text).replacing(cb.ResponseURL != ""))
}

// notRelated records that a suggested parent is wrong for an objective, so
// it is not suggested for it again and weighs less for objectives like it,
// and offers the next suggestions.
func (b *Bot) notRelated(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	o, parentID, _, err := b.suggestedPair(ctx, cb, a)
	if err != nil {
		return err
	}
	if err := b.store.RecordSuggestionFeedback(ctx, okr.SuggestionFeedback{ChildID: o.ID, ParentID: parentID}, cb.User.ID); err != nil {
		return err
	}
	b.changed()
	text := fmt.Sprintf("Got it: I won't suggest %s for *%s* again, and I'll weigh it less for objectives like it.", okr.ObjectiveRef(parentID), o.Ref())
	to := replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}
	if o.HasParent() {
		return b.send(ctx, to, say(text))
	}
	krs, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return err
	}
	blocks, err := b.suggestionBlocks(ctx, o, krs)
	if err != nil {
		return err
	}
	return b.send(ctx, to, message{Text: text, Blocks: append([]slack.Block{section(text)}, blocks...)})
}

// linkOpen opens the link modal from a button. Its value is the
// objective's reference, optionally followed by ">" and a target value (a
// nudge's suggestion), which the form then starts with.
func (b *Bot) linkOpen(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	childRef, targetText, suggested := strings.Cut(a.Value, ">")
	o, err := b.resolveObjective(ctx, childRef)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, cb.User.ID, o); err != nil {
		return err
	}
	var initial *slack.OptionBlockObject
	if suggested {
		if objID, krID := parseTargetValue(targetText); krID != 0 {
			if kr, err := b.store.FindKeyResultByID(ctx, krID); err == nil {
				initial = targetOption(nil, kr, "")
			}
		} else if p, err := b.store.FindObjectiveByID(ctx, objID); err == nil {
			initial = targetOption(p, nil, "")
		}
	}
	view, err := b.linkView(ctx, o, initial, viewMeta{ResponseURL: cb.ResponseURL, ObjectiveID: o.ID, Home: cb.View.Type == slack.VTHomeTab})
	if err != nil {
		return err
	}
	return b.openModal(ctx, cb.TriggerID, view)
}
