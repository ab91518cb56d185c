package slackfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Call is one Web API request as the emulator saw and answered it.
type Call struct {
	Method string
	// Params holds the decoded arguments, whether they came as a form, a query
	// string or a JSON body. JSON-valued arguments (blocks, attachments, view,
	// files) are decoded into maps and slices. The token is never included.
	Params   map[string]any
	Status   int    // HTTP status
	OK       bool   // the "ok" field of the answer
	Error    string // the "error" field when OK is false
	Injected bool   // the answer came from SetFault
	At       time.Time
	Duration time.Duration
}

// Ack is one acknowledgement the app sent over a socket.
type Ack struct {
	EnvelopeID string
	Type       string // envelope type: "slash_commands", "interactive", "events_api"
	Kind       string // payload type: "slash_commands", "view_submission", "app_home_opened"…
	Latency    time.Duration
	Size       int             // bytes on the wire
	Payload    json.RawMessage // nil when the ack had none
	Connection int
	// Dropped: 20 KB or larger, ignored as Slack ignores it (docs/slack-platform.md, "Ack deadline").
	Dropped bool
	// Late: arrived after the deadline; the user already saw a timeout.
	Late bool
	// Unknown: no such envelope was ever sent.
	Unknown bool
	// OtherConnection: sent on a different socket than the envelope (accepted;
	// slack-go does this after a reconnect, docs/slack-platform.md, "slack-go runtime behaviour", item 9).
	OtherConnection bool
	At              time.Time
}

// Timeout is an envelope whose ack deadline passed.
type Timeout struct {
	EnvelopeID string
	Type       string
	Kind       string
	User       string
	Attempt    int
	// UserVisible is true for slash commands and interactions: the person saw an
	// error (operation_timeout for commands, docs/slack-platform.md, "Slash commands"). Events are retried instead.
	UserVisible bool
	At          time.Time
}

// Violation is a request or response that broke one of Slack's rules. Web API
// violations were answered with Error exactly as Slack would answer; socket and
// interaction violations are what the person would have seen go wrong.
type Violation struct {
	Method string // Web API method, or "ack", "socket", "response_url", "view_submission"…
	Error  string // Slack's error name, e.g. "invalid_blocks"
	Detail string // what exactly was wrong, e.g. the JSON pointer of the bad block
	At     time.Time
}

func (s *Server) recordViolationLocked(method, code, detail string) {
	s.violations = append(s.violations, Violation{Method: method, Error: code, Detail: detail, At: s.now()})
	s.logf("violation: %s: %s: %s", method, code, detail)
}

// Calls returns every Web API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls to one method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Acks returns every ack received so far, oldest first.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// Timeouts returns every missed ack deadline so far, oldest first.
func (s *Server) Timeouts() []Timeout {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.timeouts)
}

// Violations returns every rule the app broke so far, oldest first.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ResetRecords forgets the recorded calls, acks, timeouts and violations, for a
// benchmark or a long demo that does not want them to pile up. The workspace,
// messages and views are kept.
func (s *Server) ResetRecords() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.acks, s.timeouts, s.violations = nil, nil, nil, nil
}

// Result is what the app answered to something a person did: the ack of the
// envelope, decoded.
type Result struct {
	EnvelopeID string
	// Payload is the ack's payload as sent, nil when it had none.
	Payload json.RawMessage
	// Text, Blocks and ResponseType decode a message payload (a slash command
	// reply, docs/slack-platform.md, "Ack").
	Text         string
	Blocks       json.RawMessage
	ResponseType string
	// ResponseAction and Errors decode a view_submission answer (docs/slack-platform.md, "Ack").
	ResponseAction string
	Errors         map[string]string
	// Options holds the options of a block_suggestion answer.
	Options []Option
	// Latency is the time from writing the envelope to reading its ack.
	Latency time.Duration
	// TimedOut: no ack within Options.AckTimeout.
	TimedOut bool
}

// Option is a select-menu option.
type Option struct {
	Text  string
	Value string
	// Description is the option's second line, as a select shows it; not
	// sent when a test picks an option.
	Description string
}

func newResult(envID string, payload json.RawMessage, latency time.Duration) *Result {
	r := &Result{EnvelopeID: envID, Payload: payload, Latency: latency}
	if len(payload) == 0 {
		return r
	}
	var p struct {
		Text           string            `json:"text"`
		Blocks         json.RawMessage   `json:"blocks"`
		ResponseType   string            `json:"response_type"`
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if json.Unmarshal(payload, &p) == nil {
		r.Text, r.Blocks, r.ResponseType = p.Text, normalizePayload(p.Blocks), p.ResponseType
		r.ResponseAction, r.Errors = p.ResponseAction, p.Errors
	}
	r.Options = decodeOptions(payload)
	return r
}

// decodeOptions reads {"options":[…]} or {"option_groups":[{"options":[…]}]}.
func decodeOptions(payload json.RawMessage) []Option {
	type text struct {
		Text string `json:"text"`
	}
	type opt struct {
		Text        text   `json:"text"`
		Value       string `json:"value"`
		Description text   `json:"description"`
	}
	var p struct {
		Options      []opt `json:"options"`
		OptionGroups []struct {
			Options []opt `json:"options"`
		} `json:"option_groups"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return nil
	}
	var out []Option
	for _, o := range p.Options {
		out = append(out, Option{Text: o.Text.Text, Value: o.Value, Description: o.Description.Text})
	}
	for _, g := range p.OptionGroups {
		for _, o := range g.Options {
			out = append(out, Option{Text: o.Text.Text, Value: o.Value, Description: o.Description.Text})
		}
	}
	return out
}

// slackControl is how every control sequence Slack reads in mrkdwn begins:
// a user, a channel, a special mention or date, a link
// (docs/slack-platform.md, "mrkdwn escaping"; https://docs.slack.dev/messaging/formatting-message-text).
var slackControl = regexp.MustCompile(`^<(?:@[UW]|#C|#G|!|https?://|mailto:|tel:|slack://)`)

// UnescapedMarkup lists the mrkdwn texts the app sent (message text, and
// every mrkdwn text object in blocks and views) with a "<" that begins no
// Slack control sequence. Slack does not refuse them; it reads what
// follows as a link or drops it, so "/okr away <date>" shows a broken
// link. Apps must write "&lt;" (docs/slack-platform.md, "mrkdwn escaping").
// Tests assert this is empty.
func (s *Server) UnescapedMarkup() []string {
	var out []string
	check := func(method, text string) {
		for i := strings.IndexByte(text, '<'); i >= 0; {
			if !slackControl.MatchString(text[i:]) {
				out = append(out, fmt.Sprintf("%s: %q", method, text))
				return
			}
			j := strings.IndexByte(text[i+1:], '<')
			if j < 0 {
				return
			}
			i += 1 + j
		}
	}
	var walk func(method string, v any)
	walk = func(method string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if t, ok := x["text"].(string); ok {
					check(method, t)
				}
			}
			for _, child := range x {
				walk(method, child)
			}
		case []any:
			for _, child := range x {
				walk(method, child)
			}
		}
	}
	for _, c := range s.Calls() {
		if t, ok := c.Params["text"].(string); ok && c.Params["mrkdwn"] != false && c.Params["mrkdwn"] != "false" {
			check(c.Method, t)
		}
		for _, k := range []string{"blocks", "view", "attachments"} {
			walk(c.Method, c.Params[k])
		}
	}
	return out
}
