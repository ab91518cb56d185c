package slackfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"
)

// View is a modal or Home tab as it currently stands for a person.
type View struct {
	ID              string // "V…"
	Type            string // "modal" or "home"
	User            string
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string // changes on every update (docs/slack-platform.md, "Modal methods and lifecycle")
	RootViewID      string
	PreviousViewID  string
	Title           string
	Submit          string // "" when the view has no submit button
	Close           string
	NotifyOnClose   bool
	ClearOnClose    bool
	// Blocks are the view's blocks, with the block_id and action_id Slack assigns
	// to blocks and elements that came without one.
	Blocks json.RawMessage
	// State is view.state.values: block_id → action_id → value object, including
	// what the person typed so far and initial values (docs/slack-platform.md, "state.values layout").
	State map[string]map[string]json.RawMessage
	// Errors are the field errors shown by the last response_action "errors",
	// keyed by input block_id.
	Errors map[string]string
}

type viewState struct {
	byID     map[string]*viewRec
	stacks   map[string][]*viewRec // user → open modals, root first
	home     map[string]*viewRec   // user → published Home tab
	external map[string]*viewRec   // external_id → view
}

func (vs *viewState) init() {
	vs.byID = make(map[string]*viewRec)
	vs.stacks = make(map[string][]*viewRec)
	vs.home = make(map[string]*viewRec)
	vs.external = make(map[string]*viewRec)
}

type viewRec struct {
	id, user, typ      string
	rootID, previousID string
	def                map[string]any // definition, IDs filled in
	hash               string
	// entered holds what the person typed or picked: block → action → value object.
	// It survives updates while block_id, action_id and element type stay, as on
	// Slack (docs/slack-platform.md, "Modal methods and lifecycle").
	entered map[string]map[string]map[string]any
	errors  map[string]string
	closed  bool
}

// TopView returns the user's top modal, or nil when none is open.
func (s *Server) TopView(userID string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.topModalLocked(userID)
	if v == nil {
		return nil
	}
	out := s.viewSnapshotLocked(v)
	return &out
}

// ViewStack returns the user's open modals, root first.
func (s *Server) ViewStack(userID string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, v := range s.views.stacks[userID] {
		out = append(out, s.viewSnapshotLocked(v))
	}
	return out
}

// HomeView returns the user's published Home tab, or nil.
func (s *Server) HomeView(userID string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.views.home[userID]
	if v == nil {
		return nil
	}
	out := s.viewSnapshotLocked(v)
	return &out
}

func (s *Server) topModalLocked(userID string) *viewRec {
	st := s.views.stacks[userID]
	if len(st) == 0 {
		return nil
	}
	return st[len(st)-1]
}

func (s *Server) viewSnapshotLocked(v *viewRec) View {
	str := func(k string) string { x, _ := v.def[k].(string); return x }
	txt := func(k string) string {
		m, _ := v.def[k].(map[string]any)
		x, _ := m["text"].(string)
		return x
	}
	b, _ := json.Marshal(v.def["blocks"])
	state := map[string]map[string]json.RawMessage{}
	for bid, acts := range s.stateLocked(v) {
		state[bid] = map[string]json.RawMessage{}
		for aid, val := range acts {
			raw, _ := json.Marshal(val)
			state[bid][aid] = raw
		}
	}
	notify, _ := v.def["notify_on_close"].(bool)
	clear, _ := v.def["clear_on_close"].(bool)
	return View{
		ID: v.id, Type: v.typ, User: v.user, CallbackID: str("callback_id"), PrivateMetadata: str("private_metadata"),
		ExternalID: str("external_id"), Hash: v.hash, RootViewID: v.rootID, PreviousViewID: v.previousID,
		Title: txt("title"), Submit: txt("submit"), Close: txt("close"), NotifyOnClose: notify, ClearOnClose: clear,
		Blocks: b, State: state, Errors: maps.Clone(v.errors),
	}
}

// viewJSONLocked is the view object Slack returns from views.* and puts in
// interaction payloads; withState includes state.values (payloads do, views.open
// answers carry an empty state).
func (s *Server) viewJSONLocked(v *viewRec, withState bool) map[string]any {
	out := map[string]any{
		"id":                    v.id,
		"team_id":               s.teamID,
		"type":                  v.typ,
		"blocks":                v.def["blocks"],
		"private_metadata":      strOr(v.def["private_metadata"]),
		"callback_id":           strOr(v.def["callback_id"]),
		"external_id":           strOr(v.def["external_id"]),
		"hash":                  v.hash,
		"clear_on_close":        v.def["clear_on_close"] == true,
		"notify_on_close":       v.def["notify_on_close"] == true,
		"root_view_id":          v.rootID,
		"previous_view_id":      nil,
		"app_id":                s.appID,
		"app_installed_team_id": s.teamID,
		"bot_id":                s.botID,
		"state":                 map[string]any{"values": map[string]any{}},
	}
	for _, k := range []string{"title", "submit", "close"} {
		out[k] = v.def[k]
	}
	if v.previousID != "" {
		out["previous_view_id"] = v.previousID
	}
	if withState {
		out["state"] = map[string]any{"values": s.stateLocked(v)}
	}
	return out
}

func strOr(x any) string { s, _ := x.(string); return s }

// stateLocked builds view.state.values for every input block: what the person
// entered, else the element's initial value, else an empty value (docs/slack-platform.md, "state.values layout").
func (s *Server) stateLocked(v *viewRec) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, in := range inputsOf(v.def) {
		val := initialState(in.element)
		if e, ok := v.entered[in.blockID][in.actionID]; ok && e["type"] == in.element["type"] {
			val = e
		}
		if out[in.blockID] == nil {
			out[in.blockID] = map[string]any{}
		}
		out[in.blockID][in.actionID] = val
	}
	return out
}

type inputField struct {
	blockID, actionID string
	label             string
	optional          bool
	element           map[string]any
}

func inputsOf(def map[string]any) []inputField {
	var out []inputField
	blocks, _ := def["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if bm["type"] != "input" {
			continue
		}
		el, _ := bm["element"].(map[string]any)
		if el == nil {
			continue
		}
		label, _ := bm["label"].(map[string]any)
		lt, _ := label["text"].(string)
		opt, _ := bm["optional"].(bool)
		out = append(out, inputField{blockID: strOr(bm["block_id"]), actionID: strOr(el["action_id"]), label: lt, optional: opt, element: el})
	}
	return out
}

// initialState is the state value of an untouched element.
func initialState(el map[string]any) map[string]any {
	typ, _ := el["type"].(string)
	st := map[string]any{"type": typ}
	orNil := func(k string) any {
		if x, ok := el[k]; ok {
			return x
		}
		return nil
	}
	orEmpty := func(k string) any {
		if x, ok := el[k]; ok && x != nil {
			return x
		}
		return []any{}
	}
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		st["value"] = orNil("initial_value")
	case "static_select", "external_select", "radio_buttons":
		st["selected_option"] = orNil("initial_option")
	case "multi_static_select", "multi_external_select", "checkboxes":
		st["selected_options"] = orEmpty("initial_options")
	case "users_select":
		st["selected_user"] = orNil("initial_user")
	case "multi_users_select":
		st["selected_users"] = orEmpty("initial_users")
	case "conversations_select":
		st["selected_conversation"] = orNil("initial_conversation")
	case "multi_conversations_select":
		st["selected_conversations"] = orEmpty("initial_conversations")
	case "channels_select":
		st["selected_channel"] = orNil("initial_channel")
	case "multi_channels_select":
		st["selected_channels"] = orEmpty("initial_channels")
	case "datepicker":
		st["selected_date"] = orNil("initial_date")
	case "timepicker":
		st["selected_time"] = orNil("initial_time")
		if tz, ok := el["timezone"]; ok {
			st["timezone"] = tz
		}
	case "datetimepicker":
		st["selected_date_time"] = orNil("initial_date_time")
	case "rich_text_input":
		st["rich_text_value"] = orNil("initial_value")
	case "file_input":
		st["files"] = []any{}
	}
	return st
}

// fillIDsLocked gives every block and element without an ID one, as Slack does,
// and returns the blocks as JSON.
func (s *Server) fillIDsLocked(blocks any) json.RawMessage {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		bm, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if _, has := bm["block_id"]; !has {
			bm["block_id"] = s.randAlnum(5)
		}
		fill := func(e any) {
			if em, ok := e.(map[string]any); ok {
				if _, has := em["action_id"]; !has && em["type"] != "image" && em["type"] != "plain_text" && em["type"] != "mrkdwn" {
					em["action_id"] = s.randAlnum(5)
				}
			}
		}
		switch bm["type"] {
		case "actions":
			els, _ := bm["elements"].([]any)
			for _, e := range els {
				fill(e)
			}
		case "section":
			if acc, ok := bm["accessory"]; ok {
				fill(acc)
			}
		case "input":
			fill(bm["element"])
		}
	}
	raw, _ := json.Marshal(arr)
	return raw
}

var reTrigger = regexp.MustCompile(`^\d+\.\d+\.[0-9a-f]+$`)

// trigger is a trigger_id: usable once within TriggerTTL (docs/slack-platform.md, "Slash commands"). viewRoot is set
// when it came from inside a modal, which views.push requires (docs/slack-platform.md, "Modal methods and lifecycle").
type trigger struct {
	id       string
	user     string
	issued   time.Time
	used     bool
	viewRoot string
}

func (s *Server) newTriggerLocked(user, viewRoot string) string {
	s.sweepLocked()
	id := fmt.Sprintf("%d.%d.%s", 1000000+s.rng.IntN(9000000), 1000000000000+s.rng.Int64N(9000000000000), s.randHex(32))
	s.ws.triggers[id] = &trigger{id: id, user: user, issued: s.now(), viewRoot: viewRoot}
	return id
}

// sweepLocked forgets trigger_ids and response_urls long past their lifetime,
// every so often, so that long runs do not grow without limit. Until then they
// answer expired_trigger_id and expired_url as on Slack.
func (s *Server) sweepLocked() {
	s.ws.sweepCount++
	if s.ws.sweepCount%1024 != 0 {
		return
	}
	now := s.now()
	for id, t := range s.ws.triggers {
		if now.Sub(t.issued) > time.Hour+s.opts.TriggerTTL {
			delete(s.ws.triggers, id)
		}
	}
	for id, ru := range s.ws.respURLs {
		if now.Sub(ru.created) > 2*responseURLTTL {
			delete(s.ws.respURLs, id)
		}
	}
}

// exchangeTriggerLocked spends a trigger_id. Slack's views.* references name the
// errors invalid_trigger_id, exchanged_trigger_id and expired_trigger_id (docs/slack-platform.md, "Slash commands").
func (s *Server) exchangeTriggerLocked(id string) (*trigger, *apiError) {
	t := s.ws.triggers[id]
	if !reTrigger.MatchString(id) || t == nil {
		return nil, &apiError{code: "invalid_trigger_id", detail: fmt.Sprintf("trigger_id %q was never issued", id)}
	}
	if t.used {
		return nil, &apiError{code: "exchanged_trigger_id", detail: fmt.Sprintf("trigger_id %s was already used", id)}
	}
	if age := s.now().Sub(t.issued); age > s.opts.TriggerTTL {
		return nil, &apiError{code: "expired_trigger_id", detail: fmt.Sprintf("trigger_id %s used %s after it was issued; it lasts %s", id, age, s.opts.TriggerTTL)}
	}
	t.used = true
	return t, nil
}

// parseViewArg reads and checks the "view" argument: ≤250 kB (view_too_large),
// then the view schema (invalid_arguments with Slack-style messages, docs/slack-platform.md, "View object limits").
func (s *Server) parseViewArg(p params, wantType string) (map[string]any, *apiError) {
	raw, has, err := p.jsonArg("view")
	if err != nil || !has {
		return nil, &apiError{code: "invalid_arguments", detail: "missing required field: view",
			problems: []problem{{ptr: "/view", msg: "missing required field: view"}}}
	}
	if len(raw) > maxViewBytes {
		return nil, &apiError{code: "view_too_large", detail: fmt.Sprintf("view is %d bytes; Slack allows %d", len(raw), maxViewBytes)}
	}
	var def map[string]any
	if err := json.Unmarshal(raw, &def); err != nil {
		return nil, &apiError{code: "invalid_arguments", detail: "view is not a JSON object"}
	}
	if probs := validateView(def); len(probs) > 0 {
		return nil, failProblems("invalid_arguments", probs).err
	}
	if typ, _ := def["type"].(string); typ != wantType {
		return nil, &apiError{code: "invalid_arguments", detail: fmt.Sprintf("view type %q; this method needs %q", typ, wantType),
			problems: []problem{{ptr: "/view/type", msg: "must be " + wantType}}}
	}
	def["blocks"] = jsonAny(s.fillIDsLocked(def["blocks"]))
	return def, nil
}

func jsonAny(raw json.RawMessage) any {
	v, _ := decodeJSON(raw)
	return v
}

func (s *Server) checkExternalIDLocked(def map[string]any, self *viewRec) *apiError {
	ext := strOr(def["external_id"])
	if ext == "" {
		return nil
	}
	if other := s.views.external[ext]; other != nil && other != self && !other.closed {
		return &apiError{code: "duplicate_external_id", detail: fmt.Sprintf("external_id %q is used by view %s", ext, other.id)}
	}
	return nil
}

func (s *Server) newViewLocked(user, typ string, def map[string]any) *viewRec {
	v := &viewRec{id: "V" + s.randID(10), user: user, typ: typ, def: def, hash: s.newHashLocked(),
		entered: map[string]map[string]map[string]any{}}
	v.rootID = v.id
	s.views.byID[v.id] = v
	if ext := strOr(def["external_id"]); ext != "" {
		s.views.external[ext] = v
	}
	return v
}

func (s *Server) newHashLocked() string {
	return fmt.Sprintf("%d.%s", s.now().Unix(), s.randHex(8))
}

func (s *Server) closeViewsLocked(views ...*viewRec) {
	for _, v := range views {
		v.closed = true
		if ext := strOr(v.def["external_id"]); ext != "" && s.views.external[ext] == v {
			delete(s.views.external, ext)
		}
	}
}

func (s *Server) apiViewsOpen(r *apiReq) apiResult {
	t, e := s.exchangeTriggerLocked(r.p.str("trigger_id"))
	if e != nil {
		return apiResult{err: e}
	}
	def, e := s.parseViewArg(r.p, "modal")
	if e != nil {
		return apiResult{err: e}
	}
	if e := s.checkExternalIDLocked(def, nil); e != nil {
		return apiResult{err: e}
	}
	// A new modal replaces whatever stack the person had open.
	s.closeViewsLocked(s.views.stacks[t.user]...)
	v := s.newViewLocked(t.user, "modal", def)
	s.views.stacks[t.user] = []*viewRec{v}
	return ok(map[string]any{"view": s.viewJSONLocked(v, false)})
}

func (s *Server) apiViewsPush(r *apiReq) apiResult {
	t, e := s.exchangeTriggerLocked(r.p.str("trigger_id"))
	if e != nil {
		return apiResult{err: e}
	}
	stack := s.views.stacks[t.user]
	if t.viewRoot == "" || len(stack) == 0 || stack[0].id != t.viewRoot {
		// views.push needs a trigger from an interaction inside the open modal
		// (docs/slack-platform.md, "Modal methods and lifecycle"). Slack's exact answer otherwise is undocumented; not_found is
		// its error for "the view to push onto does not exist".
		return fail("not_found", "trigger %s did not come from inside an open modal of %s", t.id, t.user)
	}
	if len(stack) >= maxViewStack {
		return fail("push_limit_reached", "the view stack already holds %d views", len(stack))
	}
	def, e := s.parseViewArg(r.p, "modal")
	if e != nil {
		return apiResult{err: e}
	}
	if e := s.checkExternalIDLocked(def, nil); e != nil {
		return apiResult{err: e}
	}
	v := s.pushViewLocked(t.user, def)
	return ok(map[string]any{"view": s.viewJSONLocked(v, false)})
}

func (s *Server) pushViewLocked(user string, def map[string]any) *viewRec {
	stack := s.views.stacks[user]
	v := s.newViewLocked(user, "modal", def)
	v.rootID = stack[0].id
	v.previousID = stack[len(stack)-1].id
	s.views.stacks[user] = append(stack, v)
	return v
}

func (s *Server) apiViewsUpdate(r *apiReq) apiResult {
	var v *viewRec
	switch {
	case r.p.str("view_id") != "":
		v = s.views.byID[r.p.str("view_id")]
	case r.p.str("external_id") != "":
		v = s.views.external[r.p.str("external_id")]
	default:
		return fail("invalid_arguments", "either view_id or external_id is required")
	}
	if v == nil || v.closed {
		return fail("not_found", "no open view %q%q", r.p.str("view_id"), r.p.str("external_id"))
	}
	if h := r.p.str("hash"); h != "" && h != v.hash {
		return fail("hash_conflict", "hash %s is stale; the view's hash is %s", h, v.hash)
	}
	def, e := s.parseViewArg(r.p, v.typ)
	if e != nil {
		return apiResult{err: e}
	}
	if e := s.checkExternalIDLocked(def, v); e != nil {
		return apiResult{err: e}
	}
	s.replaceViewLocked(v, def)
	return ok(map[string]any{"view": s.viewJSONLocked(v, false)})
}

func (s *Server) replaceViewLocked(v *viewRec, def map[string]any) {
	if old := strOr(v.def["external_id"]); old != "" && s.views.external[old] == v {
		delete(s.views.external, old)
	}
	v.def = def
	v.hash = s.newHashLocked()
	v.errors = nil
	if ext := strOr(def["external_id"]); ext != "" {
		s.views.external[ext] = v
	}
}

func (s *Server) apiViewsPublish(r *apiReq) apiResult {
	userID := r.p.str("user_id")
	u, known := s.ws.users[userID]
	if !known || u.IsBot || u.ID == slackbotID {
		return apiResult{err: &apiError{code: "invalid_arguments", detail: fmt.Sprintf("invalid user_id %q", userID),
			problems: []problem{{ptr: "/user_id", msg: "invalid `user_id`"}}}}
	}
	cur := s.views.home[userID]
	if h := r.p.str("hash"); h != "" && cur != nil && h != cur.hash {
		return fail("hash_conflict", "hash %s is stale; the Home tab's hash is %s", h, cur.hash)
	}
	def, e := s.parseViewArg(r.p, "home")
	if e != nil {
		return apiResult{err: e}
	}
	if e := s.checkExternalIDLocked(def, cur); e != nil {
		return apiResult{err: e}
	}
	if cur == nil {
		cur = s.newViewLocked(userID, "home", def)
		s.views.home[userID] = cur
	} else {
		s.replaceViewLocked(cur, def)
	}
	return ok(map[string]any{"view": s.viewJSONLocked(cur, false)})
}

// applySubmissionAckLocked carries out a view_submission answer (docs/slack-platform.md, "Ack", "Modal methods and lifecycle"):
// no response_action closes the submitted view, "errors" keeps it and shows the
// messages under input blocks, "update" replaces it, "push" adds a view (stack
// of 3 at most), "clear" closes the whole stack. Mistakes Slack would show as a
// generic error are recorded as violations and leave the view as it was.
func (s *Server) applySubmissionAckLocked(v *viewRec, payload json.RawMessage) {
	const method = "view_submission"
	if v.closed {
		return
	}
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &resp); err != nil {
			s.recordViolationLocked(method, "invalid_response", "the ack payload is not a JSON object")
			return
		}
	}
	stack := s.views.stacks[v.user]
	switch resp.ResponseAction {
	case "":
		s.popViewLocked(v)
	case "errors":
		inputs := map[string]bool{}
		for _, in := range inputsOf(v.def) {
			inputs[in.blockID] = true
		}
		var bad []string
		for k := range resp.Errors {
			if !inputs[k] {
				bad = append(bad, k)
			}
		}
		if len(bad) > 0 || len(resp.Errors) == 0 {
			slices.Sort(bad)
			// Keys that are not input block IDs make Slack show a generic "trouble
			// connecting" error instead (docs/slack-platform.md, "Modal methods and lifecycle", GH slack-go/slack#1013).
			s.recordViolationLocked(method, "invalid_errors",
				fmt.Sprintf("response_action errors keys %q are not block_ids of input blocks in view %s", bad, v.id))
			return
		}
		v.errors = maps.Clone(resp.Errors)
	case "update", "push":
		var def map[string]any
		if err := json.Unmarshal(resp.View, &def); err != nil || def == nil {
			s.recordViolationLocked(method, "invalid_arguments", "response_action "+resp.ResponseAction+" without a view object")
			return
		}
		if len(resp.View) > maxViewBytes {
			s.recordViolationLocked(method, "view_too_large", fmt.Sprintf("view is %d bytes", len(resp.View)))
			return
		}
		if probs := validateView(def); len(probs) > 0 {
			s.recordViolationLocked(method, "invalid_arguments", failProblems("invalid_arguments", probs).err.detail)
			return
		}
		if def["type"] != "modal" {
			s.recordViolationLocked(method, "invalid_arguments", "response_action views must be modals")
			return
		}
		def["blocks"] = jsonAny(s.fillIDsLocked(def["blocks"]))
		if resp.ResponseAction == "update" {
			if e := s.checkExternalIDLocked(def, v); e != nil {
				s.recordViolationLocked(method, e.code, e.detail)
				return
			}
			s.replaceViewLocked(v, def)
			return
		}
		if len(stack) >= maxViewStack {
			s.recordViolationLocked(method, "push_limit_reached", fmt.Sprintf("the view stack already holds %d views", len(stack)))
			return
		}
		if e := s.checkExternalIDLocked(def, nil); e != nil {
			s.recordViolationLocked(method, e.code, e.detail)
			return
		}
		s.pushViewLocked(v.user, def)
	case "clear":
		s.closeViewsLocked(stack...)
		delete(s.views.stacks, v.user)
	default:
		s.recordViolationLocked(method, "invalid_response_action", fmt.Sprintf("unknown response_action %q", resp.ResponseAction))
	}
}

// popViewLocked closes v and every view above it.
func (s *Server) popViewLocked(v *viewRec) {
	stack := s.views.stacks[v.user]
	for i, x := range stack {
		if x == v {
			s.closeViewsLocked(stack[i:]...)
			stack = stack[:i]
			break
		}
	}
	if len(stack) == 0 {
		delete(s.views.stacks, v.user)
	} else {
		s.views.stacks[v.user] = stack
	}
}
