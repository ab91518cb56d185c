package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
)

// Notifier renders and sends what the scheduler decides to say, through
// the bot's one sender. cmd/okrbot hands it to the scheduler.
type Notifier struct{ b *Bot }

var _ okr.Notifier = (*Notifier)(nil)

// Notifier returns the bot's notifier.
func (b *Bot) Notifier() *Notifier { return &Notifier{b: b} }

// promptMaxKeyResults is how many key results a check-in DM lists, one
// block each, well within a message's 50 blocks.
const promptMaxKeyResults = 15

// CheckinRequest sends the weekly check-in prompt, or its reminder.
func (n *Notifier) CheckinRequest(ctx context.Context, r *okr.CheckinRequest) (string, error) {
	loc := n.b.userLocation(ctx, r.UserID)
	msg := checkinRequestMessage(r, loc)
	return n.b.sender.post(ctx, outgoing{Target: r.UserID, Key: r.Key, Msg: msg})
}

// checkinRequestMessage is the check-in DM: what is asked, each key result
// with where it stands, and the button that opens the pre-filled form.
func checkinRequestMessage(r *okr.CheckinRequest, loc *time.Location) message {
	week, weeks := cycleWeek(r.Cycle, r.At)
	var intro, text string
	if r.Reminder {
		n := len(r.KeyResults)
		text = fmt.Sprintf("Reminder: %s still %s this week's check-in", countOf(n, "key result", "key results"), plural(n, "needs", "need"))
		owed := fmt.Sprintf("%s of your %s still %s", formatNumber(float64(n)), countOf(r.Total, "key result", "key results"), plural(n, "needs", "need"))
		if n >= r.Total {
			owed = "your " + plural(n, "key result still needs", countOf(n, "key result", "key results")+" still need")
		}
		intro = fmt.Sprintf("⏰ Hi %s, a friendly reminder: %s this week's check-in.", mention(r.UserID), owed)
	} else {
		text = "Time for your weekly OKR check-in"
		intro = fmt.Sprintf("🗓️ Hi %s, time for your weekly check-in: where do your key results stand? It takes a minute.", mention(r.UserID))
	}
	blocks := []slack.Block{
		section(intro),
		contextBlock(fmt.Sprintf("*%s* · week %d of %d · %s of the cycle has passed", esc(r.Cycle.Name), week, weeks, pct(r.Cycle.Elapsed(r.At)))),
	}
	shown := r.KeyResults[:min(len(r.KeyResults), promptMaxKeyResults)]
	for _, st := range shown {
		blk := section(promptKeyResultText(st, r.Objectives[st.KeyResult.ObjectiveID], r.DrivenBy[st.KeyResult.ID], r.At, loc))
		if !st.Driven { // it owes no check-in, and one would set it by hand
			blk.Accessory = slack.NewAccessory(button("Update", actCheckinOpen, idValue(st.KeyResult.ID)))
		}
		blocks = append(blocks, blk)
	}
	if rest := len(r.KeyResults) - len(shown); rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("…and %d more: the form lists those waiting longest first.", rest)))
	}
	checkin := button("✅ Check in", actCheckinOpen, checkinAll)
	checkin.Style = slack.StylePrimary
	blocks = append(blocks, actions("checkin_prompt", checkin),
		contextBlock("The form is filled in with where things stand: change what moved, and an unchanged number still counts. "+
			"Away? `/okr away friday` pauses these until the end of that day."))
	return message{Text: text, Blocks: blocks}
}

// promptKeyResultText is one key result in a check-in DM; by names what
// drives a driven one, which owes no check-in.
func promptKeyResultText(st okr.KeyResultState, o *okr.Objective, by []int64, now time.Time, loc *time.Location) string {
	kr := st.KeyResult
	var b strings.Builder
	fmt.Fprintf(&b, "%s *%s* %s\n", healthEmoji(st.Health), kr.Ref(), esc(trunc(kr.Title, 120)))
	if o != nil {
		fmt.Fprintf(&b, "for *%s* %s\n", o.Ref(), esc(trunc(o.Title, 80)))
	}
	if st.Driven {
		fmt.Fprintf(&b, "%s %s · %s · %s\n", bar(st.Progress), pct(st.Progress), drivenText(by), esc(krTarget(kr)))
		b.WriteString("No check-in needed: the check-ins on what drives it move it")
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s · now *%s* · %s\n", bar(st.Progress), pct(st.Progress), esc(value(kr, kr.Current)), esc(krTarget(kr)))
	b.WriteString(lastCheckinText(kr, now, loc))
	return b.String()
}

// checkinRecordedMessage replaces a check-in DM once the person checked
// in: what their key results stand at now, and a way to update again.
// The driven key results of set are listed as driven: they took no
// check-in.
func checkinRecordedMessage(userID string, states []okr.KeyResultState, set checkinSet, now time.Time, loc *time.Location) message {
	text := fmt.Sprintf("✅ Checked in on %s. Thank you!", now.In(loc).Format("Mon, Jan 2"))
	blocks := []slack.Block{section(fmt.Sprintf("✅ Thanks %s, your check-in on %s is recorded:", mention(userID), now.In(loc).Format("Monday, Jan 2")))}
	var lines []string
	for _, st := range states {
		kr := st.KeyResult
		line := fmt.Sprintf("%s *%s* %s · now *%s* · %s %s", confidenceEmoji(kr.Confidence), kr.Ref(), esc(trunc(kr.Title, 100)),
			esc(value(kr, kr.Current)), bar(st.Progress), pct(st.Progress))
		if !kr.CheckedAt.IsZero() && now.Sub(kr.CheckedAt) < okr.Week {
			line += " · " + kr.Confidence.Label()
		} else {
			line += " · _not updated this week_"
		}
		if o := set.objectives[kr.ObjectiveID]; o != nil {
			line += fmt.Sprintf("\n      for *%s* %s", o.Ref(), esc(trunc(o.Title, 60)))
		}
		lines = append(lines, line)
	}
	for _, kr := range set.driven {
		p := set.progress[kr.ID]
		lines = append(lines, fmt.Sprintf("🔗 *%s* %s · %s · %s %s · no check-in needed", kr.Ref(), esc(trunc(kr.Title, 100)),
			drivenText(set.drivenBy[kr.ID]), bar(p), pct(p)))
	}
	blocks = append(blocks, lineSections(lines, 20)...)
	blocks = append(blocks, actions("checkin_prompt", button("Update again", actCheckinOpen, checkinAll)))
	return message{Text: text, Blocks: blocks[:min(len(blocks), maxMessageBlocks)]}
}

// refreshCheckinDMs updates this cycle's latest check-in prompt and
// reminder sent to the person, so that the DM shows what they recorded
// instead of still asking. Nothing was sent: nothing to do.
func (b *Bot) refreshCheckinDMs(ctx context.Context, userID string) error {
	var refs []*okr.Delivery
	sent := true
	for _, kind := range []string{"checkin", "reminder"} {
		found, err := b.store.FindDeliveries(ctx, okr.DeliveryFilter{Prefix: okr.PersonPrefix(kind, userID), Sent: &sent, Limit: 1})
		if err != nil {
			return err
		}
		// Only this week's: an older DM keeps what it asked then.
		for _, d := range found {
			if b.opts.Now().Sub(d.SentAt) < okr.Week {
				refs = append(refs, d)
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	set, err := b.myCheckinSet(ctx, userID)
	if err != nil {
		return err
	}
	policy := b.policy(ctx)
	states := make([]okr.KeyResultState, len(set.krs))
	for i, kr := range set.krs {
		states[i] = policy.KeyResultHealth(kr, set.cycle, b.opts.Now())
	}
	msg := checkinRecordedMessage(userID, states, set, b.opts.Now(), b.userLocation(ctx, userID))
	for _, d := range refs {
		if err := b.sender.update(ctx, d.Ref, d.Key, msg); err != nil {
			return fmt.Errorf("update check-in DM %s: %w", d.Key, err)
		}
	}
	return nil
}

// LeadSummary tells a team lead who in their teams still owes a check-in.
func (n *Notifier) LeadSummary(ctx context.Context, s *okr.LeadSummary) (string, error) {
	return n.b.sender.post(ctx, outgoing{Target: s.LeadID, Key: s.Key, Msg: leadSummaryMessage(s)})
}

// leadSummaryMaxPeople is how many people one team's list names.
const leadSummaryMaxPeople = 40

func leadSummaryMessage(s *okr.LeadSummary) message {
	missing := 0
	for _, t := range s.Teams {
		missing += len(t.Missing)
	}
	text := fmt.Sprintf("%s in your teams still %s a check-in this week", countOf(missing, "person", "people"), plural(missing, "owes", "owe"))
	blocks := []slack.Block{section(fmt.Sprintf("📋 Hi %s, where your %s with this week's check-ins (*%s*):", mention(s.LeadID),
		plural(len(s.Teams), "team stands", "teams stand"), esc(s.Cycle.Name)))}
	for _, t := range s.Teams {
		done := t.Owners - len(t.Missing)
		lines := []string{fmt.Sprintf("*%s* · %d of %d checked in %s", esc(trunc(t.Team.Name, 80)), done, t.Owners, bar(float64(done)/float64(max(1, t.Owners))))}
		for _, m := range t.Missing[:min(len(t.Missing), leadSummaryMaxPeople)] {
			owes := fmt.Sprintf("%s of %s due", formatNumber(float64(m.Due)), countOf(m.Total, "key result", "key results"))
			if m.Due == m.Total {
				owes = fmt.Sprintf("no check-in yet (%s)", countOf(m.Total, "key result", "key results"))
			}
			lines = append(lines, fmt.Sprintf("• %s · %s", mention(m.UserID), owes))
		}
		if rest := len(t.Missing) - leadSummaryMaxPeople; rest > 0 {
			lines = append(lines, fmt.Sprintf("…and %d more", rest))
		}
		blocks = append(blocks, lineSections(lines, 2)...)
	}
	blocks = append(blocks, contextBlock("They got a reminder from me today; a word from you helps more than another one from me. `/okr list team &lt;name&gt;` shows where the team's key results stand."))
	return message{Text: text, Blocks: blocks[:min(len(blocks), maxMessageBlocks)]}
}

// Nudge asks a person to close one gap.
func (n *Notifier) Nudge(ctx context.Context, nd *okr.Nudge) (string, error) {
	msg, err := n.b.nudgeMessage(ctx, nd)
	if err != nil {
		return "", err
	}
	return n.b.sender.post(ctx, outgoing{Target: nd.UserID, Key: nd.Key, Msg: msg})
}

// nudgeMaxItems is how many items of one kind a nudge lists.
const nudgeMaxItems = 10

func (b *Bot) nudgeMessage(ctx context.Context, nd *okr.Nudge) (message, error) {
	loc := b.userLocation(ctx, nd.UserID)
	var blocks []slack.Block
	var text string
	items := func(lines []string, total int) {
		if total > nudgeMaxItems {
			lines = append(lines[:nudgeMaxItems], fmt.Sprintf("…and %d more", total-nudgeMaxItems))
		}
		blocks = append(blocks, lineSections(lines, 3)...)
	}
	switch nd.Kind {
	case okr.NudgeOrphan:
		o := nd.Objective
		text = fmt.Sprintf("%s is not aligned with anything yet", o.Ref())
		blocks = append(blocks, section(fmt.Sprintf("🔗 Your objective *%s* %s is not aligned with anything yet. Linking it to the objective it serves shows how your work adds up, and counts it in that objective's progress.",
			o.Ref(), esc(trunc(o.Title, 120)))))
		if len(nd.Suggestions) == 0 {
			blocks = append(blocks, section("This cycle has no higher-level objective to link it to yet; once there is one, choose it here:"))
		} else {
			blocks = append(blocks, section(plural(len(nd.Suggestions), "This one looks related:", "These look related:")))
		}
		for _, s := range nd.Suggestions {
			p := s.Objective
			blocks = append(blocks, section(fmt.Sprintf("*%s* %s · %s\n_%s_", p.Ref(), esc(trunc(p.Title, 120)), p.Level.Label(), esc(s.Why))))
			value := o.Ref() + ">" + targetValue(p.ID, 0)
			link := button("Link to "+p.Ref(), actLinkSuggested, value)
			link.Style = slack.StylePrimary
			blocks = append(blocks, actions("", link, button("Review first…", actLinkOpen, value), button("Not related", actNotRelated, value)))
		}
		example := "&lt;objective&gt;"
		if len(nd.Suggestions) > 0 {
			example = nd.Suggestions[0].Objective.Ref()
		}
		blocks = append(blocks, actions("", button("Choose another…", actLinkOpen, o.Ref())),
			contextBlock(fmt.Sprintf("Or type `/okr link %s to %s`. I ask about an objective at most once a week.", o.Ref(), example)))
	case okr.NudgeUnsupported:
		text = "Nothing supports your company objectives yet"
		blocks = append(blocks, section(fmt.Sprintf("🏝️ No objective is aligned under your company %s yet, so nobody can see which work drives %s:",
			plural(len(nd.Objectives), "objective", "objectives"), plural(len(nd.Objectives), "it", "them"))))
		var lines []string
		for _, st := range nd.Objectives[:min(len(nd.Objectives), nudgeMaxItems)] {
			lines = append(lines, "• "+objectiveLine(st.Objective, st.Progress, st.Health))
		}
		items(lines, len(nd.Objectives))
		blocks = append(blocks, contextBlock(fmt.Sprintf("Ask the teams whose work serves it to link their objectives to it (`/okr link &lt;their objective&gt; to %s`); `/okr gaps orphans` lists the objectives not aligned yet.",
			nd.Objectives[0].Objective.Ref())))
	case okr.NudgeStale:
		text = "Key results waiting for a check-in"
		blocks = append(blocks, section(fmt.Sprintf("⏳ %s had no check-in for %s or more, so nobody knows where %s:",
			plural(len(nd.KeyResults), "This key result has", "These key results have"), durationText(nd.Policy.StaleAfter),
			plural(len(nd.KeyResults), "it stands", "they stand"))))
		var lines []string
		for _, st := range nd.KeyResults[:min(len(nd.KeyResults), nudgeMaxItems)] {
			kr := st.KeyResult
			since := "never checked in"
			if !kr.CheckedAt.IsZero() {
				since = "last check-in " + daysAgo(kr.CheckedAt, nd.At, loc)
			}
			lines = append(lines, fmt.Sprintf("• *%s* %s · %s %s · %s", kr.Ref(), esc(trunc(kr.Title, 100)), bar(st.Progress), pct(st.Progress), since))
		}
		items(lines, len(nd.KeyResults))
		checkin := button("✅ Check in now", actCheckinOpen, checkinAll)
		checkin.Style = slack.StylePrimary
		blocks = append(blocks, actions("", checkin), contextBlock("If one no longer matters, archive it: `/okr archive KR45`."))
	case okr.NudgeLimits:
		text = "Your OKRs are beyond the good-practice limits"
		blocks = append(blocks, section("📚 A few OKRs kept in focus beat many spread thin. Yours are beyond the limits your company set:"))
		var lines []string
		for _, l := range nd.Loads {
			lines = append(lines, fmt.Sprintf("• You own %s; at most %s keeps them in focus.",
				countOf(l.Count, strings.ToLower(l.Level.Label())+" objective", strings.ToLower(l.Level.Label())+" objectives"), formatNumber(float64(nd.Policy.MaxObjectivesPerOwner))))
		}
		for _, st := range nd.Objectives {
			k := len(st.KeyResults)
			lines = append(lines, fmt.Sprintf("• *%s* %s has %s; %d–%d work best.", st.Objective.Ref(), esc(trunc(st.Objective.Title, 100)),
				countOf(k, "key result", "key results"), nd.Policy.MinKeyResults, nd.Policy.MaxKeyResults))
		}
		items(lines, len(lines))
		blocks = append(blocks, contextBlock("`/okr kr O12` adds a key result; `/okr archive` retires what no longer matters. This is advice: nothing is blocked."))
	case okr.NudgeKickoff:
		if nd.Admin {
			text = fmt.Sprintf("%s has begun: set the company objectives", nd.Cycle.Name)
			blocks = append(blocks, section(fmt.Sprintf("🚀 *%s* has begun and has no company objectives yet. Set the few that matter most this quarter, so that every team can align its own with them.", esc(nd.Cycle.Name))))
			add := button("➕ New company objective", actHomeNew, string(okr.LevelCompany))
			add.Style = slack.StylePrimary
			blocks = append(blocks, actions("", add))
		} else {
			names := make([]string, len(nd.Teams))
			for i, t := range nd.Teams {
				names[i] = "*" + esc(trunc(t.Name, 60)) + "*"
			}
			text = fmt.Sprintf("%s has begun: time to set your team's objectives", nd.Cycle.Name)
			blocks = append(blocks, section(fmt.Sprintf("🚀 *%s* has begun. Time for %s to draft its objectives and align them with the company's.",
				esc(nd.Cycle.Name), joinAnd(names))))
			if len(nd.Objectives) > 0 {
				var lines []string
				for _, st := range nd.Objectives[:min(len(nd.Objectives), nudgeMaxItems)] {
					lines = append(lines, fmt.Sprintf("• *%s* %s", st.Objective.Ref(), esc(trunc(st.Objective.Title, 120))))
				}
				blocks = append(blocks, section("The company objectives so far:"))
				items(lines, len(nd.Objectives))
			}
			add := button("➕ New team objective", actHomeNew, string(okr.LevelTeam))
			add.Style = slack.StylePrimary
			blocks = append(blocks, actions("", add), contextBlock("`/okr gaps orphans` shows objectives not aligned yet."))
		}
	case okr.NudgeScore:
		last := nd.Cycle.End.In(b.settings(ctx).Location).AddDate(0, 0, -1)
		text = fmt.Sprintf("%s ends %s: time to score your objectives", nd.Cycle.Name, last.Format("Mon, Jan 2"))
		blocks = append(blocks, section(fmt.Sprintf("🏁 *%s* ends on %s. Time to score your %s: 0.7 on a stretch goal is a success.",
			esc(nd.Cycle.Name), last.Format("Monday, Jan 2"), plural(len(nd.Objectives), "objective", "objectives"))))
		var lines []string
		for _, st := range nd.Objectives[:min(len(nd.Objectives), nudgeMaxItems)] {
			lines = append(lines, fmt.Sprintf("• *%s* %s · %s %s", st.Objective.Ref(), esc(trunc(st.Objective.Title, 120)), bar(st.Progress), pct(st.Progress)))
		}
		items(lines, len(nd.Objectives))
		score := button("Score my objectives", actScoreOpen, idValue(nd.Cycle.ID))
		score.Style = slack.StylePrimary
		blocks = append(blocks, actions("", score), contextBlock("Unfinished objectives can be carried over to the next cycle with their key results."))
	default:
		return message{}, fmt.Errorf("nudge of unknown kind %q", nd.Kind)
	}
	return message{Text: text, Blocks: blocks[:min(len(blocks), maxMessageBlocks)]}, nil
}

// FindSent looks for a message carrying key in target's conversation.
func (n *Notifier) FindSent(ctx context.Context, target, key string, since time.Time) (string, bool, error) {
	return n.b.sender.find(ctx, target, key, since)
}

// Digest posts a digest's summary to its channel.
func (n *Notifier) Digest(ctx context.Context, d *okr.Digest) (string, error) {
	return n.b.sender.post(ctx, outgoing{Target: d.Channel, Key: d.Key, Msg: digestSummary(d)})
}

// DigestThread renders the digest's detail and chart for the summary's
// thread, each part to be delivered once under its own key.
func (n *Notifier) DigestThread(ctx context.Context, d *okr.Digest, summaryRef string) ([]okr.Outgoing, error) {
	channel, ts, _ := strings.Cut(summaryRef, "/")
	inThread := func(ctx context.Context, _, key string, since time.Time) (string, bool, error) {
		return n.b.sender.findInThread(ctx, channel, ts, key, since)
	}
	var out []okr.Outgoing
	for _, part := range digestThread(d) {
		key, msg := okr.DigestPartKey(d.Key, part.name), part.msg
		out = append(out, okr.Outgoing{Key: key, Target: channel, Find: inThread, Send: func(ctx context.Context) (string, error) {
			return n.b.sender.post(ctx, outgoing{Target: channel, Key: key, ThreadTS: ts, Msg: msg})
		}})
	}
	if !digestCharted(d) {
		return out, nil // the summary promised no chart
	}
	key := okr.DigestPartKey(d.Key, "chart")
	out = append(out, okr.Outgoing{Key: key, Target: channel, Find: inThread, Send: func(ctx context.Context) (string, error) {
		png, err := progressChart(d)
		if err != nil {
			return "", okr.Undeliverable("chart: " + err.Error())
		}
		caption := message{Text: "Progress by week", Blocks: []slack.Block{
			contextBlock(fmt.Sprintf("📈 Progress of the %s by week, against the plan (dashed)", digestScope(d))),
		}}
		// The ledger records the file's ID; the message sharing it is found
		// by its marker, like any other.
		return n.b.sender.upload(ctx, channel, ts, key, "okr-progress-"+strings.ReplaceAll(d.Cycle.Name, " ", "-")+".png",
			d.Cycle.Name+" progress by week", png, caption)
	}})
	return out, nil
}
