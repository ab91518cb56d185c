package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `_metadata:
  major_version: 1
display_information:
  name: okrbot
  description: "OKRs in Slack: create, align, check in."
features:
  bot_user:
    display_name: okrbot
  slash_commands:
    - command: /okr
      description: OKRs
      usage_hint: "[new | list | help]"
      should_escape: true
oauth_config:
  scopes:
    bot: [commands, chat:write]
settings:
  event_subscriptions:
    bot_events: [app_home_opened]
  interactivity:
    is_enabled: true
  socket_mode_enabled: true
`

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "manifest.yml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck_AcceptsAValidSocketModeManifest(t *testing.T) {
	m, err := Load(write(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Fatalf("Check = %v", err)
	}
	if !m.Interactive() || len(m.BotEvents()) != 1 {
		t.Fatalf("interactive %v, events %v", m.Interactive(), m.BotEvents())
	}
}

func TestLoad_RefusesWhatSlackWould(t *testing.T) {
	for name, text := range map[string]string{
		"unquoted colon":  strings.Replace(good, `"OKRs in Slack: create, align, check in."`, `OKRs in Slack: create, align, check in.`, 1),
		"misspelt key":    strings.Replace(good, "should_escape", "should_escpae", 1),
		"not a list":      strings.Replace(good, "bot: [commands, chat:write]", "bot: commands", 1),
		"tab indentation": strings.Replace(good, "  name: okrbot", "\tname: okrbot", 1),
	} {
		if _, err := Load(write(t, text)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestCheck_NamesEachBrokenRule(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"name: okrbot", "name: " + strings.Repeat("x", 36), "display_information.name is 36 characters"},
		{"major_version: 1", "major_version: 2", "_metadata.major_version"},
		{`description: "OKRs in Slack: create, align, check in."`, "description: " + strings.Repeat("y", 141), "display_information.description is 141"},
		{"    display_name: okrbot", "    display_name: \"\"", "features.bot_user.display_name is 0"},
		{"command: /okr", "command: okr", `command "okr" must start with /`},
		{"bot: [commands, chat:write]", "bot: [chat:write, chat:write]", "lists chat:write twice"},
		{"bot: [commands, chat:write]", "bot: [chat:write]", "lacks commands"},
		{"socket_mode_enabled: true", "socket_mode_enabled: false", "socket_mode_enabled is false"},
		{"    is_enabled: true", "    request_url: https://example.com/x", "is_enabled is required"},
		{"bot_events: [app_home_opened]", "bot_events: [app_home_opened]\n    request_url: https://example.com/e", "request_url is set"},
	} {
		m, err := Load(write(t, strings.Replace(good, c.from, c.to, 1)))
		if err != nil {
			t.Fatalf("%s: %v", c.want, err)
		}
		if err := m.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check = %v, want it to say %q", err, c.want)
		}
	}
}

func TestUsageHintNames(t *testing.T) {
	verbs := []string{"new", "check-in", "list"}
	if missing, ok := UsageHintNames("[new | check-in | list]", verbs); !ok || len(missing) != 0 {
		t.Errorf("every verb named: missing %v, ok %v", missing, ok)
	}
	if missing, ok := UsageHintNames("[new | help]", verbs); !ok || len(missing) != 2 {
		t.Errorf("help named: missing %v, ok %v", missing, ok)
	}
	if missing, ok := UsageHintNames("[new | list]", verbs); ok || len(missing) != 1 || missing[0] != "check-in" {
		t.Errorf("a verb missing and no help: missing %v, ok %v", missing, ok)
	}
}
