package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/okrfile"
)

const importUsage = `usage: okrbot import [-dry-run] [-format yaml|json|csv] FILE

Import reads a quarter's teams, objectives, key results and links from FILE
(YAML, JSON or CSV; the format follows the file's extension unless -format
says) and makes okrbot's database say the same. Everything is checked
first; if anything is wrong, every problem is listed with its line and
nothing changes. Objectives are matched by cycle, level, owner and title,
key results by title, so the same file imported again changes nothing,
and an edited one changes what was edited. Nothing is deleted; an
objective whose parent the file leaves out is unlinked. A cycle the file
names that does not exist yet is created as upcoming.

People and channels are Slack IDs (U012AB3CD, C012AB3CD): in Slack, a
profile's ⋮ menu → Copy member ID. okrbot export writes a file to start
from; README.md shows each format.

The flags are:

	-dry-run
		list what would change, and change nothing.
	-format yaml|json|csv
		the file's format, when its name does not say.
`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "")
	format := fs.String("format", "", "")
	if code, stop := parseFlags(fs, args, importUsage, stderr); stop {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "okrbot import needs one argument: the file to read.\n\n"+importUsage)
		return 2
	}
	path := fs.Arg(0)
	if *format == "" {
		*format = okrfile.FormatOf(path)
	} else if !slices.Contains(okrfile.Formats, *format) {
		fmt.Fprintf(stderr, "okrbot import: -format %q: use yaml, json or csv.\n", *format)
		return 2
	}
	cfg, err := loadStorageConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	in, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot import: %v\n", err)
		return 1
	}
	defer in.Close()
	f, err := okrfile.Read(in, *format)
	if err != nil {
		return importFailed(stderr, path, err, nil)
	}
	dbPath := cfg.DB
	if _, err := os.Stat(dbPath); err != nil && *dryRun {
		// A dry run creates nothing, not even the database: it plans
		// against an empty one.
		dir, err := os.MkdirTemp("", "okrbot-dry-run-")
		if err != nil {
			fmt.Fprintf(stderr, "okrbot import: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "empty.db")
	}
	db, err := openDB(ctx, dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot import: %v\n", err)
		return 1
	}
	defer db.Close()
	settings, err := okr.LoadSettings(ctx, db, cfg.Settings())
	if err != nil {
		fmt.Fprintf(stderr, "okrbot import: %v\n", err)
		return 1
	}
	changes, err := okrfile.Import(ctx, db, f, okrfile.Calendar{FiscalMonth: settings.FiscalMonth, Location: settings.Location}, *dryRun)
	if err != nil {
		return importFailed(stderr, path, err, changes)
	}
	verb := "Changed"
	if *dryRun {
		verb = "Would change (a dry run: nothing was written)"
	}
	if len(changes) == 0 {
		fmt.Fprintf(stdout, "%s is already what okrbot has for %s: nothing to change.\n", path, f.Cycle)
		return 0
	}
	fmt.Fprintf(stdout, "%s %d:\n", verb, len(changes))
	for _, c := range changes {
		fmt.Fprintf(stdout, "  %s\n", c)
	}
	return 0
}

// importFailed prints why an import stopped: each problem of the file
// with its line as an editor shows it (FILE:LINE: message), or the error
// that stopped it after the changes done before it.
func importFailed(stderr io.Writer, path string, err error, done []okrfile.Change) int {
	var problems okrfile.Problems
	if !errors.As(err, &problems) {
		fmt.Fprintf(stderr, "okrbot import: %s\n", okrError(err))
		for _, c := range done {
			fmt.Fprintf(stderr, "  done before it: %s\n", c)
		}
		return 1
	}
	fmt.Fprintf(stderr, "okrbot import: %s has %d %s; nothing was changed:\n", path, len(problems),
		map[bool]string{true: "problem", false: "problems"}[len(problems) == 1])
	for _, p := range problems {
		if p.Line > 0 {
			fmt.Fprintf(stderr, "%s:%d: %s\n", path, p.Line, p.Message)
		} else {
			fmt.Fprintf(stderr, "%s: %s\n", path, p.Message)
		}
	}
	return 1
}

// okrError is an error as a person reads it: the domain's own message when
// it has one.
func okrError(err error) string {
	if msg := okr.ErrorMessage(err); msg != "" && okr.ErrorCode(err) != okr.EINTERNAL {
		return msg
	}
	return err.Error()
}

const exportUsage = `usage: okrbot export [-format yaml|json|csv] [-cycle 2026-Q4] [-o FILE]

Export writes a cycle's plan (every team, and the cycle's objectives, key
results and links) in the form okrbot import reads: to edit it and import
it again, to move it to another okrbot, or to keep it. Check-ins are not
part of it. A CSV has no teams; YAML and JSON have everything.

The flags are:

	-format yaml|json|csv
		the format (default yaml, or what -o's extension says).
	-cycle name
		the cycle, like 2026-Q4 (default the current one).
	-o file
		write to file instead of standard output.
`

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "", "")
	cycle := fs.String("cycle", "", "")
	outPath := fs.String("o", "", "")
	if code, stop := parseFlags(fs, args, exportUsage, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "okrbot export: unexpected argument %q\n\n%s", fs.Arg(0), exportUsage)
		return 2
	}
	switch {
	case *format == "" && *outPath != "":
		*format = okrfile.FormatOf(*outPath)
	case *format == "":
		*format = "yaml"
	case !slices.Contains(okrfile.Formats, *format):
		fmt.Fprintf(stderr, "okrbot export: -format %q: use yaml, json or csv.\n", *format)
		return 2
	}
	cfg, err := loadStorageConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	db, code := openExistingDB(ctx, cfg, "export", stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	f, err := okrfile.Export(ctx, db, *cycle)
	if err != nil {
		if okr.ErrorCode(err) == okr.ENOTFOUND {
			what := "current cycle"
			if *cycle != "" {
				what = "cycle " + *cycle
			}
			fmt.Fprintf(stderr, "okrbot export: there is no %s.\n", what)
			return 1
		}
		fmt.Fprintf(stderr, "okrbot export: %v\n", okrError(err))
		return 1
	}
	w := stdout
	if *outPath != "" {
		file, err := os.Create(*outPath)
		if err != nil {
			fmt.Fprintf(stderr, "okrbot export: %v\n", err)
			return 1
		}
		defer file.Close()
		w = file
	}
	if err := okrfile.Write(w, f, *format); err != nil {
		fmt.Fprintf(stderr, "okrbot export: %v\n", err)
		return 1
	}
	if *format == "csv" && len(f.Teams) > 0 {
		fmt.Fprintf(stderr, "okrbot export: a CSV has no teams; the %d teams are in -format yaml or json.\n", len(f.Teams))
	}
	return 0
}
