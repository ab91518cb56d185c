package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/manifest"
)

// manifestScopes are the bot scopes manifest.yml declares: the emulator
// grants the tests exactly those.
func manifestScopes(t testing.TB) []string { return loadManifest(t).OAuthConfig.Scopes.Bot }

// loadManifest reads the repository's manifest.yml.
func loadManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("..", "..", "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestManifest_SlackAcceptsIt: manifest.yml is valid YAML with only keys
// Slack knows, within Slack's rules, and describes the app okrbot is: a
// Socket Mode app with a Home tab, interactive forms and the /okr command,
// whose usage hint leads to every verb.
func TestManifest_SlackAcceptsIt(t *testing.T) {
	m := loadManifest(t)
	if err := m.Check(); err != nil {
		t.Fatalf("Slack would refuse manifest.yml:\n%v", err)
	}
	if !m.Interactive() {
		t.Error("settings.interactivity.is_enabled must be true: okrbot's buttons and forms need it")
	}
	if h := m.Features.AppHome; h == nil || !h.HomeTabEnabled || !h.MessagesTabEnabled {
		t.Error("features.app_home must enable the Home tab (okrbot publishes it) and the Messages tab (its DMs)")
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/okr" {
		t.Fatalf("slash commands = %+v, want /okr alone", m.Features.SlashCommands)
	}
	okr := m.Features.SlashCommands[0]
	if !okr.ShouldEscape {
		t.Error("/okr must have should_escape: true; okrbot reads mentions as <@U…>")
	}
	if missing, ok := manifest.UsageHintNames(okr.UsageHint, bot.Verbs()); !ok {
		t.Errorf("the usage hint %q neither names %v nor says help", okr.UsageHint, missing)
	}
}

// TestManifest_ScopesAreWhatTheCodeUses: every Web API call in bot/ has its
// scopes declared, and no scope is declared that nothing uses; every event
// the bot handles is subscribed, and nothing else.
func TestManifest_ScopesAreWhatTheCodeUses(t *testing.T) {
	m := loadManifest(t)
	calls, handled := scanBot(t)

	need := map[string]bool{"commands": true} // the /okr command
	for _, call := range calls {
		api, ok := webAPI[call]
		if !ok {
			t.Errorf("bot calls %s, which webAPI does not list: look up its Web API method and scopes, and add it", call)
			continue
		}
		for _, s := range api.scopes {
			need[s] = true
		}
	}
	declared := m.OAuthConfig.Scopes.Bot
	for s := range need {
		if !slices.Contains(declared, s) {
			t.Errorf("manifest.yml lacks the bot scope %s, which the code needs", s)
		}
	}
	for _, s := range declared {
		if !need[s] {
			t.Errorf("manifest.yml declares the bot scope %s, which nothing in the code uses", s)
		}
	}
	if got, want := slices.Sorted(slices.Values(demoScopes)), slices.Sorted(slices.Values(declared)); !slices.Equal(got, want) {
		t.Errorf("okrbot demo grants %v; manifest.yml declares %v", got, want)
	}
	if len(m.OAuthConfig.Scopes.User) > 0 {
		t.Errorf("manifest.yml asks for user scopes %v; okrbot acts only as its bot", m.OAuthConfig.Scopes.User)
	}

	var want []string
	for _, typ := range handled {
		name, ok := events[typ]
		if !ok {
			t.Errorf("bot handles slackevents.%s, which events does not map to an event name", typ)
			continue
		}
		want = append(want, name)
	}
	got := slices.Clone(m.BotEvents())
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("manifest.yml subscribes to %v; the bot handles %v", got, want)
	}
}

var (
	apiCall     = regexp.MustCompile(`\.api\.([A-Z][A-Za-z]*)\(`)
	eventCase   = regexp.MustCompile(`case \*slackevents\.([A-Za-z]+Event):`)
	apiAnywhere = regexp.MustCompile(`\bslack\.New\(`)
)

// scanBot lists the slack-go client calls and the event types handled in
// bot/'s code (not its tests). The client is made in one place and used as
// b.api or s.api, which the scan relies on; a second client would defeat
// it, so the scan fails if it finds one.
func scanBot(t *testing.T) (calls, handled []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "bot", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bot sources: %v", err)
	}
	clients := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range apiCall.FindAllSubmatch(src, -1) {
			calls = append(calls, string(m[1]))
		}
		for _, m := range eventCase.FindAllSubmatch(src, -1) {
			handled = append(handled, string(m[1]))
		}
		clients += len(apiAnywhere.FindAll(src, -1))
	}
	if clients != 1 {
		t.Fatalf("bot makes %d slack-go clients; the scan expects the one in bot.New", clients)
	}
	if len(calls) == 0 || len(handled) == 0 {
		t.Fatalf("the scan found %d calls and %d events: it no longer matches the code", len(calls), len(handled))
	}
	slices.Sort(calls)
	return slices.Compact(calls), slices.Compact(handled)
}
