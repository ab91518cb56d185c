package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Render turns Block Kit blocks into readable plain text, for golden tests and
// the demo: "# Header", section text with its fields indented, "---" for
// dividers, "> " for context, buttons as [Label], selects as [Choice ▾],
// inputs as "Label: value" (or the placeholder in parentheses). Markup inside
// mrkdwn is kept as is.
func Render(blocks json.RawMessage) string {
	v, err := decodeJSON(blocks)
	if err != nil {
		return ""
	}
	r := renderer{}
	return r.blocks(v)
}

// RenderMessage renders a message: its blocks, or its text when it has none.
func RenderMessage(m Message) string {
	if len(m.Blocks) > 0 {
		return Render(m.Blocks)
	}
	return m.Text
}

// RenderView renders a view with its title, what the person entered in its
// inputs, field errors ("! …" under the field) and its buttons. A nil view
// renders as "".
func (s *Server) RenderView(v *View) string {
	if v == nil {
		return ""
	}
	s.mu.Lock()
	names := map[string]string{}
	for id, u := range s.ws.users {
		names[id] = u.Name
	}
	for id, c := range s.ws.channels {
		names[id] = c.Name
	}
	s.mu.Unlock()
	r := renderer{state: v.State, errors: v.Errors, names: names}
	var b strings.Builder
	if v.Title != "" {
		fmt.Fprintf(&b, "== %s ==\n", v.Title)
	}
	blocks, _ := decodeJSON(v.Blocks)
	b.WriteString(r.blocks(blocks))
	var buttons []string
	if v.Type == "modal" {
		closeText := v.Close
		if closeText == "" {
			closeText = "Cancel"
		}
		buttons = append(buttons, "["+closeText+"]")
		if v.Submit != "" {
			buttons = append(buttons, "["+v.Submit+"]")
		}
		b.WriteString(strings.Join(buttons, " ") + "\n")
	}
	return b.String()
}

type renderer struct {
	state  map[string]map[string]json.RawMessage
	errors map[string]string
	names  map[string]string
}

func textOf(x any) string {
	m, _ := x.(map[string]any)
	s, _ := m["text"].(string)
	return s
}

func (r renderer) blocks(v any) string {
	arr, _ := v.([]any)
	var b strings.Builder
	for _, x := range arr {
		bm, _ := x.(map[string]any)
		b.WriteString(r.block(bm))
	}
	return b.String()
}

func (r renderer) block(bm map[string]any) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	switch bm["type"] {
	case "header":
		line("# " + textOf(bm["text"]))
	case "section":
		if t := textOf(bm["text"]); t != "" {
			line(t)
		}
		fields, _ := bm["fields"].([]any)
		for _, f := range fields {
			line("  " + textOf(f))
		}
		if acc, ok := bm["accessory"].(map[string]any); ok {
			line("  " + r.element(strOr(bm["block_id"]), acc))
		}
	case "divider":
		line("---")
	case "context":
		var parts []string
		els, _ := bm["elements"].([]any)
		for _, e := range els {
			em, _ := e.(map[string]any)
			if em["type"] == "image" {
				parts = append(parts, "(image: "+strOr(em["alt_text"])+")")
			} else {
				parts = append(parts, textOf(em))
			}
		}
		line("> " + strings.Join(parts, " · "))
	case "actions":
		var parts []string
		els, _ := bm["elements"].([]any)
		for _, e := range els {
			em, _ := e.(map[string]any)
			parts = append(parts, r.element(strOr(bm["block_id"]), em))
		}
		line(strings.Join(parts, " "))
	case "input":
		label := textOf(bm["label"])
		if opt, _ := bm["optional"].(bool); opt {
			label += " (optional)"
		}
		el, _ := bm["element"].(map[string]any)
		line(label + ": " + r.inputValue(strOr(bm["block_id"]), el))
		if h := textOf(bm["hint"]); h != "" {
			line("  " + h)
		}
		if e := r.errors[strOr(bm["block_id"])]; e != "" {
			line("  ! " + e)
		}
	case "image":
		line("[image: " + strOr(bm["alt_text"]) + "]")
	case "markdown":
		line(strOr(bm["text"]))
	case "rich_text":
		line(richText(bm["elements"]))
	default:
		line("[" + strOr(bm["type"]) + "]")
	}
	return b.String()
}

func richText(x any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(x any) {
		switch v := x.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if t, ok := v["text"].(string); ok {
				b.WriteString(t)
			}
			walk(v["elements"])
		}
	}
	walk(x)
	return b.String()
}

// element renders an interactive element as it looks in a block.
func (r renderer) element(blockID string, em map[string]any) string {
	typ := strOr(em["type"])
	switch typ {
	case "button":
		return "[" + textOf(em["text"]) + "]"
	case "overflow":
		return "[…]"
	case "image":
		return "[image: " + strOr(em["alt_text"]) + "]"
	case "checkboxes", "radio_buttons":
		return r.choices(blockID, em)
	}
	v := r.stateValue(blockID, em)
	if v == "" {
		if p := textOf(em["placeholder"]); p != "" {
			v = p
		} else {
			v = typ
		}
	}
	return "[" + v + " ▾]"
}

func (r renderer) choices(blockID string, em map[string]any) string {
	chosen := map[string]bool{}
	if st := r.stateEntry(blockID, em); st != nil {
		if o, ok := st["selected_option"].(map[string]any); ok {
			chosen[strOr(o["value"])] = true
		}
		if os, ok := st["selected_options"].([]any); ok {
			for _, o := range os {
				if om, ok := o.(map[string]any); ok {
					chosen[strOr(om["value"])] = true
				}
			}
		}
	}
	var parts []string
	for _, o := range elementOptions(em) {
		mark := " "
		if chosen[strOr(o["value"])] {
			mark = "x"
		}
		if em["type"] == "radio_buttons" {
			parts = append(parts, "("+mark+") "+textOf(o["text"]))
		} else {
			parts = append(parts, "["+mark+"] "+textOf(o["text"]))
		}
	}
	return strings.Join(parts, " ")
}

// inputValue renders an input's current value, or its placeholder in parentheses.
func (r renderer) inputValue(blockID string, el map[string]any) string {
	if el == nil {
		return ""
	}
	switch el["type"] {
	case "checkboxes", "radio_buttons":
		return r.choices(blockID, el)
	}
	if v := r.stateValue(blockID, el); v != "" {
		return v
	}
	if p := textOf(el["placeholder"]); p != "" {
		return "(" + p + ")"
	}
	return "()"
}

func (r renderer) stateEntry(blockID string, el map[string]any) map[string]any {
	raw, ok := r.state[blockID][strOr(el["action_id"])]
	if !ok {
		st := initialState(el)
		return st
	}
	var st map[string]any
	_ = json.Unmarshal(raw, &st)
	return st
}

func (r renderer) stateValue(blockID string, el map[string]any) string {
	st := r.stateEntry(blockID, el)
	if st == nil {
		return ""
	}
	name := func(id string) string {
		if n, ok := r.names[id]; ok {
			return n
		}
		return id
	}
	var parts []string
	for _, k := range []string{"value", "selected_date", "selected_time", "selected_user", "selected_conversation", "selected_channel"} {
		if s, ok := st[k].(string); ok && s != "" {
			if strings.HasPrefix(k, "selected_user") {
				s = "@" + name(s)
			} else if strings.HasPrefix(k, "selected_c") {
				s = "#" + name(s)
			}
			parts = append(parts, s)
		}
	}
	if o, ok := st["selected_option"].(map[string]any); ok {
		parts = append(parts, textOf(o["text"]))
	}
	if os, ok := st["selected_options"].([]any); ok {
		for _, o := range os {
			parts = append(parts, textOf(o))
		}
	}
	for _, k := range []string{"selected_users", "selected_conversations", "selected_channels"} {
		if ids, ok := st[k].([]any); ok {
			for _, id := range ids {
				prefix := "#"
				if k == "selected_users" {
					prefix = "@"
				}
				parts = append(parts, prefix+name(fmt.Sprint(id)))
			}
		}
	}
	if n, ok := st["selected_date_time"].(float64); ok && n > 0 {
		parts = append(parts, fmt.Sprintf("%d", int64(n)))
	}
	return strings.Join(parts, ", ")
}
