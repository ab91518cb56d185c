package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A submission handler checks and stores what a modal submitted. It returns
// the field errors to show (the modal stays open with what was typed), or
// none with an optional follow-up to run after the ack (a confirmation).
type submitFunc func(b *Bot, ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error)

// An action handler runs after a button click's ack.
type actionFunc func(b *Bot, ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error

// A suggestion handler answers type-ahead in an external select.
type suggestFunc func(b *Bot, ctx context.Context, cb *slack.InteractionCallback) ([]*slack.OptionGroupBlockObject, error)

func (b *Bot) onInteraction(ctx context.Context, req *socketmode.Request, cb *slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		// The answer is the ack itself, so the ack waits for the work; it
		// runs in its own goroutine so the event loop never does.
		b.goWork(ctx, "submit "+cb.View.CallbackID, func(ctx context.Context) error {
			b.onSubmit(ctx, req, cb)
			return nil
		})
	case slack.InteractionTypeBlockSuggestion:
		b.goWork(ctx, "suggest "+cb.BlockID, func(ctx context.Context) error {
			b.ack(req, b.onSuggest(ctx, cb))
			return nil
		})
	case slack.InteractionTypeBlockActions:
		b.ack(req, nil)
		for i := range cb.ActionCallback.BlockActions {
			a := cb.ActionCallback.BlockActions[i]
			h := b.routes.actions[actionName(a.ActionID)]
			if h == nil {
				continue // a link button, or an input that dispatches nothing
			}
			b.goWork(ctx, "action "+a.ActionID, func(ctx context.Context) error {
				if err := h(b, ctx, cb, a); err != nil {
					b.fail(ctx, replyTo{ResponseURL: cb.ResponseURL, UserID: cb.User.ID}, "action "+a.ActionID, err)
				}
				return nil
			})
		}
	default:
		b.ack(req, nil)
	}
}

// onSubmit runs the modal's handler before the ack, because only the ack can
// show errors under the fields (docs/slack-platform.md, "Modal methods and lifecycle"); it is bounded by SubmitTimeout so the
// ack always beats Slack's 3 s. A failure that is not about a field shows
// under the first input, so nothing typed is lost.
func (b *Bot) onSubmit(ctx context.Context, req *socketmode.Request, cb *slack.InteractionCallback) {
	h := b.routes.submissions[cb.View.CallbackID]
	if h == nil {
		b.ack(req, nil)
		return
	}
	what := "submit " + cb.View.CallbackID
	sctx, cancel := context.WithTimeout(ctx, b.opts.SubmitTimeout)
	errs, after := func() (errs fieldErrors, after func(context.Context) error) {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("submission panicked", slog.String("handler", what), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
				errs, after = b.generalError(cb, okr.Errorf(okr.EINTERNAL, "panic")), nil
			}
		}()
		return h(b, sctx, cb)
	}()
	cancel()
	errs = b.plainErrors(ctx, errs.onInputs(cb.View))
	if resp := errs.response(); resp != nil {
		b.ack(req, resp)
		return
	}
	b.ack(req, nil)
	if after != nil {
		b.goWork(b.workCtx, what+" follow-up", after) // not ctx: it ends with this handler
	}
}

// generalError shows an error that is not about one field under the
// modal's first input block.
func (b *Bot) generalError(cb *slack.InteractionCallback, err error) fieldErrors {
	if okr.ErrorCode(err) == okr.EINTERNAL {
		b.log.Error("submission failed", slog.String("modal", cb.View.CallbackID), slog.String("user", cb.User.ID), slog.Any("err", err))
	}
	msg := okr.ErrorMessage(err)
	if okr.ErrorCode(err) == okr.EINTERNAL {
		msg = "Saving failed and nothing was saved; please try again. (The problem has been logged.)"
	}
	for _, blk := range cb.View.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok {
			return fieldErrors{in.BlockID: msg}
		}
	}
	return fieldErrors{"title": msg}
}

// onSuggest answers type-ahead. It runs before the ack, so it reads only
// in-memory indexes; a failure answers with no options.
func (b *Bot) onSuggest(ctx context.Context, cb *slack.InteractionCallback) any {
	h := b.routes.suggestions[cb.View.CallbackID+"/"+cb.BlockID]
	// An options list may not be empty (the emulator follows the strict
	// reading of Block Kit's limits), so "nothing matches" is one option
	// that selects nothing.
	empty := &slack.OptionsResponse{Options: []*slack.OptionBlockObject{option("No matches: try other words", noMatch, "")}}
	if h == nil {
		return empty
	}
	sctx, cancel := context.WithTimeout(ctx, b.opts.SubmitTimeout)
	defer cancel()
	groups, err := func() (groups []*slack.OptionGroupBlockObject, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return h(b, sctx, cb)
	}()
	if err != nil {
		b.log.Error("type-ahead failed", slog.String("block", cb.BlockID), slog.Any("err", err))
		return empty
	}
	var nonEmpty []*slack.OptionGroupBlockObject
	for _, g := range groups {
		if len(g.Options) > 0 {
			nonEmpty = append(nonEmpty, g)
		}
	}
	if len(nonEmpty) == 0 {
		return empty
	}
	return fitAck(&slack.OptionGroupsResponse{OptionGroups: nonEmpty})
}

// maxAckPayload keeps an ack under the 20 KB Slack drops (docs/slack-platform.md, "Ack deadline"), with room
// for the envelope ID around it.
const maxAckPayload = 19_000

// fitAck drops options from the end until the answer fits in an ack: long
// titles in scripts that take several bytes a character, or escaped by
// JSON, can push fifty options past the limit.
func fitAck(r *slack.OptionGroupsResponse) *slack.OptionGroupsResponse {
	for {
		b, err := json.Marshal(r)
		if err != nil || len(b) <= maxAckPayload {
			return r
		}
		last := r.OptionGroups[len(r.OptionGroups)-1]
		last.Options = last.Options[:len(last.Options)-1]
		if len(last.Options) == 0 {
			r.OptionGroups = r.OptionGroups[:len(r.OptionGroups)-1]
		}
		if len(r.OptionGroups) == 0 {
			return r
		}
	}
}

// actionName is the route of an action ID: what precedes "#". Slack wants
// the action IDs of one block to differ (docs/slack-platform.md, "Block Kit limits"), so
// a block with several buttons of one action numbers them ("link_suggested#2").
func actionName(id string) string {
	name, _, _ := strings.Cut(id, "#")
	return name
}

// numbered is the action ID of the n-th button of one action in a block.
func numbered(action string, n int) string {
	if n == 0 {
		return action
	}
	return action + "#" + strconv.Itoa(n+1)
}

// openModal opens a modal with the trigger of the interaction that asked
// for it. A trigger lasts 3 seconds and works once (docs/slack-platform.md,
// "Slash commands"), so a server error or a dropped connection is retried
// with backoff within that time only; a retry that finds the trigger spent
// means the try whose answer was lost opened the modal.
func (b *Bot) openModal(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	ctx, cancel := context.WithTimeout(ctx, triggerLife)
	defer cancel()
	tries, spent := 0, ""
	_, err := b.sender.attempt(ctx, call{what: "views.open", target: view.CallbackID, idempotent: true,
		do: func(ctx context.Context) (string, error) {
			tries++
			_, err := b.api.OpenViewContext(ctx, triggerID, view)
			var slackErr slack.SlackErrorResponse
			if errors.As(err, &slackErr) && (slackErr.Err == "expired_trigger_id" || slackErr.Err == "exchanged_trigger_id" ||
				slackErr.Err == "trigger_expired" || slackErr.Err == "trigger_exchanged") {
				if tries > 1 && strings.Contains(slackErr.Err, "exchanged") {
					return "", nil // the lost try opened it
				}
				spent = slackErr.Err
			}
			return "", err
		}})
	switch {
	case err == nil:
		return nil
	case spent != "" || ctx.Err() != nil && tries > 1:
		return okr.Errorf(okr.ECONFLICT, "Slack took too long to open the form; please run the command again.")
	}
	return fmt.Errorf("views.open %s: %w", view.CallbackID, err)
}

// triggerLife is how long after an interaction the bot tries to open its
// modal: Slack's 3 seconds less a margin for the envelope's way to the bot
// (docs/slack-platform.md, "Slash commands").
const triggerLife = 2500 * time.Millisecond
