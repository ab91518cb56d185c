package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type tokenKind int

const (
	needBotToken tokenKind = iota
	needAppToken
)

// methodSpec describes one Web API method: which token it takes and its handler.
// Handlers run with s.mu held and must not block.
type methodSpec struct {
	token tokenKind
	fn    func(s *Server, r *apiReq) apiResult
}

func methodTable() map[string]*methodSpec {
	bot := func(fn func(*Server, *apiReq) apiResult) *methodSpec { return &methodSpec{fn: fn} }
	return map[string]*methodSpec{
		"apps.connections.open":        {token: needAppToken, fn: (*Server).apiConnectionsOpen},
		"auth.test":                    bot((*Server).apiAuthTest),
		"chat.postMessage":             bot((*Server).apiPostMessage),
		"chat.postEphemeral":           bot((*Server).apiPostEphemeral),
		"chat.update":                  bot((*Server).apiUpdate),
		"chat.delete":                  bot((*Server).apiDelete),
		"chat.scheduleMessage":         bot((*Server).apiScheduleMessage),
		"chat.deleteScheduledMessage":  bot((*Server).apiDeleteScheduledMessage),
		"chat.scheduledMessages.list":  bot((*Server).apiScheduledMessagesList),
		"conversations.open":           bot((*Server).apiConversationsOpen),
		"conversations.info":           bot((*Server).apiConversationsInfo),
		"conversations.history":        bot((*Server).apiConversationsHistory),
		"conversations.replies":        bot((*Server).apiConversationsReplies),
		"users.info":                   bot((*Server).apiUsersInfo),
		"users.list":                   bot((*Server).apiUsersList),
		"views.open":                   bot((*Server).apiViewsOpen),
		"views.push":                   bot((*Server).apiViewsPush),
		"views.update":                 bot((*Server).apiViewsUpdate),
		"views.publish":                bot((*Server).apiViewsPublish),
		"files.getUploadURLExternal":   bot((*Server).apiGetUploadURL),
		"files.completeUploadExternal": bot((*Server).apiCompleteUpload),
	}
}

// apiReq is a parsed Web API request.
type apiReq struct {
	method string
	p      params
}

// apiResult is a handler's answer: a body for ok:true or an error.
type apiResult struct {
	body map[string]any
	err  *apiError
}

// apiError is an ok:false answer. Every one carries a Slack error name (docs/slack-platform.md, "Minimal emulator checklist"
// item 5) and is recorded as a Violation with its detail.
type apiError struct {
	code     string
	detail   string
	problems []problem      // block/view schema problems
	extra    map[string]any // e.g. needed/provided for missing_scope
}

func ok(body map[string]any) apiResult {
	if body == nil {
		body = map[string]any{}
	}
	return apiResult{body: body}
}

func fail(code, detail string, args ...any) apiResult {
	return apiResult{err: &apiError{code: code, detail: fmt.Sprintf(detail, args...)}}
}

func failProblems(code string, probs []problem) apiResult {
	detail := ""
	for i, p := range probs {
		if i > 0 {
			detail += "; "
		}
		detail += p.String()
	}
	return apiResult{err: &apiError{code: code, detail: detail, problems: probs}}
}

// params holds arguments from a form, a query string or a JSON body. Slack takes
// both forms and JSON (docs/slack-platform.md, "What slack-go puts on the wire"); slack-go uses forms for most methods and JSON for
// views.* and apps.connections.open.
type params struct {
	form   url.Values
	json   map[string]json.RawMessage
	isJSON bool
}

func (p params) has(k string) bool {
	if p.isJSON {
		v, ok := p.json[k]
		return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
	}
	_, ok := p.form[k]
	return ok
}

// str returns an argument as a string; JSON numbers and booleans as their text.
func (p params) str(k string) string {
	if !p.isJSON {
		return p.form.Get(k)
	}
	raw, ok := p.json[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	t := string(bytes.TrimSpace(raw))
	if t == "null" {
		return ""
	}
	return t
}

func (p params) boolean(k string) bool {
	switch strings.ToLower(p.str(k)) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// jsonArg returns an argument that holds JSON (blocks, attachments, view, files):
// a JSON-encoded string in a form, or either a string or a value in a JSON body.
// ok is false when absent; err is set when present but not JSON.
func (p params) jsonArg(k string) (raw json.RawMessage, ok bool, err error) {
	var s string
	if p.isJSON {
		v, present := p.json[k]
		if !present || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return nil, false, nil
		}
		if json.Unmarshal(v, &s) != nil {
			return v, true, nil
		}
	} else {
		if _, present := p.form[k]; !present {
			return nil, false, nil
		}
		s = p.form.Get(k)
	}
	if !json.Valid([]byte(s)) {
		return nil, true, fmt.Errorf("%s is not valid JSON", k)
	}
	return json.RawMessage(s), true, nil
}

// jsonArgs are the arguments that carry JSON, decoded in Call.Params.
var jsonArgs = map[string]bool{"blocks": true, "attachments": true, "view": true, "files": true, "metadata": true, "unfurls": true}

// record returns the arguments for Call.Params, JSON-valued ones decoded.
func (p params) record() map[string]any {
	out := map[string]any{}
	decode := func(k, s string) any {
		var x any
		if jsonArgs[k] && json.Unmarshal([]byte(s), &x) == nil {
			return x
		}
		return s
	}
	if p.isJSON {
		for k, v := range p.json {
			var x any
			if json.Unmarshal(v, &x) == nil {
				if s, isStr := x.(string); isStr {
					x = decode(k, s)
				}
				out[k] = x
			}
		}
		return out
	}
	for k, vs := range p.form {
		if k == "token" || len(vs) == 0 {
			continue
		}
		out[k] = decode(k, vs[0])
	}
	return out
}

// parseRequest reads the arguments and the token. Forms may carry the token as a
// "token" field or a Bearer header; JSON bodies only as a Bearer header, which is
// Slack's rule for JSON (docs/slack-platform.md, "What slack-go puts on the wire").
func parseRequest(r *http.Request) (params, string, string) {
	var p params
	bearer := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		bearer = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if r.Method == http.MethodGet {
		p.form = r.URL.Query()
		tok := bearer
		if tok == "" {
			tok = p.form.Get("token")
		}
		return p, tok, ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return p, "", "request_timeout"
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if len(body) > 0 {
			return p, bearer, "missing_post_type"
		}
		p.form = url.Values{}
		return p, bearer, ""
	}
	mt, mparams, err := mime.ParseMediaType(ct)
	if err != nil {
		return p, bearer, "invalid_post_type"
	}
	if cs := strings.ToLower(mparams["charset"]); cs != "" && cs != "utf-8" && cs != "iso-8859-1" {
		return p, bearer, "invalid_charset"
	}
	switch mt {
	case "application/json":
		p.isJSON = true
		p.json = map[string]json.RawMessage{}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &p.json); err != nil {
				return p, bearer, "invalid_json"
			}
		}
		return p, bearer, ""
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p, bearer, "invalid_form_data"
		}
		p.form = vals
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return p, bearer, "invalid_form_data"
		}
		p.form = url.Values(r.MultipartForm.Value)
	default:
		return p, bearer, "invalid_post_type"
	}
	tok := bearer
	if tok == "" {
		tok = p.form.Get("token")
	}
	return p, tok, ""
}

// handleAPI serves https://slack.com/api/<method>.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	p, token, perr := parseRequest(r)
	call := Call{Method: method, Params: p.record()}

	// answerRaw writes an encoded body; answer encodes one first. Handler answers
	// are encoded under s.mu because they share data with the emulator's state.
	answerRaw := func(status int, raw []byte, okay bool, code string, header http.Header) {
		writeRaw(w, status, raw, header)
		s.mu.Lock()
		call.Status, call.OK, call.Error = status, okay, code
		call.At = s.now()
		call.Duration = time.Since(start)
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}
	answer := func(status int, body map[string]any, header http.Header) {
		raw, _ := json.Marshal(body)
		okay, _ := body["ok"].(bool)
		code, _ := body["error"].(string)
		answerRaw(status, raw, okay, code, header)
	}
	failWith := func(e *apiError) {
		s.mu.Lock()
		s.recordViolationLocked(method, e.code, e.detail)
		s.mu.Unlock()
		answer(http.StatusOK, errorBody(e), nil)
	}

	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		failWith(&apiError{code: "invalid_post_type", detail: "method " + r.Method})
		return
	}
	if perr != "" {
		failWith(&apiError{code: perr, detail: "Content-Type " + r.Header.Get("Content-Type")})
		return
	}
	spec := s.handlers[method]
	if spec == nil {
		e := &apiError{code: "unknown_method", detail: "the emulator does not implement " + method, extra: map[string]any{"req_method": method}}
		failWith(e)
		return
	}
	if e := s.checkToken(spec, token, p); e != nil {
		failWith(e)
		return
	}

	s.mu.Lock()
	f := s.faultLocked(method)
	s.mu.Unlock()
	if f != nil {
		if !s.sleep(r.Context(), f.Delay) {
			return
		}
		if handled := !f.Lost && s.answerFault(f, func(status int, body map[string]any, h http.Header) {
			call.Injected = true
			answer(status, body, h)
		}); handled {
			return
		}
	}

	s.mu.Lock()
	s.flushScheduledLocked()
	channel := ""
	if method == "chat.postMessage" {
		channel = s.channelKeyLocked(p.str("channel"))
	}
	if allowed, wait := s.limiter.allow(method, channel, s.now()); !allowed {
		s.mu.Unlock()
		// Over the limit: HTTP 429 with an integer Retry-After (docs/slack-platform.md, "Rate limit rules"). slack-go
		// turns it into *slack.RateLimitedError (docs/slack-platform.md, "How slack-go surfaces 429").
		h := http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds(wait))}}
		answer(http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"}, h)
		return
	}
	res := spec.fn(s, &apiReq{method: method, p: p})
	var raw []byte
	if res.err == nil {
		res.body["ok"] = true
		raw, _ = json.Marshal(res.body)
	}
	s.mu.Unlock()

	// unanswered records a call that was done but never answered.
	unanswered := func() {
		s.mu.Lock()
		call.Injected, call.At, call.Duration = true, s.now(), time.Since(start)
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}
	if f != nil && f.AnswerDelay > 0 {
		call.Injected = true
		if !s.sleep(r.Context(), f.AnswerDelay) {
			unanswered() // the app hung up (or died) before the answer
			return
		}
	}
	if f != nil && f.Lost {
		// Done, but the answer never arrives: drop the connection.
		unanswered()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	if res.err != nil {
		failWith(res.err)
		return
	}
	var header http.Header
	if spec.token != needAppToken {
		// Slack names the token's scopes on each answer, which is how an
		// app learns what it was really granted (slack-go exposes it
		// through OptionOnResponseHeaders).
		header = http.Header{"X-Oauth-Scopes": {s.scopeList()}}
	}
	answerRaw(http.StatusOK, raw, true, "", header)
}

// scopeList is the bot token's scopes as Slack's X-OAuth-Scopes header
// lists them: comma-separated.
func (s *Server) scopeList() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]string, 0, len(s.scopes))
	for sc, granted := range s.scopes {
		if granted {
			list = append(list, sc)
		}
	}
	slices.Sort(list)
	return strings.Join(list, ",")
}

// answerFault applies an injected status or error. It reports false when the
// fault was only a delay and the call should go on.
func (s *Server) answerFault(f *Fault, answer func(int, map[string]any, http.Header)) bool {
	switch {
	case f.Status == http.StatusTooManyRequests:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		answer(f.Status, map[string]any{"ok": false, "error": "ratelimited"},
			http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds(ra))}})
		return true
	case f.Status != 0:
		answer(f.Status, map[string]any{"ok": false, "error": "fatal_error"}, nil)
		return true
	case f.Error != "":
		answer(http.StatusOK, map[string]any{"ok": false, "error": f.Error}, nil)
		return true
	}
	return false
}

// checkToken applies Slack's token rules: bot token (xoxb-) for the Web API, the
// app-level token (xapp-) only as a Bearer header for apps.connections.open
// (docs/slack-platform.md, "Connection set-up", "What slack-go puts on the wire").
func (s *Server) checkToken(spec *methodSpec, token string, p params) *apiError {
	if token == "" {
		return &apiError{code: "not_authed", detail: "no token in the Authorization header or token field"}
	}
	switch spec.token {
	case needAppToken:
		if p.form.Get("token") != "" && token == p.form.Get("token") {
			return &apiError{code: "not_authed", detail: "the app-level token must be sent as a Bearer header, not a form field"}
		}
		switch {
		case token == s.appToken:
			return nil
		case token == s.botToken || strings.HasPrefix(token, "xox"):
			return &apiError{code: "not_allowed_token_type", detail: "apps.connections.open needs the app-level xapp- token"}
		}
	default:
		switch {
		case token == s.botToken:
			return nil
		case token == s.appToken || strings.HasPrefix(token, "xapp-"):
			return &apiError{code: "not_allowed_token_type", detail: "Web API methods need the bot xoxb- token, not the app-level token"}
		}
	}
	return &apiError{code: "invalid_auth", detail: "unknown token"}
}

func errorBody(e *apiError) map[string]any {
	body := map[string]any{"ok": false, "error": e.code}
	for k, v := range e.extra {
		body[k] = v
	}
	if len(e.problems) > 0 {
		errs, msgs := problemStrings(e.problems)
		if e.code == "invalid_blocks" {
			body["errors"] = errs
		}
		body["response_metadata"] = map[string]any{"messages": msgs}
	}
	return body
}

func writeJSON(w http.ResponseWriter, status int, body any, header http.Header) {
	raw, _ := json.Marshal(body)
	writeRaw(w, status, raw, header)
}

func writeRaw(w http.ResponseWriter, status int, raw []byte, header http.Header) {
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// needScope answers missing_scope (with needed/provided, as Slack does) unless the
// bot token has the scope.
func (s *Server) needScope(scope string) *apiError {
	if s.scopes[scope] {
		return nil
	}
	var have []string
	for sc := range s.scopes {
		have = append(have, sc)
	}
	slices.Sort(have)
	return &apiError{
		code:   "missing_scope",
		detail: "the bot token lacks " + scope,
		extra:  map[string]any{"needed": scope, "provided": strings.Join(have, ",")},
	}
}

func scopeFail(e *apiError) apiResult { return apiResult{err: e} }

func (s *Server) apiConnectionsOpen(*apiReq) apiResult {
	return ok(s.openConnectionLocked())
}

func (s *Server) apiAuthTest(*apiReq) apiResult {
	return ok(map[string]any{
		"url":                   fmt.Sprintf("https://%s.slack.com/", s.opts.TeamDomain),
		"team":                  s.opts.TeamName,
		"user":                  s.opts.BotName,
		"team_id":               s.teamID,
		"user_id":               s.botUserID,
		"bot_id":                s.botID,
		"is_enterprise_install": false,
	})
}
