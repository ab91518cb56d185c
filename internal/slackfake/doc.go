// Package slackfake is a Slack emulator: the Web API over HTTP and Socket Mode
// over WebSocket on one loopback port, with a workspace model (users with real
// IANA time zones, channels, the bot user) and the actions of the people in it
// (slash commands, button clicks, modal submissions, Home tab visits). The
// unmodified slack-go client talks to it through slack.OptionAPIURL(APIURL()).
//
// It is used by okrbot's tests, benchmarks and its demo subcommand. Production
// code never imports it.
//
// # Faithfulness
//
// The emulator enforces Slack's rules so that a test that passes against it
// passes against Slack: token types, the 3 s ack deadline, redelivery of
// unacknowledged events, 20 KB acks dropped, trigger_id lifetime and single use,
// the view stack of 3, Block Kit and view limits, response_url use limits, rate
// limit tiers with HTTP 429 and Retry-After, 10 sockets per app. Where Slack's
// documentation and observed behaviour differ, it takes the stricter reading.
// Every rule names the section of docs/slack-platform.md it comes from, by its
// heading.
// A broken rule is answered exactly as Slack answers it (an ok:false "error"
// with Slack's name, or the user-visible failure) and recorded in Violations.
//
// # Timing
//
// Acks are awaited in real time, because the app is real code: Options.AckTimeout
// (3 s) is a real-time deadline, and Options.RetryDelays and Options.PingInterval
// are real durations that tests shorten. Everything Slack measures on the wall
// clock - message timestamps, trigger_id and response_url expiry, scheduled
// messages, rate-limit windows, users' tz_offset - reads Options.Clock, so a test
// can move a fake clock instead of sleeping.
//
// # Usage
//
//	srv := slackfake.New(slackfake.Options{})
//	defer srv.Close()
//	srv.AddUser(slackfake.User{ID: "U1", Name: "ana", TZ: "Europe/Berlin"})
//	srv.AddChannel(slackfake.Channel{ID: "C1", Name: "okrs", BotMember: true})
//	api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(srv.AppToken()),
//		slack.OptionAPIURL(srv.APIURL()))
//	client := socketmode.New(api)
//	// … run the app with client, then act as a person:
//	res, err := srv.SlashCommand(ctx, "U1", "C1", "/okr", "new")
//	err = srv.WaitFor(ctx, "the modal", func() bool { return srv.TopView("U1") != nil })
//	res, err = srv.SubmitView(ctx, "U1", slackfake.Inputs{"Title": "Grow"})
//
// # Choices where Slack is vague
//
//   - Only events_api envelopes are redelivered (retry_attempt 1-3, reason
//     "http_timeout", same event_id, new envelope_id): Slack documents retries
//     for events (docs/slack-platform.md, "Ack deadline"); an unacknowledged slash command or interaction is a
//     user-visible error instead (operation_timeout, docs/slack-platform.md, "Slash commands") and is recorded in
//     Timeouts with UserVisible set.
//   - Message text over 4 000 characters is refused with msg_too_long (see
//     maxMessageText); Slack documents truncation past 40 000, but its staff
//     report the error above about 4 000.
//   - A successful bot-token call's answer carries X-OAuth-Scopes, the
//     token's scopes comma-separated, as Slack's answers do; the emulator
//     sends it on successes only.
//   - apps.connections.open is Tier 1, 1 call per minute (docs/slack-platform.md, "Per-method tiers"): a client that
//     reconnects twice within a minute gets 429 and slack-go waits out
//     Retry-After. Tests that reconnect on purpose raise
//     RateLimits.PerMinute["apps.connections.open"] or disable rate limits.
//   - An ack sent on another socket than its envelope is accepted and flagged
//     (Ack.OtherConnection): slack-go does that after a reconnect (docs/slack-platform.md, "slack-go runtime behaviour", item 9)
//     and Slack does not document it (docs/slack-platform.md, "Not confirmed").
//   - views.push with a trigger that did not come from inside the open modal
//     answers not_found; views.open replaces a modal stack already open; an
//     external_id is free again once its view is closed.
//   - response_url answers JSON: {"ok":true}, or {"ok":false} with used_url after
//     5 uses, expired_url after 30 minutes, 404 for an unknown URL.
//   - Deactivated users cannot be DMed (user_disabled), bots not at all
//     (cannot_dm_bot); chat.update, chat.delete and chat.scheduleMessage take
//     conversation IDs only, while chat.postMessage also takes a user ID (docs/slack-platform.md, "App Home").
//   - tz_label is the zone abbreviation (Go has no long zone names).
//
// # Differences from the API sketched in the issue
//
//   - New panics if it cannot listen, like httptest.NewServer, instead of
//     returning an error.
//   - AddUser, UpdateUser and AddChannel return an error (bad time zone,
//     duplicate ID).
//   - ClickButton takes a Target: a MessageRef, TopModal or HomeTab.
//   - A timed-out SlashCommand, ClickButton, SubmitView, CloseView, OpenAppHome or
//     SendEvent returns both a Result with TimedOut set and an error wrapping
//     ErrAckTimeout.
//   - WaitFor takes a context; without a deadline it gives up after 10 s.
//   - Render is a function; RenderView is a method because it shows user and
//     channel names; RenderMessage is a function.
//   - Added: DismissModal (the X of a modal), ClearFaults, ResetRecords,
//     ScheduledMessages, Files, User, BotID, ErrNoView, ErrInvalidInput,
//     ErrClosed, and Fault.Error and Fault.Drop.
//   - Added for the scheduler: conversations.replies (a thread, parent
//     first; Tier 3, the *:history scopes, members only), and two faults
//     that model what makes exactly-once delivery hard: Fault.Lost (the
//     call is done, then the connection drops before the answer) and
//     Fault.AnswerDelay (the call is done, the answer comes late).
package slackfake
