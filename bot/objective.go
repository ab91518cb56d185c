package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Modal callback IDs and action IDs for objectives and key results.
const (
	cbNewObjective  = "okr_new"
	cbAddKeyResult  = "okr_kr"
	cbEditObjective = "okr_edit_objective"
	cbEditKeyResult = "okr_edit_kr"

	actAddSlot   = "kr_add_slot"
	actArchive   = "archive_confirm"
	actKeep      = "archive_cancel"
	initialSlots = 2 // key-result slots a new objective starts with
	optionRollup = "rollup"
	optionCross  = "cross_cycle"
	defaultLevel = okr.LevelTeam
)

// objectiveForm is what the new-objective modal shows, so it can be drawn
// again with one more key-result slot without losing what was typed.
type objectiveForm struct {
	Title, Description string
	Level              okr.Level
	Owner              string
	TeamID             int64
	CycleID            int64
	Parent             *slack.OptionBlockObject
	Options            []string
	KRs                []krForm
}

type krForm struct {
	Title, Kind, Start, Target, Owner, Weight string
}

// cmdNew opens the new-objective modal: `/okr new [level]`.
func (b *Bot) cmdNew(ctx context.Context, c *command) error {
	level := defaultLevel
	if len(c.args) > 0 {
		l, err := okr.ParseLevel(c.args[0])
		if err != nil {
			return b.usage(c, fmt.Sprintf("“%s” is not a level.", esc(trunc(c.args[0], 30))))
		}
		level = l
	}
	actor, err := b.actor(ctx, c.UserID)
	if err != nil {
		return err
	}
	if err := actor.CanCreateObjective(level); err != nil {
		return err
	}
	cycle, err := b.currentCycle(ctx)
	if err != nil {
		return err
	}
	form := objectiveForm{Level: level, Owner: c.UserID, CycleID: cycle.ID}
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if t.HasMember(c.UserID) {
			form.TeamID = t.ID
			break
		}
	}
	for range initialSlots {
		form.KRs = append(form.KRs, krForm{Owner: c.UserID})
	}
	view, err := b.newObjectiveView(ctx, form, teams, viewMeta{ResponseURL: c.ResponseURL, Channel: c.ChannelID})
	if err != nil {
		return err
	}
	return b.openModal(ctx, c.TriggerID, view)
}

func (b *Bot) newObjectiveView(ctx context.Context, f objectiveForm, teams []*okr.Team, meta viewMeta) (slack.ModalViewRequest, error) {
	cycles, err := b.openCycles(ctx)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	meta.Slots = len(f.KRs)
	blocks := objectiveInputs(&okr.Objective{Title: f.Title, Description: f.Description, Level: f.Level, OwnerID: f.Owner, TeamID: f.TeamID}, teams)
	blocks = append(blocks,
		staticSelect("cycle", "Cycle", cycleOptions(cycles), idValue(f.CycleID), false),
		parentSelect(f.Parent),
		checkboxes("options", "Options", []*slack.OptionBlockObject{
			option("Roll up aligned objectives into this one", optionRollup, ""),
			option("Allow a parent in another cycle", optionCross, ""),
		}, f.Options),
	)
	for i, kr := range f.KRs {
		n := i + 1
		blocks = append(blocks, divider(), section(fmt.Sprintf("*Key result %d*%s", n, map[bool]string{true: "", false: " (optional)"}[n == 1])))
		row := krFirst
		if n > 1 {
			row = krExtra
		}
		blocks = append(blocks, krInputs(fmt.Sprintf("kr%d_", n), kr, row)...)
	}
	if len(f.KRs) < okr.DefaultPolicy().MaxKeyResults {
		blocks = append(blocks, actions("slots", button("➕ Add another key result", actAddSlot, strconv.Itoa(len(f.KRs)))))
	}
	return modal(cbNewObjective, "New objective", "Create", meta, blocks), nil
}

// parentSelect is what a new objective supports: optional, as an
// objective can be aligned later, and a company objective supports nothing.
func parentSelect(initial *slack.OptionBlockObject) *slack.InputBlock {
	in := externalSelect("parent", "Supports (parent)", "Type to search; suggestions first", initial, true)
	in.Hint = plain("Leave empty to align it later with /okr link.")
	return in
}

// objectiveInputs are the fields an objective is created and edited with.
func objectiveInputs(o *okr.Objective, teams []*okr.Team) []slack.Block {
	blocks := []slack.Block{
		textInput("title", "Objective", "What do you want to achieve? e.g. Delight our customers", o.Title, okr.MaxTitleLength, false, false),
		textInput("description", "Why it matters", "Optional: the context people need", o.Description, okr.MaxDescriptionLength, true, true),
		staticSelect("level", "Level", levelOptions(), string(o.Level), false),
		userSelect("owner", "Owner", o.OwnerID, false),
	}
	if len(teams) > 0 {
		blocks = append(blocks, teamSelect("team", "Team", "No team", teams, o.TeamID))
	}
	return blocks
}

// krRow says how a form asks for one key result's fields.
type krRow int

const (
	// krFirst is the first key result of a new objective, and the form
	// that adds one: its title and target are required.
	krFirst krRow = iota
	// krExtra is a further key result of a new objective: optional as a
	// whole, so each of its fields is too, and the hints say which become
	// needed once it has a title.
	krExtra
	// krEdit changes a stored key result: required as krFirst, and an
	// emptied start keeps the one it has.
	krEdit
)

// doneTarget is what a milestone's target field holds. A form cannot make
// a field required for some kinds only: "optional" is part of the view as
// drawn, and the kind select tells the app nothing before the submission
// (docs/slack-platform.md, "Modal methods and lifecycle"). So the target is required for every kind,
// and a milestone answers it with this word.
const doneTarget = "done"

// Hints under the start field: every field marked optional says what
// leaving it empty does, so that the form never refuses an empty field
// without having said so (Block Kit input block hint,
// https://docs.slack.dev/reference/block-kit/blocks/input-block).
const (
	startHint     = "Empty means 0 (for Stay above or Stay below: the target). Decrease to needs a start."
	startEditHint = "Empty keeps the start it has."
)

// krInputs are the fields of one key result. The title and the target are
// what a key result cannot do without; the start has a default for every
// kind but a decrease, which the hint says.
func krInputs(prefix string, kr krForm, row krRow) []slack.Block {
	if kr.Kind == "" {
		kr.Kind = string(okr.KindIncrease)
	}
	required := row != krExtra
	title := textInput(prefix+"title", "Key result", "A measurable outcome, e.g. Raise NPS", kr.Title, okr.MaxTitleLength, false, !required)
	start := textInput(prefix+"start", "Start (where it is now)", "e.g. 32, 12.5%, $3k, 1.2M, 40 leads", kr.Start, 40, false, true)
	start.Hint = plain(startHint)
	target := textInput(prefix+"target", "Target", "e.g. 45, 5%, $10k, or done for a milestone", kr.Target, 40, false, !required)
	target.Hint = plain("For a milestone, type " + doneTarget + ".")
	owner := userSelect(prefix+"owner", "Key result owner", kr.Owner, !required)
	switch row {
	case krExtra:
		title.Hint = plain("Leave this key result empty to skip it.")
		target.Hint = plain("Needed when this key result has a title. For a milestone, type " + doneTarget + ".")
		owner.Hint = plain("Empty means the objective's owner.")
	case krEdit:
		start.Hint = plain(startEditHint)
	}
	return []slack.Block{title, staticSelect(prefix+"kind", "Kind", kindOptions(), kr.Kind, !required), start, target, owner}
}

// weightInput is a key result's or objective's weight, 1 when empty.
func weightInput(label, initial string) *slack.InputBlock {
	in := textInput("weight", label, "1", initial, 10, false, true)
	in.Hint = plain("Empty means 1. Give more to one that matters more, e.g. 2 counts twice.")
	return in
}

// readKeyResult reads one key-result slot. It reports empty when the slot
// was left blank, and field errors keyed by prefix + field. When editing,
// stored is the key result as it is: the form shows its numbers rounded for
// reading, and a number left as shown keeps its exact stored value.
func readKeyResult(state formState, prefix, defaultOwner string, stored *okr.KeyResult, errs fieldErrors) (kr *okr.KeyResult, empty bool) {
	title := state.text(prefix + "title")
	startText, targetText := state.text(prefix+"start"), state.text(prefix+"target")
	if title == "" && startText == "" && targetText == "" {
		return nil, true
	}
	kr = &okr.KeyResult{Title: title, Kind: okr.Kind(state.selected(prefix + "kind")), OwnerID: state.user(prefix + "owner")}
	if title == "" {
		// Only a further key result of a new objective can get here: its
		// hint says an empty one is skipped, and this one is not empty.
		errs.set(prefix+"title", "Give this key result a title, or empty its start and target to skip it.")
	}
	if kr.Kind == "" {
		kr.Kind = okr.KindIncrease
	}
	done := strings.EqualFold(targetText, doneTarget)
	if done && kr.Kind == okr.KindIncrease && (stored == nil || stored.Kind != okr.KindMilestone) {
		// The hint asks a milestone for "done": the kind left as the form
		// starts it is no choice against that. Editing a milestone,
		// Increase to was chosen on purpose, away from it.
		kr.Kind = okr.KindMilestone
	}
	if kr.OwnerID == "" {
		kr.OwnerID = defaultOwner
	}
	if w := state.text(prefix + "weight"); w != "" {
		v, _, err := okr.ParseNumber("weight", "Weight", w)
		if err != nil {
			errs.add(prefix, err)
		}
		kr.Weight = v
	}
	if kr.Kind != okr.KindMilestone {
		var target float64
		var targetUnit string
		switch {
		case targetText == "":
			errs.set(prefix+"target", "Give a target, e.g. 45, 5%% or $10k; for a milestone, type %s.", doneTarget)
		case done:
			errs.set(prefix+"target", "“%s” is a milestone's target: choose Milestone as the kind, or give a number.", doneTarget)
		default:
			var err error
			if target, targetUnit, err = okr.ParseNumber("target", "Target", targetText); err != nil {
				errs.add(prefix, err)
			}
		}
		var start float64
		var startUnit string
		switch {
		case startText != "":
			var err error
			if start, startUnit, err = okr.ParseNumber("start", "Start", startText); err != nil {
				errs.add(prefix, err)
			}
		case stored != nil:
			start = stored.Start
		case kr.Kind == okr.KindDecrease:
			errs.set(prefix+"start", "A decrease needs its start: where is it now?")
		case kr.Kind == okr.KindStayAbove || kr.Kind == okr.KindStayBelow:
			start = target // a threshold is set on what holds now
		}
		if startUnit != "" && targetUnit != "" && startUnit != targetUnit {
			errs.set(prefix+"target", "Start and target must use the same unit (%s and %s).", startUnit, targetUnit)
		}
		if stored != nil && startText == value(stored, stored.Start) {
			start = stored.Start
		}
		if stored != nil && targetText == value(stored, stored.Target) {
			target = stored.Target
		}
		kr.Start, kr.Target, kr.Current = start, target, start
		kr.Unit = cmpOr(targetUnit, startUnit)
	}
	checked := fieldErrors{}
	checked.add(prefix, kr.Validate())
	for field, msg := range checked {
		// A start or target that could not be read is already explained;
		// how the other compares with it would only confuse.
		if _, unread := errs[prefix+"start"]; unread && field == prefix+"target" {
			continue
		}
		if _, unread := errs[prefix+"target"]; unread && field == prefix+"start" {
			continue
		}
		errs.set(field, "%s", msg)
	}
	return kr, false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (b *Bot) submitNewObjective(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	o := &okr.Objective{
		Title:       state.text("title"),
		Description: state.text("description"),
		Level:       okr.Level(state.selected("level")),
		OwnerID:     state.user("owner"),
		TeamID:      parseID(state.selected("team")),
		CycleID:     parseID(state.selected("cycle")),
	}
	opts := state.checked("options")
	o.RollupChildren = slices.Contains(opts, optionRollup)
	link := okr.LinkOptions{AllowCrossCycle: slices.Contains(opts, optionCross)}
	if p := state.selected("parent"); p != "" {
		o.ParentObjectiveID, o.ParentKeyResultID = parseTargetValue(p)
	}
	errs.add("", o.Validate())

	var krs []*okr.KeyResult
	for n := 1; n <= max(meta.Slots, 1); n++ {
		kr, empty := readKeyResult(state, fmt.Sprintf("kr%d_", n), o.OwnerID, nil, errs)
		if !empty {
			krs = append(krs, kr)
		}
	}
	if len(krs) == 0 {
		errs.set("kr1_title", "Add at least one key result: how will you know you got there?")
	}
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	if err := actor.CanCreateObjective(o.Level); err != nil {
		errs.set("level", "%s", okr.ErrorMessage(err))
	}
	if len(errs) > 0 {
		return errs, nil
	}
	if err := b.store.CreateObjective(ctx, o, krs, link); err != nil {
		if errs.add("", err) {
			return errs, nil
		}
		return b.generalError(cb, err), nil
	}
	b.changed(o.ID)
	return nil, func(ctx context.Context) error {
		return b.confirmCreated(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, o, krs)
	}
}

// confirmCreated tells the creator what was made and, for an objective with
// no parent below company level, suggests parents with one-click links.
func (b *Bot) confirmCreated(ctx context.Context, to replyTo, o *okr.Objective, krs []*okr.KeyResult) error {
	text := fmt.Sprintf(":white_check_mark: Created *%s* %s (%s, %s).", o.Ref(), esc(o.Title), o.Level.Label(), countOf(len(krs), "key result", "key results"))
	blocks := []slack.Block{section(text)}
	if o.Level != okr.LevelCompany && !o.HasParent() {
		more, err := b.suggestionBlocks(ctx, o, krs)
		if err != nil {
			return err
		}
		blocks = append(blocks, more...)
	}
	return b.send(ctx, to, message{Text: text, Blocks: blocks})
}

// addSlot redraws the new-objective modal with one more key-result slot,
// keeping every value typed so far.
func (b *Bot) addSlot(ctx context.Context, cb *slack.InteractionCallback, _ *slack.BlockAction) error {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	f := objectiveForm{
		Title: state.text("title"), Description: state.text("description"), Level: okr.Level(state.selected("level")),
		Owner: state.user("owner"), TeamID: parseID(state.selected("team")), CycleID: parseID(state.selected("cycle")),
		Options: state.checked("options"),
	}
	if a, ok := state.action("parent"); ok && a.SelectedOption.Value != "" {
		f.Parent = option(a.SelectedOption.Text.Text, a.SelectedOption.Value, "")
	}
	for n := 1; n <= max(meta.Slots, 1); n++ {
		p := fmt.Sprintf("kr%d_", n)
		f.KRs = append(f.KRs, krForm{Title: state.text(p + "title"), Kind: state.selected(p + "kind"),
			Start: state.text(p + "start"), Target: state.text(p + "target"), Owner: state.user(p + "owner")})
	}
	if len(f.KRs) < okr.DefaultPolicy().MaxKeyResults {
		f.KRs = append(f.KRs, krForm{Owner: cmpOr(f.Owner, cb.User.ID)})
	}
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return err
	}
	view, err := b.newObjectiveView(ctx, f, teams, meta)
	if err != nil {
		return err
	}
	if _, err := b.api.UpdateViewContext(ctx, view, "", cb.View.Hash, cb.View.ID); err != nil {
		return fmt.Errorf("views.update: %w", err)
	}
	return nil
}

// cmdKR opens the add-key-result modal: `/okr kr <objective>`.
func (b *Bot) cmdKR(ctx context.Context, c *command) error {
	o, err := b.resolveObjective(ctx, c.rest)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, c.UserID, o); err != nil {
		return err
	}
	blocks := append([]slack.Block{section(fmt.Sprintf("Adding a key result to *%s* %s", o.Ref(), esc(o.Title)))},
		krInputs("", krForm{Owner: c.UserID}, krFirst)...)
	blocks = append(blocks, weightInput("Weight in the objective", ""))
	return b.openModal(ctx, c.TriggerID, modal(cbAddKeyResult, "Add key result", "Add",
		viewMeta{ResponseURL: c.ResponseURL, ObjectiveID: o.ID}, blocks))
}

// submitKeyResult stores a new key result, or changes one (edit).
func (b *Bot) submitKeyResult(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	var stored *okr.KeyResult
	if meta.KeyResultID != 0 {
		var err error
		if stored, err = b.store.FindKeyResultByID(ctx, meta.KeyResultID); err != nil {
			return b.generalError(cb, err), nil
		}
	}
	kr, _ := readKeyResult(state, "", cb.User.ID, stored, errs)
	if kr == nil {
		errs.set("title", "Give the key result a title.")
	}
	if len(errs) > 0 {
		return errs, nil
	}
	o, refused := b.editable(ctx, cb, meta.ObjectiveID)
	if refused != nil {
		return refused, nil
	}
	verb := "Added"
	var err error
	if meta.KeyResultID != 0 {
		verb = "Updated"
		upd := okr.KeyResultUpdate{Title: &kr.Title, Kind: &kr.Kind, OwnerID: &kr.OwnerID, Unit: &kr.Unit}
		if kr.Kind != okr.KindMilestone {
			upd.Start, upd.Target = &kr.Start, &kr.Target
		}
		if kr.Weight != 0 {
			upd.Weight = &kr.Weight
		}
		kr, err = b.store.UpdateKeyResult(ctx, meta.KeyResultID, upd)
	} else {
		kr.ObjectiveID = o.ID
		err = b.store.CreateKeyResult(ctx, kr)
	}
	if err != nil {
		if errs.add("", err) {
			return errs, nil
		}
		return b.generalError(cb, err), nil
	}
	b.changed(o.ID)
	return nil, func(ctx context.Context) error {
		text := fmt.Sprintf(":white_check_mark: %s *%s* %s on *%s* %s: %s.", verb, kr.Ref(), esc(kr.Title), o.Ref(), esc(o.Title), esc(krTarget(kr)))
		return b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, say(text))
	}
}

// cmdEdit opens the edit modal for an objective or a key result.
func (b *Bot) cmdEdit(ctx context.Context, c *command) error {
	t, err := b.resolve(ctx, c.rest)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, c.UserID, t.Objective); err != nil {
		return err
	}
	meta := viewMeta{ResponseURL: c.ResponseURL, ObjectiveID: t.Objective.ID}
	if kr := t.KeyResult; kr != nil {
		meta.KeyResultID = kr.ID
		f := krForm{Title: kr.Title, Kind: string(kr.Kind), Owner: kr.OwnerID, Weight: formatNumber(kr.Weight)}
		if kr.Kind != okr.KindMilestone {
			f.Start, f.Target = value(kr, kr.Start), value(kr, kr.Target)
		} else {
			f.Target = doneTarget
		}
		blocks := append([]slack.Block{section(fmt.Sprintf("Editing *%s* of *%s* %s", kr.Ref(), t.Objective.Ref(), esc(t.Objective.Title)))},
			krInputs("", f, krEdit)...)
		blocks = append(blocks, weightInput("Weight in the objective", f.Weight))
		return b.openModal(ctx, c.TriggerID, modal(cbEditKeyResult, "Edit "+kr.Ref(), "Save", meta, blocks))
	}
	o := t.Objective
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return err
	}
	var checked []string
	if o.RollupChildren {
		checked = append(checked, optionRollup)
	}
	blocks := append(objectiveInputs(o, teams),
		checkboxes("options", "Options", []*slack.OptionBlockObject{option("Roll up aligned objectives into this one", optionRollup, "")}, checked),
		weightInput("Weight in its parent's rollup", formatNumber(o.Weight)),
		contextBlock(fmt.Sprintf("To change what it supports, use `/okr link %s`.", o.Ref())),
	)
	return b.openModal(ctx, c.TriggerID, modal(cbEditObjective, "Edit "+o.Ref(), "Save", meta, blocks))
}

func (b *Bot) submitEditObjective(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	title, desc, owner := state.text("title"), state.text("description"), state.user("owner")
	level := okr.Level(state.selected("level"))
	team := parseID(state.selected("team"))
	rollup := slices.Contains(state.checked("options"), optionRollup)
	upd := okr.ObjectiveUpdate{Title: &title, Description: &desc, Level: &level, OwnerID: &owner, RollupChildren: &rollup}
	if _, ok := state.action("team"); ok {
		upd.TeamID = &team
	}
	weight := 1.0 // what the field's hint promises when it is emptied
	if w := state.text("weight"); w != "" {
		v, _, err := okr.ParseNumber("weight", "Weight", w)
		if err != nil {
			errs.add("", err)
		}
		weight = v
	}
	upd.Weight = &weight
	o, refused := b.editable(ctx, cb, meta.ObjectiveID)
	if refused != nil {
		return refused, nil
	}
	if level != o.Level {
		actor, err := b.actor(ctx, cb.User.ID)
		if err != nil {
			return b.generalError(cb, err), nil
		}
		if err := actor.CanCreateObjective(level); err != nil {
			errs.set("level", "%s", okr.ErrorMessage(err))
		}
	}
	if len(errs) > 0 {
		return errs, nil
	}
	o, err := b.store.UpdateObjective(ctx, meta.ObjectiveID, upd)
	if err != nil {
		if errs.add("", err) {
			return errs, nil
		}
		return b.generalError(cb, err), nil
	}
	b.changed(o.ID)
	return nil, func(ctx context.Context) error {
		text := fmt.Sprintf(":white_check_mark: Saved *%s* %s.", o.Ref(), esc(o.Title))
		return b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, say(text))
	}
}

// editable loads the objective a modal is about and checks that the person
// submitting may change it; a refusal comes back as the errors to show.
func (b *Bot) editable(ctx context.Context, cb *slack.InteractionCallback, id int64) (*okr.Objective, fieldErrors) {
	o, err := b.store.FindObjectiveByID(ctx, id)
	if err != nil {
		return nil, b.generalError(cb, err)
	}
	if err := b.canEdit(ctx, cb.User.ID, o); err != nil {
		return nil, b.generalError(cb, err)
	}
	return o, nil
}

// canEdit checks that the person may change the objective.
func (b *Bot) canEdit(ctx context.Context, userID string, o *okr.Objective) error {
	actor, err := b.actor(ctx, userID)
	if err != nil {
		return err
	}
	var team *okr.Team
	if o.TeamID != 0 {
		if team, err = b.store.FindTeamByID(ctx, o.TeamID); err != nil && okr.ErrorCode(err) != okr.ENOTFOUND {
			return err
		}
	}
	return actor.CanEditObjective(o, team)
}

// cmdArchive asks for confirmation before archiving.
func (b *Bot) cmdArchive(ctx context.Context, c *command) error {
	t, err := b.resolve(ctx, c.rest)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, c.UserID, t.Objective); err != nil {
		return err
	}
	ref, title, note := t.Objective.Ref(), t.Objective.Title, "Its key results go with it; check-ins stay as history, and objectives aligned under it become unaligned."
	if t.KeyResult != nil {
		ref, title, note = t.KeyResult.Ref(), t.KeyResult.Title, "Its check-ins stay as history."
	}
	text := fmt.Sprintf("Archive *%s* %s? %s", ref, esc(title), note)
	return b.send(ctx, c.replyTo(), message{Text: text, Blocks: []slack.Block{
		section(text),
		actions("archive", button("Archive", actArchive, ref), button("Keep it", actKeep, ref)),
	}})
}

func (b *Bot) archiveConfirmed(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	t, err := b.resolve(ctx, a.Value)
	if err != nil {
		return err
	}
	if err := b.canEdit(ctx, cb.User.ID, t.Objective); err != nil {
		return err
	}
	changed := []int64{t.Objective.ID}
	if t.KeyResult != nil {
		err = b.store.ArchiveKeyResult(ctx, t.KeyResult.ID)
	} else {
		// The objectives aligned under it become unaligned: they change
		// too.
		var children []*okr.Objective
		if children, _, err = b.store.FindObjectives(ctx, okr.ObjectiveFilter{ParentID: &t.Objective.ID}); err == nil {
			for _, c := range children {
				changed = append(changed, c.ID)
			}
			err = b.store.ArchiveObjective(ctx, t.Objective.ID)
		}
	}
	if err != nil {
		return err
	}
	b.changed(changed...)
	ref := t.Objective.Ref()
	if t.KeyResult != nil {
		ref = t.KeyResult.Ref()
	}
	text := fmt.Sprintf(":file_cabinet: Archived *%s*.", ref)
	return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text).replacing(true))
}

func (b *Bot) archiveCancelled(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	text := fmt.Sprintf("Kept *%s*.", esc(trunc(a.Value, 40)))
	return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text).replacing(true))
}

// openCycles are the cycles objectives can be created in: the current one
// and any upcoming.
func (b *Bot) openCycles(ctx context.Context) ([]*okr.Cycle, error) {
	all, err := b.store.FindCycles(ctx)
	if err != nil {
		return nil, err
	}
	var out []*okr.Cycle
	for _, c := range all {
		if c.Status != okr.CycleClosed {
			out = append(out, c)
		}
	}
	return out, nil
}

func cycleOptions(cycles []*okr.Cycle) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, c := range cycles {
		label := c.Name
		if c.Status == okr.CycleCurrent {
			label += " (current)"
		}
		out = append(out, option(label, idValue(c.ID), ""))
	}
	return out
}

// teamSelect is an optional select of teams with a first option for none.
// While every team fits in one select (100 options) it is static; beyond,
// it is an external select with type-ahead (suggestTeams), so a team past
// the hundredth can still be chosen, and kept when a form is saved again.
func teamSelect(blockID, label, none string, teams []*okr.Team, current int64) *slack.InputBlock {
	noneOption := option(none, "0", "")
	if len(teams) < maxOptions {
		opts := []*slack.OptionBlockObject{noneOption}
		for _, t := range teams {
			opts = append(opts, option(t.Name, idValue(t.ID), ""))
		}
		return staticSelect(blockID, label, opts, idValue(current), true)
	}
	var initial *slack.OptionBlockObject
	for _, t := range teams {
		if t.ID == current {
			initial = option(t.Name, idValue(t.ID), "")
		}
	}
	return externalSelect(blockID, label, "Type part of the name", initial, true)
}

// suggestTeams answers a team type-ahead: the teams whose name contains
// what was typed (departments only for a team's own department).
func (b *Bot) suggestTeams(ctx context.Context, cb *slack.InteractionCallback) ([]*slack.OptionGroupBlockObject, error) {
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	query := strings.ToLower(okr.NormaliseLine(cb.Value)) // as team names are stored
	meta := decodeMeta(cb.View.PrivateMetadata)
	var opts []*slack.OptionBlockObject
	if query == "" {
		opts = append(opts, option("None", "0", ""))
	}
	for _, t := range teams {
		if cb.View.CallbackID == cbTeam && (t.ParentID != 0 || t.ID == meta.TeamID) {
			continue // only a top-level team can be a department, never the team itself
		}
		if strings.Contains(strings.ToLower(t.Name), query) && len(opts) < maxObjectiveOption {
			opts = append(opts, option(t.Name, idValue(t.ID), ""))
		}
	}
	return []*slack.OptionGroupBlockObject{slack.NewOptionGroupBlockElement(plain("Teams"), opts...)}, nil
}

func idValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func parseID(s string) int64 {
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// noMatch is the value of the option shown when type-ahead finds nothing;
// it reads as no target.
const noMatch = "none"

// Option values for link targets: "o:12" for an objective, "kr:45" for a
// key result.
func targetValue(objectiveID, keyResultID int64) string {
	if keyResultID != 0 {
		return "kr:" + strconv.FormatInt(keyResultID, 10)
	}
	return "o:" + strconv.FormatInt(objectiveID, 10)
}

func parseTargetValue(v string) (objectiveID, keyResultID int64) {
	kind, id, _ := strings.Cut(v, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	if kind == "kr" {
		return 0, n
	}
	return n, 0
}
