package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
)

const digestUsage = `usage: okrbot digest -preview [-at TIME] [-chart FILE]

Digest -preview prints the weekly digests a digest run would post now, as
text: the company digest (to OKRBOT_DIGEST_CHANNEL, or the channel set with
/okr settings) and each team digest for a team with a channel of its own,
each summary followed by its thread. It reads the database and the
configuration only: nothing is posted, and the delivery ledger is not
touched, so it is safe while the bot runs.

The flags are:

	-preview
		print the digests (the only mode: okrbot posts digests on its
		schedule, never from this command).
	-at TIME
		preview the digest as of TIME instead of now, as 2026-12-04T16:00
		in the company's time zone (OKRBOT_TIMEZONE) or RFC 3339.
	-chart FILE
		save the company digest's progress chart, a PNG, to FILE.
`

func runDigest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	preview := fs.Bool("preview", false, "")
	at := fs.String("at", "", "")
	chartPath := fs.String("chart", "", "")
	if code, stop := parseFlags(fs, args, digestUsage, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "okrbot digest: unexpected argument %q\n\n%s", fs.Arg(0), digestUsage)
		return 2
	}
	if !*preview {
		fmt.Fprint(stderr, "okrbot digest posts nothing by itself: the scheduler does, on OKRBOT_DIGEST_SCHEDULE. Use -preview to see what it would post.\n\n"+digestUsage)
		return 2
	}
	cfg, err := LoadOfflineConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	now := time.Now()
	if *at != "" {
		if now, err = parseAt(*at, cfg.Location); err != nil {
			fmt.Fprintf(stderr, "okrbot digest: -at %q: use 2026-12-04T16:00 (in %s) or RFC 3339 such as 2026-12-04T16:00:00Z.\n", *at, cfg.Location)
			return 2
		}
	}
	db, code := openExistingDB(ctx, cfg, "digest", stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	digests, err := scheduler.PreviewDigests(ctx, db, cfg.Settings(), now)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot digest: %s\n", okrError(err))
		return 1
	}
	users, err := db.FindUsers(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot digest: %v\n", err)
		return 1
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for i, d := range digests {
		chart, err := printDigest(stdout, d, now, names)
		if err != nil {
			fmt.Fprintf(stderr, "okrbot digest: %v\n", err)
			return 1
		}
		if i == 0 && *chartPath != "" {
			if chart == nil {
				fmt.Fprintln(stderr, "okrbot digest: the company digest has no chart to save (no objectives, or no week of history yet).")
				return 1
			}
			if err := os.WriteFile(*chartPath, chart, 0o644); err != nil {
				fmt.Fprintf(stderr, "okrbot digest: save the chart: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "\nThe chart is saved in %s.\n", *chartPath)
		}
	}
	return 0
}

// printDigest writes one digest as people would read it in its channel,
// and returns its chart.
func printDigest(w io.Writer, d *okr.Digest, now time.Time, names map[string]string) ([]byte, error) {
	messages, chart, err := bot.DigestPreview(d)
	if err != nil {
		return nil, err
	}
	where := "no channel: set OKRBOT_DIGEST_CHANNEL, or /okr settings in Slack, to post it"
	if d.Channel != "" {
		where = "to " + readable("<#"+d.Channel+">", names)
	}
	what := "The company digest"
	if d.Team != nil {
		what = "The " + d.Team.Name + " digest"
	}
	fmt.Fprintf(w, "%s as of %s (%s):\n", what, now.In(d.Location).Format("Mon 2 Jan 2006 15:04 MST"), where)
	for i, blocks := range messages {
		raw, err := json.Marshal(blocks)
		if err != nil {
			return nil, err
		}
		heading := "okrbot"
		if i > 0 {
			heading = "  ↳ in the thread"
		}
		printQuoted(w, heading, readable(slackfake.Render(raw), names))
	}
	if chart != nil {
		printQuoted(w, "  ↳ in the thread", "[image: progress by week, against the plan]")
	}
	fmt.Fprintln(w)
	return chart, nil
}

// printQuoted writes one message under a heading, indented as a quote.
func printQuoted(w io.Writer, heading, text string) {
	fmt.Fprintf(w, "\n%s:\n", heading)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "  │ %s\n", line)
	}
}

// slackMarkup is a Slack escape in mrkdwn: a mention, a channel, a special
// mention or a link, with its optional label
// (https://api.slack.com/reference/surfaces/formatting#advanced).
var slackMarkup = regexp.MustCompile(`<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>`)

// readable turns mrkdwn's escapes into what Slack shows: <@U1> as @Name,
// <#C1|okrs> as #okrs, <!here> as @here, a link as its label, and the
// three HTML entities as their characters.
func readable(text string, names map[string]string) string {
	text = slackMarkup.ReplaceAllStringFunc(text, func(m string) string {
		p := slackMarkup.FindStringSubmatch(m)
		sigil, target, label := p[1], p[2], p[3]
		switch sigil {
		case "@", "#":
			if label == "" {
				label = names[target]
			}
			if label == "" {
				label = target
			}
			return sigil + label
		case "!":
			return "@" + strings.SplitN(target, "^", 2)[0]
		}
		if label != "" {
			return label
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
}

// parseAt reads -at: a local date and time in loc, or RFC 3339.
func parseAt(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}
