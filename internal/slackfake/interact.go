package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNoView is returned when an action needs an open modal and the person has none.
var ErrNoView = errors.New("slackfake: no modal is open")

// Target is where a person clicks: a MessageRef, TopModal or HomeTab.
type Target interface{ isTarget() }

// MessageRef names a message by channel and ts. Ephemeral messages the person
// was shown in that channel are found too.
type MessageRef struct {
	Channel string
	TS      string
}

// ViewTarget names one of the person's views.
type ViewTarget int

const (
	// TopModal is the person's top modal.
	TopModal ViewTarget = iota + 1
	// HomeTab is the person's Home tab.
	HomeTab
)

func (MessageRef) isTarget() {}
func (ViewTarget) isTarget() {}

func (s *Server) userObjLocked(u *User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.teamID}
}

func (s *Server) teamObj() map[string]any {
	return map[string]any{"id": s.teamID, "domain": s.opts.TeamDomain}
}

func (s *Server) activeUserLocked(id string) (*User, error) {
	u, ok := s.ws.users[id]
	if !ok {
		return nil, fmt.Errorf("slackfake: no user %q", id)
	}
	if u.Deleted {
		return nil, fmt.Errorf("slackfake: user %s is deactivated and cannot act", id)
	}
	return u, nil
}

// SlashCommand has a person run a slash command in a channel (or their DM with
// the bot) and waits for the ack. The payload has every field Slack sends (docs/slack-platform.md, "Slash commands"),
// a response_url on the emulator and a fresh trigger_id. A message in the ack is
// shown to the person (ephemeral by default) or, with response_type in_channel,
// posted to the channel after an echo of the command (docs/slack-platform.md, "Slash commands", D-SC).
func (s *Server) SlashCommand(ctx context.Context, userID, channelID, command, text string) (*Result, error) {
	s.mu.Lock()
	u, err := s.activeUserLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if !strings.HasPrefix(command, "/") {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: command %q must start with /", command)
	}
	c := s.ws.channels[channelID]
	if c == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: no channel %q", channelID)
	}
	if !s.isMemberLocked(c, userID) {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: %s is not in %s and cannot run a command there", userID, channelID)
	}
	name := c.Name
	if c.isIM {
		name = "directmessage"
	}
	ru := s.newResponseURLLocked(c.ID, userID, nil, true)
	payload := map[string]any{
		"token":                 s.verifyToken,
		"team_id":               s.teamID,
		"team_domain":           s.opts.TeamDomain,
		"channel_id":            c.ID,
		"channel_name":          name,
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               command,
		"text":                  text,
		"api_app_id":            s.appID,
		"is_enterprise_install": "false", // Slack sends a string here; slack-go takes both (docs/slack-platform.md, "Slash commands")
		"response_url":          s.responseURLString(ru),
		"trigger_id":            s.newTriggerLocked(userID, ""),
	}
	d := s.newDeliveryLocked(envSlashCommands, envSlashCommands, userID, payload)
	d.onAck = func(p json.RawMessage) { s.applySlashAckLocked(c, u, command, text, ru, p) }
	s.enqueueLocked(d)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// applySlashAckLocked shows a message carried by a slash command's ack.
func (s *Server) applySlashAckLocked(c *channelRec, u *User, command, text string, ru *responseURL, payload json.RawMessage) {
	if len(payload) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		s.recordViolationLocked("slash_commands", "invalid_payload", "ack payload is not a JSON object")
		return
	}
	p := params{isJSON: true, json: m}
	if !p.has("text") && !p.has("blocks") && !p.has("attachments") {
		return
	}
	ct, e := s.parseContent(p, true)
	if e != nil {
		s.recordViolationLocked("slash_commands", e.code, e.detail)
		return
	}
	var reply *Message
	if p.str("response_type") == "in_channel" {
		echo := &Message{Channel: c.ID, TS: s.nextTSLocked(), User: u.ID, Text: strings.TrimSpace(command + " " + text), Via: "slash_command"}
		echo.Versions = []MessageVersion{{Text: echo.Text, At: s.now()}}
		s.ws.messages[c.ID] = append(s.ws.messages[c.ID], echo)
		reply = s.postLocked(c, ct, "", "slash_command_ack")
	} else {
		reply = s.ephemeralLocked(c.ID, u.ID, ct, "", "slash_command_ack")
	}
	ru.source = reply
}

// ClickButton has a person click a button, found by action_id (and value, when
// value is not empty) in the blocks actually rendered at the target. It sends
// block_actions and waits for the ack. Message clicks carry a response_url whose
// replace_original/delete_original act on that message.
func (s *Server) ClickButton(ctx context.Context, userID string, where Target, actionID, value string) (*Result, error) {
	s.mu.Lock()
	u, err := s.activeUserLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.appID,
		"token":                 s.verifyToken,
		"team":                  s.teamObj(),
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	var blocks any
	switch w := where.(type) {
	case MessageRef:
		m, eph := s.visibleMessageLocked(u.ID, w)
		if m == nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("slackfake: %s sees no message %s in %s", userID, w.TS, w.Channel)
		}
		blocks, _ = decodeJSON(m.Blocks)
		c := s.ws.channels[w.Channel]
		name := c.Name
		if c.isIM {
			name = "directmessage"
		}
		payload["container"] = map[string]any{"type": "message", "message_ts": m.TS, "channel_id": c.ID, "is_ephemeral": eph}
		payload["channel"] = map[string]any{"id": c.ID, "name": name}
		if !eph {
			payload["message"] = s.messageJSONLocked(m)
		}
		payload["state"] = map[string]any{"values": map[string]any{}}
		payload["response_url"] = s.responseURLString(s.newResponseURLLocked(c.ID, u.ID, m, false))
		payload["trigger_id"] = s.newTriggerLocked(u.ID, "")
	case ViewTarget:
		var v *viewRec
		viewRoot := ""
		if w == HomeTab {
			v = s.views.home[u.ID]
		} else if v = s.topModalLocked(u.ID); v != nil {
			viewRoot = v.rootID
		}
		if v == nil {
			s.mu.Unlock()
			return nil, ErrNoView
		}
		blocks = v.def["blocks"]
		payload["container"] = map[string]any{"type": "view", "view_id": v.id}
		payload["view"] = s.viewJSONLocked(v, true)
		payload["trigger_id"] = s.newTriggerLocked(u.ID, viewRoot)
	default:
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: unknown target %T", where)
	}
	blockID, button, err := findButton(blocks, actionID, value)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	action := map[string]any{
		"type":      "button",
		"block_id":  blockID,
		"action_id": actionID,
		"text":      button["text"],
		"action_ts": formatTS(s.now()),
	}
	if v, ok := button["value"]; ok {
		action["value"] = v
	}
	if st, ok := button["style"]; ok {
		action["style"] = st
	}
	payload["actions"] = []any{action}
	d := s.newDeliveryLocked(envInteractive, "block_actions", u.ID, payload)
	s.enqueueLocked(d)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// visibleMessageLocked finds a message the user can see: a channel message (the
// user must be in the channel) or one of the user's ephemerals.
func (s *Server) visibleMessageLocked(userID string, ref MessageRef) (*Message, bool) {
	c := s.ws.channels[ref.Channel]
	if c == nil {
		return nil, false
	}
	if m := s.findMessageLocked(c.ID, ref.TS); m != nil && !m.Deleted && s.isMemberLocked(c, userID) {
		return m, false
	}
	for _, m := range s.ws.ephemerals[userID] {
		if m.Channel == ref.Channel && m.TS == ref.TS && !m.Deleted {
			return m, true
		}
	}
	return nil, false
}

// findButton looks for a button in section accessories and actions blocks.
func findButton(blocks any, actionID, value string) (string, map[string]any, error) {
	arr, _ := blocks.([]any)
	var seen []string
	for _, b := range arr {
		bm, _ := b.(map[string]any)
		var els []any
		switch bm["type"] {
		case "actions":
			els, _ = bm["elements"].([]any)
		case "section":
			if acc, ok := bm["accessory"]; ok {
				els = []any{acc}
			}
		}
		for _, e := range els {
			em, _ := e.(map[string]any)
			if em["type"] != "button" {
				continue
			}
			aid, _ := em["action_id"].(string)
			val, _ := em["value"].(string)
			seen = append(seen, fmt.Sprintf("%s=%q", aid, val))
			if aid == actionID && (value == "" || val == value) {
				bid, _ := bm["block_id"].(string)
				return bid, em, nil
			}
		}
	}
	return "", nil, fmt.Errorf("slackfake: no button with action_id %q (value %q) is shown; buttons: %s", actionID, value, strings.Join(seen, ", "))
}

// personModalLocked finds an active person and the modal on top of their
// stack: ErrNoView when none is open.
func (s *Server) personModalLocked(userID string) (*User, *viewRec, error) {
	u, err := s.activeUserLocked(userID)
	if err != nil {
		return nil, nil, err
	}
	v := s.topModalLocked(userID)
	if v == nil {
		return nil, nil, ErrNoView
	}
	return u, v, nil
}

// SubmitView has a person fill in and submit their top modal, then waits for the
// ack and applies the answer (docs/slack-platform.md, "Ack", "Modal methods and lifecycle"): errors shown under fields (the view
// stays), update, push, clear, or no response_action (the view closes).
// Values the Slack client would refuse return ErrInvalidInput without sending.
func (s *Server) SubmitView(ctx context.Context, userID string, in Inputs) (*Result, error) {
	s.mu.Lock()
	u, v, err := s.personModalLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if v.def["submit"] == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: view %s has no submit button", v.id)
	}
	if err := s.applyInputsLocked(v, in); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := s.checkEntriesLocked(v); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  s.teamObj(),
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.appID,
		"token":                 s.verifyToken,
		"trigger_id":            s.newTriggerLocked(u.ID, v.rootID),
		"view":                  s.viewJSONLocked(v, true),
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	d := s.newDeliveryLocked(envInteractive, "view_submission", u.ID, payload)
	d.onAck = func(p json.RawMessage) { s.applySubmissionAckLocked(v, p) }
	s.enqueueLocked(d)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// CloseView has a person press Cancel on their top modal. The view closes (the
// whole stack if it has clear_on_close) and, if it asked with notify_on_close,
// the app gets view_closed (docs/slack-platform.md, "Modal methods and lifecycle"). With no notification the Result is empty.
func (s *Server) CloseView(ctx context.Context, userID string) (*Result, error) {
	return s.closeModal(ctx, userID, false)
}

// DismissModal has a person close the whole modal stack with the X. If the root
// view asked with notify_on_close, the app gets view_closed for it with
// is_cleared true (docs/slack-platform.md, "Modal methods and lifecycle").
func (s *Server) DismissModal(ctx context.Context, userID string) (*Result, error) {
	return s.closeModal(ctx, userID, true)
}

func (s *Server) closeModal(ctx context.Context, userID string, all bool) (*Result, error) {
	s.mu.Lock()
	u, err := s.activeUserLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	stack := s.views.stacks[userID]
	if len(stack) == 0 {
		s.mu.Unlock()
		return nil, ErrNoView
	}
	v := stack[len(stack)-1]
	cleared := all || v.def["clear_on_close"] == true
	if all {
		v = stack[0]
	}
	payload := map[string]any{
		"type":                  "view_closed",
		"team":                  s.teamObj(),
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.appID,
		"token":                 s.verifyToken,
		"view":                  s.viewJSONLocked(v, true),
		"is_cleared":            cleared,
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	notify := v.def["notify_on_close"] == true
	if cleared {
		s.closeViewsLocked(stack...)
		delete(s.views.stacks, userID)
	} else {
		s.popViewLocked(v)
	}
	if !notify {
		s.mu.Unlock()
		return &Result{}, nil
	}
	d := s.newDeliveryLocked(envInteractive, "view_closed", u.ID, payload)
	s.enqueueLocked(d)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// Suggest has a person type query into an external_select of their top modal,
// sends block_suggestion and returns the options from the ack (docs/slack-platform.md, "external_select"). Slack only
// asks once min_query_length (default 3) characters are typed.
func (s *Server) Suggest(ctx context.Context, userID, blockID, actionID, query string) ([]Option, error) {
	s.mu.Lock()
	u, v, err := s.personModalLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	el := findElement(v.def["blocks"], blockID, actionID)
	if el == nil || (el["type"] != "external_select" && el["type"] != "multi_external_select") {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: no external select %s/%s in view %s", blockID, actionID, v.id)
	}
	minLen := 3
	if n, ok := el["min_query_length"].(float64); ok {
		minLen = int(n)
	}
	if runes(query) < minLen {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: %q is shorter than min_query_length %d; Slack would not ask yet", query, minLen)
	}
	payload := map[string]any{
		"type":                  "block_suggestion",
		"user":                  s.userObjLocked(u),
		"container":             map[string]any{"type": "view", "view_id": v.id},
		"api_app_id":            s.appID,
		"token":                 s.verifyToken,
		"action_id":             actionID,
		"block_id":              blockID,
		"value":                 query,
		"team":                  s.teamObj(),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"view":                  s.viewJSONLocked(v, true),
	}
	d := s.newDeliveryLocked(envInteractive, "block_suggestion", u.ID, payload)
	d.onAck = func(p json.RawMessage) { s.checkOptionsLocked(p) }
	s.enqueueLocked(d)
	s.mu.Unlock()
	res, err := s.await(ctx, d)
	if err != nil {
		return nil, err
	}
	return res.Options, nil
}

// checkOptionsLocked applies the option limits (docs/slack-platform.md, "Block Kit limits") to a block_suggestion
// answer; Slack shows a menu error for a bad one.
func (s *Server) checkOptionsLocked(payload json.RawMessage) {
	var p map[string]any
	if json.Unmarshal(payload, &p) != nil {
		s.recordViolationLocked("block_suggestion", "invalid_options", "the ack payload is not a JSON object")
		return
	}
	v := newValidator(surfaceModal)
	if _, ok := p["option_groups"]; ok {
		v.selectOptions(map[string]any{"option_groups": p["option_groups"]}, "")
	} else if _, ok := p["options"]; ok {
		v.selectOptions(map[string]any{"options": p["options"]}, "")
	} else {
		v.add("", "must provide options or option_groups")
	}
	if len(v.probs) > 0 {
		s.recordViolationLocked("block_suggestion", "invalid_options", failProblems("", v.probs).err.detail)
	}
}

func findElement(blocks any, blockID, actionID string) map[string]any {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		bm, _ := b.(map[string]any)
		if bm["block_id"] != blockID {
			continue
		}
		var els []any
		switch bm["type"] {
		case "input":
			els = []any{bm["element"]}
		case "section":
			els = []any{bm["accessory"]}
		case "actions":
			els, _ = bm["elements"].([]any)
		}
		for _, e := range els {
			if em, ok := e.(map[string]any); ok && em["action_id"] == actionID {
				return em
			}
		}
	}
	return nil
}

// OpenAppHome has a person open the app's Home tab: an app_home_opened event
// (docs/slack-platform.md, "App Home") with the published view, if any. It waits for the ack.
func (s *Server) OpenAppHome(ctx context.Context, userID string) (*Result, error) {
	s.mu.Lock()
	u, err := s.activeUserLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	c, _ := s.openDMLocked(u.ID)
	inner := map[string]any{
		"type":     "app_home_opened",
		"user":     u.ID,
		"channel":  c.ID,
		"tab":      "home",
		"event_ts": formatTS(s.now()),
	}
	if v := s.views.home[u.ID]; v != nil {
		inner["view"] = s.viewJSONLocked(v, false)
	}
	raw, _ := json.Marshal(inner)
	d := s.enqueueEventLocked("app_home_opened", raw, u.ID)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// SendEvent delivers an arbitrary Events API event, wrapped in a full
// event_callback like every other event (docs/slack-platform.md, "Envelope"). inner is the inner event
// object; its "type" and "event_ts" are filled in when missing. Unknown types
// are sent as they are: slack-go cannot parse them and never acks (docs/slack-platform.md, "slack-go runtime behaviour", item 6).
func (s *Server) SendEvent(ctx context.Context, eventType string, inner json.RawMessage) (*Result, error) {
	var m map[string]any
	if len(inner) > 0 {
		if err := json.Unmarshal(inner, &m); err != nil {
			return nil, fmt.Errorf("slackfake: inner event: %w", err)
		}
	}
	if m == nil {
		m = map[string]any{}
	}
	s.mu.Lock()
	if _, ok := m["type"]; !ok {
		m["type"] = eventType
	}
	if _, ok := m["event_ts"]; !ok {
		m["event_ts"] = formatTS(s.now())
	}
	raw, _ := json.Marshal(m)
	user, _ := m["user"].(string)
	d := s.enqueueEventLocked(eventType, raw, user)
	s.mu.Unlock()
	return s.await(ctx, d)
}

// enqueueEventLocked wraps an inner event in event_callback with a unique
// event_id and sends it (docs/slack-platform.md, "Envelope").
func (s *Server) enqueueEventLocked(eventType string, inner json.RawMessage, user string) *delivery {
	outer := map[string]any{
		"token":      s.verifyToken,
		"team_id":    s.teamID,
		"api_app_id": s.appID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   "Ev" + s.randID(10),
		"event_time": s.now().Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id": nil, "team_id": s.teamID, "user_id": s.botUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + s.randAlnum(40),
	}
	d := s.newDeliveryLocked(envEventsAPI, eventType, user, outer)
	s.enqueueLocked(d)
	return d
}
