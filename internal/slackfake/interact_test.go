package slackfake

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// formModal has one input of every kind SubmitView can fill.
func formModal() obj {
	sel := func(typ, id string, extra obj) obj {
		o := obj{"type": typ, "action_id": id}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	levels := []any{opt("Company", "company"), opt("Team", "team"), opt("Personal", "personal")}
	inp := func(id, label string, el obj, optional bool) obj {
		return obj{"type": "input", "block_id": id, "label": pt(label), "element": el, "optional": optional}
	}
	return obj{
		"type": "modal", "title": pt("Every input"), "submit": pt("Save"), "callback_id": "form",
		"notify_on_close": true,
		"blocks": []any{
			inp("title", "Title", obj{"type": "plain_text_input", "action_id": "v", "max_length": 10, "min_length": 2}, false),
			inp("note", "Note", obj{"type": "plain_text_input", "action_id": "v", "multiline": true, "initial_value": "kept"}, true),
			inp("target", "Target", obj{"type": "number_input", "action_id": "v", "is_decimal_allowed": false, "min_value": "1", "max_value": "100"}, true),
			inp("ratio", "Ratio", obj{"type": "number_input", "action_id": "v", "is_decimal_allowed": true}, true),
			inp("mail", "Email", obj{"type": "email_text_input", "action_id": "v"}, true),
			inp("link", "Link", obj{"type": "url_text_input", "action_id": "v"}, true),
			inp("level", "Level", sel("static_select", "v", obj{"options": levels}), true),
			inp("levels", "Levels", sel("multi_static_select", "v", obj{"options": levels}), true),
			inp("parent", "Parent", sel("external_select", "v", nil), true),
			inp("owner", "Owner", sel("users_select", "v", nil), true),
			inp("team", "Team", sel("multi_users_select", "v", nil), true),
			inp("chan", "Channel", sel("conversations_select", "v", nil), true),
			inp("chans", "Channels", sel("multi_channels_select", "v", nil), true),
			inp("due", "Due", sel("datepicker", "v", obj{"initial_date": "2026-09-30"}), true),
			inp("at", "At", sel("timepicker", "v", nil), true),
			inp("when", "When", sel("datetimepicker", "v", nil), true),
			inp("flags", "Flags", sel("checkboxes", "v", obj{"options": []any{opt("Stretch", "stretch"), opt("Private", "private")}}), true),
			inp("conf", "Confidence", sel("radio_buttons", "v", obj{"options": []any{opt("On track", "on"), opt("At risk", "risk")}}), true),
		},
	}
}

func TestSubmitView_BuildsStateOfEveryInputKind(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", TZ: "UTC"})
	mustAddUser(t, srv, User{ID: "U2", Name: "bo", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs"})
	mustAddChannel(t, srv, Channel{ID: "C2", Name: "eng"})
	var mu sync.Mutex
	var subs []slack.InteractionCallback
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeViewSubmission {
			mu.Lock()
			subs = append(subs, cb)
			mu.Unlock()
		}
		ackAll(c, evt)
	})
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	mustOK(t, srv, "views.open", obj{"trigger_id": srv.testTrigger("U1", ""), "view": formModal()})
	ctx := ctxT(t)

	bad := []struct {
		name string
		in   Inputs
		want string
	}{
		{"required title missing", Inputs{}, "required"},
		{"too short", Inputs{"Title": "x"}, "at least 2"},
		{"too long", Inputs{"Title": n(11)}, "at most 10"},
		{"not a whole number", Inputs{"Title": "ok", "Target": "1.5"}, "whole number"},
		{"above max_value", Inputs{"Title": "ok", "Target": "101"}, "above"},
		{"not a number", Inputs{"Title": "ok", "Ratio": "lots"}, "not a number"},
		{"not an email", Inputs{"Title": "ok", "Email": "nope"}, "email"},
		{"not a URL", Inputs{"Title": "ok", "Link": "nope"}, "URL"},
		{"no such option", Inputs{"Title": "ok", "Level": "Galaxy"}, "no option"},
		{"no such user", Inputs{"Title": "ok", "Owner": "U404"}, "no active user"},
		{"no such input", Inputs{"Colour": "red"}, "no input"},
		{"bad date", Inputs{"Title": "ok", "Due": "30/09/2026"}, "YYYY-MM-DD"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.SubmitView(ctx, "U1", tt.in)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want ErrInvalidInput mentioning %q", err, tt.want)
			}
		})
	}
	mu.Lock()
	if len(subs) != 0 {
		t.Fatalf("%d submissions reached the app; the client should have refused them", len(subs))
	}
	mu.Unlock()

	when := time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC)
	_, err := srv.SubmitView(ctx, "U1", Inputs{
		"Title": "Grow", "target/v": "42", "Ratio": 0.7, "Email": "ana@example.com", "Link": "https://example.com/okr",
		"Level": "team", "Levels": []string{"Company", "personal"}, "Parent": Option{Text: "Revenue", Value: "obj-9"},
		"Owner": "U2", "Team": []string{"U1", "U2"}, "Channel": "C1", "Channels": []string{"C1", "C2"},
		"At": "09:30", "When": when, "Flags": []string{"stretch"}, "Confidence": "At risk",
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	vals := subs[0].View.State.Values
	get := func(b string) slack.BlockAction { return vals[b]["v"] }
	checks := []struct {
		name string
		ok   bool
	}{
		{"title", get("title").Value == "Grow" && get("title").Type == "plain_text_input"},
		{"note keeps its initial value", get("note").Value == "kept"},
		{"target", get("target").Value == "42" && get("target").Type == "number_input"},
		{"ratio", get("ratio").Value == "0.7"},
		{"mail", get("mail").Value == "ana@example.com"},
		{"link", get("link").Value == "https://example.com/okr"},
		{"level by value", get("level").SelectedOption.Value == "team" && get("level").SelectedOption.Text.Text == "Team"},
		{"levels by text and value", len(get("levels").SelectedOptions) == 2 && get("levels").SelectedOptions[0].Value == "company" && get("levels").SelectedOptions[1].Value == "personal"},
		{"external select", get("parent").SelectedOption.Value == "obj-9"},
		{"owner", get("owner").SelectedUser == "U2"},
		{"team", len(get("team").SelectedUsers) == 2},
		{"conversation", get("chan").SelectedConversation == "C1"},
		{"channels", len(get("chans").SelectedChannels) == 2},
		{"date keeps its initial value", get("due").SelectedDate == "2026-09-30"},
		{"time", get("at").SelectedTime == "09:30"},
		{"date time", get("when").SelectedDateTime == when.Unix()},
		{"checkboxes", len(get("flags").SelectedOptions) == 1 && get("flags").SelectedOptions[0].Value == "stretch"},
		{"radio by text", get("conf").SelectedOption.Value == "risk"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: state %+v", c.name, vals)
		}
	}
}

func TestCloseView_CancelAndDismiss(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	var mu sync.Mutex
	var closed []slack.InteractionCallback
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeViewClosed {
			mu.Lock()
			closed = append(closed, cb)
			mu.Unlock()
		}
		ackAll(c, evt)
	})
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	ctx := ctxT(t)

	quiet := modal(section("no notify"))
	mustOK(t, srv, "views.open", obj{"trigger_id": srv.testTrigger("U1", ""), "view": withKey(quiet, "notify_on_close", true)})
	root := srv.TopView("U1").ID
	mustOK(t, srv, "views.push", obj{"trigger_id": srv.testTrigger("U1", root), "view": quiet})
	// Cancel on the pushed view: back to the root, no notification asked for.
	if res, err := srv.CloseView(ctx, "U1"); err != nil || res.EnvelopeID != "" {
		t.Fatalf("cancel = %+v, %v", res, err)
	}
	if v := srv.TopView("U1"); v == nil || v.ID != root {
		t.Fatalf("top view after cancel: %+v", v)
	}
	// The X closes everything; the root asked for view_closed.
	if _, err := srv.DismissModal(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	if srv.TopView("U1") != nil {
		t.Error("modal still open")
	}
	mu.Lock()
	if len(closed) != 1 || !closed[0].IsCleared || closed[0].View.ID != root {
		t.Errorf("view_closed %+v", closed)
	}
	mu.Unlock()
	if _, err := srv.CloseView(ctx, "U1"); !errors.Is(err, ErrNoView) {
		t.Errorf("cancel with nothing open: %v", err)
	}
	// views.update of a closed view is not_found.
	_, b, _ := callJSON(t, srv, "views.update", obj{"view_id": root, "view": modal()}, srv.BotToken())
	if b["error"] != "not_found" {
		t.Errorf("update of a closed view: %v", b)
	}
}

func TestClickButton_OnlyWhatIsShown(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddUser(t, srv, User{ID: "U2", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true, Members: []string{"U1"}})
	var mu sync.Mutex
	var clicks []slack.InteractionCallback
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			mu.Lock()
			clicks = append(clicks, cb)
			mu.Unlock()
		}
		ackAll(c, evt)
	})
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	ctx := ctxT(t)
	blocks := slack.MsgOptionBlocks(
		slack.NewActionBlock("row1", slack.NewButtonBlockElement("checkin", "kr-1", plain("Check in"))),
		slack.NewActionBlock("row2", slack.NewButtonBlockElement("checkin", "kr-2", plain("Check in 2"))))
	_, ts, err := a.api.PostMessage("C1", slack.MsgOptionText("x", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	ref := MessageRef{Channel: "C1", TS: ts}
	if _, err := srv.ClickButton(ctx, "U1", ref, "nope", ""); err == nil || !strings.Contains(err.Error(), `checkin="kr-1"`) {
		t.Errorf("missing button: %v", err)
	}
	if _, err := srv.ClickButton(ctx, "U2", ref, "checkin", ""); err == nil {
		t.Error("a non-member clicked a button in a channel they are not in")
	}
	if _, err := srv.ClickButton(ctx, "U1", ref, "checkin", "kr-2"); err != nil {
		t.Fatal(err)
	}
	// Ephemeral messages are clickable by their recipient only.
	ets, err := a.api.PostEphemeral("C1", "U1", slack.MsgOptionText("only you", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ClickButton(ctx, "U1", MessageRef{Channel: "C1", TS: ets}, "checkin", "kr-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ClickButton(ctx, "U1", HomeTab, "checkin", ""); !errors.Is(err, ErrNoView) {
		t.Errorf("home tab never published: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(clicks) != 2 || clicks[0].ActionCallback.BlockActions[0].Value != "kr-2" || clicks[0].Container.IsEphemeral ||
		!clicks[1].Container.IsEphemeral || clicks[1].Container.MessageTs != ets {
		t.Errorf("clicks %+v", clicks)
	}
}

func TestHomeTab_PublishOpenAndClick(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeEventsAPI {
			// Publish before acking, so the test sees the view once the ack is in.
			_, err := c.PublishView("U1", slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewHeaderBlock(plain("Your OKRs")),
				slack.NewActionBlock("home_actions", slack.NewButtonBlockElement("new_okr", "", plain("New objective"))),
			}}}, "")
			if err != nil {
				t.Errorf("views.publish: %v", err)
			}
		}
		ackAll(c, evt)
	})
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	ctx := ctxT(t)
	if _, err := srv.OpenAppHome(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	if srv.HomeView("U1") == nil {
		t.Fatal("no Home tab")
	}
	if got, want := srv.RenderView(srv.HomeView("U1")), "# Your OKRs\n[New objective]\n"; got != want {
		t.Errorf("home renders as %q, want %q", got, want)
	}
	if _, err := srv.ClickButton(ctx, "U1", HomeTab, "new_okr", ""); err != nil {
		t.Fatal(err)
	}
	// A second visit carries the published view.
	if _, err := srv.OpenAppHome(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
}

func TestRender(t *testing.T) {
	blocks := []any{
		obj{"type": "header", "text": pt("Q3 company OKRs")},
		obj{"type": "section", "text": md("*Grow revenue* — 70%"), "fields": []any{md("Owner: <@U1>"), md("Due: Sep 30")},
			"accessory": button("open", "Open")},
		obj{"type": "divider"},
		obj{"type": "context", "elements": []any{md("Updated today"), obj{"type": "image", "image_url": "https://x/y.png", "alt_text": "chart"}}},
		actions(button("a", "Approve"), staticSelect(opts(2)), obj{"type": "overflow", "action_id": "o", "options": opts(2)}),
		obj{"type": "input", "block_id": "t", "label": pt("Title"), "element": obj{"type": "plain_text_input", "action_id": "v", "placeholder": pt("Say it")}},
		obj{"type": "input", "block_id": "c", "label": pt("Flags"), "optional": true, "element": obj{"type": "checkboxes", "action_id": "v", "options": opts(2), "initial_options": []any{opt("Option 1", "v1")}}},
		obj{"type": "image", "image_url": "https://x/y.png", "alt_text": "progress chart"},
		obj{"type": "rich_text", "elements": []any{obj{"type": "rich_text_section", "elements": []any{obj{"type": "text", "text": "rich"}}}}},
	}
	raw, _ := jsonMarshal(blocks)
	want := strings.Join([]string{
		"# Q3 company OKRs",
		"*Grow revenue* — 70%",
		"  Owner: <@U1>",
		"  Due: Sep 30",
		"  [Open]",
		"---",
		"> Updated today · (image: chart)",
		"[Approve] [Pick ▾] […]",
		"Title: (Say it)",
		"Flags (optional): [ ] Option 0 [x] Option 1",
		"[image: progress chart]",
		"rich",
		"",
	}, "\n")
	if got := Render(raw); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	if got := RenderMessage(Message{Text: "plain"}); got != "plain" {
		t.Errorf("RenderMessage without blocks = %q", got)
	}
}
