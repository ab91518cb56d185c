// Command okrbot runs the okrbot Slack bot: `okrbot` serves the workspace
// its tokens belong to; `okrbot backup <file>` copies the database while the
// bot runs. Configuration comes from the environment (see README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usageText = `okrbot: OKRs in Slack.

Usage:
  okrbot                 run the bot (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)
  okrbot backup <file>   write a consistent copy of the database to <file>
  okrbot help            this text

Configuration is read from the environment; README.md lists every variable.
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	verb := ""
	if len(args) > 0 {
		verb = args[0]
	}
	switch verb {
	case "", "run":
		return runBot(ctx, stderr)
	case "backup":
		if len(args) != 2 {
			fmt.Fprint(stderr, "okrbot backup needs one argument: the file to write.\n\n"+usageText)
			return 2
		}
		return runBackup(ctx, args[1], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return 0
	default:
		fmt.Fprintf(stderr, "okrbot: unknown command %q.\n\n%s", verb, usageText)
		return 2
	}
}

func runBot(ctx context.Context, stderr io.Writer) int {
	cfg, err := LoadConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	m := NewMain(cfg, stderr)
	err = m.Run(ctx)
	if cerr := m.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "okrbot: %v\n", err)
		return 1
	}
	return 0
}

func runBackup(ctx context.Context, path string, stdout, stderr io.Writer) int {
	cfg, err := loadStorageConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(stderr, "okrbot backup: %s exists; choose a new file name.\n", path)
		return 1
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "okrbot backup: %v\n", err)
		return 1
	}
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot backup: %v\n", err)
		return 1
	}
	defer db.Close()
	if err := db.Backup(ctx, path); err != nil {
		fmt.Fprintf(stderr, "okrbot backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Backed up %s to %s.\n", cfg.DB, path)
	return 0
}
