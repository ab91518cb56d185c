package main

import (
	"slices"
	"strings"
)

// webAPI is every slack-go call okrbot makes: the Web API methods behind
// it and the bot scopes they need for what okrbot does with them (Slack's
// method pages, https://docs.slack.dev/reference/methods). A call missing
// here fails TestManifest_ScopesAreWhatTheCodeUses, so a new one is looked
// up before it ships; `okrbot check` compares a token's scopes with these.
var webAPI = map[string]struct {
	methods string
	scopes  []string
	why     string
}{
	"AuthTestContext": {"auth.test", nil, ""},
	"StartSocketModeContext": {"apps.connections.open", nil,
		"called with the app-level token, whose connections:write scope is not a bot scope"},
	"OpenViewContext":    {"views.open", nil, ""},
	"UpdateViewContext":  {"views.update", nil, ""},
	"PublishViewContext": {"views.publish", nil, "the App Home needs no scope"},
	"PostMessageContext": {"chat.postMessage", []string{"chat:write", "chat:write.public"},
		"chat:write.public lets the digest reach a public channel okrbot was not invited to"},
	"PostEphemeralContext":    {"chat.postEphemeral", []string{"chat:write"}, ""},
	"UpdateMessageContext":    {"chat.update", []string{"chat:write"}, "a check-in prompt updated once answered"},
	"OpenConversationContext": {"conversations.open", []string{"im:write"}, "the DM with a person"},
	"GetConversationHistoryContext": {"conversations.history", []string{"im:history", "channels:history", "groups:history"},
		"finding a message a stopped process may have sent, in a DM, a public or a private digest channel"},
	"GetConversationRepliesContext": {"conversations.replies", []string{"im:history", "channels:history", "groups:history"},
		"finding the digest's thread parts already posted"},
	"GetUserInfoContext": {"users.info", []string{"users:read"}, "time zones"},
	"GetUsersContext":    {"users.list", []string{"users:read"}, "time zones"},
	"UploadFileContext": {"files.getUploadURLExternal, files.completeUploadExternal", []string{"files:write"},
		"the digest's chart"},
}

// events maps the slackevents types the bot handles to the event names a
// manifest subscribes to.
var events = map[string]string{
	"AppHomeOpenedEvent": "app_home_opened",
	"UserChangeEvent":    "user_change",
}

// neededScopes are the bot scopes okrbot's code needs: those of its Web
// API calls, and commands for /okr.
func neededScopes() []string {
	need := []string{"commands"}
	for _, api := range webAPI {
		need = append(need, api.scopes...)
	}
	slices.Sort(need)
	return slices.Compact(need)
}

// scopeList parses Slack's X-OAuth-Scopes header.
func scopeList(header string) []string {
	var out []string
	for _, s := range strings.Split(header, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
