package bot_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// hostile is what a person can type to break a Slack app: markup that
// pings (@here, @channel, a mention, as Slack sends them with
// should_escape on), a link that shows one address and goes to another,
// mrkdwn markers, text at Slack's limits, bidi overrides, zero-width and
// NUL characters, and numbers that are not numbers
// (docs/slack-platform.md, "Slash commands", "mrkdwn escaping").
var hostile = []string{
	"<!here>",
	"<!channel>",
	"<!everyone>",
	"<@UADMIN>",
	"<@UADMIN|ada>",
	"<@UADMIN><!here>", // one word that starts and ends like a mention
	"<https://evil.example|click>",
	"*bold* _it_ ~s~ `code` > quote",
	strings.Repeat("<!here>", 430)[:3000],
	"abc\u202efdp.exe",
	"ze\u200bro\u200cwi\u200dth\ufeff",
	"nul\x00byte",
	"NaN",
	"1e309",
	"-0",
	"∞",
}

// hostileAll is every hostile text at once, short enough (150 characters)
// for a title, so that one objective carries all of them into every view
// that shows it. hostileMarkup leaves out the invisible characters, for
// the case where they are refused rather than removed.
const (
	hostileMarkup = "<!here> <!channel> <!everyone> <@UADMIN> <@UADMIN|ada> <https://evil.example|click> *b* _i_ ~s~ `c` > q NaN 1e309 -0 ∞"
	hostileAll    = hostileMarkup + " \u202eRTL z\u200bw nul\x00"
)

// TestHostileInput sends the hostile texts through every text input of the
// modals (creating an objective with its key results, redrawn with another
// key-result slot, adding and editing key results and objectives, checking
// in with a note, creating a team, the settings, scoring, the type-ahead
// of the parent pickers) and as the arguments of every /okr verb, then
// shows what was stored in every list and view.
// Whatever is refused or accepted, nothing the bot sends pings anyone or
// shows a disguised link, every payload passes Slack's checks, no answer
// carries a Go error, and the bot keeps answering.
func TestHostileInput(t *testing.T) {
	if len(hostileAll) > okr.MaxTitleLength || utf8.RuneCountInString(hostileAll) > okr.MaxTitleLength {
		t.Fatalf("hostileAll is %d characters, more than a title takes", utf8.RuneCountInString(hostileAll))
	}
	h := newHarness(t)
	ctx := context.Background()
	team := h.seedTeam(&okr.Team{Name: "Platform", LeadID: lead, Members: []string{member}})
	company := h.objective(&okr.Objective{Title: "Grow revenue", Level: okr.LevelCompany, OwnerID: lead},
		metricKR("Annual recurring revenue", lead, 10, 14))
	mine := h.objective(&okr.Objective{Title: "Ship the platform", Level: okr.LevelTeam, OwnerID: lead, TeamID: team.ID},
		metricKR("Services migrated", lead, 0, 20),
		&okr.KeyResult{Title: "Launch", Kind: okr.KindMilestone, OwnerID: lead})
	krs, err := h.db.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &mine.ID})
	must(t, err)

	{ // new objective
		h.modal(lead, "new team", "okr_new")
		for _, s := range hostile {
			opts, err := h.srv.Suggest(ctx, lead, "parent", "v", s)
			if err != nil {
				t.Fatalf("parent type-ahead %q: %v", s, err)
			}
			for _, o := range opts {
				if strings.Contains(o.Value, s) {
					t.Errorf("parent type-ahead %q offers an option whose value holds it: %+v", s, o)
				}
			}
		}
		h.submitEach(lead, "new team", "okr_new")
		// The form is drawn again, with what was typed as initial values,
		// when a key-result slot is added.
		if res := h.submit(lead, h.fill(lead, hostileAll, nil)); len(res.Errors) == 0 {
			t.Fatalf("numbers made of hostile text were accepted: %+v", res)
		}
		before := h.srv.TopView(lead)
		if _, err := h.srv.ClickButton(ctx, lead, slackfake.TopModal, "kr_add_slot", ""); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the form with a third key result", func() bool {
			v := h.srv.TopView(lead)
			return v != nil && v.Hash != before.Hash && strings.Contains(string(v.Blocks), `"kr3_title"`)
		})
		h.submitValid(lead, map[string]string{"kr1_start": "0", "kr1_target": "10 leads", "kr2_start": "1%", "kr2_target": "5%",
			"kr3_start": "-0", "kr3_target": "1,000"})
		h.reply(lead, "Created")
	}
	created := h.newest()

	{ // add key result
		h.modal(lead, "kr "+created.Ref(), "okr_kr")
		h.submitEach(lead, "kr "+created.Ref(), "okr_kr")
		h.submitValid(lead, map[string]string{"start": "$1k", "target": "$5k", "weight": "2"})
		h.reply(lead, "Added")
	}

	{ // edit objective
		h.modal(lead, "edit "+mine.Ref(), "okr_edit_objective")
		h.submitEach(lead, "edit "+mine.Ref(), "okr_edit_objective")
		h.submitValid(lead, map[string]string{"weight": "1"})
		h.reply(lead, "Saved")
	}

	{ // edit key result
		h.modal(lead, "edit "+krs[0].Ref(), "okr_edit_kr")
		h.submitEach(lead, "edit "+krs[0].Ref(), "okr_edit_kr")
		h.submitValid(lead, map[string]string{"start": "0", "target": "20", "weight": "1"})
		h.reply(lead, "Updated")
	}

	{ // check-in with a note
		v := h.modal(lead, "checkin", "okr_checkin")
		h.submitEach(lead, "checkin", "okr_checkin")
		numbers := map[string]string{}
		for _, f := range textFields(t, v) {
			if strings.HasSuffix(f.blockID, "_value") {
				numbers[f.blockID] = "7"
			}
		}
		h.submitValid(lead, numbers)
		h.waitFor("the check-ins", func() bool { return h.bot.Stats().Checkins > 0 })
	}

	{ // new team
		h.modal(admin, "team new", "okr_team")
		h.submitEach(admin, "team new", "okr_team")
		h.submitValid(admin, nil)
		h.reply(admin, "Created")
	}

	{ // link type-ahead
		h.modal(lead, "link "+created.Ref(), "okr_link")
		for _, s := range hostile {
			if _, err := h.srv.Suggest(ctx, lead, "parent", "v", s); err != nil {
				t.Fatalf("link type-ahead %q: %v", s, err)
			}
		}
		_, err := h.srv.CloseView(ctx, lead)
		must(t, err)
	}

	{ // settings
		h.modal(admin, "settings", "okr_settings")
		h.submitEach(admin, "settings", "okr_settings")
		_, err := h.srv.CloseView(ctx, admin)
		must(t, err)
	}

	{ // scoring, in the cycle's last week
		c := h.cycleNamed("2026-Q4")
		h.clock.Advance(c.End.Add(-4 * 24 * time.Hour).Sub(h.clock.Now()))
		ref := h.postScoreButton(lead, c.ID)
		_, err := h.srv.ClickButton(ctx, lead, ref, "cycle_score", itoa(c.ID))
		must(t, err)
		h.scoringModal(lead)
		for _, s := range hostile {
			if res := h.submit(lead, h.fill(lead, s, nil)); res.TimedOut {
				t.Fatalf("a score of %q was not acked", s)
			} else if len(res.Errors) == 0 {
				break // "-0" is a score of 0: the objectives are scored and closed
			}
		}
		if v := h.srv.TopView(lead); v != nil {
			_, err = h.srv.CloseView(ctx, lead)
			must(t, err)
		}
	}

	{ // what was stored, shown everywhere it is shown
		for _, text := range []string{"list", "list team Platform", "list company", "show " + created.Ref(), "show " + krs[0].Ref(),
			"tree", "tree " + company.Ref(), "gaps", "team", "cycle"} {
			h.answered(lead, text)
		}
		h.openHome(lead)
	}

	{ // every verb with each hostile text as its arguments, and after its
		// subcommands, as a member and as an admin
		var texts []string
		for _, verb := range bot.Verbs() {
			for _, s := range hostile {
				texts = append(texts, verb+" "+s)
			}
		}
		for _, s := range hostile {
			texts = append(texts, "list team "+s, "link "+mine.Ref()+" to "+s, "away "+s+" friday", "help "+s, s)
		}
		for _, user := range []string{member, admin} {
			for _, text := range texts {
				h.answered(user, text)
			}
		}
		// The subcommands that change things, last: the admin's.
		for _, s := range hostile {
			h.answered(admin, "cycle start "+s)
		}
	}

	// The texts reached what the bot shows, escaped: the checks below
	// looked at them.
	if n := h.sent("&lt;!here&gt;"); n == 0 {
		t.Fatal("no message or view shows the hostile text escaped; the test reached nothing")
	}
	checkHostileOutput(t, h)
	if v := h.srv.Violations(); len(v) > 0 {
		t.Errorf("payloads Slack would refuse: %+v", v)
	}
	if m := h.srv.UnescapedMarkup(); len(m) > 0 {
		t.Errorf("mrkdwn with a bare <:\n%s", strings.Join(m, "\n"))
	}
	res := h.command(member, "help")
	if res.TimedOut || !strings.Contains(slackfake.Render(res.Blocks), "/okr new") {
		t.Fatalf("the bot no longer answers /okr help: %+v", res)
	}
}

// textField is a text input of a view.
type textField struct {
	blockID string
	maxLen  int // 0 when the input sets none
}

// textFields lists the plain-text inputs of a view.
func textFields(t testing.TB, v *slackfake.View) []textField {
	t.Helper()
	var blocks []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Element struct {
			Type      string `json:"type"`
			MaxLength int    `json:"max_length"`
		} `json:"element"`
	}
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	var out []textField
	for _, b := range blocks {
		if b.Type == "input" && b.Element.Type == "plain_text_input" {
			out = append(out, textField{b.BlockID, b.Element.MaxLength})
		}
	}
	if len(out) == 0 {
		t.Fatalf("view %s has no text input", v.CallbackID)
	}
	return out
}

// fill puts s in every text input of the person's top modal, cut to each
// input's max_length as the Slack client cuts what is pasted.
func (h *harness) fill(user, s string, except map[string]string) slackfake.Inputs {
	h.t.Helper()
	in := slackfake.Inputs{}
	for _, f := range textFields(h.t, h.srv.TopView(user)) {
		if v, ok := except[f.blockID]; ok {
			in[f.blockID] = v
			continue
		}
		v := s
		if f.maxLen > 0 && utf8.RuneCountInString(v) > f.maxLen {
			v = string([]rune(v)[:f.maxLen])
		}
		in[f.blockID] = v
	}
	return in
}

// submitEach submits the person's top modal once for each hostile text, in
// every text input at once. A submission that is accepted closes the
// modal; it is opened again with the command for the next text.
func (h *harness) submitEach(user, command, callbackID string) {
	h.t.Helper()
	for _, s := range hostile {
		if v := h.srv.TopView(user); v == nil || v.CallbackID != callbackID {
			h.modal(user, command, callbackID)
		}
		res := h.submit(user, h.fill(user, s, nil))
		if res.TimedOut {
			h.t.Fatalf("%s with %q: the submission was not acked", callbackID, s)
		}
		for block, msg := range res.Errors {
			if goError.MatchString(msg) {
				h.t.Errorf("%s with %q: the error under %s is a Go error: %q", callbackID, s, block, msg)
			}
		}
	}
	if v := h.srv.TopView(user); v == nil || v.CallbackID != callbackID {
		h.modal(user, command, callbackID)
	}
}

// submitValid submits the top modal with every hostile text at once in
// each text input but those given, and expects it to be accepted; or, if
// invisible characters are refused, the markup without them.
func (h *harness) submitValid(user string, valid map[string]string) {
	h.t.Helper()
	res := h.submit(user, h.fill(user, hostileAll, valid))
	if len(res.Errors) > 0 {
		res = h.submit(user, h.fill(user, hostileMarkup, valid))
	}
	if res.TimedOut || len(res.Errors) > 0 {
		h.t.Fatalf("a submission with hostile text but valid numbers was refused: %+v", res.Errors)
	}
}

// answered runs a command and waits until it is answered: by a message,
// an ephemeral answer or a modal.
func (h *harness) answered(user, text string) {
	h.t.Helper()
	before := h.answers(user)
	res := h.command(user, text)
	if res.TimedOut {
		h.t.Fatalf("/okr %q was not acked", text)
	}
	h.waitFor("an answer to /okr "+text, func() bool { return h.answers(user) > before })
}

func (h *harness) answers(user string) int {
	return len(h.srv.Ephemerals(user)) + len(h.srv.CallsTo("views.open")) + len(h.srv.CallsTo("chat.postMessage"))
}

// sent counts the Web API calls whose arguments hold s.
func (h *harness) sent(s string) int {
	n := 0
	for _, c := range h.srv.Calls() {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(c.Params) == nil && strings.Contains(b.String(), s) {
			n++
		}
	}
	return n
}

// newest is the objective created last.
func (h *harness) newest() *okr.Objective {
	h.t.Helper()
	found, _, err := h.db.FindObjectives(context.Background(), okr.ObjectiveFilter{})
	must(h.t, err)
	var o *okr.Objective
	for _, f := range found {
		if o == nil || f.ID > o.ID {
			o = f
		}
	}
	if o == nil {
		h.t.Fatal("no objective is stored")
	}
	return o
}

// Markup that can only have come from what was typed: the bot itself never
// writes a special mention, a link or a labelled mention
// (docs/slack-platform.md, "mrkdwn escaping").
var (
	pings         = regexp.MustCompile(`<!(here|channel|everyone)\b`)
	disguisedLink = regexp.MustCompile(`<(https?|mailto|tel|slack):`)
	typedMention  = regexp.MustCompile(`<@[UW][A-Z0-9]*\|`)
	// goError is how Go errors read: the bot shows none (STYLE: "Never
	// show err.Error() to a person"), nor the apology for one.
	goError = regexp.MustCompile(`okr error: code=|strconv\.|sql: |SQL logic|json: |runtime error|invalid syntax|%!|<nil>|context deadline|goroutine |panic:|Something went wrong`)
)

// adminMentions are the places the bot names UADMIN itself: refusals say
// who can do a thing ("Ask <@UADMIN>."), and "/okr list @ada" lists ada's
// objectives under her name.
var adminMentions = regexp.MustCompile(`Ask <@UADMIN>|Objectives of <@UADMIN>|<@UADMIN> owns no objectives`)

// checkHostileOutput reads everything the bot sent (Web API calls,
// response_url posts, acks) and reports mrkdwn that pings or links from
// typed text, and any text that reads as a Go error.
func checkHostileOutput(t *testing.T, h *harness) {
	t.Helper()
	check := func(where, text string, markup bool) {
		if markup {
			plain := adminMentions.ReplaceAllString(text, "")
			for _, re := range []*regexp.Regexp{pings, disguisedLink, typedMention} {
				if m := re.FindString(plain); m != "" {
					t.Errorf("%s: %q from typed text in %q", where, m, clip(text, 400))
				}
			}
			if strings.Contains(plain, "<@UADMIN>") {
				t.Errorf("%s: a mention of UADMIN from typed text in %q", where, clip(text, 400))
			}
		}
		if m := goError.FindString(text); m != "" {
			t.Errorf("%s: %q in %q", where, m, clip(text, 400))
		}
	}
	for _, c := range h.srv.Calls() {
		if text, ok := c.Params["text"].(string); ok {
			check(c.Method+" text", text, c.Params["mrkdwn"] != false && c.Params["mrkdwn"] != "false")
		}
		for _, k := range []string{"blocks", "view", "attachments"} {
			walkTexts(c.Params[k], func(text string, markup bool) { check(c.Method+" "+k, text, markup) })
		}
	}
	for _, a := range h.srv.Acks() {
		if len(a.Payload) == 0 {
			continue
		}
		var p any
		if err := json.Unmarshal(a.Payload, &p); err != nil {
			t.Errorf("ack of %s is not JSON: %v", a.Kind, err)
			continue
		}
		if m, ok := p.(map[string]any); ok {
			if text, ok := m["text"].(string); ok {
				check("ack of "+a.Kind, text, true)
			}
			errs, _ := m["errors"].(map[string]any)
			for _, msg := range errs {
				if s, ok := msg.(string); ok {
					check("field error in the ack of "+a.Kind, s, false)
				}
			}
		}
		walkTexts(p, func(text string, markup bool) { check("ack of "+a.Kind, text, markup) })
	}
}

// walkTexts calls fn with every text object in a decoded payload, and
// whether it is mrkdwn (where Slack reads markup).
func walkTexts(v any, fn func(text string, markup bool)) {
	switch x := v.(type) {
	case map[string]any:
		if typ, ok := x["type"].(string); ok && (typ == "mrkdwn" || typ == "plain_text") {
			if text, ok := x["text"].(string); ok {
				fn(text, typ == "mrkdwn")
			}
		}
		for _, child := range x {
			walkTexts(child, fn)
		}
	case []any:
		for _, child := range x {
			walkTexts(child, fn)
		}
	}
}

// clip shortens a text for a failure message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
