package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
	"github.com/slack-go/slack"
)

const migrateUsage = `usage: okrbot migrate

Migrate brings the database (OKRBOT_DB) to the schema this okrbot uses and
says what it did. okrbot serve does the same at start; migrate lets an
operator do it, and see it, before an upgrade goes live. Before it changes
an existing database it writes a copy of it beside it (okrbot.db.v1.bak for
one at schema version 1). A database from a newer okrbot is refused.
`

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, stop := parseFlags(flag.NewFlagSet("migrate", flag.ContinueOnError), args, migrateUsage, stderr); stop {
		return code
	}
	cfg, err := loadStorageConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	_, statErr := os.Stat(cfg.DB)
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot migrate: %v\n", err)
		return 1
	}
	defer db.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		fmt.Fprintf(stdout, "Created %s at schema version %d.\n", cfg.DB, storage.SchemaVersion())
		return 0
	}
	if db.MigrationBackup != "" {
		fmt.Fprintf(stdout, "Migrated %s to schema version %d; the database as it was is copied to %s.\n",
			cfg.DB, storage.SchemaVersion(), db.MigrationBackup)
		return 0
	}
	fmt.Fprintf(stdout, "%s is at schema version %d, this okrbot's: nothing to do.\n", cfg.DB, storage.SchemaVersion())
	return 0
}

const restoreUsage = `usage: okrbot restore FILE

Restore replaces the database (OKRBOT_DB) with FILE, a copy made by okrbot
backup (or by a migration). Stop okrbot first: restore refuses while an
okrbot process is using the database. The database being replaced is kept
beside it (okrbot.db.before-restore-TIME.bak), so a restore can be undone.
A copy from an older okrbot is migrated when opened; one from a newer
okrbot is refused.
`

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	if code, stop := parseFlags(fs, args, restoreUsage, stderr); stop {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "okrbot restore needs one argument: the copy to restore.\n\n"+restoreUsage)
		return 2
	}
	cfg, err := loadStorageConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := restore(ctx, fs.Arg(0), cfg.DB, stdout); err != nil {
		fmt.Fprintf(stderr, "okrbot restore: %v\n", err)
		return 1
	}
	return 0
}

// restore puts the copy at from in place of the database at to.
func restore(ctx context.Context, from, to string, stdout io.Writer) error {
	version, err := storage.SchemaOf(ctx, from)
	if err != nil {
		return err
	}
	if version > storage.SchemaVersion() {
		return fmt.Errorf("%s has schema version %d, newer than this okrbot's %d: restore it with a newer okrbot", from, version, storage.SchemaVersion())
	}
	if same, _ := sameFile(from, to); same {
		return fmt.Errorf("%s is the database itself; give the copy to restore", from)
	}

	kept := ""
	if _, err := os.Stat(to); err == nil {
		db, err := openDB(ctx, to)
		if err != nil {
			return err
		}
		if running, err := runningInstances(ctx, db); err != nil || len(running) > 0 {
			db.Close()
			if err != nil {
				return err
			}
			in := running[0]
			return fmt.Errorf("okrbot is running on this database (process %d on %s, seen %s ago): stop it, then restore",
				in.PID, in.Host, time.Since(in.BeatAt).Round(time.Second))
		}
		kept = fmt.Sprintf("%s.before-restore-%s.bak", to, time.Now().UTC().Format("20060102T150405"))
		err = db.Backup(ctx, kept)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("keep the database before replacing it: %w", err)
		}
	}

	// Copy beside the target and rename over it, so that a failure leaves
	// the database as it was; the old WAL and shared-memory files belong
	// to the old database and would corrupt the new one.
	tmp, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return err
	}
	_, err = io.Copy(tmp, src)
	src.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	for _, side := range []string{to + "-wal", to + "-shm"} {
		if err := os.Remove(side); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return err
	}

	db, err := openDB(ctx, to)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "Restored %s from %s (schema version %d", to, from, version)
	if db.MigrationBackup != "" {
		fmt.Fprintf(stdout, ", migrated to %d", storage.SchemaVersion())
	}
	fmt.Fprintln(stdout, ").")
	if kept != "" {
		fmt.Fprintf(stdout, "The database it replaced is kept as %s.\n", kept)
	}
	return nil
}

// runningInstances are the okrbot processes that have beaten recently on
// the database.
func runningInstances(ctx context.Context, db *storage.DB) ([]*okr.Instance, error) {
	all, err := db.Instances(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(in *okr.Instance) bool { return time.Since(in.BeatAt) > okr.InstanceTimeout }), nil
}

func sameFile(a, b string) (bool, error) {
	x, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	y, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(x, y), nil
}

const checkUsage = `usage: okrbot check

Check reads the configuration, opens the database and asks Slack about the
tokens (auth.test with the bot token, apps.connections.open with the app
token), then compares the scopes the bot token really has with those
okrbot's code needs. It prints one line for each and exits 1 if anything
needs fixing, naming what to change. It posts nothing.
`

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, stop := parseFlags(flag.NewFlagSet("check", flag.ContinueOnError), args, checkUsage, stderr); stop {
		return code
	}
	cfg, err := LoadConfig()
	if err != nil {
		fmt.Fprintf(stdout, "✗ configuration\n%v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "✓ configuration")
	failed := false
	report := func(what string, err error) {
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "✗ %s: %v\n", what, err)
			return
		}
		fmt.Fprintf(stdout, "✓ %s\n", what)
	}

	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if db, err := openDB(ctx, cfg.DB); err != nil {
		report("database "+cfg.DB, err)
	} else {
		report(fmt.Sprintf("database %s (schema version %d), writable", cfg.DB, storage.SchemaVersion()), db.Writable(ctx))
		db.Close()
	}

	var granted string
	api := slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}),
		slack.OptionOnResponseHeaders(func(method string, h http.Header) {
			if method == "auth.test" {
				granted = h.Get("X-OAuth-Scopes")
			}
		}))
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		report("SLACK_BOT_TOKEN", fmt.Errorf("refused by Slack (%w); copy the Bot User OAuth Token from the app's Install App page", err))
	} else {
		report(fmt.Sprintf("SLACK_BOT_TOKEN: okrbot is @%s in %s", auth.User, auth.Team), nil)
		have := scopeList(granted)
		var missing []string
		for _, s := range neededScopes() {
			if !slices.Contains(have, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			report("bot scopes", fmt.Errorf("the token lacks %v: add them under OAuth & Permissions (or paste manifest.yml again) and reinstall the app", missing))
		} else {
			report(fmt.Sprintf("bot scopes: all %d that okrbot needs", len(neededScopes())), nil)
		}
	}
	if _, _, err := api.StartSocketModeContext(ctx); err != nil {
		report("SLACK_APP_TOKEN", fmt.Errorf("refused by Slack (%w); generate an app-level token with connections:write under Basic Information", err))
	} else {
		report("SLACK_APP_TOKEN: Socket Mode connections open", nil)
	}
	if failed {
		return 1
	}
	fmt.Fprintln(stdout, "okrbot is ready to serve.")
	return 0
}
