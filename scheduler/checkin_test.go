package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// TestPrompt_CheckInFromTheDMRecordsAndUpdatesIt: the prompt's button opens
// the pre-filled check-in form; once it is submitted the prompt is updated
// in place to show what was recorded, and the reminder passes the person
// by.
func TestPrompt_CheckInFromTheDMRecordsAndUpdatesIt(t *testing.T) {
	r, ids := crowd(t, 2)
	owner := ids[0]
	ctx := context.Background()
	r.startScheduler()
	r.advanceTo(monday10)
	r.waitForPrompts(ids)
	prompt := withKind(r.dms(owner), "checkin")[0]
	if text := slackfake.RenderMessage(prompt.Message); !strings.Contains(text, "time for your weekly check-in") || !strings.Contains(text, "Result") {
		t.Fatalf("prompt:\n%s", text)
	}

	if _, err := r.srv.ClickButton(ctx, owner, slackfake.MessageRef{Channel: prompt.Channel, TS: prompt.TS}, "checkin_open", ""); err != nil {
		t.Fatal(err)
	}
	var view *slackfake.View
	r.waitFor("the check-in form", func() bool {
		view = r.srv.TopView(owner)
		return view != nil && view.CallbackID == "okr_checkin"
	})
	live := false
	krs, err := r.db.FindKeyResults(ctx, okr.KeyResultFilter{OwnerID: &owner, Archived: &live})
	must(t, err)
	kr := krs[0]
	res, err := r.srv.SubmitView(ctx, owner, slackfake.Inputs{
		fmt.Sprintf("kr%d_value", kr.ID): "7", fmt.Sprintf("kr%d_confidence", kr.ID): "at_risk",
	})
	must(t, err)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	r.waitFor("the prompt to show what was recorded", func() bool {
		for _, m := range r.dms(owner) {
			if m.TS == prompt.TS && len(m.Versions) > 1 {
				return true
			}
		}
		return false
	})
	for _, m := range r.dms(owner) {
		if m.TS != prompt.TS {
			continue
		}
		text := slackfake.RenderMessage(m.Message)
		if !strings.Contains(text, "recorded") || !strings.Contains(text, "*7*") || strings.Contains(text, "time for your weekly check-in") {
			t.Fatalf("the updated prompt:\n%s", text)
		}
		if markerKey(m.Blocks) != prompt.Key {
			t.Fatalf("the update lost its marker: %q", markerKey(m.Blocks))
		}
	}
	stored, err := r.db.FindKeyResultByID(ctx, kr.ID)
	must(t, err)
	if stored.Current != 7 || stored.Confidence != okr.AtRisk {
		t.Fatalf("stored = %v %s", stored.Current, stored.Confidence)
	}

	// Wednesday: only the other owner is reminded.
	r.advanceTo(monday10.Add(2*24*time.Hour + 5*time.Hour))
	r.waitFor("the reminder", func() bool { return len(withKind(r.dms(ids[1]), "reminder")) == 1 })
	if n := len(withKind(r.dms(owner), "reminder")); n != 0 {
		t.Fatalf("%s checked in and was reminded %d times", owner, n)
	}
}

// TestPrompt_DrivenKeyResultsOweNoCheckin: a key result the objectives that
// deliver it drive owes no check-in. Its owner's prompt lists it as driven;
// someone who owns nothing else gets no prompt and no reminder.
func TestPrompt_DrivenKeyResultsOweNoCheckin(t *testing.T) {
	r, ids := crowd(t, 3)
	ctx := context.Background()
	cycle, err := r.db.FindCycles(ctx)
	must(t, err)
	objectiveOf := func(owner string) *okr.Objective {
		objs, _, err := r.db.FindObjectives(ctx, okr.ObjectiveFilter{OwnerID: &owner})
		must(t, err)
		return objs[0]
	}
	// ids[1] owns revenue, ids[0] the margin; ids[2]'s objective drives
	// revenue and ids[1]'s the margin, and ids[0] owns nothing else.
	revenue := &okr.KeyResult{Title: "Revenue", Kind: okr.KindIncrease, Target: 100, OwnerID: ids[1]}
	margin := &okr.KeyResult{Title: "Margin", Kind: okr.KindIncrease, Target: 100, OwnerID: ids[0]}
	company := &okr.Objective{Title: "Grow", Level: okr.LevelCompany, OwnerID: ids[1], CycleID: cycle[0].ID}
	must(t, r.db.CreateObjective(ctx, company, []*okr.KeyResult{revenue, margin}, okr.LinkOptions{}))
	must(t, r.db.ArchiveObjective(ctx, objectiveOf(ids[0]).ID))
	driver := objectiveOf(ids[2])
	must(t, r.db.SetParent(ctx, driver.ID, okr.LinkTarget{KeyResultID: revenue.ID}, okr.LinkOptions{}))
	must(t, r.db.SetParent(ctx, objectiveOf(ids[1]).ID, okr.LinkTarget{KeyResultID: margin.ID}, okr.LinkOptions{}))

	r.startScheduler()
	r.advanceTo(monday10)
	// Prompts go out in the order of the owners' IDs: ids[0]'s would come
	// before these.
	r.waitForPrompts(ids[1:])
	if n := len(withKind(r.dms(ids[0]), "checkin")); n != 0 {
		t.Fatalf("%s owns only a driven key result and got %d prompts", ids[0], n)
	}
	prompt := withKind(r.dms(ids[1]), "checkin")[0]
	own := objectiveOf(ids[1]).ID
	manual, err := r.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &own})
	must(t, err)
	update := func(kr *okr.KeyResult) bool {
		return strings.Contains(string(prompt.Blocks), `"value":"`+itoa(int(kr.ID))+`"`)
	}
	if !update(manual[0]) || update(revenue) {
		t.Errorf("the prompt's Update buttons: %v for %s, %v for the driven %s; want only the first", update(manual[0]), manual[0].Ref(), update(revenue), revenue.Ref())
	}
	text := slackfake.RenderMessage(prompt.Message)
	for _, want := range []string{"*KR" + itoa(int(revenue.ID)) + "* Revenue", "0% · driven by " + driver.Ref() + " · 0 → 100",
		"No check-in needed: the check-ins on what drives it move it"} {
		if !strings.Contains(text, want) {
			t.Errorf("the prompt lacks %q:\n%s", want, text)
		}
	}

	// Wednesday: the others are reminded, ids[0] is not.
	r.advanceTo(monday10.Add(2*24*time.Hour + 5*time.Hour))
	r.waitFor("the reminders", func() bool {
		return len(withKind(r.dms(ids[1]), "reminder")) == 1 && len(withKind(r.dms(ids[2]), "reminder")) == 1
	})
	if n := len(withKind(r.dms(ids[0]), "reminder")); n != 0 {
		t.Fatalf("%s owns only a driven key result and was reminded %d times", ids[0], n)
	}
	reminder := slackfake.RenderMessage(withKind(r.dms(ids[1]), "reminder")[0].Message)
	if strings.Contains(reminder, "Revenue") {
		t.Errorf("the reminder asks about the driven key result:\n%s", reminder)
	}
}
