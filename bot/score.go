package bot

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// The scoring modal and the button that opens it.
const (
	cbScore = "okr_score"

	actScoreOpen = "cycle_score" // value: the ID of the cycle to score

	// maxScored is how many objectives one scoring modal holds: two input
	// blocks each, plus a few, within Slack's 100 blocks per view.
	maxScored = 45
)

// openScores opens the scoring form for the clicker's open objectives in
// the cycle.
func (b *Bot) openScores(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	c, err := b.scorableCycle(ctx, parseID(a.Value))
	if err != nil {
		return err
	}
	active, owner := okr.StatusActive, cb.User.ID
	objs, total, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, OwnerID: &owner, Status: &active, Limit: maxScored})
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		text := fmt.Sprintf(":white_check_mark: Your objectives in *%s* are all scored. Thank you!", esc(c.Name))
		return b.send(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, say(text))
	}
	a2, err := b.analyze(ctx, c)
	if err != nil {
		return err
	}
	next := "the next cycle"
	if n, err := b.nextCycle(ctx, c, false); err == nil {
		next = n.Name
	}
	blocks := []slack.Block{contextBlock("Score each objective from 0.0 to 1.0 (or as a percentage); 0.7 on a stretch goal is a success. Each is filled in with its progress.")}
	meta := viewMeta{ResponseURL: cb.ResponseURL, CycleID: c.ID}
	for _, o := range objs {
		p := 0.0
		if st := a2.Objective(o.ID); st != nil {
			p = st.Progress
		}
		id := idValue(o.ID)
		in := textInput("score_"+id, trunc(o.Ref()+" · "+o.Title, 150), "0.0 to 1.0, e.g. 0.7 or 70%", strconv.FormatFloat(math.Round(p*10)/10, 'f', 1, 64), 10, false, false)
		in.Hint = plain(fmt.Sprintf("Progress %s · %s objective", pct(p), o.Level.Label()))
		blocks = append(blocks, in, checkboxes("carry_"+id, "Next cycle", []*slack.OptionBlockObject{
			option("Carry over to "+next, "carry", "A copy with its unmet key results, starting from where they are now"),
		}, nil))
		meta.IDs = append(meta.IDs, o.ID)
	}
	if total > len(objs) {
		blocks = append(blocks, contextBlock(fmt.Sprintf("You have %d more; score these, then click the button again for the rest.", total-len(objs))))
	}
	return b.openModal(ctx, cb.TriggerID, modal(cbScore, "Score "+c.Name, "Save scores", meta, blocks))
}

// scorableCycle loads the cycle a scoring button or form is about, whatever
// the button says: scores are given from the last week of a cycle, when
// owners are asked to score, and once it has closed. A current cycle past
// its end is scorable too: an admin has not closed it yet.
func (b *Bot) scorableCycle(ctx context.Context, id int64) (*okr.Cycle, error) {
	c, err := b.store.FindCycleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	now := b.opts.Now()
	if c.Status == okr.CycleClosed || c.Status == okr.CycleCurrent && (c.InLastWeek(now) || !now.Before(c.End)) {
		return c, nil
	}
	return nil, okr.Errorf(okr.ECONFLICT, "%s cannot be scored yet: objectives are scored in the last week of their cycle or once it closes.", esc(c.Name))
}

// readScore reads a score as people write it: "0.7", ".7", "0,7", "70%".
func readScore(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	bad := okr.Errorf(okr.EINVALID, "A score is from 0.0 to 1.0, like 0.7, or a percentage like 70%%.")
	if s == "" {
		return 0, bad
	}
	percent := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, bad
	}
	if percent {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, bad
	}
	return math.Round(v*100) / 100, nil
}

// scored is one objective's line in the scoring confirmation.
type scored struct {
	Objective *okr.Objective
	Score     float64
	Carry     bool           // ticked to carry over
	Copy      *okr.Objective // the carried-over copy (its ID set once saved)
	copies    []*okr.KeyResult
	KRs       int  // key results carried with it
	Left      int  // met key results left behind
	Already   bool // carried over before
}

// submitScores records each score and carries the ticked objectives over.
func (b *Bot) submitScores(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	c, err := b.scorableCycle(ctx, meta.CycleID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	if len(meta.IDs) == 0 {
		return b.generalError(cb, okr.Errorf(okr.EINVALID, "This form lost track of its objectives; click the Score button again.")), nil
	}
	objs, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{IDs: meta.IDs})
	if err != nil {
		return b.generalError(cb, err), nil
	}
	var results []*scored
	carry := false
	for _, o := range objs {
		block := "score_" + idValue(o.ID)
		if o.CycleID != c.ID {
			errs.set(block, "%s is not in %s; objectives are scored with their own cycle.", o.Ref(), esc(c.Name))
			continue
		}
		if o.OwnerID != cb.User.ID && !actor.Admin {
			errs.set(block, "Only %s, who owns %s, or an admin can score it.", mention(o.OwnerID), o.Ref())
			continue
		}
		if o.Status == okr.StatusArchived {
			continue // archived since the form opened: nothing to score
		}
		v, err := readScore(state.text(block))
		if err != nil {
			errs.set(block, "%s", okr.ErrorMessage(err))
			continue
		}
		r := &scored{Objective: o, Score: v}
		if len(state.checked("carry_"+idValue(o.ID))) > 0 {
			r.Carry, carry = true, true
		}
		results = append(results, r)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	var next *okr.Cycle
	if carry {
		if next, err = b.nextCycle(ctx, c, true); err != nil {
			for _, r := range results {
				if r.Carry {
					if okr.ErrorCode(err) == okr.EINTERNAL {
						return b.generalError(cb, err), nil
					}
					errs.set("carry_"+idValue(r.Objective.ID), "%s", okr.ErrorMessage(err))
					return errs, nil
				}
			}
		}
	}
	closings := make([]okr.Closing, 0, len(results))
	for _, r := range results {
		cl := okr.Closing{ObjectiveID: r.Objective.ID, Score: r.Score}
		if r.Carry {
			if err := b.carryOver(ctx, r, next); err != nil {
				if okr.ErrorCode(err) == okr.EINTERNAL {
					return b.generalError(cb, err), nil
				}
				errs.set("carry_"+idValue(r.Objective.ID), "%s", okr.ErrorMessage(err))
				continue
			}
			if !r.Already {
				cl.CarryOver, cl.CarryKeyResults = r.Copy, r.copies
			}
		}
		closings = append(closings, cl)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	// One transaction: every score and copy is saved, or none is.
	if err := b.store.CloseObjectives(ctx, closings); err != nil {
		if okr.ErrorCode(err) == okr.EINTERNAL {
			return b.generalError(cb, err), nil
		}
		return b.generalError(cb, okr.Errorf(okr.ErrorCode(err), "Nothing was saved: %s", okr.ErrorMessage(err))), nil
	}
	// Closed objectives leave the suggestions at once, and the copies
	// carried over join their cycle's (okr.SuggestionIndex.With puts each
	// objective in its own cycle's index).
	closed := make([]int64, 0, len(closings))
	for _, cl := range closings {
		closed = append(closed, cl.ObjectiveID)
		if cl.CarryOver != nil && cl.CarryOver.ID != 0 {
			closed = append(closed, cl.CarryOver.ID)
		}
	}
	b.changed(closed...)
	return nil, func(ctx context.Context) error {
		return b.confirmScores(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, c, next, results)
	}
}

// carryOver prepares the copy of a scored objective for the next cycle:
// its live key results with their current values as the new starts; key
// results already met stay behind. It writes nothing (CloseObjectives does,
// with the scores). A copy made before (same owner and title) is not made
// again.
func (b *Bot) carryOver(ctx context.Context, r *scored, next *okr.Cycle) error {
	o := r.Objective
	title, owner := o.Title, o.OwnerID
	found, _, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &next.ID, OwnerID: &owner, TitlePrefix: &title})
	if err != nil {
		return err
	}
	for _, f := range found {
		if f.Status != okr.StatusArchived && strings.EqualFold(f.Title, o.Title) {
			r.Copy, r.Already = f, true
			return nil
		}
	}
	krs, err := b.liveKeyResults(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, kr := range krs {
		if kr.Done() || (kr.Kind == okr.KindIncrease || kr.Kind == okr.KindDecrease) && kr.Progress() >= 1 {
			r.Left++
			continue
		}
		r.copies = append(r.copies, &okr.KeyResult{Title: kr.Title, Kind: kr.Kind, Start: kr.Current, Target: kr.Target,
			Current: kr.Current, Unit: kr.Unit, OwnerID: kr.OwnerID, Weight: kr.Weight})
	}
	r.Copy = &okr.Objective{Title: o.Title, Description: o.Description, Level: o.Level, OwnerID: o.OwnerID, TeamID: o.TeamID,
		CycleID: next.ID, RollupChildren: o.RollupChildren, Weight: o.Weight}
	// A parent in a cycle that stays open (a yearly objective, say) still
	// applies; one in the closed cycle does not (CloseObjectives drops a
	// parent that no longer holds).
	if o.ParentObjectiveID != 0 {
		if p, err := b.store.FindObjectiveByID(ctx, o.ParentObjectiveID); err == nil && p.CycleID != o.CycleID && p.Status == okr.StatusActive {
			r.Copy.ParentObjectiveID, r.Copy.ParentKeyResultID = o.ParentObjectiveID, o.ParentKeyResultID
		}
	}
	r.KRs = len(r.copies)
	return nil
}

// confirmScores replaces the scoring DM with what was recorded.
func (b *Bot) confirmScores(ctx context.Context, to replyTo, c *okr.Cycle, next *okr.Cycle, results []*scored) error {
	var lines []string
	for _, r := range results {
		line := fmt.Sprintf("• *%s* %s · score *%s*", r.Objective.Ref(), esc(trunc(r.Objective.Title, 120)), strconv.FormatFloat(r.Score, 'f', -1, 64))
		switch {
		case r.Copy != nil && r.Already:
			line += fmt.Sprintf(" · already carried over as *%s*", r.Copy.Ref())
		case r.Copy != nil:
			line += fmt.Sprintf(" · carried over to %s as *%s* with %s", esc(next.Name), r.Copy.Ref(), countOf(r.KRs, "key result", "key results"))
			if r.Left > 0 {
				line += fmt.Sprintf(" (%s already met stayed behind)", countOf(r.Left, "key result", "key results"))
			}
		}
		lines = append(lines, line)
	}
	intro := fmt.Sprintf(":white_check_mark: Scored your %s objectives:", esc(c.Name))
	blocks := []slack.Block{section(intro)}
	blocks = append(blocks, lineSections(lines, 20)...)
	if next != nil && slices.ContainsFunc(results, func(r *scored) bool { return r.Copy != nil && !r.Already }) {
		blocks = append(blocks, contextBlock(fmt.Sprintf("Carried-over objectives are not aligned in %s unless their parent carried on; `/okr link` aligns them.", esc(next.Name))))
	}
	// This replaces the request and its button: keep the button while
	// objectives are left (one form holds at most maxScored).
	active, owner := okr.StatusActive, to.UserID
	if _, left, err := b.store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, OwnerID: &owner, Status: &active, Limit: 1}); err != nil {
		return err
	} else if left > 0 {
		score := button("Score the rest", actScoreOpen, idValue(c.ID))
		score.Style = slack.StylePrimary
		blocks = append(blocks, section(fmt.Sprintf("%s still to score.", countOf(left, "objective is", "objectives are"))), actions("score", score))
	}
	return b.send(ctx, to, message{Text: intro, Blocks: blocks, Replace: to.ResponseURL != ""})
}
