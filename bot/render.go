package bot

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// esc makes text a person typed safe inside mrkdwn: only &, < and > are
// control characters (docs/slack-platform.md, "mrkdwn escaping"), and escaping them neutralises mentions,
// @channel, and disguised links.
func esc(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// mrkdwnEscaper is made once: a Replacer builds its tables on first use,
// which cost more than the replacing.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// trunc shortens s to at most n characters, ending with "…" when cut.
func trunc(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mention links a Slack user ID. IDs come from Slack, never from typing.
func mention(id string) string {
	if id == "" {
		return "nobody"
	}
	return "<@" + id + ">"
}

// pct formats progress as a whole percentage.
func pct(p float64) string { return fmt.Sprintf("%d%%", int(math.Round(p*100))) }

// bar draws progress as ten cells.
func bar(p float64) string {
	filled := int(math.Round(p * 10))
	filled = max(0, min(10, filled))
	return strings.Repeat("▰", filled) + strings.Repeat("▱", 10-filled)
}

// change formats a week-over-week change in points ("+5", "−3", "±0").
func change(d float64) string {
	points := int(math.Round(d * 100))
	switch {
	case points > 0:
		return fmt.Sprintf("+%d", points)
	case points < 0:
		return fmt.Sprintf("−%d", -points)
	}
	return "±0"
}

// healthEmoji is the status mark shown beside progress.
func healthEmoji(h okr.Health) string {
	switch h {
	case okr.HealthOnTrack:
		return "🟢"
	case okr.HealthBehind:
		return "🟠"
	case okr.HealthStale:
		return "⏳"
	case okr.HealthAtRisk:
		return "🟡"
	case okr.HealthOffTrack:
		return "🔴"
	}
	return "⚪"
}

// value formats a key result's number with its unit ("$3,000", "12.5%",
// "40 leads"), or done / not done for a milestone.
func value(kr *okr.KeyResult, v float64) string {
	if kr.Kind == okr.KindMilestone {
		if v >= 1 {
			return "done"
		}
		return "not done"
	}
	n := formatNumber(v)
	switch kr.Unit {
	case "":
		return n
	case "%":
		return n + "%"
	case "$", "€", "£", "¥":
		if strings.HasPrefix(n, "-") {
			return "-" + kr.Unit + n[1:]
		}
		return kr.Unit + n
	}
	return n + " " + kr.Unit
}

// formatNumber writes v with thousands separators and at most two decimals.
func formatNumber(v float64) string {
	s := fmt.Sprintf("%.2f", math.Abs(v))
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// countOf writes a count with its noun as people read it: "1 key result",
// "0 key results", "1,200 key results". Every count shown to people goes
// through it, so none says "1 key results".
func countOf(n int, one, many string) string {
	return formatNumber(float64(n)) + " " + plural(n, one, many)
}

// plural picks the word that agrees with a count shown elsewhere in the
// sentence: "needs" or "need", "it" or "them".
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// krTarget describes where a key result is going ("0 → 100 leads",
// "stay above 99.9%", "milestone").
func krTarget(kr *okr.KeyResult) string {
	switch kr.Kind {
	case okr.KindStayAbove:
		return "stay above " + value(kr, kr.Target)
	case okr.KindStayBelow:
		return "stay below " + value(kr, kr.Target)
	case okr.KindMilestone:
		return "milestone"
	}
	return value(kr, kr.Start) + " → " + value(kr, kr.Target)
}

// Block Kit builders, short enough that layouts stay readable.

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, trunc(text, maxSectionText), false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

func section(text string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(text), nil, nil) }

func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(trunc(text, maxHeaderText)))
}

func contextBlock(texts ...string) *slack.ContextBlock {
	var elems []slack.MixedElement
	for _, t := range texts[:min(len(texts), maxContextElements)] {
		elems = append(elems, mrkdwn(t))
	}
	return slack.NewContextBlock("", elems...)
}

func button(text, actionID, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(trunc(text, maxButtonText)))
}

func actions(blockID string, elems ...slack.BlockElement) *slack.ActionBlock {
	return slack.NewActionBlock(blockID, elems...)
}

func divider() *slack.DividerBlock { return slack.NewDividerBlock() }

// option builds a select option within Slack's limits (text 75, value 150,
// description 75).
func option(text, value, description string) *slack.OptionBlockObject {
	var desc *slack.TextBlockObject
	if description != "" {
		desc = plain(trunc(description, maxOptionText))
	}
	return slack.NewOptionBlockObject(value, plain(trunc(text, maxOptionText)), desc)
}

// Slack's limits that rendering respects (docs/slack-platform.md, "View object limits", "Block Kit limits").
const (
	maxMessageBlocks   = 50
	maxViewBlocks      = 100
	maxSectionText     = 3000
	maxHeaderText      = 150
	maxButtonText      = 75
	maxOptionText      = 75
	maxOptions         = 100
	maxContextElements = 10
	maxViewTitle       = 24
	maxMetadata        = 3000
)

// packedSectionText is how much text one section takes when lines are
// packed, leaving room under Slack's 3000 for what a caller appends.
const packedSectionText = 2900

// lineSections joins lines into as few sections as fit Slack's limit. A
// line is never split between sections (it would break its markup); one
// longer than a whole section is cut. With maxBlocks > 0, lines beyond that
// many sections are summed up as "…and N more" in the last one.
func lineSections(lines []string, maxBlocks int) []slack.Block {
	var out []slack.Block
	var cur strings.Builder
	size := 0 // in characters, as Slack counts
	for i, l := range lines {
		n := utf8.RuneCountInString(l)
		if n > packedSectionText {
			l, n = trunc(l, packedSectionText), packedSectionText
		}
		if size > 0 && size+1+n > packedSectionText {
			if maxBlocks > 0 && len(out) == maxBlocks-1 {
				cur.WriteString(fmt.Sprintf("\n…and %d more", len(lines)-i))
				break
			}
			out = append(out, section(cur.String()))
			cur.Reset()
			size = 0
		}
		if size > 0 {
			cur.WriteByte('\n')
			size++
		}
		cur.WriteString(l)
		size += n
	}
	if cur.Len() > 0 {
		out = append(out, section(cur.String()))
	}
	return out
}

// objectiveLine is an objective on one line: health, reference, title,
// level, progress with its bar, owner.
func objectiveLine(o *okr.Objective, progress float64, h okr.Health) string {
	return fmt.Sprintf("%s *%s* %s · %s · %s %s · %s", healthEmoji(h), o.Ref(), esc(trunc(o.Title, 120)), o.Level.Label(),
		bar(progress), pct(progress), mention(o.OwnerID))
}

// keyResultLine is a key result on one line: health, reference, title,
// where it stands against its target (or, driven, what drives it: by
// lists those objectives, see okr.Analysis.DeliveredBy), progress, owner.
func keyResultLine(st okr.KeyResultState, by []int64) string {
	kr := st.KeyResult
	where := "now " + esc(value(kr, kr.Current))
	if st.Driven {
		where = drivenText(by)
	}
	return fmt.Sprintf("%s *%s* %s · %s, %s · %s · %s", healthEmoji(st.Health), kr.Ref(), esc(trunc(kr.Title, 120)),
		esc(krTarget(kr)), where, pct(st.Progress), mention(kr.OwnerID))
}

// drivenMax is how many objectives "driven by" names before it counts the
// rest.
const drivenMax = 5

// drivenText says what drives a driven key result: "driven by O12, O15".
func drivenText(by []int64) string {
	if len(by) == 0 {
		return "driven by the objectives that deliver it"
	}
	refs := make([]string, 0, min(len(by), drivenMax))
	for _, id := range by[:min(len(by), drivenMax)] {
		refs = append(refs, okr.ObjectiveRef(id))
	}
	text := "driven by " + strings.Join(refs, ", ")
	if rest := len(by) - drivenMax; rest > 0 {
		text += " and " + countOf(rest, "more", "more")
	}
	return text
}

// deliversVerb is how an objective that delivers a key result relates to
// it: it "drives" one whose progress comes from what delivers it, and
// "delivers" one set by hand.
func deliversVerb(a *okr.Analysis, o *okr.Objective) string {
	if a.Drives(o) {
		return "drives"
	}
	return "delivers"
}

// objectiveRefs names objectives for a sentence: "O12", "O12 and O15".
func objectiveRefs(ids []int64) string {
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = okr.ObjectiveRef(id)
	}
	return joinAnd(refs)
}

// durationText writes a whole number of days or weeks ("2 weeks").
func durationText(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	if days%7 == 0 && days > 0 {
		return countOf(days/7, "week", "weeks")
	}
	return countOf(days, "day", "days")
}

// joinAnd lists words as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
