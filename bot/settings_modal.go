package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// maxTermsText bounds the workspace terms field: Slack's most for a plain
// text input (docs/slack-platform.md, "Block Kit limits").
const maxTermsText = 3000

// cbSettings is the settings modal. Its input blocks are named by the
// okr.Setting* keys, so the field errors of okr.Settings.Apply land under
// the right field as they are.
const cbSettings = "okr_settings"

// settingFields lists the settings in the order the form shows them, with
// what the confirmation calls them.
var settingFields = []struct{ key, label string }{
	{okr.SettingDigestChannel, "Digest channel"},
	{okr.SettingTimezone, "Company time zone"},
	{okr.SettingFiscalYearStart, "Fiscal year start"},
	{okr.SettingCheckinSchedule, "Check-in schedule"},
	{okr.SettingReminderSchedule, "Reminder schedule"},
	{okr.SettingDigestSchedule, "Digest schedule"},
	{okr.SettingNudgeSchedule, "Nudge schedule"},
	{okr.SettingMaxObjectivesPerOwner, "Most objectives per owner"},
	{okr.SettingMinKeyResults, "Fewest key results per objective"},
	{okr.SettingMaxKeyResults, "Most key results per objective"},
	{okr.SettingStaleDays, "Days before a key result is stale"},
	{okr.SettingTerms, "Workspace terms"},
}

// cmdSettings opens the settings form, filled with the settings in force.
func (b *Bot) cmdSettings(ctx context.Context, c *command) error {
	actor, err := b.actor(ctx, c.UserID)
	if err != nil {
		return err
	}
	if err := actor.CanChangeSettings(); err != nil {
		return err
	}
	return b.openModal(ctx, c.TriggerID, settingsView(b.settings(ctx), b.opts.Defaults, viewMeta{ResponseURL: c.ResponseURL}))
}

// settingValues writes settings the way they are stored.
func settingValues(s okr.Settings) map[string]string {
	return map[string]string{
		okr.SettingDigestChannel:         s.DigestChannel,
		okr.SettingTimezone:              s.Location.String(),
		okr.SettingFiscalYearStart:       strconv.Itoa(int(s.FiscalMonth)),
		okr.SettingCheckinSchedule:       s.CheckinSchedule,
		okr.SettingReminderSchedule:      s.ReminderSchedule,
		okr.SettingDigestSchedule:        s.DigestSchedule,
		okr.SettingNudgeSchedule:         s.NudgeSchedule,
		okr.SettingMaxObjectivesPerOwner: strconv.Itoa(s.Policy.MaxObjectivesPerOwner),
		okr.SettingMinKeyResults:         strconv.Itoa(s.Policy.MinKeyResults),
		okr.SettingMaxKeyResults:         strconv.Itoa(s.Policy.MaxKeyResults),
		okr.SettingStaleDays:             strconv.Itoa(int(s.Policy.StaleAfter / (24 * time.Hour))),
		okr.SettingTerms:                 s.Terms,
	}
}

func settingsView(s, defaults okr.Settings, meta viewMeta) slack.ModalViewRequest {
	cur, def := settingValues(s), settingValues(defaults)
	hinted := func(in *slack.InputBlock, hint string) *slack.InputBlock {
		in.Hint = plain(hint)
		return in
	}
	text := func(key, label, hint string, maxLen int) *slack.InputBlock {
		return hinted(textInput(key, label, "Default: "+def[key], cur[key], maxLen, false, true), hint)
	}
	const cronHint = "Five cron fields: minute hour day-of-month month weekday. "
	var months []*slack.OptionBlockObject
	for m := time.January; m <= time.December; m++ {
		months = append(months, option(m.String(), strconv.Itoa(int(m)), ""))
	}
	digestDefault := "no digest"
	if defaults.DigestChannel != "" {
		digestDefault = "the configured channel"
	}
	blocks := []slack.Block{
		contextBlock("These apply right away, without a restart. Empty a field to go back to its default."),
		hinted(channelSelect(okr.SettingDigestChannel, "Digest channel", cur[okr.SettingDigestChannel], true),
			"Where the weekly company digest is posted (default: "+digestDefault+"). The bot must be able to post there."),
		text(okr.SettingTimezone, "Company time zone",
			"An IANA name such as Europe/Berlin or America/New_York. The digest runs in it, and new cycles start at its midnight.", 64),
		hinted(staticSelect(okr.SettingFiscalYearStart, "Fiscal year starts in", months, cur[okr.SettingFiscalYearStart], true),
			"Quarters count from this month (empty means "+defaults.FiscalMonth.String()+"). Cycles already made keep their dates."),
		text(okr.SettingCheckinSchedule, "Check-in schedule",
			cronHint+"Runs in each owner's own time zone: 0 10 * * MON asks everyone on Monday at 10:00 their time.", 100),
		text(okr.SettingReminderSchedule, "Reminder schedule",
			cronHint+"Reminds owners who have not checked in yet, in each owner's own time zone: 0 15 * * WED is Wednesday 15:00 their time.", 100),
		text(okr.SettingDigestSchedule, "Digest schedule",
			cronHint+"Runs in the company time zone: 0 16 * * FRI posts on Fridays at 16:00.", 100),
		text(okr.SettingNudgeSchedule, "Nudge schedule",
			cronHint+"Alignment nudges (unaligned objectives, stale key results, …), at most 3 a week per person, in each owner's own time zone: 0 11 * * MON-FRI is weekdays at 11:00 their time.", 100),
		text(okr.SettingMaxObjectivesPerOwner, "Most objectives per owner",
			"Per level and cycle. Above it the bot nudges; it never blocks.", 4),
		text(okr.SettingMinKeyResults, "Fewest key results per objective", "Objectives with fewer are pointed out.", 4),
		text(okr.SettingMaxKeyResults, "Most key results per objective", "Objectives with more are pointed out.", 4),
		text(okr.SettingStaleDays, "Days before a key result is stale", "A key result with no check-in for this long counts as stale.", 4),
		hinted(textInput(okr.SettingTerms, "Workspace terms", "Atlas, booking engine, checkout\nfront office, front desk, concierge", cur[okr.SettingTerms], maxTermsText, true, true),
			"Related words of your own (product names, team jargon) that help suggest which objective a new one supports. One group per line, separated by commas: objectives using words of one group are likely related."),
	}
	return modal(cbSettings, "OKR settings", "Save", meta, blocks)
}

// normalizeSetting writes a typed value as it would be stored, so that "05"
// and "5" compare equal to a default of 5.
func normalizeSetting(key, v string) string {
	if key == okr.SettingTerms { // one group per line: keep the lines
		var lines []string
		for _, line := range strings.Split(v, "\n") {
			if line = strings.Join(strings.Fields(line), " "); line != "" {
				lines = append(lines, line)
			}
		}
		return strings.Join(lines, "\n")
	}
	v = strings.Join(strings.Fields(v), " ")
	switch key {
	case okr.SettingMaxObjectivesPerOwner, okr.SettingMinKeyResults, okr.SettingMaxKeyResults, okr.SettingStaleDays, okr.SettingFiscalYearStart:
		if n, err := strconv.Atoi(v); err == nil {
			return strconv.Itoa(n)
		}
	}
	return v
}

func (b *Bot) submitSettings(ctx context.Context, cb *slack.InteractionCallback) (fieldErrors, func(context.Context) error) {
	state := stateOf(cb.View)
	meta := decodeMeta(cb.View.PrivateMetadata)
	actor, err := b.actor(ctx, cb.User.ID)
	if err != nil {
		return b.generalError(cb, err), nil
	}
	if err := actor.CanChangeSettings(); err != nil {
		return b.generalError(cb, err), nil
	}
	typed := map[string]string{}
	for _, f := range settingFields {
		switch f.key {
		case okr.SettingDigestChannel:
			typed[f.key] = state.channel(f.key)
		case okr.SettingFiscalYearStart:
			typed[f.key] = state.selected(f.key)
		default:
			typed[f.key] = normalizeSetting(f.key, state.text(f.key))
		}
	}
	errs := fieldErrors{}
	if _, err := b.opts.Defaults.Apply(typed); err != nil {
		if !errs.add("", err) {
			return b.generalError(cb, err), nil
		}
		return errs, nil
	}
	// Store only what differs from the configured defaults, so a default
	// changed in the configuration later still applies where nobody chose
	// otherwise; an empty value deletes the stored one.
	defaults := settingValues(b.opts.Defaults)
	stored := map[string]string{}
	for key, v := range typed {
		if v == defaults[key] {
			v = ""
		}
		stored[key] = v
	}
	before := b.settings(ctx)
	if err := b.store.SetSettings(ctx, stored); err != nil {
		return b.generalError(cb, err), nil
	}
	after := b.settings(ctx)
	if before.Terms != after.Terms {
		b.changed() // the suggestion index reads the workspace terms
	}
	b.log.Info("settings changed", slog.String("by", cb.User.ID), slog.String("settings", after.String()))
	return nil, func(ctx context.Context) error {
		text := settingsSummary(before, after)
		return b.send(ctx, replyTo{ResponseURL: meta.ResponseURL, UserID: cb.User.ID}, say(text))
	}
}

// settingsSummary lists what changed between two sets of settings.
func settingsSummary(before, after okr.Settings) string {
	was, now := settingValues(before), settingValues(after)
	var lines []string
	for _, f := range settingFields {
		if was[f.key] != now[f.key] {
			lines = append(lines, fmt.Sprintf("• %s: %s → %s", f.label, settingText(f.key, was[f.key]), settingText(f.key, now[f.key])))
		}
	}
	if len(lines) == 0 {
		return "Settings saved; nothing changed."
	}
	return ":white_check_mark: Settings saved. They apply right away.\n" + strings.Join(lines, "\n")
}

// settingText shows one stored value to a person.
func settingText(key, v string) string {
	switch key {
	case okr.SettingTerms:
		if v == "" {
			return "none"
		}
		if l, err := okr.ParseLexicon(v); err == nil {
			return countOf(l.Groups(), "group", "groups") + " of related terms"
		}
	case okr.SettingDigestChannel:
		if v == "" {
			return "no digest"
		}
		return "<#" + v + ">" // a channel ID chosen in a Slack select
	case okr.SettingFiscalYearStart:
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 12 {
			return time.Month(n).String()
		}
	case okr.SettingCheckinSchedule, okr.SettingReminderSchedule, okr.SettingDigestSchedule, okr.SettingNudgeSchedule, okr.SettingTimezone:
		return "`" + esc(v) + "`"
	}
	return esc(v)
}
