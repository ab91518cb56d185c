package slackfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// Block Kit limits (docs/slack-platform.md, "Block Kit limits") and view limits (docs/slack-platform.md, "View object limits"). Lengths are in characters.
const (
	maxMessageBlocks   = 50    // blocks per message (docs/slack-platform.md, "Block Kit limits")
	maxViewBlocks      = 100   // blocks per modal or Home tab (docs/slack-platform.md, "View object limits")
	maxTextObject      = 3000  // any text object (docs/slack-platform.md, "Block Kit limits")
	maxSectionText     = 3000  // section text (docs/slack-platform.md, "Block Kit limits")
	maxSectionFields   = 10    // section fields (docs/slack-platform.md, "Block Kit limits")
	maxFieldText       = 2000  // each section field (docs/slack-platform.md, "Block Kit limits")
	maxHeaderText      = 150   // header block (docs/slack-platform.md, "Block Kit limits")
	maxActions         = 25    // actions block elements (docs/slack-platform.md, "Block Kit limits")
	maxContext         = 10    // context block elements (docs/slack-platform.md, "Block Kit limits")
	maxID              = 255   // block_id, action_id (docs/slack-platform.md, "Block Kit limits")
	maxButtonText      = 75    // button text (docs/slack-platform.md, "Block Kit limits")
	maxButtonValue     = 2000  // button value (docs/slack-platform.md, "Block Kit limits")
	maxURL             = 3000  // button/option/image URL (docs/slack-platform.md, "Block Kit limits")
	maxPlaceholder     = 150   // placeholder (docs/slack-platform.md, "Block Kit limits")
	maxSelectOptions   = 100   // static select options or option groups (docs/slack-platform.md, "Block Kit limits")
	maxOptionText      = 75    // option text and description (docs/slack-platform.md, "Block Kit limits")
	maxOptionValue     = 150   // option value (docs/slack-platform.md, "Block Kit limits", D-OPT)
	maxGroupLabel      = 75    // option group label (docs/slack-platform.md, "Block Kit limits")
	maxOverflowOptions = 5     // overflow menu (docs/slack-platform.md, "Block Kit limits")
	maxChoiceOptions   = 10    // checkboxes, radio buttons (docs/slack-platform.md, "Block Kit limits")
	maxInputLength     = 3000  // plain_text_input min/max_length (docs/slack-platform.md, "Block Kit limits")
	maxLabel           = 2000  // input label and hint (docs/slack-platform.md, "Block Kit limits")
	maxImageAlt        = 2000  // image alt_text and title (docs/slack-platform.md, "Block Kit limits")
	maxMarkdownBlock   = 12000 // markdown block (docs/slack-platform.md, "Block Kit limits")
	maxConfirmTitle    = 100   // confirm dialog (docs/slack-platform.md, "Block Kit limits")
	maxConfirmText     = 300
	maxConfirmButton   = 30
	maxViewTitle       = 24     // view title, submit, close (docs/slack-platform.md, "View object limits")
	maxPrivateMetadata = 3000   // (docs/slack-platform.md, "View object limits")
	maxCallbackID      = 255    // (docs/slack-platform.md, "View object limits")
	maxExternalID      = 255    // (docs/slack-platform.md, "View object limits")
	maxViewBytes       = 250000 // view_too_large (docs/slack-platform.md, "View object limits"): "greater than 250kb"
	maxAttachments     = 100    // too_many_attachments (docs/slack-platform.md, "Block Kit limits")
	maxTableRows       = 100    // (docs/slack-platform.md, "Block Kit limits")
	maxTableCells      = 20     // (docs/slack-platform.md, "Block Kit limits")
)

// problem is one schema violation, reported like Slack does:
// "must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
type problem struct {
	ptr string
	msg string
}

func (p problem) String() string { return fmt.Sprintf("%s [json-pointer:%s]", p.msg, p.ptr) }

// problemStrings renders problems for the "errors" array and, with an
// "[ERROR] " prefix, for response_metadata.messages, as Slack does.
func problemStrings(ps []problem) (errs, messages []string) {
	for _, p := range ps {
		errs = append(errs, p.String())
		messages = append(messages, "[ERROR] "+p.String())
	}
	return errs, messages
}

type surface string

const (
	surfaceMessage surface = "message"
	surfaceModal   surface = "modal"
	surfaceHome    surface = "home"
)

type validator struct {
	surface  surface
	probs    []problem
	blockIDs map[string]bool
}

func newValidator(sf surface) *validator {
	return &validator{surface: sf, blockIDs: map[string]bool{}}
}

func (v *validator) add(ptr, format string, args ...any) {
	v.probs = append(v.probs, problem{ptr: ptr, msg: fmt.Sprintf(format, args...)})
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// str checks an optional or required string field and its length.
func (v *validator) str(m map[string]any, key, ptr string, required bool, max int) (string, bool) {
	raw, ok := m[key]
	p := ptr + "/" + key
	if !ok || raw == nil {
		if required {
			v.add(ptr, "missing required field: %s", key)
		}
		return "", false
	}
	s, isStr := raw.(string)
	if !isStr {
		v.add(p, "must provide a string")
		return "", false
	}
	if max > 0 && runes(s) > max {
		v.add(p, "must be less than %d characters", max+1)
	}
	return s, true
}

func (v *validator) boolean(m map[string]any, key, ptr string) {
	if raw, ok := m[key]; ok && raw != nil {
		if _, isBool := raw.(bool); !isBool {
			v.add(ptr+"/"+key, "must provide a boolean")
		}
	}
}

func (v *validator) number(m map[string]any, key, ptr string, min, max float64) (float64, bool) {
	raw, ok := m[key]
	if !ok || raw == nil {
		return 0, false
	}
	n, isNum := raw.(float64)
	if !isNum {
		v.add(ptr+"/"+key, "must provide a number")
		return 0, false
	}
	if n < min {
		v.add(ptr+"/"+key, "must be at least %v", min)
	}
	if n > max {
		v.add(ptr+"/"+key, "must be at most %v", max)
	}
	return n, true
}

func (v *validator) object(raw any, ptr string) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		v.add(ptr, "must provide an object")
	}
	return m, ok
}

// array checks an array field's presence and item count.
func (v *validator) array(m map[string]any, key, ptr string, required bool, min, max int) ([]any, bool) {
	raw, ok := m[key]
	if !ok || raw == nil {
		if required {
			v.add(ptr, "missing required field: %s", key)
		}
		return nil, false
	}
	a, isArr := raw.([]any)
	if !isArr {
		v.add(ptr+"/"+key, "must provide an array")
		return nil, false
	}
	if len(a) < min {
		v.add(ptr+"/"+key, "must provide at least %d items", min)
	}
	if max > 0 && len(a) > max {
		v.add(ptr+"/"+key, "no more than %d items allowed", max)
	}
	return a, true
}

type textRule struct {
	required  bool
	plainOnly bool
	max       int
}

// text checks a composition text object: type plain_text or mrkdwn, text 1-3000
// characters or the field's own tighter limit (docs/slack-platform.md, "Block Kit limits").
func (v *validator) text(m map[string]any, key, ptr string, r textRule) (string, bool) {
	raw, ok := m[key]
	if !ok || raw == nil {
		if r.required {
			v.add(ptr, "missing required field: %s", key)
		}
		return "", false
	}
	return v.textObject(raw, ptr+"/"+key, r)
}

func (v *validator) textObject(raw any, ptr string, r textRule) (string, bool) {
	t, ok := v.object(raw, ptr)
	if !ok {
		return "", false
	}
	typ, _ := t["type"].(string)
	switch typ {
	case "plain_text":
		v.boolean(t, "emoji", ptr)
	case "mrkdwn":
		if r.plainOnly {
			v.add(ptr+"/type", "must be plain_text")
		}
		v.boolean(t, "verbatim", ptr)
	case "":
		v.add(ptr, "missing required field: type")
	default:
		v.add(ptr+"/type", "must be one of plain_text, mrkdwn")
	}
	max := r.max
	if max == 0 || max > maxTextObject {
		max = maxTextObject
	}
	s, ok := v.str(t, "text", ptr, true, max)
	if ok && s == "" {
		v.add(ptr+"/text", "must be more than 0 characters")
	}
	return s, ok
}

var (
	reDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	reTime = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// blocks validates a whole block list on a surface, with its block count limit.
func (v *validator) blocks(raw any, ptr string, max int) {
	a, ok := raw.([]any)
	if !ok {
		v.add(ptr, "must provide an array")
		return
	}
	if len(a) > max {
		v.add(ptr, "no more than %d items allowed", max)
	}
	for i, b := range a {
		v.block(b, fmt.Sprintf("%s/%d", ptr, i))
	}
}

var (
	actionsElements = setOf("button", "static_select", "external_select", "users_select", "conversations_select",
		"channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
		"multi_conversations_select", "multi_channels_select", "overflow", "datepicker", "timepicker",
		"datetimepicker", "checkboxes", "radio_buttons", "workflow_button")
	accessoryElements = setOf("button", "static_select", "external_select", "users_select", "conversations_select",
		"channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
		"multi_conversations_select", "multi_channels_select", "overflow", "datepicker", "timepicker",
		"image", "checkboxes", "radio_buttons", "workflow_button")
	inputElements = setOf("plain_text_input", "email_text_input", "url_text_input", "number_input",
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
		"multi_channels_select", "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons",
		"rich_text_input", "file_input")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (v *validator) block(raw any, ptr string) {
	b, ok := v.object(raw, ptr)
	if !ok {
		return
	}
	if id, ok := v.str(b, "block_id", ptr, false, maxID); ok {
		if v.blockIDs[id] {
			v.add(ptr+"/block_id", "duplicate block_id %q", id)
		}
		v.blockIDs[id] = true
	}
	actionIDs := map[string]bool{}
	typ, _ := b["type"].(string)
	switch typ {
	case "section":
		hasText, hasFields := b["text"] != nil, b["fields"] != nil
		if !hasText && !hasFields {
			v.add(ptr, "must provide either text or fields")
		}
		v.text(b, "text", ptr, textRule{max: maxSectionText})
		if fields, ok := v.array(b, "fields", ptr, false, 1, maxSectionFields); ok {
			for i, f := range fields {
				v.textObject(f, fmt.Sprintf("%s/fields/%d", ptr, i), textRule{max: maxFieldText})
			}
		}
		if acc := b["accessory"]; acc != nil {
			v.element(acc, ptr+"/accessory", accessoryElements, actionIDs)
		}
		v.boolean(b, "expand", ptr)
	case "divider":
	case "header":
		v.text(b, "text", ptr, textRule{required: true, plainOnly: true, max: maxHeaderText})
	case "context":
		if els, ok := v.array(b, "elements", ptr, true, 1, maxContext); ok {
			for i, e := range els {
				p := fmt.Sprintf("%s/elements/%d", ptr, i)
				m, ok := v.object(e, p)
				if !ok {
					continue
				}
				switch m["type"] {
				case "image":
					v.image(m, p)
				case "plain_text", "mrkdwn":
					v.textObject(m, p, textRule{})
				default:
					v.add(p+"/type", "context elements must be text objects or images")
				}
			}
		}
	case "actions":
		if els, ok := v.array(b, "elements", ptr, true, 1, maxActions); ok {
			for i, e := range els {
				v.element(e, fmt.Sprintf("%s/elements/%d", ptr, i), actionsElements, actionIDs)
			}
		}
	case "input":
		v.text(b, "label", ptr, textRule{required: true, plainOnly: true, max: maxLabel})
		v.text(b, "hint", ptr, textRule{plainOnly: true, max: maxLabel})
		v.boolean(b, "optional", ptr)
		v.boolean(b, "dispatch_action", ptr)
		if el, ok := b["element"]; ok && el != nil {
			v.element(el, ptr+"/element", inputElements, actionIDs)
		} else {
			v.add(ptr, "missing required field: element")
		}
	case "image":
		v.image(b, ptr)
		v.text(b, "title", ptr, textRule{plainOnly: true, max: maxImageAlt})
	case "rich_text":
		v.array(b, "elements", ptr, true, 0, 0)
	case "markdown":
		if v.surface != surfaceMessage {
			v.add(ptr+"/type", "markdown blocks are only allowed in messages")
		}
		v.str(b, "text", ptr, true, maxMarkdownBlock)
	case "file":
		if v.surface != surfaceMessage {
			v.add(ptr+"/type", "file blocks are only allowed in messages")
		}
		v.str(b, "external_id", ptr, true, maxID)
		v.str(b, "source", ptr, true, 0)
	case "video":
		v.text(b, "title", ptr, textRule{required: true, plainOnly: true, max: 199})
		v.str(b, "video_url", ptr, true, maxURL)
		v.str(b, "thumbnail_url", ptr, true, maxURL)
		v.str(b, "alt_text", ptr, true, maxImageAlt)
		v.str(b, "author_name", ptr, false, 49)
	case "table":
		if v.surface != surfaceMessage {
			v.add(ptr+"/type", "table blocks are only allowed in messages")
		}
		if rows, ok := v.array(b, "rows", ptr, true, 1, maxTableRows); ok {
			for i, r := range rows {
				if cells, isArr := r.([]any); !isArr {
					v.add(fmt.Sprintf("%s/rows/%d", ptr, i), "must provide an array")
				} else if len(cells) > maxTableCells {
					v.add(fmt.Sprintf("%s/rows/%d", ptr, i), "no more than %d items allowed", maxTableCells)
				}
			}
		}
	case "":
		v.add(ptr, "missing required field: type")
	default:
		v.add(ptr+"/type", "unsupported block type %q", typ)
	}
}

func (v *validator) image(m map[string]any, ptr string) {
	if m["image_url"] == nil && m["slack_file"] == nil {
		v.add(ptr, "must provide either image_url or slack_file")
	}
	v.str(m, "image_url", ptr, false, maxURL)
	v.str(m, "alt_text", ptr, true, maxImageAlt)
}

func (v *validator) element(raw any, ptr string, allowed, actionIDs map[string]bool) {
	e, ok := v.object(raw, ptr)
	if !ok {
		return
	}
	typ, _ := e["type"].(string)
	if typ == "" {
		v.add(ptr, "missing required field: type")
		return
	}
	if !allowed[typ] {
		v.add(ptr+"/type", "element type %q is not allowed here", typ)
		return
	}
	if id, ok := v.str(e, "action_id", ptr, false, maxID); ok {
		if actionIDs[id] {
			v.add(ptr+"/action_id", "duplicate action_id %q in block", id)
		}
		actionIDs[id] = true
	}
	placeholder := func() {
		v.text(e, "placeholder", ptr, textRule{plainOnly: true, max: maxPlaceholder})
	}
	confirm := func() {
		if c := e["confirm"]; c != nil {
			v.confirm(c, ptr+"/confirm")
		}
	}
	switch typ {
	case "button":
		v.text(e, "text", ptr, textRule{required: true, plainOnly: true, max: maxButtonText})
		v.str(e, "value", ptr, false, maxButtonValue)
		v.str(e, "url", ptr, false, maxURL)
		v.str(e, "accessibility_label", ptr, false, maxButtonText)
		v.style(e, ptr)
		confirm()
	case "static_select", "multi_static_select":
		placeholder()
		confirm()
		opts := v.selectOptions(e, ptr)
		v.initialOptions(e, ptr, opts, typ == "multi_static_select")
		if typ == "multi_static_select" {
			v.number(e, "max_selected_items", ptr, 1, 1e9)
		}
	case "external_select", "multi_external_select":
		placeholder()
		confirm()
		v.number(e, "min_query_length", ptr, 0, 1e9)
		if o := e["initial_option"]; o != nil {
			v.option(o, ptr+"/initial_option", true, false)
		}
		if os, ok := v.array(e, "initial_options", ptr, false, 0, 0); ok {
			for i, o := range os {
				v.option(o, fmt.Sprintf("%s/initial_options/%d", ptr, i), true, false)
			}
		}
	case "users_select", "multi_users_select", "conversations_select", "multi_conversations_select",
		"channels_select", "multi_channels_select":
		placeholder()
		confirm()
	case "overflow":
		confirm()
		if opts, ok := v.array(e, "options", ptr, true, 1, maxOverflowOptions); ok {
			for i, o := range opts {
				v.option(o, fmt.Sprintf("%s/options/%d", ptr, i), true, true)
			}
		}
	case "datepicker":
		placeholder()
		confirm()
		if d, ok := v.str(e, "initial_date", ptr, false, 0); ok {
			if _, err := time.Parse("2006-01-02", d); err != nil || !reDate.MatchString(d) {
				v.add(ptr+"/initial_date", "must be a date in the format YYYY-MM-DD")
			}
		}
	case "timepicker":
		placeholder()
		confirm()
		if t, ok := v.str(e, "initial_time", ptr, false, 0); ok {
			if _, err := time.Parse("15:04", t); err != nil || !reTime.MatchString(t) {
				v.add(ptr+"/initial_time", "must be a time in the format HH:mm")
			}
		}
		if tz, ok := v.str(e, "timezone", ptr, false, 0); ok {
			if _, err := time.LoadLocation(tz); err != nil {
				v.add(ptr+"/timezone", "must be a valid IANA time zone")
			}
		}
	case "datetimepicker":
		confirm()
		v.number(e, "initial_date_time", ptr, 0, 1e12)
	case "plain_text_input":
		placeholder()
		v.boolean(e, "multiline", ptr)
		minL, hasMin := v.number(e, "min_length", ptr, 0, maxInputLength)
		maxL, hasMax := v.number(e, "max_length", ptr, 1, maxInputLength)
		if hasMin && hasMax && minL > maxL {
			v.add(ptr+"/min_length", "must be less than or equal to max_length")
		}
		if iv, ok := v.str(e, "initial_value", ptr, false, maxInputLength); ok && hasMax && float64(runes(iv)) > maxL {
			v.add(ptr+"/initial_value", "must be less than %d characters", int(maxL)+1)
		}
	case "email_text_input", "url_text_input":
		placeholder()
		v.str(e, "initial_value", ptr, false, maxInputLength)
	case "number_input":
		placeholder()
		if _, ok := e["is_decimal_allowed"].(bool); !ok {
			v.add(ptr, "missing required field: is_decimal_allowed")
		}
		var lo, hi float64
		var hasLo, hasHi bool
		for _, k := range []string{"initial_value", "min_value", "max_value"} {
			if s, ok := v.str(e, k, ptr, false, 0); ok {
				n, err := strconv.ParseFloat(s, 64)
				if err != nil {
					v.add(ptr+"/"+k, "must be a number")
					continue
				}
				switch k {
				case "min_value":
					lo, hasLo = n, true
				case "max_value":
					hi, hasHi = n, true
				}
			}
		}
		if hasLo && hasHi && lo > hi {
			v.add(ptr+"/min_value", "must be less than or equal to max_value")
		}
	case "checkboxes", "radio_buttons":
		confirm()
		opts, _ := v.array(e, "options", ptr, true, 1, maxChoiceOptions)
		var parsed []map[string]any
		for i, o := range opts {
			if m, ok := v.option(o, fmt.Sprintf("%s/options/%d", ptr, i), false, false); ok {
				parsed = append(parsed, m)
			}
		}
		v.initialOptions(e, ptr, parsed, typ == "checkboxes")
	case "image":
		v.image(e, ptr)
	case "rich_text_input":
		placeholder()
	case "file_input":
		v.number(e, "max_files", ptr, 1, 10)
	case "workflow_button":
		v.text(e, "text", ptr, textRule{required: true, plainOnly: true, max: maxButtonText})
	}
}

func (v *validator) style(m map[string]any, ptr string) {
	if s, ok := v.str(m, "style", ptr, false, 0); ok && s != "primary" && s != "danger" {
		v.add(ptr+"/style", "must be one of primary, danger")
	}
}

func (v *validator) confirm(raw any, ptr string) {
	c, ok := v.object(raw, ptr)
	if !ok {
		return
	}
	v.text(c, "title", ptr, textRule{required: true, plainOnly: true, max: maxConfirmTitle})
	v.text(c, "text", ptr, textRule{required: true, max: maxConfirmText})
	v.text(c, "confirm", ptr, textRule{required: true, plainOnly: true, max: maxConfirmButton})
	v.text(c, "deny", ptr, textRule{required: true, plainOnly: true, max: maxConfirmButton})
	v.style(c, ptr)
}

// option checks an option object (docs/slack-platform.md, "Block Kit limits", D-OPT): text ≤75, value ≤150,
// description ≤75, url ≤3000 (overflow only). Selects and overflow menus take
// plain_text only; checkboxes and radio buttons also take mrkdwn.
func (v *validator) option(raw any, ptr string, plainOnly, allowURL bool) (map[string]any, bool) {
	o, ok := v.object(raw, ptr)
	if !ok {
		return nil, false
	}
	v.text(o, "text", ptr, textRule{required: true, plainOnly: plainOnly, max: maxOptionText})
	v.str(o, "value", ptr, true, maxOptionValue)
	v.text(o, "description", ptr, textRule{plainOnly: plainOnly, max: maxOptionText})
	if allowURL {
		v.str(o, "url", ptr, false, maxURL)
	} else if o["url"] != nil {
		v.add(ptr+"/url", "url is only allowed in overflow menu options")
	}
	return o, true
}

// selectOptions checks options or option_groups (exactly one, ≤100 each) and
// returns every option.
func (v *validator) selectOptions(e map[string]any, ptr string) []map[string]any {
	// slack-go always sends "options", as null when it uses option_groups.
	hasOpts, hasGroups := e["options"] != nil, e["option_groups"] != nil
	if hasOpts == hasGroups {
		v.add(ptr, "must provide exactly one of options or option_groups")
	}
	var all []map[string]any
	if opts, ok := v.array(e, "options", ptr, false, 1, maxSelectOptions); ok {
		for i, o := range opts {
			if m, ok := v.option(o, fmt.Sprintf("%s/options/%d", ptr, i), true, false); ok {
				all = append(all, m)
			}
		}
	}
	if groups, ok := v.array(e, "option_groups", ptr, false, 1, maxSelectOptions); ok {
		for i, g := range groups {
			gp := fmt.Sprintf("%s/option_groups/%d", ptr, i)
			gm, ok := v.object(g, gp)
			if !ok {
				continue
			}
			v.text(gm, "label", gp, textRule{required: true, plainOnly: true, max: maxGroupLabel})
			if opts, ok := v.array(gm, "options", gp, true, 1, maxSelectOptions); ok {
				for j, o := range opts {
					if m, ok := v.option(o, fmt.Sprintf("%s/options/%d", gp, j), true, false); ok {
						all = append(all, m)
					}
				}
			}
		}
	}
	return all
}

// initialOptions checks that initial_option(s) are among the element's options.
func (v *validator) initialOptions(e map[string]any, ptr string, opts []map[string]any, multi bool) {
	check := func(raw any, p string) {
		o, ok := v.object(raw, p)
		if !ok {
			return
		}
		for _, cand := range opts {
			if sameOption(cand, o) {
				return
			}
		}
		v.add(p, "initial option must match one of the provided options")
	}
	if multi {
		if ios, ok := v.array(e, "initial_options", ptr, false, 0, 0); ok {
			for i, o := range ios {
				check(o, fmt.Sprintf("%s/initial_options/%d", ptr, i))
			}
		}
		return
	}
	if o, ok := e["initial_option"]; ok && o != nil {
		check(o, ptr+"/initial_option")
	}
}

func sameOption(a, b map[string]any) bool {
	if a["value"] != b["value"] {
		return false
	}
	at, _ := a["text"].(map[string]any)
	bt, _ := b["text"].(map[string]any)
	return at != nil && bt != nil && at["text"] == bt["text"]
}

// validateMessageBlocks checks a message's blocks (≤50, docs/slack-platform.md, "Block Kit limits").
func validateMessageBlocks(blocks any) []problem {
	v := newValidator(surfaceMessage)
	v.blocks(blocks, "/blocks", maxMessageBlocks)
	return v.probs
}

// validateView checks a view object (docs/slack-platform.md, "View object limits"): type, title/submit/close ≤24,
// submit required with inputs, ≤100 blocks, private_metadata ≤3000,
// callback_id and external_id ≤255, unique block IDs.
func validateView(view map[string]any) []problem {
	typ, _ := view["type"].(string)
	sf := surfaceModal
	if typ == "home" {
		sf = surfaceHome
	}
	v := newValidator(sf)
	const ptr = "/view"
	switch typ {
	case "modal":
		v.text(view, "title", ptr, textRule{required: true, plainOnly: true, max: maxViewTitle})
		v.text(view, "submit", ptr, textRule{plainOnly: true, max: maxViewTitle})
		v.text(view, "close", ptr, textRule{plainOnly: true, max: maxViewTitle})
	case "home":
		for _, k := range []string{"submit", "close"} {
			if x, ok := view[k]; ok && x != nil {
				v.add(ptr+"/"+k, "%s is not allowed in home views", k)
			}
		}
	case "":
		v.add(ptr, "missing required field: type")
	default:
		v.add(ptr+"/type", "must be one of modal, home")
	}
	if raw, ok := view["blocks"]; ok {
		v.blocks(raw, ptr+"/blocks", maxViewBlocks)
	} else {
		v.add(ptr, "missing required field: blocks")
	}
	v.str(view, "private_metadata", ptr, false, maxPrivateMetadata)
	v.str(view, "callback_id", ptr, false, maxCallbackID)
	v.str(view, "external_id", ptr, false, maxExternalID)
	v.boolean(view, "notify_on_close", ptr)
	v.boolean(view, "clear_on_close", ptr)
	if typ == "modal" && hasInputBlock(view["blocks"]) {
		if s, ok := view["submit"]; !ok || s == nil {
			v.add(ptr, "must provide submit when the view contains input blocks")
		}
	}
	return v.probs
}

func hasInputBlock(blocks any) bool {
	a, _ := blocks.([]any)
	for _, b := range a {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}

// decodeJSON decodes raw JSON into generic values.
func decodeJSON(raw []byte) (any, error) {
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}
