// Package manifest reads okrbot's Slack app manifest (manifest.yml at the
// top of the repository) and checks it against the rules Slack applies when
// an app is created from it, so that a broken manifest fails a test rather
// than an install. The rules and their lengths are those of Slack's
// manifest schema, version 1:
// https://docs.slack.dev/reference/app-manifest and
// https://github.com/slackapi/manifest-schema.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Manifest is the part of a Slack app manifest okrbot uses. Unknown keys
// are refused when reading, so a misspelt key fails instead of being
// silently ignored by the test and then by Slack.
type Manifest struct {
	Metadata struct {
		MajorVersion int `yaml:"major_version"`
		MinorVersion int `yaml:"minor_version"`
	} `yaml:"_metadata"`
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		BackgroundColor string `yaml:"background_color"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome *struct {
			HomeTabEnabled             bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser *struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []SlashCommand `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot  []string `yaml:"bot"`
			User []string `yaml:"user"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions *struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
			UserEvents []string `yaml:"user_events"`
		} `yaml:"event_subscriptions"`
		Interactivity *struct {
			IsEnabled  *bool  `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		OrgDeployEnabled     bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

// SlashCommand is one entry of features.slash_commands.
type SlashCommand struct {
	Command      string `yaml:"command"`
	Description  string `yaml:"description"`
	UsageHint    string `yaml:"usage_hint"`
	ShouldEscape bool   `yaml:"should_escape"`
	URL          string `yaml:"url"`
}

// Load reads and decodes the manifest at path. A file that is not valid
// YAML, or has a key okrbot does not know, is an error naming the line.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

var (
	colorPattern   = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	commandPattern = regexp.MustCompile(`^/[a-z0-9_\-]{1,31}$`)
	scopePattern   = regexp.MustCompile(`^[a-z_]+(:[a-z_.]+)*$`)
)

// Check returns every way the manifest breaks Slack's rules for an app that
// runs over Socket Mode; none means Slack accepts it.
func (m *Manifest) Check() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	length := func(key, s string, lo, hi int) {
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			fail("%s is %d characters; Slack takes %d to %d", key, n, lo, hi)
		}
	}

	if m.Metadata.MajorVersion != 1 {
		fail("_metadata.major_version is %d; this is schema version 1", m.Metadata.MajorVersion)
	}
	d := m.DisplayInformation
	length("display_information.name", d.Name, 1, 35)
	if d.Description != "" {
		length("display_information.description", d.Description, 1, 140)
	}
	if d.LongDescription != "" {
		length("display_information.long_description", d.LongDescription, 175, 4000)
	}
	if d.BackgroundColor != "" && !colorPattern.MatchString(d.BackgroundColor) {
		fail("display_information.background_color %q is not #rgb or #rrggbb", d.BackgroundColor)
	}

	f := m.Features
	if f.BotUser == nil {
		fail("features.bot_user is missing; the app posts as a bot")
	} else {
		length("features.bot_user.display_name", f.BotUser.DisplayName, 1, 80)
	}
	if n := len(f.SlashCommands); n > 50 {
		fail("features.slash_commands has %d commands; Slack takes at most 50", n)
	}
	seen := map[string]bool{}
	for i, c := range f.SlashCommands {
		key := fmt.Sprintf("features.slash_commands[%d]", i)
		if !commandPattern.MatchString(c.Command) {
			fail("%s.command %q must start with / and be 2 to 32 lower-case characters", key, c.Command)
		}
		if seen[c.Command] {
			fail("%s.command %s twice", key, c.Command)
		}
		seen[c.Command] = true
		length(key+".description", c.Description, 1, 2000)
		if c.UsageHint != "" {
			length(key+".usage_hint", c.UsageHint, 1, 1000)
		}
		if m.Settings.SocketModeEnabled && c.URL != "" {
			fail("%s.url is set; over Socket Mode commands arrive on the socket", key)
		}
	}

	scopes := m.OAuthConfig.Scopes.Bot
	if n := len(scopes); n == 0 || n > 255 {
		fail("oauth_config.scopes.bot has %d scopes; Slack takes 1 to 255", n)
	}
	if dup := duplicate(scopes); dup != "" {
		fail("oauth_config.scopes.bot lists %s twice", dup)
	}
	for _, s := range scopes {
		if len(s) > 50 || !scopePattern.MatchString(s) {
			fail("oauth_config.scopes.bot: %q is not a scope name", s)
		}
	}
	if len(f.SlashCommands) > 0 && !slices.Contains(scopes, "commands") {
		fail("oauth_config.scopes.bot lacks commands, which a slash command needs")
	}

	st := m.Settings
	if !st.SocketModeEnabled {
		fail("settings.socket_mode_enabled is false; okrbot connects over Socket Mode")
	}
	if ev := st.EventSubscriptions; ev != nil {
		if n := len(ev.BotEvents); n > 100 {
			fail("settings.event_subscriptions.bot_events has %d events; Slack takes at most 100", n)
		}
		if dup := duplicate(ev.BotEvents); dup != "" {
			fail("settings.event_subscriptions.bot_events lists %s twice", dup)
		}
		if st.SocketModeEnabled && ev.RequestURL != "" {
			fail("settings.event_subscriptions.request_url is set; over Socket Mode events arrive on the socket")
		}
	}
	if in := st.Interactivity; in != nil {
		if in.IsEnabled == nil {
			fail("settings.interactivity.is_enabled is required")
		}
		if st.SocketModeEnabled && in.RequestURL != "" {
			fail("settings.interactivity.request_url is set; over Socket Mode interactions arrive on the socket")
		}
	}
	return errors.Join(errs...)
}

// Interactive reports whether buttons, modals and menus reach the app.
func (m *Manifest) Interactive() bool {
	in := m.Settings.Interactivity
	return in != nil && in.IsEnabled != nil && *in.IsEnabled
}

// BotEvents are the events the app subscribes to as a bot.
func (m *Manifest) BotEvents() []string {
	if m.Settings.EventSubscriptions == nil {
		return nil
	}
	return m.Settings.EventSubscriptions.BotEvents
}

// UsageHintNames reports whether a usage hint names every one of verbs as
// a word, or says "help" so that the person finds them there.
func UsageHintNames(hint string, verbs []string) (missing []string, ok bool) {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(hint), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == '-')
	}) {
		words[w] = true
	}
	for _, v := range verbs {
		if !words[v] {
			missing = append(missing, v)
		}
	}
	return missing, len(missing) == 0 || words["help"]
}

func duplicate(list []string) string {
	seen := map[string]bool{}
	for _, x := range list {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return ""
}
