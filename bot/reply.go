package bot

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// message is what the bot says to a person.
type message struct {
	Text    string // fallback text for notifications; mrkdwn
	Blocks  []slack.Block
	Replace bool // replace the message the person acted on (response_url only)
}

// say is a message of one section of text, the shape of most answers.
func say(text string) message { return message{Text: text, Blocks: []slack.Block{section(text)}} }

// replacing makes the message replace the one the person acted on, when
// yes (and it came with a response_url).
func (m message) replacing(yes bool) message {
	m.Replace = yes
	return m
}

// replyTo says where a person should see an answer.
type replyTo struct {
	ResponseURL string // ephemeral, where they acted (valid 30 minutes, 5 uses)
	UserID      string // otherwise their DM with the bot
}

// send delivers msg. A response_url answer is ephemeral in the channel the
// person acted in; without one, or when Slack no longer takes it (it
// expires after 30 minutes and 5 uses), the answer goes to their DM with
// the app, so a confirmation is never lost.
func (b *Bot) send(ctx context.Context, to replyTo, msg message) error {
	endReading(ctx) // the answer is ready: the next read may start
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if len(msg.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks...))
	}
	if to.ResponseURL != "" {
		respond := slack.MsgOptionResponseURL(to.ResponseURL, slack.ResponseTypeEphemeral)
		if msg.Replace {
			respond = slack.MsgOptionReplaceOriginal(to.ResponseURL)
		}
		_, _, err := b.api.PostMessageContext(ctx, "", append(opts, respond)...)
		if err == nil {
			return nil
		}
		if to.UserID == "" || ctx.Err() != nil {
			return fmt.Errorf("respond: %w", err)
		}
		b.log.Info("response_url refused; answering by DM", slog.String("user", to.UserID), slog.Any("err", err))
	}
	if to.UserID == "" {
		return fmt.Errorf("send: nowhere to answer")
	}
	// The answer carries a key of its own, so that a try whose answer was
	// lost (a server error, a dropped connection) is looked for in the DM
	// before it is sent again: retried, never doubled.
	if _, err := b.sender.post(ctx, outgoing{Target: to.UserID, Key: b.sender.replyKey(), Msg: msg}); err != nil {
		return fmt.Errorf("send DM to %s: %w", to.UserID, err)
	}
	return nil
}

// fail is the one place an error becomes an answer to a person: a domain
// error's own message, or for anything else a generic apology, with the
// detail logged. A person never sees a Go error string.
func (b *Bot) fail(ctx context.Context, to replyTo, what string, err error) {
	if err == nil {
		return
	}
	code := okr.ErrorCode(err)
	if code == okr.EINTERNAL {
		b.log.Error("request failed", slog.String("request", what), slog.String("user", to.UserID), slog.Any("err", err))
	} else {
		b.log.Info("request refused", slog.String("request", what), slog.String("user", to.UserID), slog.String("code", code))
	}
	text := failureText(err)
	if err := b.send(ctx, to, say(text)); err != nil {
		b.log.Error("could not tell the person about a failure", slog.String("request", what), slog.Any("err", err))
	}
}

// failureText is how an error reads to a person.
func failureText(err error) string {
	prefix := ":warning: "
	if okr.ErrorCode(err) == okr.EFORBIDDEN {
		prefix = ":no_entry: "
	}
	return prefix + okr.ErrorMessage(err)
}

// ephemeral is a slash-command ack payload carrying an answer: cheap
// answers go straight back in the ack (docs/slack-platform.md, "Ack").
func ephemeral(msg message) map[string]any {
	payload := map[string]any{"response_type": "ephemeral", "text": msg.Text}
	if len(msg.Blocks) > 0 {
		payload["blocks"] = msg.Blocks
	}
	return payload
}
