package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Form building. Every input block holds one element whose action ID is
// "v", so a block ID alone names a field; keeping block and action IDs the
// same across views.update keeps what a person typed (docs/slack-platform.md, "Modal methods and lifecycle").
const inputAction = "v"

func textInput(blockID, label, placeholder, initial string, maxLen int, multiline, optional bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(nil, inputAction)
	if placeholder != "" {
		el.Placeholder = plain(trunc(placeholder, 150))
	}
	el.InitialValue = initial
	el.MaxLength = maxLen
	el.Multiline = multiline
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func staticSelect(blockID, label string, opts []*slack.OptionBlockObject, initial string, optional bool) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose…"), inputAction, opts[:min(len(opts), maxOptions)]...)
	for _, o := range opts {
		if o.Value == initial {
			el.InitialOption = o
		}
	}
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func externalSelect(blockID, label, placeholder string, initial *slack.OptionBlockObject, optional bool) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain(trunc(placeholder, 150)), inputAction)
	zero := 0 // show suggestions as soon as the menu opens
	el.MinQueryLength = &zero
	el.InitialOption = initial
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func userSelect(blockID, label, initialUser string, optional bool) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("Choose a person"), inputAction)
	el.InitialUser = initialUser
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func usersSelect(blockID, label string, initial []string, optional bool) *slack.InputBlock {
	el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, plain("Choose people"), inputAction)
	el.InitialUsers = initial
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func channelSelect(blockID, label, initial string, optional bool) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeChannels, plain("Choose a channel"), inputAction)
	el.InitialChannel = initial
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = optional
	return in
}

func checkboxes(blockID, label string, opts []*slack.OptionBlockObject, checked []string) *slack.InputBlock {
	el := slack.NewCheckboxGroupsBlockElement(inputAction, opts...)
	for _, o := range opts {
		if slices.Contains(checked, o.Value) {
			el.InitialOptions = append(el.InitialOptions, o)
		}
	}
	in := slack.NewInputBlock(blockID, plain(label), nil, el)
	in.Optional = true
	return in
}

func radioButtons(blockID, label string, opts []*slack.OptionBlockObject, initial string) *slack.InputBlock {
	el := slack.NewRadioButtonsBlockElement(inputAction, opts...)
	for _, o := range opts {
		if o.Value == initial {
			el.InitialOption = o
		}
	}
	return slack.NewInputBlock(blockID, plain(label), nil, el)
}

// modal builds a modal view within Slack's limits.
func modal(callbackID, title, submit string, meta viewMeta, blocks []slack.Block) slack.ModalViewRequest {
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackID,
		Title:           plain(trunc(title, maxViewTitle)),
		Close:           plain("Cancel"),
		Blocks:          slack.Blocks{BlockSet: blocks[:min(len(blocks), maxViewBlocks)]},
		PrivateMetadata: meta.encode(),
	}
	if submit != "" {
		v.Submit = plain(trunc(submit, maxViewTitle))
	}
	return v
}

// viewMeta is what a modal remembers between opening and submission, in
// private_metadata (at most 3000 characters).
type viewMeta struct {
	ResponseURL string  `json:"r,omitempty"` // of the command that opened it: where to confirm
	Channel     string  `json:"c,omitempty"`
	ObjectiveID int64   `json:"o,omitempty"`
	KeyResultID int64   `json:"k,omitempty"`
	CycleID     int64   `json:"y,omitempty"`
	Slots       int     `json:"s,omitempty"` // key-result slots shown
	TeamID      int64   `json:"t,omitempty"`
	IDs         []int64 `json:"ids,omitempty"`
	Home        bool    `json:"h,omitempty"` // opened from the App Home: refresh it after
}

func (m viewMeta) encode() string {
	b, err := json.Marshal(m)
	if err != nil || len(b) > maxMetadata {
		// IDs are what can grow; a modal never needs more than fit.
		m.IDs = nil
		b, _ = json.Marshal(m)
	}
	return string(b)
}

// decodeMeta reads what encode wrote. Metadata that is not JSON, or that
// would not fit in private_metadata (3000 characters, docs/slack-platform.md,
// "View object limits") again when the view is updated with it, is not this
// bot's: it reads as none, so the handler answers as for a form that names
// nothing rather than failing on views.update.
func decodeMeta(s string) viewMeta {
	var m viewMeta
	if json.Unmarshal([]byte(s), &m) != nil {
		return viewMeta{}
	}
	if b, err := json.Marshal(m); err != nil || len(b) > maxMetadata {
		return viewMeta{}
	}
	return m
}

// formState reads submitted values by block ID.
type formState map[string]map[string]slack.BlockAction

func stateOf(v slack.View) formState {
	if v.State == nil {
		return formState{}
	}
	return v.State.Values
}

func (f formState) action(blockID string) (slack.BlockAction, bool) {
	a, ok := f[blockID][inputAction]
	return a, ok
}

func (f formState) text(blockID string) string {
	a, _ := f.action(blockID)
	return strings.TrimSpace(a.Value)
}

func (f formState) selected(blockID string) string {
	a, _ := f.action(blockID)
	return a.SelectedOption.Value
}

func (f formState) user(blockID string) string {
	a, _ := f.action(blockID)
	return a.SelectedUser
}

func (f formState) users(blockID string) []string {
	a, _ := f.action(blockID)
	return a.SelectedUsers
}

func (f formState) channel(blockID string) string {
	a, _ := f.action(blockID)
	if a.SelectedChannel != "" {
		return a.SelectedChannel
	}
	return a.SelectedConversation
}

func (f formState) checked(blockID string) []string {
	a, _ := f.action(blockID)
	var out []string
	for _, o := range a.SelectedOptions {
		out = append(out, o.Value)
	}
	return out
}

// fieldErrors are errors shown under input blocks (response_action errors;
// keys must be input block IDs, docs/slack-platform.md, "Modal methods and lifecycle").
type fieldErrors map[string]string

// add records the field errors in err under block IDs: prefix + field.
// It reports false for an error that is not about fields.
func (e fieldErrors) add(prefix string, err error) bool {
	fields := okr.FieldErrors(err)
	for field, msg := range fields {
		if _, seen := e[prefix+field]; !seen {
			e[prefix+field] = msg
		}
	}
	return len(fields) > 0
}

func (e fieldErrors) set(blockID, format string, args ...any) {
	if _, seen := e[blockID]; !seen {
		e[blockID] = fmt.Sprintf(format, args...)
	}
}

// onInputs moves errors whose key is not an input block of the view onto
// its first input block: Slack shows errors only under input blocks, and a
// domain error may name a field the form does not show.
func (e fieldErrors) onInputs(v slack.View) fieldErrors {
	if len(e) == 0 {
		return e
	}
	inputs := map[string]bool{}
	first := ""
	for _, blk := range v.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok {
			inputs[in.BlockID] = true
			if first == "" {
				first = in.BlockID
			}
		}
	}
	out := fieldErrors{}
	var stray []string
	for k, msg := range e {
		if inputs[k] || first == "" {
			out[k] = msg
		} else {
			stray = append(stray, msg)
		}
	}
	if len(stray) > 0 {
		slices.Sort(stray)
		msg := strings.Join(stray, " ")
		if existing, ok := out[first]; ok {
			msg = existing + " " + msg
		}
		out[first] = trunc(msg, 2000)
	}
	return out
}

// mentionPattern finds user mentions in mrkdwn: <@U123> or <@U123|name>.
var mentionPattern = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)

// plainErrors turns messages, which are mrkdwn (see okr.Error), into the
// plain text Slack shows under a field: a mention becomes @name, escaped
// characters become themselves again, and `code` marks are dropped.
func (b *Bot) plainErrors(ctx context.Context, e fieldErrors) fieldErrors {
	for k, msg := range e {
		msg = mentionPattern.ReplaceAllStringFunc(msg, func(m string) string {
			id := mentionPattern.FindStringSubmatch(m)[1]
			if u, err := b.store.FindUserByID(ctx, id); err == nil && u.Name != "" {
				return "@" + u.Name
			}
			return "@" + id
		})
		msg = strings.NewReplacer("`", "", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(msg)
		e[k] = msg
	}
	return e
}

// response is the ack for a submission with these errors, or nil when
// there are none (which closes the modal).
func (e fieldErrors) response() *slack.ViewSubmissionResponse {
	if len(e) == 0 {
		return nil
	}
	return slack.NewErrorsViewSubmissionResponse(e)
}

// levelOptions lists the four levels for a select.
func levelOptions() []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, l := range okr.Levels {
		out = append(out, option(l.Label(), string(l), ""))
	}
	return out
}

func kindOptions() []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, k := range okr.Kinds {
		out = append(out, option(k.Label(), string(k), ""))
	}
	return out
}

func confidenceOptions() []*slack.OptionBlockObject {
	return []*slack.OptionBlockObject{
		option("🟢 On track", string(okr.OnTrack), ""),
		option("🟡 At risk", string(okr.AtRisk), ""),
		option("🔴 Off track", string(okr.OffTrack), ""),
	}
}
