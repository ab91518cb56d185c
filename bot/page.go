package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Long answers (lists, the alignment tree, the gap report) come in pages,
// each of which fits one Slack message whatever the data: at most 50 blocks
// and 3000 characters a section (docs/slack-platform.md, "Block Kit limits"). The first page answers the command;
// "Show more" and "Previous" replace the message with the next or previous
// page. A button's value carries the whole query (what was asked, the cycle,
// the offset), so paging needs no server-side state and survives restarts.
//
// Delivery: a response_url takes 5 posts in 30 minutes (docs/slack-platform.md, "Slash commands"), but every click
// brings its own response_url, so each page uses one post of a fresh URL and
// paging never runs out however far a person goes. Should Slack refuse the
// URL anyway (it expired, or a retry used it up), the page is posted again as
// a new ephemeral message in the channel of the click (chat.postEphemeral),
// and as a DM when the bot cannot post there: the person always gets the page
// they asked for, never an error about URLs.
const (
	actPageMore = "page_more"
	actPagePrev = "page_prev"
	actPageBack = "page_back" // from a section of the gap report back to its overview

)

// pageQuery is one page of a view, as a paging button remembers it.
type pageQuery struct {
	View   string // "list", "tree" or "gaps"
	Filter string // list: mine:U1, person:U1, team:7, company, at-risk, stale; gaps: a section
	Cycle  int64
	Root   int64 // tree: the objective it is drawn below; 0 for the whole cycle
	Offset int
}

func (q pageQuery) encode() string {
	v := url.Values{"v": {q.View}, "c": {strconv.FormatInt(q.Cycle, 10)}}
	if q.Filter != "" {
		v.Set("f", q.Filter)
	}
	if q.Root != 0 {
		v.Set("r", strconv.FormatInt(q.Root, 10))
	}
	if q.Offset != 0 {
		v.Set("o", strconv.Itoa(q.Offset))
	}
	return v.Encode()
}

func decodePageQuery(s string) (pageQuery, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return pageQuery{}, err
	}
	q := pageQuery{View: v.Get("v"), Filter: v.Get("f")}
	if q.Cycle, err = strconv.ParseInt(v.Get("c"), 10, 64); err != nil {
		return pageQuery{}, fmt.Errorf("cycle: %w", err)
	}
	if r := v.Get("r"); r != "" {
		if q.Root, err = strconv.ParseInt(r, 10, 64); err != nil {
			return pageQuery{}, fmt.Errorf("root: %w", err)
		}
	}
	if o := v.Get("o"); o != "" {
		if q.Offset, err = strconv.Atoi(o); err != nil || q.Offset < 0 {
			return pageQuery{}, fmt.Errorf("offset %q", o)
		}
	}
	return q, nil
}

func (q pageQuery) at(offset int) pageQuery {
	q.Offset = max(0, offset)
	return q
}

// onPage answers a paging button with the page it names, in place of the
// message that holds the button.
func (b *Bot) onPage(ctx context.Context, cb *slack.InteractionCallback, a *slack.BlockAction) error {
	q, err := decodePageQuery(a.Value)
	if err != nil {
		return fmt.Errorf("paging button value %q: %w", a.Value, err)
	}
	ctx, done, err := b.reading(ctx)
	if err != nil {
		return err
	}
	defer done()
	var msg message
	switch q.View {
	case "list":
		msg, err = b.listPage(ctx, cb.User.ID, q, "")
	case "tree":
		msg, err = b.treePage(ctx, q)
	case "gaps":
		msg, err = b.gapsPage(ctx, cb.User.ID, q)
	default:
		err = fmt.Errorf("paging button for unknown view %q", q.View)
	}
	if err != nil {
		return err
	}
	return b.replacePage(ctx, cb, msg)
}

// replacePage shows a page in place of the message that was clicked,
// falling back to a new ephemeral message, then a DM, when Slack refuses
// the response_url (see the comment at the top of this file).
func (b *Bot) replacePage(ctx context.Context, cb *slack.InteractionCallback, msg message) error {
	if cb.ResponseURL != "" {
		msg.Replace = true
		err := b.send(ctx, replyTo{ResponseURL: cb.ResponseURL}, msg)
		if err == nil || ctx.Err() != nil {
			return err
		}
		b.log.Info("response_url refused a page; posting it as a new message", slog.String("user", cb.User.ID), slog.Any("err", err))
	}
	msg.Replace = false
	if ch := cb.Channel.ID; ch != "" {
		opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
		_, err := b.api.PostEphemeralContext(ctx, ch, cb.User.ID, opts...)
		if err == nil || ctx.Err() != nil {
			return err
		}
		b.log.Info("could not post the page in the channel; sending it as a DM", slog.String("channel", ch), slog.Any("err", err))
	}
	return b.send(ctx, replyTo{UserID: cb.User.ID}, msg)
}

// pageNav says which part of a long list a page shows and offers the
// buttons to move through it: nothing when everything fits on one page.
func pageNav(q pageQuery, shown, total, size int, noun string, extra ...slack.BlockElement) []slack.Block {
	var out []slack.Block
	if total > shown || q.Offset > 0 {
		out = append(out, contextBlock(fmt.Sprintf("Showing %s–%s of %s %s", formatNumber(float64(q.Offset+min(1, shown))),
			formatNumber(float64(q.Offset+shown)), formatNumber(float64(total)), noun)))
	}
	var buttons []slack.BlockElement
	if q.Offset > 0 {
		buttons = append(buttons, button("◀ Previous", actPagePrev, pageValue(q.at(q.Offset-size))))
	}
	if q.Offset+shown < total {
		buttons = append(buttons, button("Show more ▶", actPageMore, pageValue(q.at(q.Offset+shown))).WithStyle(slack.StylePrimary))
	}
	buttons = append(buttons, extra...)
	if len(buttons) > 0 {
		out = append(out, actions("page", buttons...))
	}
	return out
}

// pageValue encodes a query for a button. Queries hold IDs and short words
// only, never text a person typed, so a value stays far below Slack's 2000
// characters whatever the data.
func pageValue(q pageQuery) string { return q.encode() }

// assemble puts a page together within Slack's 50 blocks: the head and the
// navigation always show; the body is cut (with a note) in the unlikely case
// it does not fit, rather than Slack refusing the whole message.
func assemble(head, body, nav []slack.Block) []slack.Block {
	room := maxMessageBlocks - len(head) - len(nav)
	if len(body) > room {
		body = append(body[:room-1], contextBlock("Some lines did not fit in one message; use a narrower filter to see them."))
	}
	out := make([]slack.Block, 0, len(head)+len(body)+len(nav))
	out = append(out, head...)
	out = append(out, body...)
	return append(out, nav...)
}

// pageSlice returns the part of n items a page at offset shows, clamping an
// offset past the end (the data shrank since the button was drawn) to the
// last page.
func pageSlice(n, offset, size int) (lo, hi int) {
	if offset >= n && n > 0 {
		offset = (n - 1) / size * size
	}
	lo = min(max(0, offset), n)
	return lo, min(n, lo+size)
}

// fitEscaped escapes user text for mrkdwn and cuts it to at most limit
// characters after escaping, never inside an entity such as &amp;.
func fitEscaped(s string, limit int) string {
	e := esc(s)
	if len([]rune(e)) <= limit {
		return e
	}
	var out strings.Builder
	n := 0
	for _, r := range s {
		piece := esc(string(r))
		w := len([]rune(piece))
		if n+w > limit-1 {
			break
		}
		out.WriteString(piece)
		n += w
	}
	return out.String() + "…"
}

// oneLine flattens user text to one line, so a note with line breaks
// cannot break the layout around it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// viewerLocation is the time zone to show a person dates in: theirs, or the
// company's when Slack does not say.
func (b *Bot) viewerLocation(ctx context.Context, userID string) *time.Location {
	fallback := b.settings(ctx).Location
	u, err := b.user(ctx, userID)
	if err != nil {
		b.log.Debug("no time zone for a viewer; using the company's", slog.String("user", userID), slog.Any("err", err))
		return fallback
	}
	return u.Location(fallback)
}

// shortDate writes a day as people read it at a glance ("Nov 12"), with the
// year only when it is not the current one.
func shortDate(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Jan 2, 2006")
	}
	return t.Format("Jan 2")
}

// checkinStatus is lastCheckin, or for a driven key result, whose own
// check-ins do not move it, that it needs none (or, stale, that what
// drives it had none lately).
func checkinStatus(st okr.KeyResultState, now time.Time, loc *time.Location) string {
	switch {
	case st.Driven && st.Stale:
		return drivenStale
	case st.Driven:
		return "no check-in needed"
	}
	return lastCheckin(st.KeyResult, now, loc)
}

// drivenStale says why a driven key result is stale.
const drivenStale = "no recent check-in on what drives it"

// lastCheckin says when a key result was last updated.
func lastCheckin(kr *okr.KeyResult, now time.Time, loc *time.Location) string {
	if kr.CheckedAt.IsZero() {
		return "no check-in yet"
	}
	return "last check-in " + shortDate(kr.CheckedAt, now, loc)
}

// errNoCycle is what a view of a cycle that does not exist answers.
func errNoCycle(name string) error {
	return okr.Errorf(okr.ENOTFOUND, "There is no cycle %s. `/okr cycle` lists them.", esc(trunc(name, 20)))
}

// leaders keeps the first n of the items added, in the order cmp gives,
// sorted, without holding or sorting the rest: a page shows a few, and an
// owner of thousands of objectives has tens of thousands of key results.
// cmp must be a total order (end on the ID) for the result to be the same
// as sorting everything added.
type leaders[T any] struct {
	n   int
	cmp func(a, b T) int
	out []T
}

func (l *leaders[T]) add(x T) {
	if len(l.out) == l.n && (l.n == 0 || l.cmp(x, l.out[l.n-1]) >= 0) {
		return // not among the first n so far
	}
	i, _ := slices.BinarySearchFunc(l.out, x, l.cmp)
	if len(l.out) < l.n {
		l.out = append(l.out, x)
	}
	copy(l.out[i+1:], l.out[i:len(l.out)-1])
	l.out[i] = x
}
