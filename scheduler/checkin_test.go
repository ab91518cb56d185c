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
