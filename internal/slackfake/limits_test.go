package slackfake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

type obj = map[string]any

func pt(s string) obj { return obj{"type": "plain_text", "text": s} }
func md(s string) obj { return obj{"type": "mrkdwn", "text": s} }
func n(k int) string  { return strings.Repeat("a", k) }
func section(s string) obj {
	return obj{"type": "section", "text": md(s)}
}
func button(id, label string) obj {
	return obj{"type": "button", "action_id": id, "text": pt(label), "value": "v"}
}
func actions(els ...any) obj { return obj{"type": "actions", "elements": els} }
func opt(text, value string) obj {
	return obj{"text": pt(text), "value": value}
}
func opts(k int) []any {
	var out []any
	for i := range k {
		out = append(out, opt("Option "+strconv.Itoa(i), "v"+strconv.Itoa(i)))
	}
	return out
}
func staticSelect(options []any) obj {
	return obj{"type": "static_select", "action_id": "sel", "placeholder": pt("Pick"), "options": options}
}
func input(id string, el obj) obj {
	return obj{"type": "input", "block_id": id, "label": pt("Label"), "element": el}
}
func textInput(id string) obj { return obj{"type": "plain_text_input", "action_id": id} }
func repeatBlock(b obj, k int) []any {
	var out []any
	for range k {
		c := obj{}
		for key, v := range b {
			c[key] = v
		}
		out = append(out, c)
	}
	return out
}
func confirm(title, text, yes, no string) obj {
	return obj{"title": pt(title), "text": pt(text), "confirm": pt(yes), "deny": pt(no)}
}
func modal(blocks ...any) obj {
	if blocks == nil {
		blocks = []any{}
	}
	return obj{"type": "modal", "title": pt("Title"), "submit": pt("Save"), "blocks": blocks}
}

// TestLimits_MessagesAreRejectedWithSlacksError posts one message per limit of
// docs/slack-platform.md, "Block Kit limits" just over the limit, and checks Slack's error name, a Violation with the
// JSON pointer, and that the same message just at the limit is accepted.
func TestLimits_MessagesAreRejectedWithSlacksError(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	type row struct {
		name    string
		blocks  []any // over the limit
		at      []any // at the limit (nil: no positive case)
		pointer string
	}
	rows := []row{
		{"50 blocks per message", repeatBlock(section("x"), 51), repeatBlock(section("x"), 50), "/blocks"},
		{"section text 3000", []any{section(n(3001))}, []any{section(n(3000))}, "/blocks/0/text/text"},
		{"section fields 10", []any{obj{"type": "section", "fields": repeatBlock(md("f"), 11)}}, []any{obj{"type": "section", "fields": repeatBlock(md("f"), 10)}}, "/blocks/0/fields"},
		{"section field 2000", []any{obj{"type": "section", "fields": []any{md(n(2001))}}}, []any{obj{"type": "section", "fields": []any{md(n(2000))}}}, "/blocks/0/fields/0/text"},
		{"section needs text or fields", []any{obj{"type": "section"}}, nil, "/blocks/0"},
		{"header 150", []any{obj{"type": "header", "text": pt(n(151))}}, []any{obj{"type": "header", "text": pt(n(150))}}, "/blocks/0/text/text"},
		{"header is plain_text", []any{obj{"type": "header", "text": md("x")}}, nil, "/blocks/0/text/type"},
		{"text object not empty", []any{section("")}, nil, "/blocks/0/text/text"},
		{"context text 3000", []any{obj{"type": "context", "elements": []any{md(n(3001))}}}, []any{obj{"type": "context", "elements": []any{md(n(3000))}}}, "/blocks/0/elements/0/text"},
		{"context 10 elements", []any{obj{"type": "context", "elements": repeatBlock(md("c"), 11)}}, []any{obj{"type": "context", "elements": repeatBlock(md("c"), 10)}}, "/blocks/0/elements"},
		{"actions 25 elements", []any{actions(buttons(26)...)}, []any{actions(buttons(25)...)}, "/blocks/0/elements"},
		{"button text 75", []any{actions(button("b", n(76)))}, []any{actions(button("b", n(75)))}, "/blocks/0/elements/0/text/text"},
		{"button value 2000", []any{actions(withKey(button("b", "B"), "value", n(2001)))}, []any{actions(withKey(button("b", "B"), "value", n(2000)))}, "/blocks/0/elements/0/value"},
		{"button url 3000", []any{actions(withKey(button("b", "B"), "url", n(3001)))}, []any{actions(withKey(button("b", "B"), "url", n(3000)))}, "/blocks/0/elements/0/url"},
		{"button style", []any{actions(withKey(button("b", "B"), "style", "green"))}, []any{actions(withKey(button("b", "B"), "style", "danger"))}, "/blocks/0/elements/0/style"},
		{"static select 100 options", []any{actions(staticSelect(opts(101)))}, []any{actions(staticSelect(opts(100)))}, "/blocks/0/elements/0/options"},
		{"option text 75", []any{actions(staticSelect([]any{opt(n(76), "v")}))}, []any{actions(staticSelect([]any{opt(n(75), "v")}))}, "/blocks/0/elements/0/options/0/text/text"},
		{"option value 150", []any{actions(staticSelect([]any{opt("o", n(151))}))}, []any{actions(staticSelect([]any{opt("o", n(150))}))}, "/blocks/0/elements/0/options/0/value"},
		{"select initial_option among options", []any{actions(withKey(staticSelect(opts(2)), "initial_option", opt("Other", "zz")))}, []any{actions(withKey(staticSelect(opts(2)), "initial_option", opt("Option 1", "v1")))}, "/blocks/0/elements/0/initial_option"},
		{"placeholder 150", []any{actions(withKey(staticSelect(opts(1)), "placeholder", pt(n(151))))}, []any{actions(withKey(staticSelect(opts(1)), "placeholder", pt(n(150))))}, "/blocks/0/elements/0/placeholder/text"},
		{"block_id 255", []any{withKey(section("x"), "block_id", n(256))}, []any{withKey(section("x"), "block_id", n(255))}, "/blocks/0/block_id"},
		{"action_id 255", []any{actions(button(n(256), "B"))}, []any{actions(button(n(255), "B"))}, "/blocks/0/elements/0/action_id"},
		{"block_id unique", []any{withKey(section("x"), "block_id", "b"), withKey(section("y"), "block_id", "b")}, nil, "/blocks/1/block_id"},
		{"action_id unique in a block", []any{actions(button("a", "A"), button("a", "B"))}, nil, "/blocks/0/elements/1/action_id"},
		{"input label 2000", []any{withKey(input("i", textInput("t")), "label", pt(n(2001)))}, []any{withKey(input("i", textInput("t")), "label", pt(n(2000)))}, "/blocks/0/label/text"},
		{"plain_text_input max_length 3000", []any{input("i", withKey(textInput("t"), "max_length", 3001))}, []any{input("i", withKey(textInput("t"), "max_length", 3000))}, "/blocks/0/element/max_length"},
		{"plain_text_input max_length at least 1", []any{input("i", withKey(textInput("t"), "max_length", 0))}, []any{input("i", withKey(textInput("t"), "max_length", 1))}, "/blocks/0/element/max_length"},
		{"confirm title 100", []any{actions(withKey(button("b", "B"), "confirm", confirm(n(101), "t", "y", "n")))}, []any{actions(withKey(button("b", "B"), "confirm", confirm(n(100), "t", "y", "n")))}, "/blocks/0/elements/0/confirm/title/text"},
		{"confirm text 300", []any{actions(withKey(button("b", "B"), "confirm", confirm("T", n(301), "y", "n")))}, []any{actions(withKey(button("b", "B"), "confirm", confirm("T", n(300), "y", "n")))}, "/blocks/0/elements/0/confirm/text/text"},
		{"confirm button 30", []any{actions(withKey(button("b", "B"), "confirm", confirm("T", "t", n(31), "n")))}, []any{actions(withKey(button("b", "B"), "confirm", confirm("T", "t", n(30), "n")))}, "/blocks/0/elements/0/confirm/confirm/text"},
		{"confirm deny 30", []any{actions(withKey(button("b", "B"), "confirm", confirm("T", "t", "y", n(31))))}, []any{actions(withKey(button("b", "B"), "confirm", confirm("T", "t", "y", n(30))))}, "/blocks/0/elements/0/confirm/deny/text"},
		{"checkboxes 10 options", []any{actions(obj{"type": "checkboxes", "action_id": "c", "options": opts(11)})}, []any{actions(obj{"type": "checkboxes", "action_id": "c", "options": opts(10)})}, "/blocks/0/elements/0/options"},
		{"radio buttons 10 options", []any{actions(obj{"type": "radio_buttons", "action_id": "r", "options": opts(11)})}, []any{actions(obj{"type": "radio_buttons", "action_id": "r", "options": opts(10)})}, "/blocks/0/elements/0/options"},
		{"overflow at most 5", []any{actions(obj{"type": "overflow", "action_id": "o", "options": opts(6)})}, []any{actions(obj{"type": "overflow", "action_id": "o", "options": opts(5)})}, "/blocks/0/elements/0/options"},
		{"overflow at least 1", []any{actions(obj{"type": "overflow", "action_id": "o", "options": []any{}})}, []any{actions(obj{"type": "overflow", "action_id": "o", "options": opts(1)})}, "/blocks/0/elements/0/options"},
		{"image alt_text required", []any{obj{"type": "image", "image_url": "https://x/y.png"}}, []any{obj{"type": "image", "image_url": "https://x/y.png", "alt_text": "y"}}, "/blocks/0"},
		{"unknown block type", []any{obj{"type": "carousel_of_doom"}}, nil, "/blocks/0/type"},
		{"element not allowed in actions", []any{actions(textInput("t"))}, nil, "/blocks/0/elements/0/type"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.blocks)
			_, body, _ := call(t, srv, "chat.postMessage", url.Values{"token": {srv.BotToken()}, "channel": {"C1"}, "text": {"x"}, "blocks": {string(b)}}, nil)
			if body["ok"] != false || body["error"] != "invalid_blocks" {
				t.Fatalf("answer %v, want invalid_blocks", body)
			}
			errs, _ := body["errors"].([]any)
			meta, _ := body["response_metadata"].(map[string]any)
			msgs, _ := meta["messages"].([]any)
			want := "[json-pointer:" + tt.pointer + "]"
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), want) || len(msgs) == 0 || !strings.HasPrefix(msgs[0].(string), "[ERROR] ") {
				t.Errorf("errors %v / messages %v, want one at %s", errs, msgs, want)
			}
			vs := srv.Violations()
			if last := vs[len(vs)-1]; last.Method != "chat.postMessage" || last.Error != "invalid_blocks" || !strings.Contains(last.Detail, want) {
				t.Errorf("violation %+v", last)
			}
			if tt.at != nil {
				b, _ := json.Marshal(tt.at)
				if _, body, _ := call(t, srv, "chat.postMessage", url.Values{"token": {srv.BotToken()}, "channel": {"C1"}, "text": {"x"}, "blocks": {string(b)}}, nil); body["ok"] != true {
					t.Errorf("at the limit: %v", body)
				}
			}
		})
	}
}

func buttons(k int) []any {
	var out []any
	for i := range k {
		out = append(out, button("b"+strconv.Itoa(i), "B"))
	}
	return out
}

func withKey(o obj, k string, v any) obj {
	c := obj{}
	for key, val := range o {
		c[key] = val
	}
	c[k] = v
	return c
}

// TestLimits_ViewsAreRejectedWithSlacksError covers docs/slack-platform.md, "View object limits" and the view methods'
// own errors.
func TestLimits_ViewsAreRejectedWithSlacksError(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	open := func(view obj) map[string]any {
		_, b, _ := callJSON(t, srv, "views.open", obj{"trigger_id": srv.testTrigger("U1", ""), "view": view}, srv.BotToken())
		return b
	}
	rows := []struct {
		name    string
		view    obj
		at      obj
		want    string
		pointer string
	}{
		{"title 24", withKey(modal(), "title", pt(n(25))), withKey(modal(), "title", pt(n(24))), "invalid_arguments", "/view/title/text"},
		{"title required", withKey(modal(), "title", nil), nil, "invalid_arguments", "/view"},
		{"submit 24", withKey(modal(), "submit", pt(n(25))), withKey(modal(), "submit", pt(n(24))), "invalid_arguments", "/view/submit/text"},
		{"close 24", withKey(modal(), "close", pt(n(25))), withKey(modal(), "close", pt(n(24))), "invalid_arguments", "/view/close/text"},
		{"submit required with an input", withKey(modal(input("a", textInput("t"))), "submit", nil), withKey(modal(section("no inputs")), "submit", nil), "invalid_arguments", "/view"},
		{"100 blocks per view", modal(repeatBlock(section("x"), 101)...), modal(repeatBlock(section("x"), 100)...), "invalid_arguments", "/view/blocks"},
		{"private_metadata 3000", withKey(modal(), "private_metadata", n(3001)), withKey(modal(), "private_metadata", n(3000)), "invalid_arguments", "/view/private_metadata"},
		{"callback_id 255", withKey(modal(), "callback_id", n(256)), withKey(modal(), "callback_id", n(255)), "invalid_arguments", "/view/callback_id"},
		{"input block IDs unique", modal(input("a", textInput("t")), input("a", textInput("u"))), nil, "invalid_arguments", "/view/blocks/1/block_id"},
		{"views.open takes modals", obj{"type": "home", "blocks": []any{}}, nil, "invalid_arguments", "/view/type"},
		{"view 250 kB", modal(repeatBlock(section(n(2990)), 90)...), nil, "view_too_large", ""},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			b := open(tt.view)
			if b["ok"] != false || b["error"] != tt.want {
				t.Fatalf("answer %v, want %s", b, tt.want)
			}
			if tt.pointer != "" {
				meta, _ := b["response_metadata"].(map[string]any)
				if !strings.Contains(fmt.Sprint(meta["messages"]), "[json-pointer:"+tt.pointer+"]") {
					t.Errorf("messages %v, want pointer %s", meta["messages"], tt.pointer)
				}
			}
			if !hasViolation(srv, "views.open", tt.want) {
				t.Error("no violation recorded")
			}
			if tt.at != nil {
				if b := open(tt.at); b["ok"] != true {
					t.Errorf("at the limit: %v", b)
				}
			}
		})
	}
}

func TestLimits_TriggersStacksHashesAndExternalIDs(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	tok := srv.BotToken()
	viewsCall := func(method string, body obj) map[string]any {
		_, b, _ := callJSON(t, srv, method, body, tok)
		return b
	}
	expectErr := func(b map[string]any, method, want string) {
		t.Helper()
		if b["ok"] != false || b["error"] != want {
			t.Fatalf("%s: %v, want %s", method, b, want)
		}
		if !hasViolation(srv, method, want) {
			t.Errorf("%s: no %s violation", method, want)
		}
	}

	// trigger_id: valid 3 s, once.
	trig := srv.testTrigger("U1", "")
	clock.Add(3*time.Second + time.Millisecond)
	expectErr(viewsCall("views.open", obj{"trigger_id": trig, "view": modal()}), "views.open", "expired_trigger_id")
	trig = srv.testTrigger("U1", "")
	if b := viewsCall("views.open", obj{"trigger_id": trig, "view": withKey(modal(), "external_id", "ext-1")}); b["ok"] != true {
		t.Fatal(b)
	}
	expectErr(viewsCall("views.open", obj{"trigger_id": trig, "view": modal()}), "views.open", "exchanged_trigger_id")
	expectErr(viewsCall("views.open", obj{"trigger_id": "12345.98765.abcd2358fdea", "view": modal()}), "views.open", "invalid_trigger_id")

	// views.push needs a trigger from inside the modal, and the stack holds 3.
	expectErr(viewsCall("views.push", obj{"trigger_id": srv.testTrigger("U1", ""), "view": modal()}), "views.push", "not_found")
	root := srv.TopView("U1").ID
	for i := 0; i < 2; i++ {
		if b := viewsCall("views.push", obj{"trigger_id": srv.testTrigger("U1", root), "view": modal()}); b["ok"] != true {
			t.Fatalf("push %d: %v", i+1, b)
		}
	}
	expectErr(viewsCall("views.push", obj{"trigger_id": srv.testTrigger("U1", root), "view": modal()}), "views.push", "push_limit_reached")
	if st := srv.ViewStack("U1"); len(st) != 3 || st[2].PreviousViewID != st[1].ID || st[2].RootViewID != root {
		t.Errorf("stack %+v", st)
	}

	// views.update: by view_id or external_id, hash guards races.
	v := srv.ViewStack("U1")[0]
	b := viewsCall("views.update", obj{"view_id": v.ID, "hash": v.Hash, "view": withKey(modal(section("v2")), "external_id", "ext-1")})
	if b["ok"] != true {
		t.Fatalf("update: %v", b)
	}
	newHash := b["view"].(map[string]any)["hash"].(string)
	if newHash == v.Hash {
		t.Error("the hash did not change on update")
	}
	expectErr(viewsCall("views.update", obj{"view_id": v.ID, "hash": v.Hash, "view": modal()}), "views.update", "hash_conflict")
	if b := viewsCall("views.update", obj{"external_id": "ext-1", "view": withKey(modal(section("v3")), "external_id", "ext-1")}); b["ok"] != true {
		t.Errorf("update by external_id: %v", b)
	}
	expectErr(viewsCall("views.update", obj{"view_id": "VNOPE", "view": modal()}), "views.update", "not_found")
	expectErr(viewsCall("views.push", obj{"trigger_id": srv.testTrigger("U1", root), "view": withKey(modal(), "external_id", "ext-1")}), "views.push", "push_limit_reached")

	// Another modal may not reuse a live external_id.
	expectErr(viewsCall("views.open", obj{"trigger_id": srv.testTrigger("U1", ""), "view": withKey(modal(), "external_id", "ext-1")}), "views.open", "duplicate_external_id")

	// views.publish: home views only, for real users; hash checked.
	b = viewsCall("views.publish", obj{"user_id": "U1", "view": obj{"type": "home", "blocks": []any{section("Home")}}})
	if b["ok"] != true {
		t.Fatalf("publish: %v", b)
	}
	hv := srv.HomeView("U1")
	expectErr(viewsCall("views.publish", obj{"user_id": "U1", "hash": "1.stale", "view": obj{"type": "home", "blocks": []any{}}}), "views.publish", "hash_conflict")
	if b := viewsCall("views.publish", obj{"user_id": "U1", "hash": hv.Hash, "view": obj{"type": "home", "blocks": []any{section("Home 2")}}}); b["ok"] != true {
		t.Errorf("publish with the current hash: %v", b)
	}
	expectErr(viewsCall("views.publish", obj{"user_id": "U1", "view": modal()}), "views.publish", "invalid_arguments")
	expectErr(viewsCall("views.publish", obj{"user_id": "U404", "view": obj{"type": "home", "blocks": []any{}}}), "views.publish", "invalid_arguments")
	expectErr(viewsCall("views.publish", obj{"user_id": "U1", "view": obj{"type": "home", "blocks": repeatBlock(section("x"), 101)}}), "views.publish", "invalid_arguments")
}

func TestLimits_ChatErrors(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	mustAddChannel(t, srv, Channel{ID: "C2", Name: "archive", BotMember: true, IsArchived: true})
	tok := srv.BotToken()
	post := func(method string, v url.Values) map[string]any {
		v.Set("token", tok)
		_, b, _ := call(t, srv, method, v, nil)
		return b
	}
	_, ts, err := newAPI(srv).PostMessage("C1", slackText("hello"))
	if err != nil {
		t.Fatal(err)
	}
	// A person's message (an in_channel echo) cannot be edited by the bot.
	srv.mu.Lock()
	echo := &Message{Channel: "C1", TS: srv.nextTSLocked(), User: "U1", Text: "/okr share"}
	srv.ws.messages["C1"] = append(srv.ws.messages["C1"], echo)
	srv.mu.Unlock()

	at := func(d time.Duration) string { return strconv.FormatInt(clock.Now().Add(d).Unix(), 10) }
	atts := make([]any, 101)
	for i := range atts {
		atts[i] = obj{"text": "a"}
	}
	attsJSON, _ := json.Marshal(atts)
	rows := []struct {
		name, method string
		args         url.Values
		want         string
	}{
		{"unknown channel", "chat.postMessage", url.Values{"channel": {"C404"}, "text": {"x"}}, "channel_not_found"},
		{"archived channel", "chat.postMessage", url.Values{"channel": {"C2"}, "text": {"x"}}, "is_archived"},
		{"nothing to post", "chat.postMessage", url.Values{"channel": {"C1"}}, "no_text"},
		{"text over 4000", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {n(4001)}}, "msg_too_long"},
		{"100 attachments", "chat.postMessage", url.Values{"channel": {"C1"}, "attachments": {string(attsJSON)}}, "too_many_attachments"},
		{"blocks not JSON", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "blocks": {"[{"}}, "invalid_blocks_format"},
		{"update unknown ts", "chat.update", url.Values{"channel": {"C1"}, "ts": {"1.000001"}, "text": {"x"}}, "message_not_found"},
		{"update a person's message", "chat.update", url.Values{"channel": {"C1"}, "ts": {echo.TS}, "text": {"x"}}, "cant_update_message"},
		{"update with a user ID", "chat.update", url.Values{"channel": {"U1"}, "ts": {ts}, "text": {"x"}}, "channel_not_found"},
		{"delete a person's message", "chat.delete", url.Values{"channel": {"C1"}, "ts": {echo.TS}}, "cant_delete_message"},
		{"delete unknown ts", "chat.delete", url.Values{"channel": {"C1"}, "ts": {"1.000001"}}, "message_not_found"},
		{"schedule in the past", "chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(-time.Minute)}}, "time_in_past"},
		{"schedule now", "chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(0)}}, "time_in_past"},
		{"schedule past 120 days", "chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(121 * 24 * time.Hour)}}, "time_too_far"},
		{"schedule garbage time", "chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {"soon"}}, "invalid_time"},
		{"ephemeral to a stranger", "chat.postEphemeral", url.Values{"channel": {"C1"}, "user": {"U404"}, "text": {"x"}}, "user_not_in_channel"},
		{"users.info unknown", "users.info", url.Values{"user": {"U404"}}, "user_not_found"},
		{"conversations.info unknown", "conversations.info", url.Values{"channel": {"C404"}}, "channel_not_found"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			b := post(tt.method, tt.args)
			if b["ok"] != false || b["error"] != tt.want {
				t.Fatalf("answer %v, want %s", b, tt.want)
			}
			if !hasViolation(srv, tt.method, tt.want) {
				t.Error("no violation recorded")
			}
		})
	}

	// 30 scheduled messages per channel per 5 minutes.
	for i := range 30 {
		if b := post("chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(time.Hour + time.Duration(i)*time.Second)}}); b["ok"] != true {
			t.Fatalf("scheduled message %d: %v", i+1, b)
		}
	}
	if b := post("chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(time.Hour + 4*time.Minute)}}); b["error"] != "restricted_too_many" {
		t.Errorf("31st in 5 minutes: %v", b)
	}
	if b := post("chat.scheduleMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "post_at": {at(time.Hour + 6*time.Minute)}}); b["ok"] != true {
		t.Errorf("outside the window: %v", b)
	}
}

// TestLimits_ResponseActionsAndAcks covers what Slack enforces on answers that
// arrive in acks rather than Web API calls.
func TestLimits_ResponseActionsAndAcks(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs"})
	raw := dialRaw(t, srv)
	raw.readType("hello")
	openModal := func(blocks ...any) {
		t.Helper()
		if b := mustOK(t, srv, "views.open", obj{"trigger_id": srv.testTrigger("U1", ""), "view": modal(blocks...)}); b == nil {
			t.FailNow()
		}
	}
	// submit runs SubmitView and answers it with ack from the raw socket.
	submit := func(ack func(id string) string) *Result {
		t.Helper()
		done := make(chan *Result, 1)
		go func() {
			res, _ := srv.SubmitView(ctxT(t), "U1", Inputs{"a": "typed"})
			done <- res
		}()
		env := raw.readType("interactive")
		raw.send(ack(env["envelope_id"].(string)))
		return <-done
	}
	answer := func(payload string) func(string) string {
		return func(id string) string { return fmt.Sprintf(`{"envelope_id":%q,"payload":%s}`, id, payload) }
	}
	bigView, _ := json.Marshal(modal(section("pushed")))

	rows := []struct {
		name      string
		payload   string
		violation string
		depth     int // modal stack depth afterwards
	}{
		{"errors keyed by a section block", `{"response_action":"errors","errors":{"sec":"no"}}`, "invalid_errors", 1},
		{"errors keyed by an input block", `{"response_action":"errors","errors":{"a":"Too short"}}`, "", 1},
		{"push a view", `{"response_action":"push","view":` + string(bigView) + `}`, "", 2},
		{"push an invalid view", `{"response_action":"push","view":{"type":"modal","title":{"type":"plain_text","text":"` + n(25) + `"},"blocks":[]}}`, "invalid_arguments", 1},
		{"push past the stack limit", `{"response_action":"push","view":` + string(bigView) + `}`, "push_limit_reached", 3},
		{"unknown response_action", `{"response_action":"explode"}`, "invalid_response_action", 1},
		{"update the view", `{"response_action":"update","view":` + string(bigView) + `}`, "", 1},
		{"clear the stack", `{"response_action":"clear"}`, "", 0},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			openModal(input("a", textInput("t")), withKey(section("s"), "block_id", "sec"))
			if tt.name == "push past the stack limit" {
				root := srv.TopView("U1").ID
				for range 2 {
					mustOK(t, srv, "views.push", obj{"trigger_id": srv.testTrigger("U1", root), "view": modal(input("a", textInput("t")))})
				}
			}
			before := len(srv.Violations())
			res := submit(answer(tt.payload))
			if res == nil || res.TimedOut {
				t.Fatalf("result %+v", res)
			}
			vs := srv.Violations()[before:]
			if tt.violation == "" && len(vs) != 0 || tt.violation != "" && (len(vs) != 1 || vs[0].Error != tt.violation || vs[0].Method != "view_submission") {
				t.Errorf("violations %+v, want %q", vs, tt.violation)
			}
			if got := len(srv.ViewStack("U1")); got != tt.depth {
				t.Errorf("stack depth %d, want %d", got, tt.depth)
			}
		})
	}
	// The typed value survives an errors answer and shows in the next payload.
	openModal(input("a", textInput("t")))
	submit(answer(`{"response_action":"errors","errors":{"a":"Too short"}}`))
	v := srv.TopView("U1")
	if got := string(v.State["a"]["t"]); !strings.Contains(got, `"value":"typed"`) || v.Errors["a"] != "Too short" {
		t.Errorf("state %s errors %v", got, v.Errors)
	}
}

func mustOK(t *testing.T, srv *Server, method string, body obj) map[string]any {
	t.Helper()
	_, b, _ := callJSON(t, srv, method, body, srv.BotToken())
	if b["ok"] != true {
		t.Fatalf("%s: %v", method, b)
		return nil
	}
	return b
}

func slackText(s string) slack.MsgOption { return slack.MsgOptionText(s, false) }
