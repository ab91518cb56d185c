package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// cbTeam is the team modal, for creating and for changing a team.
const cbTeam = "okr_team"

// cmdTeam lists teams (`/okr team`), opens an empty team form
// (`/okr team new`) or one filled with a team to change (`/okr team <name>`).
func (b *Bot) cmdTeam(ctx context.Context, c *command) error {
	switch {
	case c.rest == "":
		return b.listTeams(ctx, c)
	case strings.EqualFold(c.rest, "new") || strings.EqualFold(c.rest, "create") || strings.EqualFold(c.rest, "add"):
		actor, err := b.actor(ctx, c.UserID)
		if err != nil {
			return err
		}
		if err := actor.CanManageTeam(nil); err != nil {
			return err
		}
		teams, err := b.store.FindTeams(ctx)
		if err != nil {
			return err
		}
		return b.openModal(ctx, c.TriggerID, teamView(&okr.Team{}, teams, viewMeta{ResponseURL: c.ResponseURL}))
	}
	t, teams, err := b.teamNamed(ctx, c.rest)
	if err != nil {
		return err
	}
	actor, err := b.actor(ctx, c.UserID)
	if err != nil {
		return err
	}
	if err := actor.CanManageTeam(t); err != nil {
		return err
	}
	return b.openModal(ctx, c.TriggerID, teamView(t, teams, viewMeta{ResponseURL: c.ResponseURL, IDs: []int64{t.ID}}))
}

// teamNamed finds a team by its name, or by a part of it when only one
// team's name contains what was typed, so "plat" finds Platform.
func (b *Bot) teamNamed(ctx context.Context, name string) (*okr.Team, []*okr.Team, error) {
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return nil, nil, err
	}
	var partial []*okr.Team
	name = okr.NormaliseLine(name) // as team names are stored
	for _, t := range teams {
		if strings.EqualFold(t.Name, name) {
			return t, teams, nil
		}
		if strings.Contains(strings.ToLower(t.Name), strings.ToLower(name)) {
			partial = append(partial, t)
		}
	}
	switch len(partial) {
	case 0:
		return nil, nil, okr.Errorf(okr.ENOTFOUND, "There is no team called “%s”. `/okr team` lists the teams; an admin can create one with `/okr team new`.",
			esc(trunc(name, 80)))
	case 1:
		return partial[0], teams, nil
	}
	var names []string
	for _, t := range partial[:min(5, len(partial))] {
		names = append(names, "*"+esc(t.Name)+"*")
	}
	more := ""
	if len(partial) > 5 {
		more = fmt.Sprintf(" and %s more", formatNumber(float64(len(partial)-5)))
	}
	return nil, nil, okr.Errorf(okr.EINVALID, "%s match “%s”: %s%s. Type the full name.", countOf(len(partial), "team", "teams"), esc(trunc(name, 80)), strings.Join(names, ", "), more)
}

// teamView is the team form, filled with t (empty for a new team).
// Departments are the teams without a parent, other than t itself: the
// organisation is at most two levels deep.
func teamView(t *okr.Team, teams []*okr.Team, meta viewMeta) slack.ModalViewRequest {
	var departments []*okr.Team
	for _, d := range teams {
		if d.ParentID == 0 && d.ID != t.ID {
			departments = append(departments, d)
		}
	}
	meta.TeamID = t.ID
	blocks := []slack.Block{
		textInput("name", "Team name", "e.g. Platform", t.Name, 80, false, false),
	}
	if len(departments) > 0 {
		dept := teamSelect("parent", "Department", "No department", departments, t.ParentID)
		dept.Hint = plain("Leave empty for a team that is not part of a department, or for a department itself.")
		blocks = append(blocks, dept)
	}
	digest := channelSelect("channel", "Digest channel", t.Channel, true)
	digest.Hint = plain("A weekly digest of this team's objectives is posted here. The bot must be able to post there. Empty means no team digest.")
	leader := userSelect("lead", "Lead", t.LeadID, true)
	leader.Hint = plain("Empty means no lead: admins manage the team.")
	blocks = append(blocks,
		leader,
		usersSelect("members", "Members", t.Members, true),
		digest,
	)
	if t.ID == 0 {
		return modal(cbTeam, "New team", "Create", meta, blocks)
	}
	blocks = append(blocks, contextBlock("The lead and admins can change this team."))
	return modal(cbTeam, "Edit team", "Save", meta, blocks)
}

func (b *Bot) submitTeam(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	errs := fieldErrors{}
	t := &okr.Team{
		Name:     state.text("name"),
		ParentID: parseID(state.selected("parent")),
		LeadID:   state.user("lead"),
		Members:  state.users("members"),
		Channel:  state.channel("channel"),
	}
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	var before *okr.Team
	if len(meta.IDs) == 1 {
		if before, err = b.store.FindTeamByID(ctx, meta.IDs[0]); err != nil {
			return b.generalError(cb, err), nil
		}
		t.ID = before.ID
	}
	// Checked again here: the person may have lost the lead role, or their
	// admin rights, since the form opened.
	if err := actor.CanManageTeam(before); err != nil {
		return b.generalError(cb, err), nil
	}
	if errs.add("", t.Validate()) {
		return errs, nil
	}
	if before == nil {
		err = b.store.CreateTeam(ctx, t)
	} else {
		err = b.store.UpdateTeam(ctx, t)
	}
	if err != nil {
		if errs.add("", err) {
			return errs, nil
		}
		return b.generalError(cb, err), nil
	}
	return nil, func(ctx context.Context) error {
		verb := "Created"
		if before != nil {
			verb = "Saved"
		}
		text := fmt.Sprintf(":white_check_mark: %s team %s.", verb, b.teamSummary(ctx, t))
		return b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, say(text))
	}
}

// teamSummary describes a team in one phrase: "*Platform* in Engineering,
// led by @lee, 4 people, digest in #platform".
func (b *Bot) teamSummary(ctx context.Context, t *okr.Team) string {
	parts := []string{"*" + esc(t.Name) + "*"}
	if t.ParentID != 0 {
		if d, err := b.store.FindTeamByID(ctx, t.ParentID); err == nil {
			parts[0] += " in " + esc(d.Name)
		}
	}
	if t.LeadID != "" {
		parts = append(parts, "led by "+mention(t.LeadID))
	}
	parts = append(parts, countOf(teamSize(t), "person", "people"))
	if t.Channel != "" {
		parts = append(parts, teamDigest(t))
	}
	return strings.Join(parts, ", ")
}

// teamSize counts the lead and the members, each once.
func teamSize(t *okr.Team) int {
	n := len(t.Members)
	if t.LeadID != "" && !slices.Contains(t.Members, t.LeadID) {
		n++
	}
	return n
}

// teamDigest says where the team's digest goes; the channel ID is one a
// Slack select chose, so it needs no escaping.
func teamDigest(t *okr.Team) string { return "digest in <#" + t.Channel + ">" }

// listTeams shows every team, each department followed by its teams.
func (b *Bot) listTeams(ctx context.Context, c *command) error {
	teams, err := b.store.FindTeams(ctx)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		text := "There are no teams yet. An admin can create one with `/okr team new`."
		return b.send(ctx, c.replyTo(), say(text))
	}
	children := map[int64][]*okr.Team{}
	var top []*okr.Team
	for _, t := range teams {
		if t.ParentID == 0 {
			top = append(top, t)
		} else {
			children[t.ParentID] = append(children[t.ParentID], t)
		}
	}
	line := func(t *okr.Team, indent string) string {
		s := indent + "*" + esc(trunc(t.Name, 80)) + "*"
		if t.ParentID == 0 && len(children[t.ID]) > 0 {
			s += " (department)"
		}
		lead := "no lead"
		if t.LeadID != "" {
			lead = "lead " + mention(t.LeadID)
		}
		s += " · " + lead + " · " + countOf(teamSize(t), "person", "people")
		if t.Channel != "" {
			s += " · " + teamDigest(t)
		}
		return s
	}
	var lines []string
	for _, t := range top {
		lines = append(lines, line(t, ""))
		subs := children[t.ID]
		slices.SortFunc(subs, func(x, y *okr.Team) int { return cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)) })
		for _, s := range subs {
			lines = append(lines, line(s, "      ↳ "))
		}
	}
	title := fmt.Sprintf("*Teams* (%d)", len(teams))
	blocks := []slack.Block{section(title)}
	blocks = append(blocks, lineSections(lines, maxMessageBlocks-2)...)
	blocks = append(blocks, contextBlock("`/okr team &lt;name&gt;` changes a team (its lead or an admin) · `/okr team new` creates one (admins)"))
	return b.send(ctx, c.replyTo(), message{Text: fmt.Sprintf("Teams (%d)", len(teams)), Blocks: blocks})
}
