package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidInput is returned (wrapped) when SubmitView is given values the Slack
// client itself would refuse to submit: a required field left empty, a text
// over max_length, a number out of range, an option that does not exist.
var ErrInvalidInput = errors.New("slackfake: invalid input")

// Inputs are what a person enters in a modal before submitting. Keys name an
// input block as "block_id/action_id", as "block_id", or by its label text.
// Values by element type:
//   - plain_text_input, email/url_text_input, number_input: string (numbers too)
//   - static_select, radio_buttons: option value or option text
//   - multi_static_select, checkboxes: []string of option values or texts
//   - external_select: Option or string value; multi_external_select: []Option or []string
//   - users_select, conversations_select, channels_select: ID; multi_*: []string
//   - datepicker "2006-01-02" or time.Time; timepicker "15:04"; datetimepicker time.Time or Unix seconds
//   - nil clears the field.
//
// Inputs that are not named keep what the person entered before, or their
// initial value, as on Slack.
type Inputs map[string]any

// findField finds the input a key of Inputs names: "block_id/action_id",
// "block_id", or the label (exact, then case-insensitive).
func findField(fields []inputField, key string) (inputField, error) {
	for _, f := range fields {
		if key == f.blockID+"/"+f.actionID {
			return f, nil
		}
	}
	for _, f := range fields {
		if key == f.blockID {
			return f, nil
		}
	}
	var byLabel []inputField
	for _, f := range fields {
		if f.label == key || strings.EqualFold(f.label, key) {
			byLabel = append(byLabel, f)
		}
	}
	switch len(byLabel) {
	case 1:
		return byLabel[0], nil
	case 0:
		var names []string
		for _, f := range fields {
			names = append(names, fmt.Sprintf("%s/%s (%q)", f.blockID, f.actionID, f.label))
		}
		return inputField{}, fmt.Errorf("%w: no input %q in the view; inputs: %s", ErrInvalidInput, key, strings.Join(names, ", "))
	}
	return inputField{}, fmt.Errorf("%w: label %q names %d inputs", ErrInvalidInput, key, len(byLabel))
}

func (s *Server) applyInputsLocked(v *viewRec, in Inputs) error {
	fields := inputsOf(v.def)
	keys := slices.Sorted(maps.Keys(in))
	for _, key := range keys {
		f, err := findField(fields, key)
		if err != nil {
			return err
		}
		entry, err := s.inputValueLocked(f, in[key])
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidInput, key, err)
		}
		if v.entered[f.blockID] == nil {
			v.entered[f.blockID] = map[string]map[string]any{}
		}
		v.entered[f.blockID][f.actionID] = entry
	}
	return nil
}

// elementOptions returns a static element's options, groups flattened.
func elementOptions(el map[string]any) []map[string]any {
	var out []map[string]any
	add := func(list any) {
		arr, _ := list.([]any)
		for _, o := range arr {
			if om, ok := o.(map[string]any); ok {
				out = append(out, om)
			}
		}
	}
	add(el["options"])
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		if gm, ok := g.(map[string]any); ok {
			add(gm["options"])
		}
	}
	return out
}

func pickOption(opts []map[string]any, want string) (map[string]any, error) {
	for _, o := range opts {
		if o["value"] == want {
			return o, nil
		}
	}
	for _, o := range opts {
		if t, _ := o["text"].(map[string]any); t != nil && t["text"] == want {
			return o, nil
		}
	}
	var have []string
	for _, o := range opts {
		have = append(have, fmt.Sprint(o["value"]))
	}
	return nil, fmt.Errorf("no option %q (options: %s)", want, strings.Join(have, ", "))
}

func stringList(val any) ([]string, error) {
	switch x := val.(type) {
	case string:
		return []string{x}, nil
	case []string:
		return x, nil
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want strings, got %T", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string or []string, got %T", val)
}

func optionObject(o Option) map[string]any {
	return map[string]any{"text": map[string]any{"type": "plain_text", "text": o.Text, "emoji": true}, "value": o.Value}
}

// inputValueLocked turns a test's value into the state entry the element would
// hold in Slack (docs/slack-platform.md, "state.values layout").
func (s *Server) inputValueLocked(f inputField, val any) (map[string]any, error) {
	typ, _ := f.element["type"].(string)
	entry := initialState(f.element)
	if val == nil {
		clear(entry)
		entry["type"] = typ
		maps.Copy(entry, emptyState(typ))
		return entry, nil
	}
	str := func() (string, error) {
		switch x := val.(type) {
		case string:
			return x, nil
		case int, int64, float64:
			return fmt.Sprint(x), nil
		}
		return "", fmt.Errorf("want a string, got %T", val)
	}
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		v, err := str()
		if err != nil {
			return nil, err
		}
		entry["value"] = v
	case "static_select", "radio_buttons":
		v, err := str()
		if err != nil {
			return nil, err
		}
		o, err := pickOption(elementOptions(f.element), v)
		if err != nil {
			return nil, err
		}
		entry["selected_option"] = o
	case "multi_static_select", "checkboxes":
		vals, err := stringList(val)
		if err != nil {
			return nil, err
		}
		sel := []any{}
		for _, v := range vals {
			o, err := pickOption(elementOptions(f.element), v)
			if err != nil {
				return nil, err
			}
			sel = append(sel, o)
		}
		entry["selected_options"] = sel
	case "external_select":
		switch x := val.(type) {
		case Option:
			entry["selected_option"] = optionObject(x)
		case string:
			entry["selected_option"] = optionObject(Option{Text: x, Value: x})
		default:
			return nil, fmt.Errorf("want an Option or string, got %T", val)
		}
	case "multi_external_select":
		sel := []any{}
		switch x := val.(type) {
		case []Option:
			for _, o := range x {
				sel = append(sel, optionObject(o))
			}
		default:
			vals, err := stringList(val)
			if err != nil {
				return nil, err
			}
			for _, v := range vals {
				sel = append(sel, optionObject(Option{Text: v, Value: v}))
			}
		}
		entry["selected_options"] = sel
	case "users_select", "multi_users_select":
		vals, err := stringList(val)
		if err != nil {
			return nil, err
		}
		for _, id := range vals {
			if u, ok := s.ws.users[id]; !ok || u.Deleted {
				return nil, fmt.Errorf("no active user %q to pick", id)
			}
		}
		if typ == "users_select" {
			if len(vals) != 1 {
				return nil, fmt.Errorf("pick one user")
			}
			entry["selected_user"] = vals[0]
		} else {
			entry["selected_users"] = vals
		}
	case "conversations_select", "multi_conversations_select", "channels_select", "multi_channels_select":
		vals, err := stringList(val)
		if err != nil {
			return nil, err
		}
		for _, id := range vals {
			c, ok := s.ws.channels[id]
			if !ok || (strings.HasPrefix(typ, "channels") || strings.HasPrefix(typ, "multi_channels")) && c.isIM {
				return nil, fmt.Errorf("no channel %q to pick", id)
			}
		}
		key := map[string]string{
			"conversations_select": "selected_conversation", "multi_conversations_select": "selected_conversations",
			"channels_select": "selected_channel", "multi_channels_select": "selected_channels",
		}[typ]
		if strings.HasPrefix(typ, "multi_") {
			entry[key] = vals
		} else {
			if len(vals) != 1 {
				return nil, fmt.Errorf("pick one conversation")
			}
			entry[key] = vals[0]
		}
	case "datepicker":
		switch x := val.(type) {
		case time.Time:
			entry["selected_date"] = x.Format("2006-01-02")
		case string:
			if _, err := time.Parse("2006-01-02", x); err != nil {
				return nil, fmt.Errorf("date %q is not YYYY-MM-DD", x)
			}
			entry["selected_date"] = x
		default:
			return nil, fmt.Errorf("want a date string or time.Time, got %T", val)
		}
	case "timepicker":
		v, err := str()
		if err != nil {
			return nil, err
		}
		if _, err := time.Parse("15:04", v); err != nil {
			return nil, fmt.Errorf("time %q is not HH:mm", v)
		}
		entry["selected_time"] = v
	case "datetimepicker":
		switch x := val.(type) {
		case time.Time:
			entry["selected_date_time"] = x.Unix()
		case int:
			entry["selected_date_time"] = int64(x)
		case int64:
			entry["selected_date_time"] = x
		default:
			return nil, fmt.Errorf("want time.Time or Unix seconds, got %T", val)
		}
	default:
		return nil, fmt.Errorf("entering values into %s elements is not emulated", typ)
	}
	return entry, nil
}

func emptyState(typ string) map[string]any {
	return initialState(map[string]any{"type": typ})
}

// checkEntriesLocked applies the checks the Slack client makes before it lets a
// person submit: required fields, plain_text_input length bounds, number_input
// format and range, email and URL format.
func (s *Server) checkEntriesLocked(v *viewRec) error {
	state := s.stateLocked(v)
	var problems []string
	for _, f := range inputsOf(v.def) {
		st, _ := state[f.blockID][f.actionID].(map[string]any)
		name := fmt.Sprintf("%s/%s (%q)", f.blockID, f.actionID, f.label)
		if !f.optional && isEmptyState(st) {
			problems = append(problems, name+": required")
			continue
		}
		val, _ := st["value"].(string)
		if val == "" {
			continue
		}
		switch f.element["type"] {
		case "plain_text_input":
			n := runes(val)
			if lo, ok := f.element["min_length"].(float64); ok && float64(n) < lo {
				problems = append(problems, fmt.Sprintf("%s: %d characters, at least %v needed", name, n, lo))
			}
			if hi, ok := f.element["max_length"].(float64); ok && float64(n) > hi {
				problems = append(problems, fmt.Sprintf("%s: %d characters, at most %v allowed", name, n, hi))
			}
		case "number_input":
			x, err := strconv.ParseFloat(val, 64)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not a number", name, val))
				continue
			}
			if dec, _ := f.element["is_decimal_allowed"].(bool); !dec && strings.ContainsAny(val, ".eE") {
				problems = append(problems, fmt.Sprintf("%s: %q is not a whole number", name, val))
			}
			if lo, err := strconv.ParseFloat(strOr(f.element["min_value"]), 64); err == nil && x < lo {
				problems = append(problems, fmt.Sprintf("%s: %v is below %v", name, x, lo))
			}
			if hi, err := strconv.ParseFloat(strOr(f.element["max_value"]), 64); err == nil && x > hi {
				problems = append(problems, fmt.Sprintf("%s: %v is above %v", name, x, hi))
			}
		case "email_text_input":
			if _, err := mail.ParseAddress(val); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not an email address", name, val))
			}
		case "url_text_input":
			if u, err := url.Parse(val); err != nil || u.Scheme == "" || u.Host == "" {
				problems = append(problems, fmt.Sprintf("%s: %q is not a URL", name, val))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidInput, strings.Join(problems, "; "))
	}
	return nil
}

// StateEmpty reports whether an input's state, as View.State holds it,
// carries no value yet (a required input Slack would refuse to submit).
func StateEmpty(raw json.RawMessage) bool {
	var st map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &st) != nil {
		return true
	}
	return isEmptyState(st)
}

func isEmptyState(st map[string]any) bool {
	for k, v := range st {
		if k == "type" || k == "timezone" {
			continue
		}
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				return false
			}
		case []any:
			if len(x) > 0 {
				return false
			}
		case []string:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
