package bot_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// formInput is one input block of a view, as Slack draws it.
type formInput struct {
	BlockID  string `json:"block_id"`
	Type     string `json:"type"`
	Optional bool   `json:"optional"`
	Label    struct {
		Text string `json:"text"`
	} `json:"label"`
	Hint *struct {
		Text string `json:"text"`
	} `json:"hint"`
	Element struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Options  []struct {
			Value string `json:"value"`
		} `json:"options"`
	} `json:"element"`
}

func formInputs(t testing.TB, v *slackfake.View) []formInput {
	t.Helper()
	var blocks []formInput
	must(t, json.Unmarshal(v.Blocks, &blocks))
	var out []formInput
	for _, b := range blocks {
		if b.Type == "input" {
			out = append(out, b)
		}
	}
	return out
}

// onlyRequired is what a person enters who fills in only what Slack marks
// required, and empties everything marked optional: a required input that
// comes pre-filled is left as it is, an empty one gets a plausible value
// (a number where the label asks for one, the first option of a select, a
// suggestion of an external select, the person themself in a user select).
func onlyRequired(t testing.TB, h *harness, user string, v *slackfake.View) slackfake.Inputs {
	t.Helper()
	in := slackfake.Inputs{}
	for _, f := range formInputs(t, v) {
		key := f.BlockID + "/" + f.Element.ActionID
		if f.Optional {
			in[key] = nil
			continue
		}
		if !slackfake.StateEmpty(v.State[f.BlockID][f.Element.ActionID]) {
			continue
		}
		label := strings.ToLower(f.Label.Text + " " + f.BlockID)
		switch f.Element.Type {
		case "plain_text_input":
			switch {
			case strings.Contains(label, "target"):
				in[key] = "120"
			case strings.Contains(label, "score"):
				in[key] = "0.7"
			case strings.Contains(label, "value"), strings.Contains(label, "start"), strings.Contains(label, "weight"):
				in[key] = "10"
			default:
				in[key] = "Walked " + f.Label.Text
			}
		case "static_select", "radio_buttons", "checkboxes":
			if len(f.Element.Options) == 0 {
				t.Fatalf("%s has no options", key)
			}
			in[key] = f.Element.Options[0].Value
		case "external_select":
			opts, err := h.srv.Suggest(context.Background(), user, f.BlockID, f.Element.ActionID, "")
			must(t, err)
			i := slices.IndexFunc(opts, func(o slackfake.Option) bool { return o.Value != "none" })
			if i < 0 {
				t.Fatalf("%s suggests nothing to pick: %+v", key, opts)
			}
			in[key] = opts[i]
		case "users_select", "multi_users_select":
			in[key] = user
		case "channels_select", "conversations_select":
			in[key] = channel
		case "datepicker":
			in[key] = "2026-11-20" // inside 2026-Q4, after the frozen clock
		default:
			t.Fatalf("%s: no plausible value for a %s", key, f.Element.Type)
		}
	}
	return in
}

// TestForms_RequiredInputsAloneAreEnough opens every modal the bot has as
// a person would, fills in only what is marked required, and expects the
// modal to close: an input marked optional may be left empty.
func TestForms_RequiredInputsAloneAreEnough(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.objective(&okr.Objective{Title: "Delight our customers", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Raise NPS", admin, 30, 50))
	mine := h.objective(&okr.Objective{Title: "Answer support tickets faster", Level: okr.LevelTeam, OwnerID: member},
		metricKR("Tickets answered within a day", member, 40, 90),
		&okr.KeyResult{Title: "Churn", Kind: okr.KindDecrease, Start: 8, Target: 5, Current: 8, Unit: "%", OwnerID: member},
		&okr.KeyResult{Title: "Uptime", Kind: okr.KindStayAbove, Start: 99.9, Target: 99.5, Current: 99.9, Unit: "%", OwnerID: member},
		&okr.KeyResult{Title: "Launch the help centre", Kind: okr.KindMilestone, Target: 1, OwnerID: member})
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &mine.ID})
	must(t, err)
	h.seedTeam(&okr.Team{Name: "Platform", LeadID: lead, Members: []string{member}})

	walked := map[string]bool{}
	walk := func(name, user, callbackID string, open func() *slackfake.View) {
		t.Run(name, func(t *testing.T) {
			v := open()
			walked[callbackID] = true
			in := onlyRequired(t, h, user, v)
			res := h.submit(user, in)
			if res.ResponseAction != "" || len(res.Errors) > 0 {
				t.Errorf("%s with only its required inputs (%v) answered %q %v", callbackID, in, res.ResponseAction, res.Errors)
				_, err := h.srv.CloseView(ctx, user)
				must(t, err)
				return
			}
			if top := h.srv.TopView(user); top != nil {
				t.Errorf("%s stayed open: %s", callbackID, top.CallbackID)
			}
		})
	}
	byCommand := func(user, text, callbackID string) func() *slackfake.View {
		return func() *slackfake.View { return h.modal(user, text, callbackID) }
	}
	walk("new objective", member, "okr_new", byCommand(member, "new", "okr_new"))
	walk("add key result", member, "okr_kr", byCommand(member, "kr "+mine.Ref(), "okr_kr"))
	for _, kr := range krs {
		walk("edit "+string(kr.Kind)+" key result", member, "okr_edit_kr", byCommand(member, "edit "+kr.Ref(), "okr_edit_kr"))
	}
	walk("edit objective", member, "okr_edit_objective", byCommand(member, "edit "+mine.Ref(), "okr_edit_objective"))
	walk("link", member, "okr_link", byCommand(member, "link "+mine.Ref(), "okr_link"))
	walk("check in", member, "okr_checkin", byCommand(member, "checkin", "okr_checkin"))
	walk("new team", admin, "okr_team", byCommand(admin, "team new", "okr_team"))
	walk("edit team", lead, "okr_team", byCommand(lead, "team Platform", "okr_team"))
	walk("settings", admin, "okr_settings", byCommand(admin, "settings", "okr_settings"))
	walk("score", member, "okr_score", func() *slackfake.View {
		cycle, err := h.db.CurrentCycle(ctx)
		must(t, err)
		h.command(admin, "cycle close")
		h.clickInReply(admin, "Close *"+cycle.Name+"*", "cycle_close", itoa(cycle.ID))
		var msg slackfake.Message
		h.waitFor("the scoring request", func() bool {
			for _, m := range h.srv.Messages(h.srv.DM(member)) {
				if strings.Contains(slackfake.RenderMessage(m), "Time to score") {
					msg = m
					return true
				}
			}
			return false
		})
		_, err = h.srv.ClickButton(ctx, member, slackfake.MessageRef{Channel: msg.Channel, TS: msg.TS}, "cycle_score", itoa(cycle.ID))
		must(t, err)
		var v *slackfake.View
		h.waitFor("the scoring modal", func() bool {
			v = h.srv.TopView(member)
			return v != nil && v.CallbackID == "okr_score"
		})
		return v
	})

	// Every modal the bot can open was walked: its callback IDs are the
	// cb* constants of the package.
	for _, id := range modalCallbackIDs(t) {
		if !walked[id] {
			t.Errorf("the walk never opened %s; reach it as a person would and add it", id)
		}
	}
}

// modalCallbackIDs are the callback IDs the bot's sources declare.
func modalCallbackIDs(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	must(t, err)
	decl := regexp.MustCompile(`(?m)^\s*cb[A-Z]\w*\s*=\s*"([a-z_]+)"`)
	var ids []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, err)
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			ids = append(ids, m[1])
		}
	}
	if len(ids) < 5 {
		t.Fatalf("found only callback IDs %v: has the naming changed?", ids)
	}
	return ids
}
