package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxMessageText is the longest message text the emulator accepts. Slack's
// documentation says it truncates past 40 000 characters and advises staying
// under 4 000 (docs/slack-platform.md, "Block Kit limits", D-PM), but Slack staff report msg_too_long for texts over
// about 4 000 characters today (GH seratch/ChatGPT-in-Slack#102). The emulator
// takes the stricter reading so that a passing test cannot fail on Slack.
const maxMessageText = 4000

// chat.scheduleMessage limits (docs/slack-platform.md, "Per-method tiers", D-SCH).
const (
	maxScheduleAhead    = 120 * 24 * time.Hour
	maxScheduledPerSlot = 30
	scheduledSlotLength = 5 * time.Minute
	defaultHistoryLimit = 100
	maxHistoryLimit     = 999
)

// Message is a message in a channel or DM, or an ephemeral message, as the app
// (or a person) posted it and as it was updated since.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string
	User        string // the bot user, or a person for an in_channel slash command echo
	BotID       string // set for the bot's messages
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Files       []string // IDs of files shared with the message
	// Ephemeral messages are seen only by Recipient and live in Ephemerals.
	Ephemeral bool
	Recipient string
	Deleted   bool
	Edited    bool
	// Via names what produced it: "chat.postMessage", "chat.postEphemeral",
	// "chat.scheduleMessage", "response_url", "slash_command_ack",
	// "slash_command", "files.completeUploadExternal".
	Via string
	// Versions holds the content as first posted followed by each update.
	Versions []MessageVersion
}

// MessageVersion is one state of a message's content.
type MessageVersion struct {
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	At          time.Time
}

type msgRec = Message

func (m *Message) clone() Message {
	c := *m
	c.Files = slices.Clone(m.Files)
	c.Versions = slices.Clone(m.Versions)
	return c
}

// Messages returns a conversation's messages, oldest first, including deleted
// ones (Deleted set). Scheduled messages whose time has come on the clock are
// included.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushScheduledLocked()
	var out []Message
	for _, m := range s.ws.messages[channelID] {
		out = append(out, m.clone())
	}
	return out
}

// Ephemerals returns the ephemeral messages a user was shown, oldest first.
func (s *Server) Ephemerals(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.ws.ephemerals[userID] {
		out = append(out, m.clone())
	}
	return out
}

// content is the text/blocks/attachments of a message being posted.
type content struct {
	text           string
	blocks         json.RawMessage
	hasBlocks      bool
	attachments    json.RawMessage
	hasAttachments bool
}

// parseContent reads and checks message content: blocks (≤50 and every Block Kit
// limit, docs/slack-platform.md, "Block Kit limits"), attachments (≤100), text (msg_too_long), and that there is
// something to show (no_text). requireSome is false for chat.update, which may
// change only part of a message.
func (s *Server) parseContent(p params, requireSome bool) (content, *apiError) {
	var c content
	c.text = p.str("text")
	blocks, has, err := p.jsonArg("blocks")
	if err != nil {
		return c, &apiError{code: "invalid_blocks_format", detail: err.Error()}
	}
	if has {
		decoded, _ := decodeJSON(blocks)
		if _, isArr := decoded.([]any); !isArr {
			return c, &apiError{code: "invalid_blocks_format", detail: "blocks must be a JSON array"}
		}
		if probs := validateMessageBlocks(decoded); len(probs) > 0 {
			e := failProblems("invalid_blocks", probs).err
			return c, e
		}
		c.blocks, c.hasBlocks = s.fillIDsLocked(decoded), true
	}
	atts, has, err := p.jsonArg("attachments")
	if err != nil {
		return c, &apiError{code: "invalid_attachments", detail: err.Error()}
	}
	if has {
		decoded, _ := decodeJSON(atts)
		arr, isArr := decoded.([]any)
		if !isArr {
			return c, &apiError{code: "invalid_attachments", detail: "attachments must be a JSON array"}
		}
		if len(arr) > maxAttachments {
			return c, &apiError{code: "too_many_attachments", detail: fmt.Sprintf("%d attachments; at most %d", len(arr), maxAttachments)}
		}
		for i, a := range arr {
			if am, ok := a.(map[string]any); ok {
				if bl, ok := am["blocks"]; ok {
					v := newValidator(surfaceMessage)
					v.blocks(bl, fmt.Sprintf("/attachments/%d/blocks", i), maxMessageBlocks)
					if len(v.probs) > 0 {
						return c, failProblems("invalid_blocks", v.probs).err
					}
				}
			}
		}
		c.attachments, c.hasAttachments = atts, true
	}
	if n := runes(c.text); n > maxMessageText {
		return c, &apiError{code: "msg_too_long", detail: fmt.Sprintf("text is %d characters; the emulator allows %d", n, maxMessageText)}
	}
	if requireSome && c.text == "" && !c.hasBlocks && !c.hasAttachments {
		return c, &apiError{code: "no_text", detail: "no text, blocks or attachments"}
	}
	return c, nil
}

// canPostLocked applies Slack's posting rules to a resolved conversation (docs/slack-platform.md, "Scopes needed"):
// archived channels refuse, and a bot outside a public channel needs
// chat:write.public.
func (s *Server) canPostLocked(c *channelRec) *apiError {
	if c.IsArchived {
		return &apiError{code: "is_archived", detail: "channel " + c.ID + " is archived"}
	}
	if c.isIM {
		if u := s.ws.users[c.imUser]; u != nil && u.Deleted {
			return &apiError{code: "user_disabled", detail: "the DM's user " + c.imUser + " is deactivated"}
		}
		return nil
	}
	if !c.BotMember && !s.scopes["chat:write.public"] {
		return &apiError{code: "not_in_channel", detail: "the bot is not in #" + c.Name + " and lacks chat:write.public"}
	}
	return nil
}

func (s *Server) messageJSONLocked(m *Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "team": s.teamID}
	if m.BotID != "" {
		out["user"] = s.botUserID
		out["bot_id"] = s.botID
		out["app_id"] = s.appID
		out["bot_profile"] = map[string]any{
			"id": s.botID, "app_id": s.appID, "name": s.opts.BotName, "deleted": false, "team_id": s.teamID,
			"updated": 1700000000, "icons": map[string]any{"image_36": "https://a.slack-edge.com/bot-36.png"},
		}
	} else {
		out["user"] = m.User
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if len(m.Attachments) > 0 {
		out["attachments"] = m.Attachments
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Edited {
		out["edited"] = map[string]any{"user": s.botUserID, "ts": m.TS}
	}
	if len(m.Files) > 0 {
		var files []map[string]any
		for _, id := range m.Files {
			if f := s.ws.files[id]; f != nil {
				files = append(files, f.json())
			}
		}
		out["files"] = files
	}
	return out
}

// postLocked stores a new message from the bot in a conversation.
func (s *Server) postLocked(c *channelRec, ct content, threadTS, via string) *Message {
	m := &Message{
		Channel:     c.ID,
		TS:          s.nextTSLocked(),
		User:        s.botUserID,
		BotID:       s.botID,
		Text:        ct.text,
		Blocks:      ct.blocks,
		Attachments: ct.attachments,
		Via:         via,
	}
	if threadTS != "" {
		// A reply whose parent was deleted is posted un-threaded (slack-go's
		// PostMessageWithResponse documents this Slack behaviour).
		if parent := s.findMessageLocked(c.ID, threadTS); parent == nil || !parent.Deleted {
			m.ThreadTS = threadTS
		}
	}
	m.Versions = []MessageVersion{{Text: m.Text, Blocks: m.Blocks, Attachments: m.Attachments, At: s.now()}}
	s.ws.messages[c.ID] = append(s.ws.messages[c.ID], m)
	return m
}

func (s *Server) findMessageLocked(channel, ts string) *Message {
	for _, m := range s.ws.messages[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// channelArgLocked resolves a method's "channel" argument, or returns the
// failure to answer with (channel_not_found and the like). allowUser lets a
// user ID stand for the DM with that user, as chat.postMessage allows (docs/slack-platform.md, "App Home").
func (s *Server) channelArgLocked(r *apiReq, allowUser bool) (*channelRec, apiResult) {
	c, code := s.resolveChannelLocked(r.p.str("channel"), allowUser)
	if code != "" {
		return nil, fail(code, "channel %q", r.p.str("channel"))
	}
	return c, apiResult{}
}

func (s *Server) apiPostMessage(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	c, bad := s.channelArgLocked(r, true)
	if c == nil {
		return bad
	}
	if e := s.canPostLocked(c); e != nil {
		return apiResult{err: e}
	}
	ct, e := s.parseContent(r.p, true)
	if e != nil {
		return apiResult{err: e}
	}
	m := s.postLocked(c, ct, r.p.str("thread_ts"), "chat.postMessage")
	return ok(map[string]any{"channel": c.ID, "ts": m.TS, "message": s.messageJSONLocked(m)})
}

func (s *Server) apiPostEphemeral(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	c, bad := s.channelArgLocked(r, false)
	if c == nil {
		return bad
	}
	if e := s.canPostLocked(c); e != nil {
		return apiResult{err: e}
	}
	user := r.p.str("user")
	if u, known := s.ws.users[user]; !known || u.Deleted || !s.isMemberLocked(c, user) {
		return fail("user_not_in_channel", "user %q is not in %s", user, c.ID)
	}
	ct, e := s.parseContent(r.p, true)
	if e != nil {
		return apiResult{err: e}
	}
	m := s.ephemeralLocked(c.ID, user, ct, r.p.str("thread_ts"), "chat.postEphemeral")
	return ok(map[string]any{"message_ts": m.TS})
}

func (s *Server) ephemeralLocked(channel, user string, ct content, threadTS, via string) *Message {
	m := &Message{
		Channel:     channel,
		TS:          s.nextTSLocked(),
		ThreadTS:    threadTS,
		User:        s.botUserID,
		BotID:       s.botID,
		Text:        ct.text,
		Blocks:      ct.blocks,
		Attachments: ct.attachments,
		Ephemeral:   true,
		Recipient:   user,
		Via:         via,
	}
	m.Versions = []MessageVersion{{Text: m.Text, Blocks: m.Blocks, Attachments: m.Attachments, At: s.now()}}
	s.ws.ephemerals[user] = append(s.ws.ephemerals[user], m)
	return m
}

// botMessageLocked finds the bot's own message that chat.update and
// chat.delete name by channel and ts, or the failure to answer with
// (notMine names the error for a message someone else posted).
// Both want a conversation ID; a user ID does not open the DM here (D-PM
// chat.update: "ensure that this value is a DM ID … instead of a User ID").
func (s *Server) botMessageLocked(r *apiReq, notMine string) (*channelRec, *Message, apiResult) {
	c, bad := s.channelArgLocked(r, false)
	if c == nil {
		return nil, nil, bad
	}
	m := s.findMessageLocked(c.ID, r.p.str("ts"))
	if m == nil || m.Deleted {
		return nil, nil, fail("message_not_found", "no message %s in %s", r.p.str("ts"), c.ID)
	}
	if m.BotID == "" {
		return nil, nil, fail(notMine, "message %s was not posted by the bot", m.TS)
	}
	return c, m, apiResult{}
}

func (s *Server) apiUpdate(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	c, m, res := s.botMessageLocked(r, "cant_update_message")
	if m == nil {
		return res
	}
	ct, e := s.parseContent(r.p, false)
	if e != nil {
		return apiResult{err: e}
	}
	if !r.p.has("text") && !ct.hasBlocks && !ct.hasAttachments {
		return fail("no_text", "chat.update with no text, blocks or attachments")
	}
	// Without blocks, the old blocks survive only if no text was given either;
	// attachments survive unless replaced (chat.update reference).
	if ct.hasBlocks {
		m.Blocks = ct.blocks
	} else if r.p.has("text") {
		m.Blocks = nil
		m.Edited = true
	}
	if r.p.has("text") {
		m.Text = ct.text
	}
	if ct.hasAttachments {
		m.Attachments = ct.attachments
	}
	m.Versions = append(m.Versions, MessageVersion{Text: m.Text, Blocks: m.Blocks, Attachments: m.Attachments, At: s.now()})
	return ok(map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": s.messageJSONLocked(m)})
}

func (s *Server) apiDelete(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	c, m, res := s.botMessageLocked(r, "cant_delete_message")
	if m == nil {
		return res
	}
	m.Deleted = true
	return ok(map[string]any{"channel": c.ID, "ts": m.TS})
}

// ScheduledMessage is a message waiting in chat.scheduleMessage's queue, or one
// that was posted or deleted.
type ScheduledMessage struct {
	ID       string // "Q…"
	Channel  string
	PostAt   time.Time
	Text     string
	Blocks   json.RawMessage
	ThreadTS string
	Posted   bool // its time came on the clock and it is now in Messages
	Deleted  bool
	Created  time.Time
}

type scheduledRec struct {
	ScheduledMessage
	ct content
}

// ScheduledMessages returns every message scheduled so far.
func (s *Server) ScheduledMessages() []ScheduledMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushScheduledLocked()
	var out []ScheduledMessage
	for _, r := range s.ws.scheduled {
		out = append(out, r.ScheduledMessage)
	}
	return out
}

// flushScheduledLocked posts scheduled messages whose time has come on the clock.
func (s *Server) flushScheduledLocked() {
	now := s.now()
	for _, r := range s.ws.scheduled {
		if r.Posted || r.Deleted || r.PostAt.After(now) {
			continue
		}
		c := s.ws.channels[r.Channel]
		if c == nil {
			continue
		}
		m := s.postLocked(c, r.ct, r.ThreadTS, "chat.scheduleMessage")
		_ = m
		r.Posted = true
	}
}

func (s *Server) apiScheduleMessage(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	// Unlike chat.postMessage, a user ID is not turned into a DM here: the emulator
	// takes the strict reading of D-SCH ("Channel, private group, or DM channel").
	c, bad := s.channelArgLocked(r, false)
	if c == nil {
		return bad
	}
	if e := s.canPostLocked(c); e != nil {
		return apiResult{err: e}
	}
	postAtF, err := strconv.ParseFloat(r.p.str("post_at"), 64)
	if err != nil {
		return fail("invalid_time", "post_at %q is not a Unix time", r.p.str("post_at"))
	}
	postAt := time.Unix(int64(postAtF), 0)
	now := s.now()
	if !postAt.After(now) {
		return fail("time_in_past", "post_at %s is not after now %s", postAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if postAt.Sub(now) > maxScheduleAhead {
		return fail("time_too_far", "post_at %s is more than 120 days ahead", postAt.UTC().Format(time.RFC3339))
	}
	if n := s.scheduledNearLocked(c.ID, postAt); n >= maxScheduledPerSlot {
		return fail("restricted_too_many", "%d messages already scheduled in %s within 5 minutes of %s", n, c.ID, postAt.UTC().Format(time.RFC3339))
	}
	ct, e := s.parseContent(r.p, true)
	if e != nil {
		return apiResult{err: e}
	}
	rec := &scheduledRec{ScheduledMessage: ScheduledMessage{
		ID: "Q" + s.randID(10), Channel: c.ID, PostAt: postAt, Text: ct.text, Blocks: ct.blocks,
		ThreadTS: r.p.str("thread_ts"), Created: now,
	}, ct: ct}
	s.ws.scheduled = append(s.ws.scheduled, rec)
	msg := map[string]any{"type": "delayed_message", "text": ct.text, "bot_id": s.botID, "user": s.botUserID, "team": s.teamID}
	if len(ct.blocks) > 0 {
		msg["blocks"] = ct.blocks
	}
	return ok(map[string]any{
		"channel":              c.ID,
		"scheduled_message_id": rec.ID,
		"post_at":              strconv.FormatInt(postAt.Unix(), 10),
		"message":              msg,
	})
}

// scheduledNearLocked counts the pending messages in a channel that share a
// 5-minute window with t: the most found in any window containing t (docs/slack-platform.md, "Per-method tiers").
func (s *Server) scheduledNearLocked(channel string, t time.Time) int {
	var times []time.Time
	for _, r := range s.ws.scheduled {
		if r.Channel == channel && !r.Posted && !r.Deleted {
			d := r.PostAt.Sub(t)
			if d > -scheduledSlotLength && d < scheduledSlotLength {
				times = append(times, r.PostAt)
			}
		}
	}
	best := 0
	for _, start := range append(times, t) {
		if start.After(t) {
			continue
		}
		n := 0
		for _, x := range times {
			if !x.Before(start) && x.Before(start.Add(scheduledSlotLength)) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func (s *Server) apiDeleteScheduledMessage(r *apiReq) apiResult {
	if e := s.needScope("chat:write"); e != nil {
		return scopeFail(e)
	}
	c, bad := s.channelArgLocked(r, false)
	if c == nil {
		return bad
	}
	id := r.p.str("scheduled_message_id")
	for _, rec := range s.ws.scheduled {
		if rec.ID == id && rec.Channel == c.ID && !rec.Posted && !rec.Deleted {
			rec.Deleted = true
			return ok(nil)
		}
	}
	return fail("invalid_scheduled_message_id", "no pending scheduled message %q in %s", id, c.ID)
}

func (s *Server) apiScheduledMessagesList(r *apiReq) apiResult {
	channel := r.p.str("channel")
	var list []map[string]any
	for _, rec := range s.ws.scheduled {
		if rec.Posted || rec.Deleted || (channel != "" && rec.Channel != channel) {
			continue
		}
		list = append(list, map[string]any{
			"id": rec.ID, "channel_id": rec.Channel, "post_at": rec.PostAt.Unix(),
			"date_created": rec.Created.Unix(), "text": rec.Text,
		})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i]["post_at"].(int64) < list[j]["post_at"].(int64) })
	if list == nil {
		list = []map[string]any{}
	}
	return ok(map[string]any{"scheduled_messages": list, "response_metadata": map[string]any{"next_cursor": ""}})
}

// responseURL is a response_url handed out with a slash command or a message
// interaction: 5 uses within 30 minutes (docs/slack-platform.md, "Slash commands").
type responseURL struct {
	id      string
	created time.Time
	uses    int
	channel string
	user    string
	// source is the message whose button was clicked (replace_original and
	// delete_original act on it); for a slash command it is the last reply sent
	// through this context, never the person's own command (docs/slack-platform.md, "Slash commands", D-INT).
	source      *Message
	fromCommand bool
}

func (s *Server) newResponseURLLocked(channel, user string, source *Message, fromCommand bool) *responseURL {
	id := s.randHex(32)
	ru := &responseURL{id: id, created: s.now(), channel: channel, user: user, source: source, fromCommand: fromCommand}
	s.ws.respURLs[id] = ru
	return ru
}

func (s *Server) responseURLString(ru *responseURL) string { return s.base + "/response/" + ru.id }

// handleResponseURL serves posts to a response_url. slack-go expects either
// "application/json" or the text "ok" back (docs/slack-platform.md, "What slack-go puts on the wire"); the emulator answers JSON.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	call := Call{Method: "response_url", At: s.now()}
	var decoded map[string]any
	_ = json.Unmarshal(body, &decoded)
	call.Params = decoded
	respond := func(status int, b map[string]any) {
		writeJSON(w, status, b, nil)
		s.mu.Lock()
		call.Status = status
		call.OK, _ = b["ok"].(bool)
		call.Error, _ = b["error"].(string)
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}

	s.mu.Lock()
	f := s.faultLocked(FaultResponseURL)
	s.mu.Unlock()
	if f != nil {
		if !s.sleep(r.Context(), f.Delay) {
			return
		}
		if s.answerFault(f, func(status int, b map[string]any, h http.Header) {
			call.Injected = true
			for k, v := range h {
				w.Header()[k] = v
			}
			respond(status, b)
		}) {
			return
		}
	}

	s.mu.Lock()
	res := s.responseURLPostLocked(id, r, body)
	if res.err != nil {
		s.recordViolationLocked("response_url", res.err.code, res.err.detail)
	}
	s.mu.Unlock()
	status := http.StatusOK
	if res.err != nil && res.err.code == "invalid_url" {
		status = http.StatusNotFound
	}
	if res.err != nil {
		respond(status, errorBody(res.err))
		return
	}
	respond(status, map[string]any{"ok": true})
}

func (s *Server) responseURLPostLocked(id string, r *http.Request, body []byte) apiResult {
	ru := s.ws.respURLs[id]
	if ru == nil {
		return fail("invalid_url", "no response_url %q", id)
	}
	ru.uses++
	// The names of these two errors are not documented; these are the ones
	// Slack's response_url endpoint is known to return.
	if s.now().Sub(ru.created) > responseURLTTL {
		return fail("expired_url", "response_url used %s after it was issued; it lasts 30 minutes", s.now().Sub(ru.created).Round(time.Second))
	}
	if ru.uses > responseURLUses {
		return fail("used_url", "response_url used %d times; it allows 5", ru.uses)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return fail("invalid_payload", "response_url takes a JSON body, got Content-Type %q", r.Header.Get("Content-Type"))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return fail("invalid_payload", "body is not a JSON object")
	}
	p := params{isJSON: true, json: m}
	if p.boolean("delete_original") {
		if ru.source != nil {
			ru.source.Deleted = true
		}
		return ok(nil)
	}
	ct, e := s.parseContent(p, true)
	if e != nil {
		return apiResult{err: e}
	}
	if p.boolean("replace_original") && ru.source != nil {
		src := ru.source
		src.Text, src.Blocks, src.Attachments = ct.text, ct.blocks, ct.attachments
		src.Versions = append(src.Versions, MessageVersion{Text: src.Text, Blocks: src.Blocks, Attachments: src.Attachments, At: s.now()})
		return ok(nil)
	}
	c := s.ws.channels[ru.channel]
	var posted *Message
	if p.str("response_type") == "in_channel" && c != nil {
		posted = s.postLocked(c, ct, p.str("thread_ts"), "response_url")
	} else {
		posted = s.ephemeralLocked(ru.channel, ru.user, ct, p.str("thread_ts"), "response_url")
	}
	if ru.fromCommand {
		ru.source = posted
	}
	return ok(nil)
}
