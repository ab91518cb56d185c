package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

const (
	cbCheckin = "okr_checkin"

	// actCheckinOpen opens the check-in modal from a button: the App Home's
	// "Check in" buttons, a check-in summary, the weekly check-in DM. Its
	// value says what the modal covers:
	//   ""     every key result the person owns in the current cycle
	//   "45"   key result 45 (its decimal ID), if the person may check in on it
	actCheckinOpen = "checkin_open"

	milestoneDone    = "done"
	milestoneNotDone = "not_done"

	// checkinBlocksPerKR: a divider (not before the first), the key result's
	// summary, and its value, confidence, note and blockers inputs.
	checkinBlocksPerKR = 6
	// maxCheckinKRs is how many key results fit one modal beside the intro
	// and the "more remain" line.
	maxCheckinKRs = (maxViewBlocks - 2 + 1) / checkinBlocksPerKR

	maxValueInput = 60 // a number with thousands separators and a 20-character unit
)

// cmdCheckin opens the check-in modal: `/okr checkin` for every key result
// the person owns in the current cycle, `/okr checkin KR45` for one, and
// `/okr checkin O12` for the objective's key results they own.
func (b *Bot) cmdCheckin(ctx context.Context, c *command) error {
	return b.openCheckin(ctx, c.UserID, c.TriggerID, c.rest, viewMeta{ResponseURL: c.ResponseURL}, c.replyTo())
}

// checkinOpen opens the check-in modal from a button (see actCheckinOpen).
// checkinAll is the value of a button that opens the form for all of the
// person's key results; the buttons for one carry its ID.
const checkinAll = "all"

func (b *Bot) checkinOpen(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	ref := ""
	if v := strings.TrimSpace(a.Value); v != "" && v != checkinAll {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("check-in button value %q", a.Value)
		}
		ref = okr.KeyResultRef(id)
	}
	meta := viewMeta{ResponseURL: cb.ResponseURL, Home: cb.View.Type == slack.VTHomeTab}
	return b.openCheckin(ctx, cb.User.ID, cb.TriggerID, ref, meta, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID})
}

// openCheckin opens the modal for what ref names ("" for all the person's
// key results), or tells the person there is nothing to check in on.
func (b *Bot) openCheckin(ctx context.Context, userID, triggerID, ref string, meta viewMeta, to replyTo) error {
	actor, err := b.actor(ctx, userID)
	if err != nil {
		return err
	}
	var set checkinSet
	switch strings.ToLower(strings.TrimSpace(ref)) {
	case "", "all", "mine":
		set, err = b.myCheckinSet(ctx, userID)
	default:
		set, err = b.namedCheckinSet(ctx, actor, ref)
	}
	if err != nil {
		return err
	}
	switch {
	case len(set.krs) == 0 && len(set.driven) > 0:
		text := fmt.Sprintf(":link: The objectives that deliver them drive %s, so none needs a check-in: %s. "+
			"To set one by hand, check in on it by name: `/okr checkin %s`.", plural(len(set.driven), "your key result", "your key results"),
			drivenList(set.driven, set.drivenBy), set.driven[0].Ref())
		return b.send(ctx, to, say(text))
	case len(set.krs) == 0:
		text := fmt.Sprintf(":seedling: You don't own any key results in *%s* yet, so there is nothing to check in on. "+
			"Create an objective with its key results with `/okr new`, or add a key result to an objective with `/okr kr O12`.", set.cycle.Name)
		return b.send(ctx, to, say(text))
	}
	return b.openModal(ctx, triggerID, checkinView(set, actor.ID, meta, b.opts.Now(), b.userLocation(ctx, userID)))
}

// checkinSet is what one check-in form covers: live key results, most in
// need of a check-in first, with their objectives.
type checkinSet struct {
	cycle      *okr.Cycle // the current cycle, for "you own none in …"
	krs        []*okr.KeyResult
	objectives map[int64]*okr.Objective
	// driven are the key results the objectives that deliver them drive,
	// which a form for all of someone's key results lists without fields:
	// they owe no check-in, and one would set them by hand. A key result
	// named on its own is in krs even when driven, with a warning.
	driven []*okr.KeyResult
	// drivenBy names the objectives driving each driven key result of krs
	// and driven, by key-result ID.
	drivenBy map[int64][]int64
	progress map[int64]float64 // a driven key result's progress
}

// setAside moves the driven key results of krs to driven, except one named
// by itself (keep), and notes what drives each.
func (b *Bot) setAside(ctx context.Context, set *checkinSet, keep int64) error {
	driven, err := b.drivenNow(ctx, set.krs, set.objectives)
	if err != nil {
		return err
	}
	set.drivenBy, set.progress = map[int64][]int64{}, map[int64]float64{}
	for id, d := range driven {
		set.drivenBy[id], set.progress[id] = d.by, d.state.Progress
	}
	set.krs = slices.DeleteFunc(set.krs, func(kr *okr.KeyResult) bool {
		if _, ok := driven[kr.ID]; ok && kr.ID != keep {
			set.driven = append(set.driven, kr)
			return true
		}
		return false
	})
	return nil
}

// drivenMaxListed is how many driven key results a sentence names.
const drivenMaxListed = 10

// drivenList names driven key results with what drives each:
// "*KR45* (driven by O12, O15) and *KR46* (driven by O20)".
func drivenList(krs []*okr.KeyResult, by map[int64][]int64) string {
	parts := make([]string, 0, min(len(krs), drivenMaxListed)+1)
	for _, kr := range krs[:min(len(krs), drivenMaxListed)] {
		parts = append(parts, fmt.Sprintf("*%s* (%s)", kr.Ref(), drivenText(by[kr.ID])))
	}
	if rest := len(krs) - drivenMaxListed; rest > 0 {
		parts = append(parts, countOf(rest, "more", "more"))
	}
	return joinAnd(parts)
}

// myCheckinSet is every live key result the person owns in the current
// cycle, under an active objective.
func (b *Bot) myCheckinSet(ctx context.Context, userID string) (checkinSet, error) {
	cycle, err := b.currentCycle(ctx)
	if err != nil {
		return checkinSet{}, err
	}
	live := false
	krs, err := b.store.FindKeyResults(ctx, okr.KeyResultFilter{OwnerID: &userID, CycleID: &cycle.ID, Archived: &live})
	if err != nil {
		return checkinSet{}, err
	}
	ids := make([]int64, 0, len(krs))
	for _, kr := range krs {
		ids = append(ids, kr.ObjectiveID)
	}
	slices.Sort(ids)
	set := checkinSet{cycle: cycle, objectives: map[int64]*okr.Objective{}}
	if len(ids) > 0 {
		objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: slices.Compact(ids)})
		if err != nil {
			return checkinSet{}, err
		}
		for _, o := range objs {
			if o.Status == okr.StatusActive {
				set.objectives[o.ID] = o
			}
		}
	}
	for _, kr := range krs {
		if set.objectives[kr.ObjectiveID] != nil {
			set.krs = append(set.krs, kr)
		}
	}
	if err := b.setAside(ctx, &set, 0); err != nil {
		return checkinSet{}, err
	}
	sortByNeed(set.krs)
	return set, nil
}

// namedCheckinSet is the key result a reference names, or the named
// objective's key results the person owns (all of them for an admin who
// owns none). A key result the person may not check in on is refused,
// naming its owner.
func (b *Bot) namedCheckinSet(ctx context.Context, actor okr.Actor, ref string) (checkinSet, error) {
	t, err := b.resolve(ctx, ref)
	if err != nil {
		return checkinSet{}, err
	}
	o := t.Objective
	if err := b.checkOpen(ctx, o); err != nil {
		return checkinSet{}, err
	}
	set := checkinSet{objectives: map[int64]*okr.Objective{o.ID: o}}
	if kr := t.KeyResult; kr != nil {
		if err := actor.CanCheckIn(kr); err != nil {
			return checkinSet{}, err
		}
		if kr.Archived {
			return checkinSet{}, okr.Errorf(okr.ECONFLICT, "%s is archived; it takes no more check-ins.", kr.Ref())
		}
		set.krs = []*okr.KeyResult{kr}
		return set, b.setAside(ctx, &set, kr.ID)
	}
	live, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return checkinSet{}, err
	}
	if len(live) == 0 {
		return checkinSet{}, okr.Errorf(okr.ENOTFOUND, "*%s* %s has no key results yet. Add one with `/okr kr %s`.", o.Ref(), esc(trunc(o.Title, 80)), o.Ref())
	}
	var owners []string
	for _, kr := range live {
		if kr.OwnerID == actor.ID {
			set.krs = append(set.krs, kr)
		}
		owners = append(owners, kr.OwnerID)
	}
	if len(set.krs) == 0 {
		if !actor.Admin {
			return checkinSet{}, okr.Errorf(okr.EFORBIDDEN, "You own none of the key results of *%s* %s; %s can check in on them, or an admin.",
				o.Ref(), esc(trunc(o.Title, 80)), mentions(owners))
		}
		set.krs = live
	}
	if err := b.setAside(ctx, &set, 0); err != nil {
		return checkinSet{}, err
	}
	sortByNeed(set.krs)
	return set, nil
}

// checkOpen refuses an objective that takes no more check-ins: closed,
// archived, or in a closed cycle.
func (b *Bot) checkOpen(ctx context.Context, o *okr.Objective) error {
	if o.Status != okr.StatusActive {
		return okr.Errorf(okr.ECONFLICT, "*%s* is %s; its key results take no more check-ins.", o.Ref(), o.Status)
	}
	c, err := b.store.FindCycleByID(ctx, o.CycleID)
	if err != nil {
		return err
	}
	if c.Status == okr.CycleClosed {
		return okr.Errorf(okr.ECONFLICT, "*%s* is in %s, which is closed; its key results take no more check-ins.", o.Ref(), c.Name)
	}
	return nil
}

// mentions names people for a message: "<@U1>, <@U2> and <@U3>".
func mentions(ids []string) string {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return "nobody"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = mention(id)
	}
	return joinAnd(parts)
}

// sortByNeed orders key results by their last check-in, oldest first (one
// never checked in counts from its creation, and goes first on a tie), so
// that when a modal cannot hold them all the stale ones come first.
func sortByNeed(krs []*okr.KeyResult) {
	slices.SortStableFunc(krs, func(x, y *okr.KeyResult) int {
		return cmp.Or(lastTouched(x).Compare(lastTouched(y)),
			-cmp.Compare(boolRank(x.CheckedAt.IsZero()), boolRank(y.CheckedAt.IsZero())),
			cmp.Compare(x.ID, y.ID))
	})
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func lastTouched(kr *okr.KeyResult) time.Time {
	if kr.CheckedAt.IsZero() {
		return kr.CreatedAt
	}
	return kr.CheckedAt
}

// krPrefix starts the block IDs of one key result's fields ("kr45_value").
func krPrefix(id int64) string { return "kr" + strconv.FormatInt(id, 10) + "_" }

// checkinView is the check-in modal for the set, within the 100-block
// limit: what does not fit is named in a last line, and comes first next
// time as it is then the oldest.
func checkinView(set checkinSet, actorID string, meta viewMeta, now time.Time, loc *time.Location) slack.ModalViewRequest {
	shown := set.krs[:min(len(set.krs), maxCheckinKRs)]
	blocks := []slack.Block{contextBlock("Update where each key result stands; an unchanged number still counts as a check-in. " +
		"Numbers can carry their unit: `12.5%`, `$3k`, `40 leads`.")}
	meta.IDs = nil
	for i, kr := range shown {
		meta.IDs = append(meta.IDs, kr.ID)
		if i > 0 {
			blocks = append(blocks, divider())
		}
		text, current := checkinSummaryText(kr, set.objectives[kr.ObjectiveID], actorID, now, loc), kr.Current
		if by, driven := set.drivenBy[kr.ID]; driven {
			text = drivenSummaryText(kr, set.objectives[kr.ObjectiveID], by, set.progress[kr.ID])
			current = drivenValue(kr, set.progress[kr.ID])
		}
		blocks = append(blocks, section(text))
		blocks = append(blocks, checkinInputs(kr, current)...)
	}
	if rest := len(set.krs) - len(shown); rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf(":hourglass_flowing_sand: …and %s. This form shows the ones waiting longest; "+
			"submit it, then run `/okr checkin` again to see the rest.", countOf(rest, "more key result", "more key results"))))
	}
	if len(set.driven) > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf(":link: No check-in needed on %s: the objectives that deliver %s drive %s. "+
			"To set one by hand, check in on it by name: `/okr checkin %s`.", drivenList(set.driven, set.drivenBy),
			plural(len(set.driven), "it", "them"), plural(len(set.driven), "it", "them"), set.driven[0].Ref())))
	}
	title, submit := "Check in", "Save check-ins"
	if len(shown) == 1 {
		title, submit = "Check in on "+shown[0].Ref(), "Save check-in"
	}
	return modal(cbCheckin, title, submit, meta, blocks)
}

// checkinSummaryText describes a key result above its fields: what it is,
// where it stands, when it was last checked in.
func checkinSummaryText(kr *okr.KeyResult, o *okr.Objective, actorID string, now time.Time, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* %s\n", kr.Ref(), esc(trunc(kr.Title, 150)))
	if o != nil {
		fmt.Fprintf(&b, "for *%s* %s\n", o.Ref(), esc(trunc(o.Title, 100)))
	}
	p := kr.Progress()
	fmt.Fprintf(&b, "%s · now *%s* · %s %s\n", esc(krTarget(kr)), esc(value(kr, kr.Current)), bar(p), pct(p))
	b.WriteString(lastCheckinText(kr, now, loc))
	if kr.OwnerID != actorID {
		b.WriteString(" · owned by " + mention(kr.OwnerID))
	}
	return b.String()
}

// drivenSummaryText describes a driven key result above the fields of a
// check-in on it, warning that the check-in sets it by hand.
func drivenSummaryText(kr *okr.KeyResult, o *okr.Objective, by []int64, progress float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* %s\n", kr.Ref(), esc(trunc(kr.Title, 150)))
	if o != nil {
		fmt.Fprintf(&b, "for *%s* %s\n", o.Ref(), esc(trunc(o.Title, 100)))
	}
	fmt.Fprintf(&b, "%s · %s · %s %s\n", esc(krTarget(kr)), drivenText(by), bar(progress), pct(progress))
	fmt.Fprintf(&b, ":warning: A check-in sets it by hand from now on: its progress becomes the value you enter instead of coming from %s. "+
		"`/okr drive %s` turns it back.", objectiveRefs(by), kr.Ref())
	return b.String()
}

// lastCheckinText says when the key result was last checked in, in the
// reader's time zone, and how confident its owner was.
func lastCheckinText(kr *okr.KeyResult, now time.Time, loc *time.Location) string {
	if kr.CheckedAt.IsZero() {
		return "No check-in yet"
	}
	return fmt.Sprintf("Last check-in %s (%s) · %s %s", kr.CheckedAt.In(loc).Format("Mon, Jan 2"), daysAgo(kr.CheckedAt, now, loc),
		confidenceEmoji(kr.Confidence), kr.Confidence.Label())
}

// daysAgo counts calendar days in loc: "today", "yesterday", "3 days ago",
// "3 weeks ago".
func daysAgo(t, now time.Time, loc *time.Location) string {
	day := func(x time.Time) time.Time {
		y, m, d := x.In(loc).Date()
		return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // noon UTC: no DST edge
	}
	days := int(day(now).Sub(day(t)).Hours() / 24)
	switch {
	case days <= 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 14:
		return countOf(days, "day", "days") + " ago"
	}
	return countOf(days/7, "week", "weeks") + " ago"
}

// drivenValue is the value at which a driven key result's own progress
// would be its driven progress, so that a check-in left as pre-filled
// keeps where it stands; a threshold or a milestone keeps its own value.
func drivenValue(kr *okr.KeyResult, progress float64) float64 {
	if kr.Kind != okr.KindIncrease && kr.Kind != okr.KindDecrease {
		return kr.Current
	}
	return kr.Start + progress*(kr.Target-kr.Start)
}

// checkinInputs are one key result's fields, pre-filled with current (its
// value, or a driven one's equivalent) so that submitting unchanged records
// "still here, same confidence".
func checkinInputs(kr *okr.KeyResult, current float64) []slack.Block {
	p := krPrefix(kr.ID)
	var valueInput slack.Block
	if kr.Kind == okr.KindMilestone {
		initial := milestoneNotDone
		if kr.Done() {
			initial = milestoneDone
		}
		valueInput = staticSelect(p+"value", "Status", []*slack.OptionBlockObject{
			option("✅ Done", milestoneDone, ""),
			option("⬜ Not done", milestoneNotDone, ""),
		}, initial, false)
	} else {
		valueInput = textInput(p+"value", "New value", "e.g. "+value(kr, kr.Target), value(kr, current), maxValueInput, false, false)
	}
	confidence := kr.Confidence
	if !confidence.Valid() {
		confidence = okr.OnTrack
	}
	return []slack.Block{
		valueInput,
		staticSelect(p+"confidence", "Confidence", confidenceOptions(), string(confidence), false),
		textInput(p+"note", "Note", "What moved, what you learned", "", okr.MaxNoteLength, true, true),
		textInput(p+"blockers", "Blockers", "Anything in the way?", "", okr.MaxNoteLength, true, true),
	}
}

// checkinIDs are the key results a submitted check-in form covers: those
// its metadata names or, should it hold none, those its inputs are for.
func checkinIDs(v slack.View) []int64 {
	if ids := decodeMeta(v.PrivateMetadata).IDs; len(ids) > 0 {
		return ids
	}
	var ids []int64
	for _, blk := range v.Blocks.BlockSet {
		in, ok := blk.(*slack.InputBlock)
		if !ok {
			continue
		}
		rest, found := strings.CutPrefix(in.BlockID, "kr")
		digits, isValue := strings.CutSuffix(rest, "_value")
		if !found || !isValue {
			continue
		}
		if id, err := strconv.ParseInt(digits, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// submitCheckin records every key result of the form in one transaction,
// or none: each value is parsed and checked against its key result's unit,
// errors show under the field they are about, and permissions are checked
// again (ownership may have changed while the form was open).
func (b *Bot) submitCheckin(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	ids := checkinIDs(cb.View)
	if len(ids) == 0 {
		return b.generalError(cb, fmt.Errorf("check-in form without key results")), nil
	}
	krs, err := b.store.FindKeyResults(ctx, okr.KeyResultFilter{IDs: ids})
	if err != nil {
		return b.generalError(cb, err), nil
	}
	byID := make(map[int64]*okr.KeyResult, len(krs))
	for _, kr := range krs {
		byID[kr.ID] = kr
	}
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	errs := fieldErrors{}
	var checkins []*okr.Checkin
	for _, id := range ids {
		p := krPrefix(id)
		kr := byID[id]
		switch {
		case kr == nil:
			errs.set(p+"value", "This key result no longer exists.")
			continue
		case kr.Archived:
			errs.set(p+"value", "%s was archived after this form opened; it takes no more check-ins.", kr.Ref())
			continue
		}
		if actor.CanCheckIn(kr) != nil {
			// Field errors are plain text, where a mention would show as
			// its raw ID: name the owner instead.
			errs.set(p+"value", "%s now belongs to %s; only they or an admin can check in on it.", kr.Ref(), b.userName(ctx, kr.OwnerID))
			continue
		}
		c := &okr.Checkin{
			KeyResultID: kr.ID,
			AuthorID:    actor.ID,
			Value:       readCheckinValue(state, kr, errs),
			Confidence:  okr.Confidence(state.selected(p + "confidence")),
			Note:        state.text(p + "note"),
			Blockers:    state.text(p + "blockers"),
		}
		errs.add(p, c.Validate())
		checkins = append(checkins, c)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	before := make(map[int64]okr.KeyResult, len(byID))
	for id, kr := range byID {
		before[id] = *kr
	}
	// What was driven until now, for the note that the check-in set it by
	// hand.
	wasDriven, err := b.drivenNow(ctx, krs, nil)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	if err := b.store.CreateCheckins(ctx, checkins); err != nil {
		return b.generalError(cb, err), nil
	}
	// No b.changed(): the suggestion index reads titles and links, which a
	// check-in leaves alone, and rebuilding it (hundreds of milliseconds
	// and tens of MiB at 10,000 objectives) after every check-in made the
	// next /okr gaps wait for it.
	b.counters.checkins.Add(uint64(len(checkins)))
	b.log.Info("check-ins recorded", slog.String("user", actor.ID), slog.Int("key_results", len(checkins)))
	return nil, func(ctx context.Context) error {
		var errs []error
		msg, err := b.checkinSummary(ctx, actor.ID, checkins, before, wasDriven)
		if err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: actor.ID}, msg))
		}
		// The Home shows progress, so it is stale now wherever the form
		// was opened from; publishing is cheap and idempotent.
		errs = append(errs, b.publishHome(ctx, actor.ID))
		// This week's check-in DM stops asking: it shows what was recorded.
		owners := map[string]bool{}
		for _, c := range checkins {
			if kr := byID[c.KeyResultID]; kr != nil && !owners[kr.OwnerID] {
				owners[kr.OwnerID] = true
				errs = append(errs, b.refreshCheckinDMs(ctx, kr.OwnerID))
			}
		}
		return errors.Join(errs...)
	}
}

// readCheckinValue reads a key result's new value, recording a field error
// when it does not read as a number in the key result's unit. A value left
// as pre-filled keeps the exact stored number, which the two decimals shown
// may have rounded.
func readCheckinValue(state formState, kr *okr.KeyResult, errs fieldErrors) float64 {
	p := krPrefix(kr.ID)
	if kr.Kind == okr.KindMilestone {
		switch state.selected(p + "value") {
		case milestoneDone:
			return 1
		case milestoneNotDone:
			return 0
		}
		errs.set(p+"value", "Choose done or not done.")
		return kr.Current
	}
	typed := state.text(p + "value")
	if typed == value(kr, kr.Current) {
		return kr.Current
	}
	v, unit, err := okr.ParseNumber("value", "New value", typed)
	if err != nil {
		errs.add(p, err)
		return kr.Current
	}
	if !sameUnit(unit, kr.Unit) {
		if kr.Unit == "" {
			errs.set(p+"value", "%s is counted without a unit; type a plain number, like %s.", kr.Ref(), formatNumber(kr.Target))
		} else {
			errs.set(p+"value", "%s is measured in %s, not %s; type a number like %s.", kr.Ref(), kr.Unit, unit, value(kr, kr.Target))
		}
		return kr.Current
	}
	return v
}

// sameUnit reports whether a unit typed with a value fits the key result's
// unit: typing none means the key result's own, and "lead" is "leads".
func sameUnit(typed, unit string) bool {
	if typed == "" {
		return true
	}
	t, u := strings.ToLower(typed), strings.ToLower(unit)
	return t == u || u != "" && strings.TrimSuffix(t, "s") == strings.TrimSuffix(u, "s")
}

// userName is a person's display name for plain text, or their ID when
// Slack cannot say.
func (b *Bot) userName(ctx context.Context, id string) string {
	if u, err := b.user(ctx, id); err == nil && u.Name != "" {
		return u.Name
	}
	return id
}

// checkinSummary confirms what was recorded, one line per key result
// (before → after, progress, confidence), says which key results the
// check-in set by hand that were driven until now, and offers the key
// results still due a check-in this week.
func (b *Bot) checkinSummary(ctx context.Context, userID string, checkins []*okr.Checkin, before map[int64]okr.KeyResult,
	wasDriven map[int64]drivenKR) (message, error) {
	text := fmt.Sprintf(":white_check_mark: Checked in on %s.", countOf(len(checkins), "key result", "key results"))
	var lines []string
	recorded := map[int64]bool{}
	for _, c := range checkins {
		recorded[c.KeyResultID] = true
		kr := before[c.KeyResultID]
		old, now := kr.ProgressAt(kr.Current), kr.ProgressAt(c.Value)
		from := esc(value(&kr, kr.Current))
		d, wasDriven := wasDriven[c.KeyResultID]
		if wasDriven {
			old, from = d.state.Progress, fmt.Sprintf("%s (%s)", drivenText(d.by), pct(d.state.Progress))
		}
		line := fmt.Sprintf("%s *%s* %s: %s → *%s* · %s %s", confidenceEmoji(c.Confidence), kr.Ref(), esc(trunc(kr.Title, 100)),
			from, esc(value(&kr, c.Value)), bar(now), pct(now))
		if d := change(now - old); d != "±0" {
			line += " (" + d + ")"
		}
		if c.Blockers != "" {
			line += " · :construction: blockers noted"
		}
		lines = append(lines, line)
		if wasDriven {
			lines = append(lines, indent+byHandNote(&kr, d.by))
		}
	}
	blocks := append([]slack.Block{section(text)}, lineSections(lines, 0)...)
	due, err := b.dueCheckins(ctx, userID, recorded)
	if err != nil {
		return message{}, err
	}
	if due > 0 {
		more := section(fmt.Sprintf("You have %s due a check-in this week.", countOf(due, "more key result", "more key results")))
		more.Accessory = slack.NewAccessory(button("Check in on the rest", actCheckinOpen, checkinAll))
		blocks = append(blocks, more)
	}
	return message{Text: text, Blocks: blocks[:min(len(blocks), maxMessageBlocks)]}, nil
}

// dueCheckins counts the key results of the person's check-in set
// (myCheckinSet) that have had no check-in for a week, leaving out those
// just recorded. It counts from the shared analysis, which the check-in
// just made brings up to date: someone owning thousands of key results
// would otherwise have every one read from the database after each
// check-in.
func (b *Bot) dueCheckins(ctx context.Context, userID string, recorded map[int64]bool) (int, error) {
	cycle, err := b.currentCycle(ctx)
	if err != nil {
		return 0, err
	}
	a, err := b.analyze(ctx, cycle)
	if err != nil {
		return 0, err
	}
	due := 0
	weekAgo := b.opts.Now().Add(-okr.Week)
	for st := range a.OwnedBy(userID) {
		if st.Objective.Status != okr.StatusActive {
			continue
		}
		for _, k := range st.KeyResults {
			kr := k.KeyResult
			if kr.OwnerID == userID && !k.Driven && !recorded[kr.ID] && kr.CheckedAt.Before(weekAgo) {
				due++
			}
		}
	}
	return due, nil
}

// byHandNote tells a person that their check-in set a driven key result by
// hand, and how to turn that back.
func byHandNote(kr *okr.KeyResult, by []int64) string {
	return fmt.Sprintf(":information_source: %s was %s; your check-in sets it by hand from now on. `/okr drive %s` turns it back.",
		kr.Ref(), drivenText(by), kr.Ref())
}

// confidenceEmoji marks a confidence like healthEmoji marks a health.
func confidenceEmoji(c okr.Confidence) string {
	switch c {
	case okr.OnTrack:
		return "🟢"
	case okr.AtRisk:
		return "🟡"
	case okr.OffTrack:
		return "🔴"
	}
	return "⚪"
}

// userLocation is the person's time zone, or the company's when Slack
// cannot say: a date shown in the wrong zone is better than no form.
func (b *Bot) userLocation(ctx context.Context, userID string) *time.Location {
	_, loc := b.userAndLocation(ctx, userID, b.settings(ctx).Location)
	return loc
}

// userAndLocation is the person, nil when unknown, and their time zone,
// fallback (the company's) when Slack cannot say.
func (b *Bot) userAndLocation(ctx context.Context, userID string, fallback *time.Location) (*okr.User, *time.Location) {
	u, err := b.user(ctx, userID)
	if err != nil {
		b.log.Warn("user's time zone unknown; using the company's", slog.String("user", userID), slog.Any("err", err))
		return nil, fallback
	}
	return u, u.Location(fallback)
}
