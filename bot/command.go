package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// command is one /okr invocation, split into a verb and what follows it.
type command struct {
	slack.SlashCommand
	verb string
	args []string // the words after the verb
	rest string   // the text after the verb, as typed
}

func (c *command) replyTo() replyTo { return replyTo{ResponseURL: c.ResponseURL, UserID: c.UserID} }

// verb is one thing /okr can do.
type verb struct {
	name    string
	aliases []string
	usage   string // arguments, as shown in help
	example string // a full example, shown in help
	summary string
	minArgs int
	run     func(b *Bot, ctx context.Context, c *command) error
}

// verbs in the order help lists them. Set in init: the handlers refer back
// to the table (for usage lines), which a plain initializer cannot.
var verbs []verb

func init() {
	verbs = []verb{
		{name: "new", aliases: []string{"add", "create"}, usage: "[company|department|team|personal]", example: "/okr new team",
			summary: "create an objective with its key results", run: (*Bot).cmdNew},
		{name: "kr", usage: "<objective>", example: "/okr kr O12", summary: "add a key result to an objective", minArgs: 1, run: (*Bot).cmdKR},
		{name: "edit", usage: "<objective or key result>", example: "/okr edit KR45", summary: "change an objective or key result", minArgs: 1, run: (*Bot).cmdEdit},
		{name: "link", aliases: []string{"align"}, usage: "<objective> [to <parent>]", example: "/okr link O12 to O3",
			summary: "align an objective with the one it supports", minArgs: 1, run: (*Bot).cmdLink},
		{name: "unlink", usage: "<objective>", example: "/okr unlink O12", summary: "remove an objective's parent", minArgs: 1, run: (*Bot).cmdUnlink},
		{name: "checkin", aliases: []string{"check-in", "ci", "update"}, usage: "[<key result or objective>]", example: "/okr checkin",
			summary: "record progress on the key results you own", run: (*Bot).cmdCheckin},
		{name: "list", aliases: []string{"ls"}, usage: "[mine | @person | team <name> | company | at-risk | stale | <cycle>]", example: "/okr list at-risk",
			summary: "list objectives", run: (*Bot).cmdList},
		{name: "show", usage: "<objective or key result>", example: "/okr show O12", summary: "show one objective or key result in full", minArgs: 1, run: (*Bot).cmdShow},
		{name: "tree", usage: "[<objective>]", example: "/okr tree", summary: "the alignment tree, with rollups", run: (*Bot).cmdTree},
		{name: "gaps", usage: "", example: "/okr gaps", summary: "what is not aligned, stale or at risk", run: (*Bot).cmdGaps},
		{name: "archive", aliases: []string{"delete"}, usage: "<objective or key result>", example: "/okr archive O12",
			summary: "archive an objective or key result (history stays)", minArgs: 1, run: (*Bot).cmdArchive},
		{name: "team", aliases: []string{"teams"}, usage: "[new | <name>]", example: "/okr team Platform", summary: "list, create or change teams", run: (*Bot).cmdTeam},
		{name: "cycle", aliases: []string{"cycles"}, usage: "[start [<name>] | close]", example: "/okr cycle", summary: "see cycles; admins start and close them", run: (*Bot).cmdCycle},
		{name: "settings", usage: "", example: "/okr settings", summary: "schedules, digest channel, limits (admins)", run: (*Bot).cmdSettings},
		{name: "away", usage: "<date>", example: "/okr away 2026-12-01", summary: "no check-in prompts until a date", minArgs: 1, run: (*Bot).cmdAway},
		{name: "back", usage: "", example: "/okr back", summary: "prompts resume", run: (*Bot).cmdBack},
	}
}

func findVerb(name string) *verb {
	name = strings.ToLower(name)
	for i := range verbs {
		v := &verbs[i]
		if v.name == name {
			return v
		}
		for _, a := range v.aliases {
			if a == name {
				return v
			}
		}
	}
	return nil
}

func parseCommand(cmd slack.SlashCommand) *command {
	text := strings.TrimSpace(cmd.Text)
	c := &command{SlashCommand: cmd}
	verb, rest, _ := strings.Cut(text, " ")
	c.verb = strings.ToLower(verb)
	c.rest = strings.TrimSpace(rest)
	c.args = strings.Fields(c.rest)
	return c
}

// onCommand acks a slash command at once. Help and usage mistakes are
// answered in the ack itself; everything else runs after it and answers
// through the command's response_url (or opens a modal with its trigger).
func (b *Bot) onCommand(ctx context.Context, req *socketmode.Request, cmd slack.SlashCommand) {
	c := parseCommand(cmd)
	if c.verb == "" || c.verb == "help" || c.verb == "?" {
		b.ack(req, ephemeral(helpMessage(cmd.Command)))
		return
	}
	v := findVerb(c.verb)
	if v == nil {
		b.ack(req, ephemeral(unknownVerbMessage(cmd.Command, c.verb)))
		return
	}
	if len(c.args) < v.minArgs {
		b.ack(req, ephemeral(usageMessage(cmd.Command, v, "")))
		return
	}
	b.ack(req, nil)
	b.log.Info("command", slog.String("user", c.UserID), slog.String("verb", v.name))
	b.goWork(ctx, "/okr "+v.name, func(ctx context.Context) error {
		if err := v.run(b, ctx, c); err != nil {
			b.fail(ctx, c.replyTo(), "/okr "+v.name, err)
		}
		return nil
	})
}

func helpMessage(command string) message {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* keeps your OKRs alive in Slack. What you can do:\n", command)
	for _, v := range verbs {
		line := "• `" + strings.TrimSpace(command+" "+v.name+" "+v.usage) + "` " + v.summary
		if v.example != "" && v.example != command+" "+v.name {
			line += " (e.g. `" + v.example + "`)"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("References: `O12` is an objective, `KR45` a key result; a unique start of a title works too.")
	return message{Text: "okrbot help", Blocks: []slack.Block{section(b.String())}}
}

func unknownVerbMessage(command, verb string) message {
	text := fmt.Sprintf(":thinking_face: I don't know `%s %s`. Try `%s help` for everything I can do.", command, esc(trunc(verb, 40)), command)
	return say(text)
}

// usageMessage is the help line of one verb, with an optional problem.
func usageMessage(command string, v *verb, problem string) message {
	text := fmt.Sprintf("Usage: `%s`, for example `%s`.", strings.TrimSpace(command+" "+v.name+" "+v.usage), v.example)
	if problem != "" {
		text = problem + "\n" + text
	}
	return say(text)
}

// usage is a mistake in a command's arguments, answered with the verb's
// help line.
func usage(c *command, problem string) error {
	return okr.Errorf(okr.EINVALID, "%s", usageMessage(c.Command, findVerb(c.verb), problem).Text)
}
