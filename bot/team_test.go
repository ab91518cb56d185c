package bot_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
)

// seedTeam seeds a team through the store.
func (h *harness) seedTeam(t *okr.Team) *okr.Team {
	h.t.Helper()
	must(h.t, h.db.CreateTeam(context.Background(), t))
	return t
}

// viewInput reads what an input of the person's top modal holds: a typed
// text, or a selected option's value, user or users.
func viewInput(t testing.TB, v *slackfake.View, blockID string) string {
	t.Helper()
	var st struct {
		Value          string   `json:"value"`
		SelectedUser   string   `json:"selected_user"`
		SelectedUsers  []string `json:"selected_users"`
		SelectedChan   string   `json:"selected_channel"`
		SelectedOption struct {
			Value string `json:"value"`
		} `json:"selected_option"`
	}
	raw, ok := v.State[blockID]["v"]
	if !ok {
		t.Fatalf("the view has no input %q", blockID)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	switch {
	case st.Value != "":
		return st.Value
	case st.SelectedUser != "":
		return st.SelectedUser
	case len(st.SelectedUsers) > 0:
		return strings.Join(st.SelectedUsers, ",")
	case st.SelectedChan != "":
		return st.SelectedChan
	}
	return st.SelectedOption.Value
}

func TestTeam_AdminCreatesTeamsAndDepartments(t *testing.T) {
	h := newHarness(t)
	v := h.modal(admin, "team new", "okr_team")
	if ids := viewBlockIDs(t, v); slices.Contains(ids, "parent") {
		t.Fatalf("with no teams there is no department to offer, yet the form has one: %v", ids)
	}
	res := h.submit(admin, slackfake.Inputs{"name": "Engineering", "lead": admin})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(admin, "Created team *Engineering*, led by <@UADMIN>, 1 person.")

	v = h.modal(admin, "team new", "okr_team")
	if ids := viewBlockIDs(t, v); !slices.Contains(ids, "parent") {
		t.Fatalf("the form offers no department: %v", ids)
	}
	eng, err := h.db.FindTeamByName(context.Background(), "Engineering")
	must(t, err)
	if ids := viewBlockIDs(t, v); !slices.Contains(ids, "channel") {
		t.Fatalf("the form offers no digest channel: %v", ids)
	}
	if r := h.srv.RenderView(v); !strings.Contains(r, "A weekly digest of this team's objectives is posted here.") {
		t.Fatalf("the digest channel has no hint:\n%s", r)
	}
	res = h.submit(admin, slackfake.Inputs{"name": "Platform", "parent": "Engineering", "lead": lead, "members": []string{member, lead}, "channel": channel})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(admin, "Created team *Platform* in Engineering, led by <@ULEAD>, 2 people, digest in <#COKRS>.")
	p, err := h.db.FindTeamByName(context.Background(), "platform")
	must(t, err)
	if p.ParentID != eng.ID || p.LeadID != lead || !slices.Equal(p.Members, []string{lead, member}) || p.Channel != channel {
		t.Fatalf("stored = %+v", p)
	}
}

func TestTeam_ListShowsDepartmentLeadAndSize(t *testing.T) {
	h := newHarness(t)
	h.command(member, "team")
	h.reply(member, "There are no teams yet. An admin can create one with `/okr team new`.")

	eng := h.seedTeam(&okr.Team{Name: "Engineering", LeadID: admin})
	h.seedTeam(&okr.Team{Name: "Platform", ParentID: eng.ID, LeadID: lead, Members: []string{member}, Channel: channel})
	h.seedTeam(&okr.Team{Name: "Sales <&> Success", Members: []string{admin, member}})
	h.command(member, "teams")
	got := h.reply(member, "*Teams* (3)")
	for _, want := range []string{
		"*Engineering* (department) · lead <@UADMIN> · 1 person\n",
		"↳ *Platform* · lead <@ULEAD> · 2 people · digest in <#COKRS>",
		"*Sales &lt;&amp;&gt; Success* · no lead · 2 people",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "Platform") < strings.Index(got, "Engineering") || strings.Index(got, "Sales") < strings.Index(got, "Platform") {
		t.Errorf("teams are not listed under their department:\n%s", got)
	}
}

func TestTeam_OnlyAdminsCreateTeams(t *testing.T) {
	h := newHarness(t)
	h.command(member, "team new")
	h.reply(member, ":no_entry: Only admins can create teams. Ask <@UADMIN>.")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a refused command opened %s", v.CallbackID)
	}
}

func TestTeam_LeadChangesTheirTeamOthersCannot(t *testing.T) {
	h := newHarness(t)
	p := h.seedTeam(&okr.Team{Name: "Platform", LeadID: lead, Members: []string{member}, Channel: channel})

	h.command(member, "team Platform")
	h.reply(member, "Only <@ULEAD>, who leads Platform, or an admin can change the team.")
	if v := h.srv.TopView(member); v != nil {
		t.Fatalf("a refused command opened %s", v.CallbackID)
	}

	// A part of the name is enough when it names one team.
	v := h.modal(lead, "team plat", "okr_team")
	if got := viewInput(t, v, "name"); got != "Platform" {
		t.Fatalf("name pre-filled with %q", got)
	}
	if got := viewInput(t, v, "lead"); got != lead {
		t.Fatalf("lead pre-filled with %q", got)
	}
	if got := viewInput(t, v, "members"); got != member {
		t.Fatalf("members pre-filled with %q", got)
	}
	if got := viewInput(t, v, "channel"); got != channel {
		t.Fatalf("digest channel pre-filled with %q", got)
	}
	res := h.submit(lead, slackfake.Inputs{"name": "Platform Core", "members": []string{member, admin}})
	if len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Saved team *Platform Core*, led by <@ULEAD>, 3 people, digest in <#COKRS>.")
	got, err := h.db.FindTeamByID(context.Background(), p.ID)
	must(t, err)
	if got.Name != "Platform Core" || !slices.Equal(got.Members, []string{admin, member}) || got.Channel != channel {
		t.Fatalf("stored = %+v", got)
	}

	// Emptying the channel stops the team's digest.
	h.modal(lead, "team Platform Core", "okr_team")
	if res := h.submit(lead, slackfake.Inputs{"channel": nil}); len(res.Errors) > 0 {
		t.Fatalf("errors = %v", res.Errors)
	}
	h.reply(lead, "Saved team *Platform Core*, led by <@ULEAD>, 3 people.")
	if got, err := h.db.FindTeamByID(context.Background(), p.ID); err != nil || got.Channel != "" {
		t.Fatalf("after emptying the channel, stored = %+v, %v", got, err)
	}
}

func TestTeam_StoreRefusalsShowUnderTheField(t *testing.T) {
	h := newHarness(t)
	eng := h.seedTeam(&okr.Team{Name: "Engineering"})
	h.seedTeam(&okr.Team{Name: "Platform", ParentID: eng.ID})
	h.seedTeam(&okr.Team{Name: "Operations"})

	h.modal(admin, "team new", "okr_team")
	res := h.submit(admin, slackfake.Inputs{"name": "platform", "lead": lead})
	if res.Errors["name"] != "There is already a team called platform." {
		t.Fatalf("errors = %v", res.Errors)
	}
	v := h.srv.TopView(admin)
	if v == nil || v.CallbackID != "okr_team" || viewInput(t, v, "name") != "platform" || viewInput(t, v, "lead") != lead {
		t.Fatalf("the form lost what was typed: %+v", v)
	}

	// A department with teams cannot join another department: three levels.
	h.modal(admin, "team Engineering", "okr_team")
	res = h.submit(admin, slackfake.Inputs{"parent": "Operations"})
	if !strings.Contains(res.Errors["parent"], "Engineering is a department with teams of its own") {
		t.Fatalf("errors = %v", res.Errors)
	}
	got, err := h.db.FindTeamByID(context.Background(), eng.ID)
	must(t, err)
	if got.ParentID != 0 {
		t.Fatalf("a refused change was stored: %+v", got)
	}
	// An empty name never reaches the store.
	res = h.submit(admin, slackfake.Inputs{"parent": nil, "name": "   "})
	if res.Errors["name"] != "Team name is 1-80 characters." {
		t.Fatalf("errors = %v", res.Errors)
	}
}

func TestTeam_UnknownOrAmbiguousName(t *testing.T) {
	h := newHarness(t)
	h.seedTeam(&okr.Team{Name: "Platform"})
	h.seedTeam(&okr.Team{Name: "Data Platform"})
	h.command(admin, "team <!channel>")
	got := h.reply(admin, "There is no team called")
	if strings.Contains(got, "<!channel>") || !strings.Contains(got, "&lt;!channel&gt;") {
		t.Fatalf("the name was not escaped: %s", got)
	}
	h.command(admin, "team xyz")
	h.reply(admin, "There is no team called “xyz”")
	h.command(admin, "team plat")
	h.reply(admin, "2 teams match “plat”: *Data Platform*, *Platform*. Type the full name.")
	// The exact name wins over a part of another.
	v := h.modal(admin, "team platform", "okr_team")
	if got := viewInput(t, v, "name"); got != "Platform" {
		t.Fatalf("opened %q", got)
	}
}
