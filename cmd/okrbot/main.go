// Command okrbot runs the okrbot Slack bot: `okrbot serve` (the default)
// serves the workspace its tokens belong to, `okrbot demo` plays a week
// against the built-in Slack emulator, and the other subcommands look after
// the database. Configuration comes from the environment (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	// The time zones people set in Slack are read from the binary itself,
	// so that it runs where the system has no tz database (a scratch
	// container).
	_ "time/tzdata"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set: near it the garbage collector works harder rather than let
// the process grow (https://go.dev/doc/gc-guide#Memory_limit), so that
// okrbot fits a small container. At 10,000 objectives the live heap (the
// shared analysis, the suggestion index) is 35-50 MiB; the binary's own
// pages and SQLite's page caches come on top of the limit, 25-30 MiB, for a
// peak near 90 MiB. At 56 MiB the collector rarely rests and answers take
// twice as long (BENCHMARKS.md, "Memory from outside"). GOMEMLIMIT
// overrides it.
const defaultMemoryLimit = 64 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go stopOnSignals(signals, stop, os.Stderr, os.Exit)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// stopOnSignals stops cleanly at the first SIGINT or SIGTERM (stop ends
// the context: sends in flight finish, the database closes) and exits at
// once at the second, for someone who cannot wait.
func stopOnSignals(signals <-chan os.Signal, stop func(), w io.Writer, exit func(code int)) {
	sig := <-signals
	fmt.Fprintf(w, "okrbot: %v: stopping cleanly; send it again to stop at once.\n", sig)
	stop()
	sig = <-signals
	fmt.Fprintf(w, "okrbot: %v again: stopping now.\n", sig)
	code := 1
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s) // as a shell reports a process killed by it
	}
	exit(code)
}

// subcommand is one verb of okrbot.
type subcommand struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "", "run the bot and the scheduler (the default; needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)", runServe},
		{"demo", "[flags]", "play a week of a sample company against the built-in Slack emulator", runDemo},
		{"backup", "FILE", "write a consistent copy of the database to FILE, also while the bot runs", runBackup},
		{"import", "FILE", "a quarter's teams, objectives, key results and links from a YAML, JSON or CSV file", runImport},
		{"export", "", "the plan of a cycle, as import reads it", runExport},
		{"restore", "FILE", "replace the database with a copy, okrbot stopped", runRestore},
		{"migrate", "", "bring the database to this version's schema, keeping a copy", runMigrate},
		{"digest", "-preview", "print the digests a digest run would post now, posting nothing", runDigest},
		{"check", "", "check the configuration, the database, the tokens and their scopes", runCheck},
		{"version", "", "print okrbot's version", runVersion},
	}
}

func usageText() string {
	text := "okrbot: OKRs in Slack.\n\nUsage:\n\n\tokrbot <command> [arguments]\n\nThe commands are:\n\n"
	for _, c := range subcommands() {
		text += fmt.Sprintf("\t%-16s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	return text + "\nUse \"okrbot help <command>\" or \"okrbot <command> -h\" for more about a command.\n" +
		"Configuration is read from the environment; README.md lists every variable.\n"
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runServe(ctx, nil, stdout, stderr)
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "help", "-h", "-help", "--help":
		if len(rest) == 1 {
			for _, c := range subcommands() {
				if c.name == rest[0] {
					return c.run(ctx, []string{"-h"}, stdout, stdout)
				}
			}
			fmt.Fprintf(stderr, "okrbot help: unknown command %q.\n\n%s", rest[0], usageText())
			return 2
		}
		fmt.Fprint(stdout, usageText())
		return 0
	case "run": // the name before serve
		verb = "serve"
	}
	for _, c := range subcommands() {
		if c.name == verb {
			return c.run(ctx, rest, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "okrbot: unknown command %q.\n\n%s", verb, usageText())
	return 2
}

// parseFlags parses a subcommand's flags; help prints the usage. It
// returns the exit code when the command should stop here.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stderr io.Writer) (int, bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	return 0, false
}

const serveUsage = `usage: okrbot serve

Serve runs the bot (the /okr command, its forms, the App Home) and the
scheduler (weekly check-in prompts, reminders, lead summaries, digests and
nudges) for the Slack workspace the tokens belong to, over Socket Mode: no
public URL is needed. It stops cleanly on SIGINT or SIGTERM.

It reads its configuration from the environment: SLACK_BOT_TOKEN and
SLACK_APP_TOKEN are required; README.md lists the other variables.
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, stop := parseFlags(flag.NewFlagSet("serve", flag.ContinueOnError), args, serveUsage, stderr); stop {
		return code
	}
	return runBot(ctx, stderr)
}

const versionUsage = `usage: okrbot version

Version prints okrbot's version, as the Go toolchain recorded it when it
built the binary, and the Go version.
`

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, stop := parseFlags(flag.NewFlagSet("version", flag.ContinueOnError), args, versionUsage, stderr); stop {
		return code
	}
	version, goVersion := "(unknown)", "(unknown)"
	if info, ok := debug.ReadBuildInfo(); ok {
		version, goVersion = info.Main.Version, info.GoVersion
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && version == "(devel)" {
				version += " " + s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "okrbot %s (%s)\n", version, goVersion)
	return 0
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

const backupUsage = `usage: okrbot backup FILE

Backup writes a consistent copy of the database (OKRBOT_DB) to FILE, which
must not exist yet. It is safe while the bot runs. It refuses when the
database does not exist, rather than copy an empty one.
`

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	if code, stop := parseFlags(fs, args, backupUsage, stderr); stop {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "okrbot backup needs one argument: the file to write.\n\n"+backupUsage)
		return 2
	}
	path := fs.Arg(0)
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
	db, code := openExistingDB(ctx, cfg, "backup", stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	if err := db.Backup(ctx, path); err != nil {
		fmt.Fprintf(stderr, "okrbot backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Backed up %s to %s.\n", cfg.DB, path)
	return 0
}
