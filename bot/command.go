package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"

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
	// read marks a verb that reads and renders from the whole cycle: it
	// waits its turn (Bot.reading).
	read bool
	run  func(b *Bot, ctx context.Context, c *command) error
}

// parseCommand splits the text at the first white space of any kind: a
// person may type "/okr show" and a line break, or a no-break space, before
// the reference.
func parseCommand(cmd slack.SlashCommand) *command {
	text := strings.TrimSpace(cmd.Text)
	c := &command{SlashCommand: cmd}
	verb, rest := text, ""
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		verb, rest = text[:i], text[i:]
	}
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
		b.ack(req, ephemeral(helpMessage(cmd.Command, b.routes.verbs)))
		return
	}
	v := b.routes.findVerb(c.verb)
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
		if v.read {
			var done func()
			var err error
			if ctx, done, err = b.reading(ctx); err != nil {
				return err
			}
			defer done()
		}
		if err := v.run(b, ctx, c); err != nil {
			b.fail(ctx, c.replyTo(), "/okr "+v.name, err)
		}
		return nil
	})
}

func helpMessage(command string, verbs []verb) message {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* keeps your OKRs alive in Slack. What you can do:\n", command)
	for _, v := range verbs {
		line := "• `" + esc(strings.TrimSpace(command+" "+v.name+" "+v.usage)) + "` " + v.summary
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
	text := fmt.Sprintf("Usage: `%s`, for example `%s`.", esc(strings.TrimSpace(command+" "+v.name+" "+v.usage)), esc(v.example))
	if problem != "" {
		text = problem + "\n" + text
	}
	return say(text)
}

// usage is a mistake in a command's arguments, answered with the verb's
// help line.
func (b *Bot) usage(c *command, problem string) error {
	return okr.Errorf(okr.EINVALID, "%s", usageMessage(c.Command, b.routes.findVerb(c.verb), problem).Text)
}
