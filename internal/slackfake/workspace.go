package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// User is a person (or bot) in the emulated workspace, as a test sets it up.
// users.info and users.list return it in Slack's user-object shape (docs/slack-platform.md, "Users and time zones").
type User struct {
	ID          string // "U…"; generated when empty
	Name        string // handle; defaults to a lower-case RealName or the ID
	RealName    string
	DisplayName string
	Email       string
	// TZ is an IANA zone such as "Europe/Berlin", checked with time.LoadLocation.
	// tz_offset is derived from it at the emulator's clock, so it moves with DST
	// without a user_change event, exactly as on Slack (docs/slack-platform.md, "Users and time zones"). Default
	// "America/Los_Angeles", Slack's own default.
	TZ                string
	IsAdmin           bool
	IsOwner           bool
	IsPrimaryOwner    bool
	IsBot             bool
	IsRestricted      bool // multi-channel guest
	IsUltraRestricted bool // single-channel guest
	Deleted           bool // deactivated
	Locale            string
}

// Channel is a public or private channel of the emulated workspace. DMs are not
// added by tests: they exist between the bot and each user and are opened by
// conversations.open or chat.postMessage to a user ID.
type Channel struct {
	ID         string // "C…"; generated when empty
	Name       string // without "#"
	IsPrivate  bool
	IsArchived bool
	// Members lists the human members. nil means every active, non-bot user, like
	// #general.
	Members []string
	// BotMember says whether the bot user is in the channel. A bot outside a public
	// channel can still post there with chat:write.public, but cannot read its
	// history; a private channel it is not in does not exist for it (docs/slack-platform.md, "Scopes needed").
	BotMember bool
}

const slackbotID = "USLACKBOT"

type channelRec struct {
	Channel
	isIM    bool
	imUser  string
	created time.Time
}

type workspace struct {
	users     map[string]*User
	userOrder []string
	channels  map[string]*channelRec
	chanOrder []string
	dmByUser  map[string]string

	messages   map[string][]*msgRec // channel ID → messages, oldest first
	ephemerals map[string][]*msgRec // user ID → ephemeral messages, oldest first
	scheduled  []*scheduledRec
	files      map[string]*fileRec
	fileOrder  []string
	respURLs   map[string]*responseURL
	triggers   map[string]*trigger
	sweepCount int
}

func (w *workspace) init() {
	w.users = make(map[string]*User)
	w.channels = make(map[string]*channelRec)
	w.dmByUser = make(map[string]string)
	w.messages = make(map[string][]*msgRec)
	w.ephemerals = make(map[string][]*msgRec)
	w.files = make(map[string]*fileRec)
	w.respURLs = make(map[string]*responseURL)
	w.triggers = make(map[string]*trigger)
}

// addBotUsersLocked registers the app's bot user and Slackbot. users.list returns
// Slackbot with is_bot false, a classic trap the emulator keeps (docs/slack-platform.md, "Users and time zones").
func (s *Server) addBotUsersLocked() {
	bot := &User{ID: s.botUserID, Name: s.opts.BotName, RealName: s.opts.BotName, IsBot: true, TZ: "America/Los_Angeles"}
	slackbot := &User{ID: slackbotID, Name: "slackbot", RealName: "Slackbot", TZ: "America/Los_Angeles"}
	for _, u := range []*User{slackbot, bot} {
		s.ws.users[u.ID] = u
		s.ws.userOrder = append(s.ws.userOrder, u.ID)
	}
}

// AddUser adds a user to the workspace. It fails on a duplicate ID or a time zone
// that time.LoadLocation does not know.
func (s *Server) AddUser(u User) error {
	if err := normalizeUser(&u); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = "U" + s.randID(10)
		if u.Name == "" {
			u.Name = strings.ToLower(u.ID)
		}
	}
	if _, dup := s.ws.users[u.ID]; dup {
		return fmt.Errorf("slackfake: user %s already exists", u.ID)
	}
	s.ws.users[u.ID] = &u
	s.ws.userOrder = append(s.ws.userOrder, u.ID)
	return nil
}

// UpdateUser replaces a user's record and, like Slack, sends the app a user_change
// event (docs/slack-platform.md, "Users and time zones", D-UC). It does not wait for the ack; see Acks.
func (s *Server) UpdateUser(u User) error {
	if err := normalizeUser(&u); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.ws.users[u.ID]
	if !ok {
		return fmt.Errorf("slackfake: user %q not found", u.ID)
	}
	*old = u
	inner := map[string]any{
		"type":     "user_change",
		"user":     s.userJSONLocked(old, true),
		"cache_ts": s.now().Unix(),
		"event_ts": formatTS(s.now()),
	}
	raw, _ := json.Marshal(inner)
	s.enqueueEventLocked("user_change", raw, old.ID)
	return nil
}

func normalizeUser(u *User) error {
	if u.TZ == "" {
		u.TZ = "America/Los_Angeles"
	}
	if _, err := time.LoadLocation(u.TZ); err != nil {
		return fmt.Errorf("slackfake: user %s: time zone %q: %w", u.ID, u.TZ, err)
	}
	if u.Name == "" && u.RealName != "" {
		u.Name = strings.ToLower(strings.ReplaceAll(u.RealName, " ", "."))
	}
	if u.Name == "" {
		u.Name = strings.ToLower(u.ID)
	}
	if u.IsPrimaryOwner {
		u.IsOwner = true
	}
	if u.IsOwner {
		u.IsAdmin = true
	}
	return nil
}

// User returns a copy of a user's record.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.ws.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// AddChannel adds a channel. It fails on a duplicate ID or name.
func (s *Server) AddChannel(c Channel) error {
	c.Name = strings.TrimPrefix(c.Name, "#")
	if c.Name == "" {
		return fmt.Errorf("slackfake: channel needs a name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = "C" + s.randID(10)
	}
	if _, dup := s.ws.channels[c.ID]; dup {
		return fmt.Errorf("slackfake: channel %s already exists", c.ID)
	}
	for _, other := range s.ws.channels {
		if !other.isIM && other.Name == c.Name {
			return fmt.Errorf("slackfake: channel #%s already exists", c.Name)
		}
	}
	c.Members = slices.Clone(c.Members)
	s.ws.channels[c.ID] = &channelRec{Channel: c, created: s.now()}
	s.ws.chanOrder = append(s.ws.chanOrder, c.ID)
	return nil
}

// DM returns the ID of the bot's direct-message channel with a user, opening it
// if needed (a DM exists conceptually for every pair on Slack). It returns "" for
// an unknown user.
func (s *Server) DM(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ws.users[userID]; !ok {
		return ""
	}
	c, _ := s.openDMLocked(userID)
	return c.ID
}

// openDMLocked returns the bot's DM with a user, creating it. The bool reports
// whether it already existed.
func (s *Server) openDMLocked(userID string) (*channelRec, bool) {
	if id, ok := s.ws.dmByUser[userID]; ok {
		return s.ws.channels[id], true
	}
	c := &channelRec{Channel: Channel{ID: "D" + s.randID(10), BotMember: true}, isIM: true, imUser: userID, created: s.now()}
	s.ws.channels[c.ID] = c
	s.ws.chanOrder = append(s.ws.chanOrder, c.ID)
	s.ws.dmByUser[userID] = c.ID
	return c, false
}

// isMember reports whether a user is in a conversation.
func (s *Server) isMemberLocked(c *channelRec, userID string) bool {
	if c.isIM {
		return userID == c.imUser
	}
	if c.Members == nil {
		u, ok := s.ws.users[userID]
		return ok && !u.Deleted && !u.IsBot && u.ID != slackbotID
	}
	return slices.Contains(c.Members, userID)
}

// botSees reports whether the bot can see a conversation at all: a private channel
// it is not in answers channel_not_found, as on Slack.
func botSees(c *channelRec) bool {
	return c.isIM || !c.IsPrivate || c.BotMember
}

func (s *Server) userJSONLocked(u *User, includeLocale bool) map[string]any {
	now := s.now()
	loc, err := time.LoadLocation(u.TZ)
	if err != nil {
		loc = time.UTC
	}
	abbr, offset := now.In(loc).Zone()
	display := u.DisplayName
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            display,
		"display_name_normalized": display,
		"avatar_hash":             "g" + strings.ToLower(u.ID)[1:],
		"image_24":                "https://a.slack-edge.com/avatar-24.png",
		"image_32":                "https://a.slack-edge.com/avatar-32.png",
		"image_48":                "https://a.slack-edge.com/avatar-48.png",
		"image_72":                "https://a.slack-edge.com/avatar-72.png",
		"image_192":               "https://a.slack-edge.com/avatar-192.png",
		"image_512":               "https://a.slack-edge.com/avatar-512.png",
		"status_text":             "",
		"status_emoji":            "",
		"team":                    s.teamID,
	}
	if u.Email != "" && s.scopes["users:read.email"] {
		profile["email"] = u.Email
	}
	if u.ID == s.botUserID {
		profile["bot_id"] = s.botID
		profile["api_app_id"] = s.appID
		profile["always_active"] = true
	}
	out := map[string]any{
		"id":                  u.ID,
		"team_id":             s.teamID,
		"name":                u.Name,
		"deleted":             u.Deleted,
		"color":               "9f69e7",
		"real_name":           u.RealName,
		"tz":                  u.TZ,
		"tz_label":            abbr,
		"tz_offset":           offset,
		"profile":             profile,
		"is_admin":            u.IsAdmin,
		"is_owner":            u.IsOwner,
		"is_primary_owner":    u.IsPrimaryOwner,
		"is_restricted":       u.IsRestricted,
		"is_ultra_restricted": u.IsUltraRestricted,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"updated":             now.Unix(),
		"is_email_confirmed":  !u.IsBot,
	}
	if includeLocale {
		locale := u.Locale
		if locale == "" {
			locale = "en-US"
		}
		out["locale"] = locale
	}
	return out
}

func (s *Server) channelJSONLocked(c *channelRec) map[string]any {
	if c.isIM {
		u := s.ws.users[c.imUser]
		return map[string]any{
			"id":              c.ID,
			"created":         c.created.Unix(),
			"is_im":           true,
			"is_org_shared":   false,
			"user":            c.imUser,
			"is_user_deleted": u != nil && u.Deleted,
			"priority":        0,
			"is_open":         true,
		}
	}
	members := 0
	for _, id := range s.ws.userOrder {
		if s.isMemberLocked(c, id) {
			members++
		}
	}
	if c.BotMember {
		members++
	}
	return map[string]any{
		"id":              c.ID,
		"name":            c.Name,
		"name_normalized": c.Name,
		"is_channel":      true,
		"is_group":        false,
		"is_im":           false,
		"is_mpim":         false,
		"is_private":      c.IsPrivate,
		"is_archived":     c.IsArchived,
		"is_general":      false,
		"is_shared":       false,
		"is_org_shared":   false,
		"is_ext_shared":   false,
		"is_member":       c.BotMember,
		"created":         c.created.Unix(),
		"creator":         "",
		"num_members":     members,
		"topic":           map[string]any{"value": "", "creator": "", "last_set": 0},
		"purpose":         map[string]any{"value": "", "creator": "", "last_set": 0},
	}
}

// resolveChannelLocked finds the conversation a Web API "channel" argument names:
// an ID (C…, G…, D…), a user ID (U…/W…, which opens the bot's DM, as
// chat.postMessage does, docs/slack-platform.md, "App Home"), or a channel name with or without "#". The error is
// the Slack error name.
func (s *Server) resolveChannelLocked(arg string, allowUser bool) (*channelRec, string) {
	if arg == "" {
		return nil, "channel_not_found"
	}
	if c, ok := s.ws.channels[arg]; ok {
		if !botSees(c) {
			return nil, "channel_not_found"
		}
		return c, ""
	}
	if allowUser && (strings.HasPrefix(arg, "U") || strings.HasPrefix(arg, "W")) {
		u, ok := s.ws.users[arg]
		if !ok {
			return nil, "channel_not_found"
		}
		if u.IsBot || u.ID == slackbotID {
			return nil, "cannot_dm_bot"
		}
		if u.Deleted {
			return nil, "user_disabled"
		}
		c, _ := s.openDMLocked(arg)
		return c, ""
	}
	name := strings.TrimPrefix(arg, "#")
	for _, id := range s.ws.chanOrder {
		c := s.ws.channels[id]
		if !c.isIM && c.Name == name && botSees(c) {
			return c, ""
		}
	}
	return nil, "channel_not_found"
}

// channelKeyLocked names the conversation a chat.postMessage "channel" argument
// targets, for the per-channel rate limit, without opening a DM.
func (s *Server) channelKeyLocked(arg string) string {
	if _, ok := s.ws.users[arg]; ok {
		return "dm:" + arg
	}
	if c, ok := s.ws.channels[arg]; ok {
		if c.isIM {
			return "dm:" + c.imUser
		}
		return c.ID
	}
	name := strings.TrimPrefix(arg, "#")
	for _, id := range s.ws.chanOrder {
		if c := s.ws.channels[id]; !c.isIM && c.Name == name {
			return id
		}
	}
	return arg
}

// WaitFor polls cond until it returns true, ctx ends, or the server closes. If
// ctx has no deadline, WaitFor gives up after 10 s so that a broken test fails
// instead of hanging. desc names the condition in the error.
func (s *Server) WaitFor(ctx context.Context, desc string, cond func() bool) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slackfake: waiting for %s: %w", desc, ctx.Err())
		case <-s.done:
			return fmt.Errorf("slackfake: waiting for %s: %w", desc, ErrClosed)
		case <-tick.C:
		}
	}
}
