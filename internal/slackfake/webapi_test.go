package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestWebAPI_Tokens(t *testing.T) {
	srv := newServer(t, Options{})
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	tests := []struct {
		name   string
		do     func() map[string]any
		want   string // "" = ok
		method string
	}{
		{"bot token as form field", func() map[string]any {
			_, b, _ := call(t, srv, "auth.test", url.Values{"token": {srv.BotToken()}}, nil)
			return b
		}, "", "auth.test"},
		{"bot token as Bearer on a form", func() map[string]any {
			_, b, _ := call(t, srv, "auth.test", url.Values{}, bearer(srv.BotToken()))
			return b
		}, "", "auth.test"},
		{"bot token as Bearer on JSON", func() map[string]any {
			_, b, _ := callJSON(t, srv, "auth.test", map[string]any{}, srv.BotToken())
			return b
		}, "", "auth.test"},
		{"no token", func() map[string]any {
			_, b, _ := call(t, srv, "auth.test", url.Values{}, nil)
			return b
		}, "not_authed", "auth.test"},
		{"token inside a JSON body is not read", func() map[string]any {
			_, b, _ := callJSON(t, srv, "auth.test", map[string]any{"token": srv.BotToken()}, "")
			return b
		}, "not_authed", "auth.test"},
		{"unknown bot token", func() map[string]any {
			_, b, _ := call(t, srv, "auth.test", url.Values{"token": {"xoxb-1-2-nope"}}, nil)
			return b
		}, "invalid_auth", "auth.test"},
		{"app token on the Web API", func() map[string]any {
			_, b, _ := call(t, srv, "chat.postMessage", url.Values{"token": {srv.AppToken()}, "channel": {"C1"}, "text": {"x"}}, nil)
			return b
		}, "not_allowed_token_type", "chat.postMessage"},
		{"bot token on apps.connections.open", func() map[string]any {
			_, b, _ := callJSON(t, srv, "apps.connections.open", nil, srv.BotToken())
			return b
		}, "not_allowed_token_type", "apps.connections.open"},
		{"app token as a form field on apps.connections.open", func() map[string]any {
			_, b, _ := call(t, srv, "apps.connections.open", url.Values{"token": {srv.AppToken()}}, nil)
			return b
		}, "not_authed", "apps.connections.open"},
		{"app token as Bearer with an empty JSON body", func() map[string]any {
			_, b, _ := callJSON(t, srv, "apps.connections.open", nil, srv.AppToken())
			return b
		}, "", "apps.connections.open"},
		{"unknown method", func() map[string]any {
			_, b, _ := call(t, srv, "chat.nope", url.Values{"token": {srv.BotToken()}}, nil)
			return b
		}, "unknown_method", "chat.nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.do()
			if tt.want == "" {
				if b["ok"] != true {
					t.Fatalf("answer %v, want ok", b)
				}
				return
			}
			if b["ok"] != false || b["error"] != tt.want {
				t.Fatalf("answer %v, want error %q", b, tt.want)
			}
			if !hasViolation(srv, tt.method, tt.want) {
				t.Errorf("no %s violation recorded for %s", tt.want, tt.method)
			}
		})
	}

	// slack-go surfaces the same as a slack.SlackErrorResponse.
	bad := slack.New("xoxb-0-0-bad", slack.OptionAPIURL(srv.APIURL()))
	_, err := bad.AuthTest()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_auth" {
		t.Errorf("slack-go AuthTest with a bad token: %v", err)
	}
	res, err := newAPI(srv).AuthTest()
	if err != nil || res.UserID != srv.BotUserID() || res.TeamID != srv.TeamID() || res.BotID != srv.BotID() {
		t.Errorf("AuthTest = %+v, %v", res, err)
	}
}

func TestWebAPI_RateLimitAnswers429WithRetryAfter(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{PerMinute: map[string]int{"users.info": 2}}})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	api := newAPI(srv)
	for i := range 2 {
		if _, err := api.GetUserInfo("U1"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	clock.Add(20 * time.Second)
	_, err := api.GetUserInfo("U1")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("third call: %v, want *slack.RateLimitedError", err)
	}
	if rl.RetryAfter != 40*time.Second {
		t.Errorf("RetryAfter = %s, want 40s (the window frees up 60 s after the first call)", rl.RetryAfter)
	}
	// The raw answer: 429, integer Retry-After, body ratelimited.
	status, body, h := call(t, srv, "users.info", url.Values{"token": {srv.BotToken()}, "user": {"U1"}}, nil)
	if _, err := strconv.Atoi(h.Get("Retry-After")); status != 429 || err != nil || body["error"] != "ratelimited" || body["ok"] != false {
		t.Errorf("raw answer %d %v Retry-After %q", status, body, h.Get("Retry-After"))
	}
	calls := srv.CallsTo("users.info")
	if last := calls[len(calls)-1]; last.Status != 429 || last.Error != "ratelimited" {
		t.Errorf("recorded call %+v", last)
	}
	clock.Add(41 * time.Second)
	if _, err := api.GetUserInfo("U1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestWebAPI_DefaultTiers(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now})
	tests := []struct {
		method string
		limit  int
		form   url.Values
	}{
		{"users.list", tier2, url.Values{}},
		{"conversations.info", tier3, url.Values{"channel": {"C1"}}},
		{"users.info", tier4, url.Values{"user": {"U1"}}},
		{"auth.test", 600, url.Values{}},
	}
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "general"})
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			tt.form.Set("token", srv.BotToken())
			for i := range tt.limit {
				if status, b, _ := call(t, srv, tt.method, tt.form, nil); status != 200 || b["ok"] != true {
					t.Fatalf("call %d: %d %v", i+1, status, b)
				}
			}
			if status, _, _ := call(t, srv, tt.method, tt.form, nil); status != 429 {
				t.Errorf("call %d: status %d, want 429", tt.limit+1, status)
			}
		})
	}
}

func TestWebAPI_PostMessagePerChannelLimit(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{PostMessageBurst: 2, PostMessagePerMinute: 4}})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "a", BotMember: true})
	mustAddChannel(t, srv, Channel{ID: "C2", Name: "b", BotMember: true})
	api := newAPI(srv)
	post := func(ch string) error {
		_, _, err := api.PostMessage(ch, slack.MsgOptionText("hi", false))
		return err
	}
	var rl *slack.RateLimitedError
	for i := range 2 {
		if err := post("C1"); err != nil {
			t.Fatalf("burst post %d: %v", i+1, err)
		}
	}
	if err := post("C1"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("third post in a burst: %v, want a 1 s RateLimitedError", err)
	}
	if err := post("C2"); err != nil {
		t.Fatalf("another channel is limited separately: %v", err)
	}
	clock.Add(time.Second)
	if err := post("C1"); err != nil {
		t.Fatalf("one second later: %v", err)
	}
	// The workspace ceiling (4/min here) applies across channels.
	if err := post("C2"); !errors.As(err, &rl) {
		t.Fatalf("fifth post in a minute: %v, want the workspace ceiling", err)
	}
}

func TestWebAPI_RateLimitsCanBeSwitchedOffOrScaled(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	off := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{Disabled: true}})
	scaled := newServer(t, Options{Clock: clock.Now, RateLimits: RateLimits{Scale: 2}})
	for _, srv := range []*Server{off, scaled} {
		mustAddChannel(t, srv, Channel{ID: "C1", Name: "a", BotMember: true})
	}
	for i := range 40 {
		if status, _, _ := call(t, off, "users.list", url.Values{"token": {off.BotToken()}}, nil); status != 200 {
			t.Fatalf("disabled: call %d got %d", i+1, status)
		}
	}
	for i := range 40 {
		if status, _, _ := call(t, scaled, "users.list", url.Values{"token": {scaled.BotToken()}}, nil); status != 200 {
			t.Fatalf("scaled: call %d got %d", i+1, status)
		}
	}
	if status, _, _ := call(t, scaled, "users.list", url.Values{"token": {scaled.BotToken()}}, nil); status != 429 {
		t.Errorf("scaled: call 41 got %d, want 429 (Tier 2 × 2 = 40/min)", status)
	}
}

func TestWebAPI_Faults(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	api := newAPI(srv)
	ctx := ctxT(t)

	srv.SetFault("auth.test", Fault{Status: 500, OnCall: 2})
	for i := 1; i <= 3; i++ {
		_, err := api.AuthTestContext(ctx)
		var sc slack.StatusCodeError
		if got := errors.As(err, &sc) && sc.Code == 500; got != (i == 2) {
			t.Errorf("OnCall 2: call %d error %v", i, err)
		}
	}

	srv.SetFault("auth.test", Fault{Status: 429, RetryAfter: 3 * time.Second, EveryNth: 2})
	for i := 1; i <= 4; i++ {
		_, err := api.AuthTestContext(ctx)
		var rl *slack.RateLimitedError
		hit := errors.As(err, &rl) && rl.RetryAfter == 3*time.Second
		if hit != (i%2 == 0) {
			t.Errorf("EveryNth 2: call %d error %v", i, err)
		}
	}

	srv.SetFault("auth.test", Fault{Error: "internal_error", Count: 1})
	if _, err := api.AuthTestContext(ctx); err == nil || err.Error() != "internal_error" {
		t.Errorf("Error fault: %v", err)
	}
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("Count 1: second call %v", err)
	}

	srv.SetFault("auth.test", Fault{Delay: 200 * time.Millisecond})
	start := time.Now()
	if _, err := api.AuthTestContext(ctx); err != nil || time.Since(start) < 200*time.Millisecond {
		t.Errorf("Delay fault: %v after %s", err, time.Since(start))
	}

	srv.SetFault("auth.test", Fault{Status: 503, Rate: 0.5})
	hits := 0
	for range 40 {
		if _, err := api.AuthTestContext(ctx); err != nil {
			hits++
		}
	}
	if hits == 0 || hits == 40 {
		t.Errorf("Rate 0.5 hit %d of 40 calls", hits)
	}
	srv.SetFault("auth.test", Fault{})
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("cleared fault: %v", err)
	}
	injected := 0
	for _, c := range srv.CallsTo("auth.test") {
		if c.Injected {
			injected++
		}
	}
	if injected == 0 {
		t.Error("no call marked Injected")
	}

	// apps.connections.open failing with 500 makes slack-go back off and retry.
	srv.SetFault("apps.connections.open", Fault{Status: 500, OnCall: 1})
	a := startApp(t, srv, ackAll)
	waitFor(t, srv, "connected after a 500", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	if n := len(srv.CallsTo("apps.connections.open")); n != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", n)
	}
}

func TestWebAPI_ChatAndConversations(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", TZ: "Europe/Berlin"})
	mustAddUser(t, srv, User{ID: "U2", Name: "bo", TZ: "Asia/Tokyo"})
	mustAddUser(t, srv, User{ID: "U3", Name: "gone", TZ: "UTC", Deleted: true})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true, Members: []string{"U1"}})
	api := newAPI(srv)
	ctx := ctxT(t)

	// A user ID as channel opens the DM and returns it.
	ch, ts, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("Time for your check-in", false))
	if err != nil {
		t.Fatal(err)
	}
	if dm := srv.DM("U1"); ch != dm || !strings.HasPrefix(dm, "D") {
		t.Fatalf("posted to %q, DM is %q", ch, dm)
	}
	c, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || c.ID != ch || !already {
		t.Errorf("conversations.open = %+v already %v, %v", c, already, err)
	}
	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch})
	if err != nil || len(hist.Messages) != 1 || hist.Messages[0].Timestamp != ts || hist.Messages[0].BotID != srv.BotID() {
		t.Fatalf("history = %+v, %v", hist, err)
	}

	// Update keeps ts and records versions; delete marks it.
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("Checked in", false)); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(ch)
	if len(msgs) != 1 || msgs[0].Text != "Checked in" || len(msgs[0].Versions) != 2 || msgs[0].Versions[0].Text != "Time for your check-in" {
		t.Errorf("after update: %+v", msgs)
	}
	if _, _, err := api.DeleteMessageContext(ctx, ch, ts); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(ch)[0]; !m.Deleted {
		t.Error("not marked deleted")
	}
	var se slack.SlackErrorResponse
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("again", false)); !errors.As(err, &se) || se.Err != "message_not_found" {
		t.Errorf("update of a deleted message: %v", err)
	}
	// chat.update wants the DM ID, not the user ID.
	if _, _, _, err := api.UpdateMessageContext(ctx, "U1", ts, slack.MsgOptionText("x", false)); !errors.As(err, &se) || se.Err != "channel_not_found" {
		t.Errorf("update with a user ID: %v", err)
	}

	// Ephemerals go to members only.
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatal(err)
	}
	if e := srv.Ephemerals("U1"); len(e) != 1 || e[0].Channel != "C1" || !e[0].Ephemeral {
		t.Errorf("ephemerals %+v", e)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U2", slack.MsgOptionText("x", false)); !errors.As(err, &se) || se.Err != "user_not_in_channel" {
		t.Errorf("ephemeral to a non-member: %v", err)
	}

	// DMs with deactivated users and bots fail like on Slack.
	if _, _, err := api.PostMessageContext(ctx, "U3", slack.MsgOptionText("x", false)); !errors.As(err, &se) || se.Err != "user_disabled" {
		t.Errorf("DM to a deactivated user: %v", err)
	}
	if _, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U404"}}); !errors.As(err, &se) || se.Err != "user_not_found" {
		t.Errorf("conversations.open unknown user: %v", err)
	}

	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"})
	if err != nil || info.Name != "okrs" || !info.IsMember {
		t.Errorf("conversations.info = %+v, %v", info, err)
	}
}

func TestWebAPI_UsersAndTimeZones(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", TZ: "Europe/Berlin", IsAdmin: true})
	mustAddUser(t, srv, User{ID: "U2", Name: "bo", TZ: "America/New_York", IsOwner: true})
	mustAddUser(t, srv, User{ID: "U3", Name: "gone", TZ: "UTC", Deleted: true})
	mustAddUser(t, srv, User{ID: "U4", Name: "helper", TZ: "UTC", IsBot: true})
	if err := srv.AddUser(User{ID: "U5", TZ: "Mars/Olympus"}); err == nil {
		t.Error("AddUser accepted an unknown time zone")
	}
	api := newAPI(srv)

	u, err := api.GetUserInfo("U1")
	if err != nil || u.TZ != "Europe/Berlin" || u.TZOffset != 3600 || !u.IsAdmin || u.Locale == "" {
		t.Fatalf("users.info in January = %+v, %v", u, err)
	}
	clock.Add(180 * 24 * time.Hour) // July: summer time
	if u, _ = api.GetUserInfo("U1"); u.TZOffset != 7200 {
		t.Errorf("tz_offset in July = %d, want 7200", u.TZOffset)
	}
	var se slack.SlackErrorResponse
	if _, err := api.GetUserInfo("U404"); !errors.As(err, &se) || se.Err != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}

	// Pagination with a small page returns everyone: Slackbot, the bot, bots and
	// deactivated users included.
	all, err := api.GetUsersContext(ctxT(t), slack.GetUsersOptionLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]slack.User{}
	for _, u := range all {
		ids[u.ID] = u
	}
	if len(all) != 6 || !ids["U3"].Deleted || !ids["U4"].IsBot || !ids[srv.BotUserID()].IsBot || ids["USLACKBOT"].IsBot {
		t.Errorf("users.list returned %d users: %+v", len(all), ids)
	}
	if n := len(srv.CallsTo("users.list")); n != 3 {
		t.Errorf("%d users.list pages, want 3", n)
	}
	if _, _, err := callUsersList(t, srv, "bm9wZQ=="); err != "invalid_cursor" {
		t.Errorf("bad cursor: %q", err)
	}
}

func callUsersList(t *testing.T, srv *Server, cursor string) (int, map[string]any, string) {
	status, b, _ := call(t, srv, "users.list", url.Values{"token": {srv.BotToken()}, "cursor": {cursor}}, nil)
	e, _ := b["error"].(string)
	return status, b, e
}

func TestWebAPI_HistoryVisibilityAndScopes(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "public-out"})
	mustAddChannel(t, srv, Channel{ID: "C2", Name: "private-out", IsPrivate: true})
	mustAddChannel(t, srv, Channel{ID: "C3", Name: "in", BotMember: true})
	api := newAPI(srv)
	tests := []struct {
		channel, want string
	}{
		{"C1", "not_in_channel"},
		{"C2", "channel_not_found"},
		{"C404", "channel_not_found"},
		{"C3", ""},
	}
	for _, tt := range tests {
		_, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: tt.channel})
		var se slack.SlackErrorResponse
		if tt.want == "" && err != nil || tt.want != "" && (!errors.As(err, &se) || se.Err != tt.want) {
			t.Errorf("history %s: %v, want %q", tt.channel, err, tt.want)
		}
	}
	// Posting to a public channel the bot is not in needs chat:write.public.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("post with chat:write.public: %v", err)
	}
	narrow := newServer(t, Options{BotScopes: []string{"chat:write"}})
	mustAddChannel(t, narrow, Channel{ID: "C1", Name: "public-out"})
	mustAddUser(t, narrow, User{ID: "U1", TZ: "UTC"})
	napi := newAPI(narrow)
	var se slack.SlackErrorResponse
	if _, _, err := napi.PostMessage("C1", slack.MsgOptionText("hi", false)); !errors.As(err, &se) || se.Err != "not_in_channel" {
		t.Errorf("post without chat:write.public: %v", err)
	}
	if _, err := napi.GetUserInfo("U1"); !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "users:read" {
		t.Errorf("users.info without users:read: %v (%+v)", err, se)
	}
}

func TestWebAPI_ScheduleMessage(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	api := newAPI(srv)
	at := func(d time.Duration) string { return strconv.FormatInt(clock.Now().Add(d).Unix(), 10) }
	ch, id, err := api.ScheduleMessage("C1", at(time.Hour), slack.MsgOptionText("weekly digest", false))
	if err != nil || ch != "C1" || !strings.HasPrefix(id, "Q") {
		t.Fatalf("scheduleMessage = %q %q %v", ch, id, err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Fatalf("%d messages before post_at", n)
	}
	clock.Add(time.Hour)
	if m := srv.Messages("C1"); len(m) != 1 || m[0].Text != "weekly digest" || m[0].Via != "chat.scheduleMessage" {
		t.Errorf("after post_at: %+v", m)
	}
}

func TestWebAPI_FileUpload(t *testing.T) {
	srv := newServer(t, Options{})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	api := newAPI(srv)
	content := "objective,progress\nGrow,0.7\n"
	f, err := api.UploadFileContext(ctxT(t), slack.UploadFileParameters{
		Filename: "okrs.csv", FileSize: len(content), Reader: strings.NewReader(content),
		Channel: "C1", Title: "OKR export", InitialComment: "This quarter",
	})
	if err != nil {
		t.Fatal(err)
	}
	files := srv.Files()
	if len(files) != 1 || files[0].ID != f.ID || string(files[0].Content) != content || files[0].Title != "OKR export" {
		t.Fatalf("files %+v", files)
	}
	if m := srv.Messages("C1"); len(m) != 1 || m[0].Text != "This quarter" || len(m[0].Files) != 1 {
		t.Errorf("share message %+v", m)
	}
	// A second completion of the same file fails.
	_, err = api.CompleteUploadExternalContext(ctxT(t), slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: f.ID}}})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "file_not_found" {
		t.Errorf("second completion: %v", err)
	}
}

func TestWebAPI_ResponseURL(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	srv := newServer(t, Options{Clock: clock.Now})
	mustAddUser(t, srv, User{ID: "U1", TZ: "UTC"})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs"})
	urls := make(chan string, 4)
	a := startApp(t, srv, func(c *socketmode.Client, evt socketmode.Event) {
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			_ = c.Ack(*evt.Request)
			urls <- cmd.ResponseURL
		}
	})
	waitFor(t, srv, "connected", func() bool { return a.count(socketmode.EventTypeHello) == 1 })
	ctx := ctxT(t)
	if _, err := srv.SlashCommand(ctx, "U1", "C1", "/okr", "list"); err != nil {
		t.Fatal(err)
	}
	ru := <-urls
	for i := 1; i <= 5; i++ {
		if _, _, err := a.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(ru, slack.ResponseTypeEphemeral),
			slack.MsgOptionText("reply "+strconv.Itoa(i), false)); err != nil {
			t.Fatalf("use %d: %v", i, err)
		}
	}
	if _, _, err := a.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(ru, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("sixth", false)); err == nil || err.Error() != "used_url" {
		t.Errorf("sixth use: %v, want used_url", err)
	}
	if n := len(srv.Ephemerals("U1")); n != 5 {
		t.Errorf("%d ephemerals, want 5", n)
	}

	// In channel, then replace_original replaces the previous reply, not the command.
	if _, err := srv.SlashCommand(ctx, "U1", "C1", "/okr", "share"); err != nil {
		t.Fatal(err)
	}
	ru = <-urls
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(ru, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if _, m := post(`{"response_type":"in_channel","text":"Q3 OKRs"}`); m["ok"] != true {
		t.Fatalf("in_channel: %v", m)
	}
	if _, m := post(`{"replace_original":true,"text":"Q3 OKRs (updated)"}`); m["ok"] != true {
		t.Fatalf("replace_original: %v", m)
	}
	msgs := srv.Messages("C1")
	if len(msgs) != 1 || msgs[0].Text != "Q3 OKRs (updated)" || msgs[0].Via != "response_url" {
		t.Errorf("channel messages %+v", msgs)
	}

	clock.Add(31 * time.Minute)
	if _, m := post(`{"text":"late"}`); m["error"] != "expired_url" {
		t.Errorf("after 30 minutes: %v", m)
	}
	if status, _ := post(`{"text":"x"}`); status != 200 {
		t.Errorf("status %d", status)
	}
	if resp, err := http.Post(srv.base+"/response/nope", "application/json", strings.NewReader(`{"text":"x"}`)); err != nil || resp.StatusCode != 404 {
		t.Errorf("unknown response_url: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	_ = context.Background
}

func TestWebAPI_LostAnswer(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddUser(t, srv, User{ID: "U1", Name: "ana", TZ: "UTC"})
	api := newAPI(srv)
	ctx := ctxT(t)
	srv.SetFault("chat.postMessage", Fault{Lost: true, OnCall: 1})
	if _, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("first", false)); err == nil {
		t.Fatal("a lost answer reached the client")
	}
	// Slack did post it: the app cannot tell from the answer, only by looking.
	msgs := srv.Messages(srv.DM("U1"))
	if len(msgs) != 1 || msgs[0].Text != "first" {
		t.Fatalf("messages = %+v, want the one whose answer was lost", msgs)
	}
	if calls := srv.CallsTo("chat.postMessage"); len(calls) != 1 || !calls[0].Injected {
		t.Fatalf("calls = %+v", calls)
	}
	if _, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("second", false)); err != nil {
		t.Fatalf("the next call: %v", err)
	}
}

func TestWebAPI_ConversationsReplies(t *testing.T) {
	srv := newServer(t, Options{RateLimits: RateLimits{Disabled: true}})
	mustAddChannel(t, srv, Channel{ID: "C1", Name: "okrs", BotMember: true})
	mustAddChannel(t, srv, Channel{ID: "C2", Name: "elsewhere"})
	api := newAPI(srv)
	ctx := ctxT(t)
	_, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("digest", false))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"part 1", "part 2", "part 3"} {
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false), slack.MsgOptionTS(parent)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("not in the thread", false)); err != nil {
		t.Fatal(err)
	}
	var texts []string
	params := &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent, Limit: 2}
	for {
		msgs, more, next, err := api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		if !more {
			break
		}
		params.Cursor = next
	}
	if got := strings.Join(texts, "|"); got != "digest|part 1|part 2|part 3" {
		t.Fatalf("thread = %q", got)
	}
	// History shows the parent, not its replies.
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil || len(h.Messages) != 2 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	for _, tc := range []struct{ channel, ts, want string }{
		{"C1", "1.000001", "thread_not_found"},
		{"C2", parent, "not_in_channel"},
		{"C9", parent, "channel_not_found"},
	} {
		_, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: tc.channel, Timestamp: tc.ts})
		if err == nil || err.Error() != tc.want {
			t.Errorf("replies %s %s = %v, want %s", tc.channel, tc.ts, err, tc.want)
		}
	}
}
