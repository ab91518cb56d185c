package slackfake

import (
	"encoding/base64"
	"strconv"
	"strings"
)

func (s *Server) apiConversationsOpen(r *apiReq) apiResult {
	if e := s.needScope("im:write"); e != nil {
		return scopeFail(e)
	}
	if id := r.p.str("channel"); id != "" {
		c := s.ws.channels[id]
		if c == nil || !c.isIM {
			return fail("channel_not_found", "no DM %q", id)
		}
		return s.openAnswerLocked(c, true, r.p.boolean("return_im"))
	}
	var users []string
	for _, u := range strings.Split(r.p.str("users"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	switch {
	case len(users) == 0:
		return fail("users_list_not_supplied", "neither users nor channel given")
	case len(users) > 1:
		return fail("method_not_supported_for_channel_type", "multi-person DMs (%d users) are not emulated", len(users))
	}
	u, known := s.ws.users[users[0]]
	switch {
	case !known:
		return fail("user_not_found", "no user %q", users[0])
	case u.Deleted:
		return fail("user_disabled", "user %s is deactivated", u.ID)
	case u.IsBot || u.ID == slackbotID:
		return fail("cannot_dm_bot", "user %s is a bot", u.ID)
	}
	c, existed := s.openDMLocked(u.ID)
	return s.openAnswerLocked(c, existed, r.p.boolean("return_im"))
}

func (s *Server) openAnswerLocked(c *channelRec, existed, full bool) apiResult {
	body := map[string]any{"channel": map[string]any{"id": c.ID}}
	if full {
		body["channel"] = s.channelJSONLocked(c)
	}
	if existed {
		body["no_op"] = true
		body["already_open"] = true
	}
	return ok(body)
}

// readScope is the scope reading a conversation needs (docs/slack-platform.md, "Scopes needed"): channels:*,
// groups:* or im:* by conversation type.
func readScope(c *channelRec, verb string) string {
	switch {
	case c.isIM:
		return "im:" + verb
	case c.IsPrivate:
		return "groups:" + verb
	}
	return "channels:" + verb
}

func (s *Server) apiConversationsInfo(r *apiReq) apiResult {
	c := s.ws.channels[r.p.str("channel")]
	if c == nil || !botSees(c) {
		return fail("channel_not_found", "channel %q (conversations.info takes an ID)", r.p.str("channel"))
	}
	if e := s.needScope(readScope(c, "read")); e != nil {
		return scopeFail(e)
	}
	return ok(map[string]any{"channel": s.channelJSONLocked(c)})
}

// readableLocked resolves the conversation a history method reads, or the
// failure to answer with: it must exist for the bot, the bot needs the
// *:history scope, and a channel's history only to its members (docs/slack-platform.md, "Scopes needed").
func (s *Server) readableLocked(r *apiReq) (*channelRec, apiResult) {
	id := r.p.str("channel")
	c := s.ws.channels[id]
	if c == nil || !botSees(c) {
		return nil, fail("channel_not_found", "channel %q", id)
	}
	if e := s.needScope(readScope(c, "history")); e != nil {
		return nil, scopeFail(e)
	}
	if !c.isIM && !c.BotMember {
		return nil, fail("not_in_channel", "the bot is not a member of #%s; bot tokens can only read channels they are in", c.Name)
	}
	return c, apiResult{}
}

// historyLimit reads a history method's page size.
func historyLimit(r *apiReq) (int, *apiResult) {
	limit := defaultHistoryLimit
	if l := r.p.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			bad := fail("invalid_limit", "limit %q", l)
			return 0, &bad
		}
		if n > 0 {
			limit = min(n, maxHistoryLimit)
		}
	}
	return limit, nil
}

func (s *Server) apiConversationsHistory(r *apiReq) apiResult {
	c, bad := s.readableLocked(r)
	if c == nil {
		return bad
	}
	limit, badLimit := historyLimit(r)
	if badLimit != nil {
		return *badLimit
	}
	inclusive := r.p.boolean("inclusive")
	latest, oldest := r.p.str("latest"), r.p.str("oldest")
	if latest != "" && !validTS(latest) {
		return fail("invalid_ts_latest", "latest %q", latest)
	}
	if oldest != "" && !validTS(oldest) {
		return fail("invalid_ts_oldest", "oldest %q", oldest)
	}
	before := ""
	if cur := r.p.str("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		ts, found := strings.CutPrefix(string(raw), "next_ts:")
		if err != nil || !found || !validTS(ts) {
			return fail("invalid_cursor", "cursor %q", cur)
		}
		before = ts
	}
	// Newest first; thread replies stay in the thread, deleted messages are gone.
	var all []*Message
	msgs := s.ws.messages[c.ID]
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Deleted || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue
		}
		if before != "" && !tsLess(m.TS, before) {
			continue
		}
		if latest != "" && (tsLess(latest, m.TS) || (!inclusive && m.TS == latest)) {
			continue
		}
		if oldest != "" && (tsLess(m.TS, oldest) || (!inclusive && m.TS == oldest)) {
			continue
		}
		all = append(all, m)
	}
	page := all
	hasMore := false
	next := ""
	if len(all) > limit {
		page, hasMore = all[:limit], true
		next = base64.StdEncoding.EncodeToString([]byte("next_ts:" + page[len(page)-1].TS))
	}
	out := make([]map[string]any, 0, len(page))
	for _, m := range page {
		out = append(out, s.messageJSONLocked(m))
	}
	body := map[string]any{
		"messages":          out,
		"has_more":          hasMore,
		"pin_count":         0,
		"response_metadata": map[string]any{"next_cursor": next},
	}
	if latest != "" {
		body["latest"] = latest
	}
	return ok(body)
}

// apiConversationsReplies returns a thread: the parent first, then its
// replies, oldest first (D-EV; conversations.replies reference).
func (s *Server) apiConversationsReplies(r *apiReq) apiResult {
	c, bad := s.readableLocked(r)
	if c == nil {
		return bad
	}
	ts := r.p.str("ts")
	if ts == "" {
		return fail("invalid_arguments", "ts is required")
	}
	parent := s.findMessageLocked(c.ID, ts)
	if parent == nil || parent.Deleted || (parent.ThreadTS != "" && parent.ThreadTS != parent.TS) {
		return fail("thread_not_found", "no thread at %s in %s", ts, c.ID)
	}
	limit, badLimit := historyLimit(r)
	if badLimit != nil {
		return *badLimit
	}
	after := ""
	if cur := r.p.str("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		t, found := strings.CutPrefix(string(raw), "after_ts:")
		if err != nil || !found || !validTS(t) {
			return fail("invalid_cursor", "cursor %q", cur)
		}
		after = t
	}
	oldest := r.p.str("oldest")
	if oldest != "" && !validTS(oldest) {
		return fail("invalid_ts_oldest", "oldest %q", oldest)
	}
	var all []*Message
	for _, m := range s.ws.messages[c.ID] {
		if m.Deleted || (m != parent && m.ThreadTS != ts) {
			continue
		}
		if after != "" && !tsLess(after, m.TS) {
			continue
		}
		if m != parent && oldest != "" && tsLess(m.TS, oldest) {
			continue
		}
		all = append(all, m)
	}
	page, hasMore, next := all, false, ""
	if len(all) > limit {
		page, hasMore = all[:limit], true
		next = base64.StdEncoding.EncodeToString([]byte("after_ts:" + page[len(page)-1].TS))
	}
	out := make([]map[string]any, 0, len(page))
	for _, m := range page {
		j := s.messageJSONLocked(m)
		if m == parent {
			j["thread_ts"] = m.TS
		}
		out = append(out, j)
	}
	return ok(map[string]any{"messages": out, "has_more": hasMore, "response_metadata": map[string]any{"next_cursor": next}})
}

func validTS(ts string) bool {
	sec, frac, _ := strings.Cut(ts, ".")
	if _, err := strconv.ParseInt(sec, 10, 64); err != nil {
		return false
	}
	if frac != "" {
		if _, err := strconv.ParseInt(frac, 10, 64); err != nil {
			return false
		}
	}
	return true
}

// tsLess orders Slack timestamps ("1700000000.000100").
func tsLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	if ai != bi {
		return ai < bi
	}
	af = (af + "000000")[:6]
	bf = (bf + "000000")[:6]
	return af < bf
}

func (s *Server) apiUsersInfo(r *apiReq) apiResult {
	if e := s.needScope("users:read"); e != nil {
		return scopeFail(e)
	}
	id := r.p.str("user")
	u, known := s.ws.users[id]
	if !known {
		return fail("user_not_found", "no user %q", id)
	}
	return ok(map[string]any{"user": s.userJSONLocked(u, r.p.boolean("include_locale"))})
}

// apiUsersList pages through every user, bots, deleted users and Slackbot
// included, as Slack does (docs/slack-platform.md, "Users and time zones").
func (s *Server) apiUsersList(r *apiReq) apiResult {
	if e := s.needScope("users:read"); e != nil {
		return scopeFail(e)
	}
	limit := 0
	if l := r.p.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return fail("invalid_limit", "limit %q", l)
		}
		limit = min(n, 1000)
	}
	start := 0
	if cur := r.p.str("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		id, found := strings.CutPrefix(string(raw), "user:")
		start = -1
		if err == nil && found {
			for i, uid := range s.ws.userOrder {
				if uid == id {
					start = i
				}
			}
		}
		if start < 0 {
			return fail("invalid_cursor", "cursor %q", cur)
		}
	}
	end := len(s.ws.userOrder)
	if limit > 0 && start+limit < end {
		end = start + limit
	}
	members := make([]map[string]any, 0, end-start)
	for _, id := range s.ws.userOrder[start:end] {
		members = append(members, s.userJSONLocked(s.ws.users[id], r.p.boolean("include_locale")))
	}
	next := ""
	if end < len(s.ws.userOrder) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + s.ws.userOrder[end]))
	}
	return ok(map[string]any{
		"members":           members,
		"cache_ts":          s.now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next},
	})
}
