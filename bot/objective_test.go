package bot_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

func TestHelpAndUnknownVerbs(t *testing.T) {
	h := newHarness(t)
	for _, text := range []string{"", "help"} {
		res := h.command(member, text)
		if res.ResponseType != "ephemeral" || !strings.Contains(slackfake.Render(res.Blocks), "/okr new [company|department|team|personal]") {
			t.Fatalf("/okr %s answered %q %s", text, res.ResponseType, slackfake.Render(res.Blocks))
		}
	}
	res := h.command(member, "frobnicate now")
	if got := slackfake.Render(res.Blocks); !strings.Contains(got, "I don't know `/okr frobnicate`") || !strings.Contains(got, "/okr help") {
		t.Fatalf("unknown verb answered %s", got)
	}
	res = h.command(member, "show")
	if got := slackfake.Render(res.Blocks); !strings.Contains(got, "Usage: `/okr show &lt;objective or key result&gt;`") {
		t.Fatalf("missing argument answered %s", got)
	}
	res = h.command(member, "new galaxy")
	if res.Payload != nil {
		t.Fatalf("a verb that needs work acked with a payload: %s", res.Payload)
	}
	h.reply(member, "“galaxy” is not a level.")
}

func TestNewObjective_CreateTeamObjectiveWithKeyResults(t *testing.T) {
	h := newHarness(t)
	company := h.objective(&okr.Objective{Title: "Delight our customers", Description: "Support that answers fast", Level: okr.LevelCompany, OwnerID: admin},
		&okr.KeyResult{Title: "Cut support response time to 2 hours", Kind: okr.KindDecrease, Start: 8, Target: 2, Current: 8, OwnerID: admin})

	v := h.modal(member, "new team", "okr_new")
	ids := strings.Join(viewBlockIDs(t, v), ",")
	for _, want := range []string{"title", "level", "owner", "cycle", "parent", "kr1_title", "kr1_kind", "kr1_start", "kr1_target", "kr2_title"} {
		if !strings.Contains(","+ids+",", ","+want+",") {
			t.Fatalf("the modal lacks %q: %s", want, ids)
		}
	}
	// Type-ahead offers the company objective as a suggestion, explained.
	opts, err := h.srv.Suggest(context.Background(), member, "parent", "v", "")
	must(t, err)
	if len(opts) == 0 || opts[0].Value != "o:"+itoa(company.ID) {
		t.Fatalf("parent options = %+v, want O%d first", opts, company.ID)
	}

	res := h.submit(member, slackfake.Inputs{
		"title":      "Answer every support ticket faster",
		"kr1_title":  "Median first response under 2 hours",
		"kr1_kind":   "decrease",
		"kr1_start":  "6",
		"kr1_target": "2",
		"kr2_title":  "Support satisfaction",
		"kr2_start":  "80%",
		"kr2_target": "92%",
		"parent":     "o:" + itoa(company.ID),
	})
	if res.ResponseAction != "" || len(res.Errors) > 0 {
		t.Fatalf("valid submission answered %s %v", res.ResponseAction, res.Errors)
	}
	reply := h.reply(member, "Created")
	if !strings.Contains(reply, "Answer every support ticket faster (Team, 2 key results)") {
		t.Fatalf("confirmation = %s", reply)
	}
	objs, _, err := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{Level: ptr(okr.LevelTeam)})
	must(t, err)
	if len(objs) != 1 || objs[0].ParentObjectiveID != company.ID || objs[0].OwnerID != member {
		t.Fatalf("stored = %+v", objs)
	}
	krs, err := h.db.FindKeyResults(context.Background(), okr.KeyResultFilter{ObjectiveID: &objs[0].ID})
	must(t, err)
	if len(krs) != 2 || krs[0].Kind != okr.KindDecrease || krs[0].Start != 6 || krs[1].Unit != "%" || krs[1].Target != 92 {
		t.Fatalf("key results = %+v %+v", krs[0], krs[1])
	}
}

func TestNewObjective_BadInputShowsErrorsAndKeepsWhatWasTyped(t *testing.T) {
	h := newHarness(t)
	h.modal(member, "new", "okr_new")
	res := h.submit(member, slackfake.Inputs{
		"title":      "Ship the mobile app",
		"kr1_title":  "Weekly active users",
		"kr1_start":  "lots",
		"kr1_target": "1,200",
		"kr2_title":  "Crash-free sessions",
		"kr2_start":  "99%",
		"kr2_target": "99%",
	})
	if res.ResponseAction != "errors" {
		t.Fatalf("bad input answered %q", res.ResponseAction)
	}
	want := map[string]string{
		"kr1_start":  "Start must be a number, like 1,200 or 12.5% or $3k.",
		"kr2_target": "Target must differ from start.",
	}
	for block, msg := range want {
		if res.Errors[block] != msg {
			t.Errorf("error under %s = %q, want %q (all: %v)", block, res.Errors[block], msg, res.Errors)
		}
	}
	v := h.srv.TopView(member)
	if v == nil || v.CallbackID != "okr_new" {
		t.Fatal("the modal closed on an error")
	}
	if got := string(v.State["title"]["v"]); !strings.Contains(got, "Ship the mobile app") {
		t.Fatalf("what was typed is gone: %s", got)
	}
	if _, total, _ := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{}); total != 0 {
		t.Fatalf("%d objectives stored after a refused submission", total)
	}
	// Fixing the fields and submitting again works.
	res = h.submit(member, slackfake.Inputs{"kr1_start": "300", "kr2_start": "97%"})
	if len(res.Errors) > 0 {
		t.Fatalf("corrected submission answered %v", res.Errors)
	}
	h.reply(member, "Created")
}

func TestNewObjective_CompanyLevelIsForAdmins(t *testing.T) {
	h := newHarness(t)
	h.command(member, "new company")
	h.reply(member, "Only admins can create company objectives. Ask <@UADMIN>")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a modal opened for a refused command: %s", v.CallbackID)
	}
	// Choosing company level inside the form is refused under the field.
	h.modal(member, "new team", "okr_new")
	res := h.submit(member, slackfake.Inputs{"title": "Win the market", "level": "company", "kr1_title": "Revenue", "kr1_start": "1", "kr1_target": "2"})
	// Field errors are plain text: the admin is named, not mentioned.
	if res.Errors["level"] != "Only admins can create company objectives. Ask @Ada Admin." {
		t.Fatalf("errors = %v", res.Errors)
	}
	// The admin can.
	h.modal(admin, "new company", "okr_new")
	res = h.submit(admin, slackfake.Inputs{"title": "Win the market", "kr1_title": "Revenue", "kr1_start": "$1M", "kr1_target": "$3M"})
	if len(res.Errors) > 0 {
		t.Fatalf("admin's submission answered %v", res.Errors)
	}
	h.reply(admin, "Created")
}

func TestNewObjective_UserTextIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.modal(member, "new", "okr_new")
	res := h.submit(member, slackfake.Inputs{
		"title":      "<!channel> look at <https://evil.example|this> & more",
		"kr1_title":  "<@UADMIN> pinged",
		"kr1_start":  "1",
		"kr1_target": "2",
	})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.waitFor("the confirmation", func() bool { return len(h.srv.Ephemerals(member)) > 0 })
	for _, m := range h.srv.Ephemerals(member) {
		raw := string(m.Blocks) + m.Text
		if strings.Contains(raw, "<!channel>") || strings.Contains(raw, "<https://evil") {
			t.Fatalf("user text reached mrkdwn unescaped: %s", raw)
		}
		if !strings.Contains(raw, "&lt;!channel&gt;") {
			t.Fatalf("the title is missing from the confirmation: %s", raw)
		}
	}
}

func TestNewObjective_AddKeyResultSlot(t *testing.T) {
	h := newHarness(t)
	v := h.modal(member, "new", "okr_new")
	_, err := h.srv.ClickButton(context.Background(), member, slackfake.TopModal, "kr_add_slot", "2")
	must(t, err)
	h.waitFor("a third slot", func() bool {
		top := h.srv.TopView(member)
		return top != nil && top.Hash != v.Hash && strings.Contains(strings.Join(viewBlockIDs(t, top), ","), "kr3_title")
	})
	// The redrawn form still submits all three slots.
	res := h.submit(member, slackfake.Inputs{"title": "Three results", "kr1_title": "a", "kr1_start": "0", "kr1_target": "1",
		"kr2_title": "b", "kr2_start": "0", "kr2_target": "1", "kr3_title": "c", "kr3_kind": "milestone"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(member, "3 key results")
}

func TestOrphanGetsSuggestedParentsAndOneClickLink(t *testing.T) {
	h := newHarness(t)
	company := h.objective(&okr.Objective{Title: "Grow revenue in Europe", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Sign enterprise customers in Germany", admin, 0, 20))
	h.objective(&okr.Objective{Title: "Build a great engineering culture", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Hire engineers", admin, 0, 15))
	h.modal(lead, "new team", "okr_new")
	res := h.submit(lead, slackfake.Inputs{
		"title": "Win enterprise deals in Germany", "kr1_title": "Close enterprise customers", "kr1_start": "0", "kr1_target": "8",
	})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	reply := h.reply(lead, "supports nothing yet")
	if !strings.Contains(reply, "O"+itoa(company.ID)) || !strings.Contains(reply, "enterprise") {
		t.Fatalf("suggestions = %s", reply)
	}
	var msg slackfake.Message
	for _, m := range h.srv.Ephemerals(lead) {
		if strings.Contains(slackfake.RenderMessage(m), "supports nothing yet") {
			msg = m
		}
	}
	child, _, _ := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{Level: ptr(okr.LevelTeam)})
	_, err := h.srv.ClickButton(context.Background(), lead, slackfake.MessageRef{Channel: msg.Channel, TS: msg.TS}, "link_suggested",
		child[0].Ref()+">o:"+itoa(company.ID))
	must(t, err)
	h.waitFor("the link", func() bool {
		o, err := h.db.FindObjectiveByID(context.Background(), child[0].ID)
		return err == nil && o.ParentObjectiveID == company.ID
	})
	h.reply(lead, "now supports")
	// The accepted suggestion is remembered for the ranking.
	fb, err := h.db.FindSuggestionFeedback(context.Background(), 0)
	must(t, err)
	if want := (okr.SuggestionFeedback{ChildID: child[0].ID, ParentID: company.ID, Accepted: true}); len(fb) != 1 || fb[0] != want {
		t.Fatalf("feedback = %+v, want %+v", fb, want)
	}
}

// TestOrphan_NotRelatedIsRemembered: "Not related" on a suggestion records
// it, answers with the next suggestions, and the dismissed parent is not
// suggested for that objective again.
func TestOrphan_NotRelatedIsRemembered(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	revenue := h.objective(&okr.Objective{Title: "Grow revenue in Europe", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Sign enterprise customers in Germany", admin, 0, 20))
	culture := h.objective(&okr.Objective{Title: "Build a great engineering culture", Level: okr.LevelCompany, OwnerID: admin},
		metricKR("Hire engineers", admin, 0, 15))
	h.modal(lead, "new team", "okr_new")
	if res := h.submit(lead, slackfake.Inputs{"title": "Win enterprise deals in Germany", "kr1_title": "Close enterprise customers", "kr1_target": "8"}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	first := h.reply(lead, "supports nothing yet")
	child, _, err := h.db.FindObjectives(ctx, okr.ObjectiveFilter{Level: ptr(okr.LevelTeam)})
	must(t, err)
	value := child[0].Ref() + ">o:" + itoa(revenue.ID)
	if !strings.Contains(first, "shares enterprise, germany") || !strings.Contains(first, "[Not related]") {
		t.Fatalf("suggestions = %s", first)
	}
	var msg slackfake.Message
	for _, m := range h.srv.Ephemerals(lead) {
		if strings.Contains(slackfake.RenderMessage(m), "supports nothing yet") {
			msg = m
		}
	}
	_, err = h.srv.ClickButton(ctx, lead, slackfake.MessageRef{Channel: msg.Channel, TS: msg.TS}, "not_related", value)
	must(t, err)
	next := h.reply(lead, "I won't suggest "+revenue.Ref())
	if strings.Contains(next, "[Link to "+revenue.Ref()+"]") || !strings.Contains(next, "[Link to "+culture.Ref()+"]") {
		t.Fatalf("after Not related: %s", next)
	}
	fb, err := h.db.FindSuggestionFeedback(ctx, 0)
	must(t, err)
	if want := (okr.SuggestionFeedback{ChildID: child[0].ID, ParentID: revenue.ID}); len(fb) != 1 || fb[0] != want {
		t.Fatalf("feedback = %+v, want %+v", fb, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestKeyResultForm_EmptyFieldsDoWhatTheirHintsSay: the start is optional
// with a default per kind, the target is required and a milestone answers
// it with "done"; what the form refuses, a hint announced.
func TestKeyResultForm_EmptyFieldsDoWhatTheirHintsSay(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	o := h.objective(&okr.Objective{Title: "Run a reliable platform", Level: okr.LevelTeam, OwnerID: member},
		metricKR("Deploys a week", member, 2, 10))
	for _, tc := range []struct {
		name                  string
		kind, start, target   string
		wantKind              okr.Kind
		wantStart, wantTarget float64
		wantErrors            map[string]string
	}{
		{name: "increase starts at 0", target: "120", wantKind: okr.KindIncrease, wantStart: 0, wantTarget: 120},
		{name: "stay above starts at its target", kind: "stay_above", target: "99.5%", wantKind: okr.KindStayAbove, wantStart: 99.5, wantTarget: 99.5},
		{name: "stay below starts at its target", kind: "stay_below", target: "300 ms", wantKind: okr.KindStayBelow, wantStart: 300, wantTarget: 300},
		{name: "milestone is done", kind: "milestone", target: "done", wantKind: okr.KindMilestone, wantStart: 0, wantTarget: 1},
		{name: "done makes a milestone", target: "Done", wantKind: okr.KindMilestone, wantStart: 0, wantTarget: 1},
		{name: "decrease needs a start", kind: "decrease", target: "5%",
			wantErrors: map[string]string{"start": "A decrease needs its start: where is it now?"}},
		{name: "done is no decrease", kind: "decrease", start: "8%", target: "done",
			wantErrors: map[string]string{"target": "“done” is a milestone's target: choose Milestone as the kind, or give a number."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := h.modal(member, "kr "+o.Ref(), "okr_kr")
			if r := h.srv.RenderView(v); !strings.Contains(r, "Decrease to needs a start.") || !strings.Contains(r, "For a milestone, type done.") {
				t.Fatalf("the hints do not say what an empty start and a milestone's target do:\n%s", r)
			}
			title := "KR " + tc.name
			in := slackfake.Inputs{"title": title, "start": tc.start, "target": tc.target}
			if tc.kind != "" {
				in["kind"] = tc.kind
			}
			res := h.submit(member, in)
			if tc.wantErrors != nil {
				if !maps.Equal(res.Errors, tc.wantErrors) {
					t.Errorf("errors = %v, want %v", res.Errors, tc.wantErrors)
				}
				_, err := h.srv.CloseView(ctx, member)
				must(t, err)
				return
			}
			if len(res.Errors) > 0 {
				t.Fatalf("errors = %v", res.Errors)
			}
			h.reply(member, title)
			krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
			must(t, err)
			i := slices.IndexFunc(krs, func(kr *okr.KeyResult) bool { return kr.Title == title })
			if i < 0 {
				t.Fatalf("%q was not stored", title)
			}
			if kr := krs[i]; kr.Kind != tc.wantKind || kr.Start != tc.wantStart || kr.Current != tc.wantStart || kr.Target != tc.wantTarget {
				t.Fatalf("stored %s %v → %v (now %v), want %s %v → %v", kr.Kind, kr.Start, kr.Target, kr.Current, tc.wantKind, tc.wantStart, tc.wantTarget)
			}
		})
	}

	// Editing, an emptied start keeps the one the key result has.
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID})
	must(t, err)
	h.modal(member, "edit "+krs[0].Ref(), "okr_edit_kr")
	if res := h.submit(member, slackfake.Inputs{"start": nil, "target": "12"}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(member, "Updated *"+krs[0].Ref()+"*")
	if kr := h.kr(krs[0].ID); kr.Start != 2 || kr.Target != 12 {
		t.Fatalf("edited %v → %v, want 2 → 12", kr.Start, kr.Target)
	}
}

// TestNewObjective_FurtherKeyResultsCountWithATitle: a further key result
// is skipped when left empty; once it has a title it needs a target, as
// its hint says, and numbers without a title are not silently dropped.
func TestNewObjective_FurtherKeyResultsCountWithATitle(t *testing.T) {
	h := newHarness(t)
	v := h.modal(member, "new", "okr_new")
	r := h.srv.RenderView(v)
	for _, want := range []string{"Leave this key result empty to skip it.", "Needed when this key result has a title."} {
		if !strings.Contains(r, want) {
			t.Fatalf("the second key result lacks the hint %q:\n%s", want, r)
		}
	}
	res := h.submit(member, slackfake.Inputs{"title": "Ship the mobile app", "kr1_title": "Weekly active users", "kr1_target": "1,200",
		"kr2_title": "Crash-free sessions"})
	if want := "Give a target, e.g. 45, 5% or $10k; for a milestone, type done."; res.Errors["kr2_target"] != want || len(res.Errors) != 1 {
		t.Fatalf("errors = %v, want %q under kr2_target", res.Errors, want)
	}
	res = h.submit(member, slackfake.Inputs{"kr2_title": nil, "kr2_target": "99%"})
	if want := "Give this key result a title, or empty its start and target to skip it."; res.Errors["kr2_title"] != want || len(res.Errors) != 1 {
		t.Fatalf("errors = %v, want %q under kr2_title", res.Errors, want)
	}
	res = h.submit(member, slackfake.Inputs{"kr2_target": nil})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(member, "Created")
	objs, _, err := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{})
	must(t, err)
	krs, err := h.db.FindKeyResults(context.Background(), okr.KeyResultFilter{ObjectiveID: &objs[0].ID})
	must(t, err)
	if len(objs) != 1 || len(krs) != 1 || krs[0].Title != "Weekly active users" || krs[0].Start != 0 || krs[0].Target != 1200 {
		t.Fatalf("stored %d objectives, key results %+v", len(objs), krs)
	}
}

// TestCounts_OneKeyResultAndTwoKeyResults: the messages that count key
// results agree with the count.
func TestCounts_OneKeyResultAndTwoKeyResults(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		n    int
		want string
	}{{1, "1 key result"}, {2, "2 key results"}} {
		t.Run(tc.want, func(t *testing.T) {
			title := "Objective with " + tc.want
			h.modal(member, "new", "okr_new")
			in := slackfake.Inputs{"title": title, "kr1_title": "First", "kr1_target": "10"}
			if tc.n == 2 {
				in["kr2_title"], in["kr2_target"] = "Second", "20"
			}
			if res := h.submit(member, in); len(res.Errors) > 0 {
				t.Fatalf("errors = %v", res.Errors)
			}
			h.reply(member, title+" (Team, "+tc.want+").")

			objs, _, err := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{})
			must(t, err)
			i := slices.IndexFunc(objs, func(o *okr.Objective) bool { return o.Title == title })
			if i < 0 {
				t.Fatalf("%q was not stored", title)
			}
			h.modal(member, "checkin "+objs[i].Ref(), "okr_checkin")
			if res := h.submit(member, slackfake.Inputs{}); len(res.Errors) > 0 {
				t.Fatalf("check-in errors = %v", res.Errors)
			}
			h.reply(member, "Checked in on "+tc.want+".")
		})
	}
}
