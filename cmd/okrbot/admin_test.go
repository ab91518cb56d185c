package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// TestRestore_PutsACopyBackAndKeepsWhatItReplaced: a backup restored over
// a changed database brings the old settings back, keeps the replaced
// database beside it, and is refused while okrbot runs on it.
func TestRestore_PutsACopyBackAndKeepsWhatItReplaced(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, copyPath := filepath.Join(dir, "okrbot.db"), filepath.Join(dir, "copy.db")
	setEnv(t, map[string]string{"OKRBOT_DB": path})
	db, err := storage.Open(ctx, path)
	must(t, err)
	must(t, db.SetSettings(ctx, map[string]string{"digest_channel": "CBEFORE"}))
	must(t, db.Close())
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"backup", copyPath}, &out, &errOut); code != 0 {
		t.Fatalf("backup: %d %s", code, errOut.String())
	}
	db, err = storage.Open(ctx, path)
	must(t, err)
	must(t, db.SetSettings(ctx, map[string]string{"digest_channel": "CAFTER"}))

	// A process beating on the database: restore refuses.
	must(t, db.Beat(ctx, okr.Instance{ID: "live", Host: "box", PID: 4242, BeatAt: time.Now()}))
	must(t, db.Close())
	errOut.Reset()
	if code := run(ctx, []string{"restore", copyPath}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "okrbot is running on this database (process 4242 on box") {
		t.Fatalf("restore under a running okrbot: exit %d, %s", code, errOut.String())
	}
	db, err = storage.Open(ctx, path)
	must(t, err)
	if s, _ := db.Settings(ctx); s["digest_channel"] != "CAFTER" {
		t.Fatalf("a refused restore changed the database: %v", s)
	}
	must(t, db.Leave(ctx, "live"))
	must(t, db.Close())

	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"restore", copyPath}, &out, &errOut); code != 0 {
		t.Fatalf("restore: exit %d, %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Restored "+path+" from "+copyPath) || !strings.Contains(out.String(), "is kept as "+path+".before-restore-") {
		t.Fatalf("restore said %q", out.String())
	}
	db, err = storage.Open(ctx, path)
	must(t, err)
	defer db.Close()
	if s, _ := db.Settings(ctx); s["digest_channel"] != "CBEFORE" {
		t.Fatalf("restored settings = %v", s)
	}
	kept, _ := filepath.Glob(path + ".before-restore-*.bak")
	if len(kept) != 1 {
		t.Fatalf("kept copies: %v", kept)
	}

	// What is not an okrbot database is refused before anything changes.
	junk := filepath.Join(dir, "junk.db")
	must(t, os.WriteFile(junk, []byte("not a database"), 0o600))
	errOut.Reset()
	if code := run(ctx, []string{"restore", junk}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not an okrbot database") {
		t.Fatalf("restore of junk: exit %d, %s", code, errOut.String())
	}
	if code := run(ctx, []string{"restore", path}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "is the database itself") {
		t.Fatalf("restore of itself: exit %d, %s", code, errOut.String())
	}
}

func TestMigrate_SaysWhatItDid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "okrbot.db")
	setEnv(t, map[string]string{"OKRBOT_DB": path})
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "Created "+path) {
		t.Fatalf("migrate a new database: exit %d, %q %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"migrate"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "nothing to do") {
		t.Fatalf("migrate an up-to-date database: exit %d, %q", code, out.String())
	}
}

// TestCheck_ComparesTheTokensScopesWithTheCode: against the emulator with
// the manifest's scopes okrbot is ready; with one scope fewer, check names
// it; with a wrong token, it says where to find the right one.
func TestCheck_ComparesTheTokensScopesWithTheCode(t *testing.T) {
	for _, c := range []struct {
		name   string
		scopes func([]string) []string
		token  func(*slackfake.Server) string
		code   int
		want   []string
	}{
		{"ready", func(s []string) []string { return s }, (*slackfake.Server).BotToken, 0,
			[]string{"✓ configuration", "✓ database", "✓ SLACK_BOT_TOKEN: okrbot is @", "✓ bot scopes: all", "✓ SLACK_APP_TOKEN", "okrbot is ready to serve."}},
		{"a scope missing", func(s []string) []string {
			return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return x == "files:write" })
		}, (*slackfake.Server).BotToken, 1, []string{"✗ bot scopes: the token lacks [files:write]"}},
		{"a wrong token", func(s []string) []string { return s }, func(*slackfake.Server) string { return "xoxb-wrong" }, 1,
			[]string{"✗ SLACK_BOT_TOKEN: refused by Slack (invalid_auth)", "Install App page"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := slackfake.New(slackfake.Options{BotScopes: c.scopes(manifestScopes(t))})
			defer srv.Close()
			setEnv(t, map[string]string{"SLACK_BOT_TOKEN": c.token(srv), "SLACK_APP_TOKEN": srv.AppToken(), "SLACK_API_URL": srv.APIURL(),
				"OKRBOT_DB": filepath.Join(t.TempDir(), "okrbot.db")})
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"check"}, &out, &errOut)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			for _, want := range c.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("check lacks %q:\n%s", want, out.String())
				}
			}
			for _, v := range srv.Calls() {
				if strings.HasPrefix(v.Method, "chat.") || strings.HasPrefix(v.Method, "views.") {
					t.Errorf("check called %s; it must post nothing", v.Method)
				}
			}
		})
	}
}
