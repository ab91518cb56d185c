package okr

import (
	"context"
	"time"
)

// Notifier renders and sends what the scheduler decides to say: the weekly
// check-in prompt and its reminder, a team lead's summary, the digest and
// the nudges. Each message carries its delivery key, so that Slack itself
// can be asked (FindSent) whether an attempt that ended without an answer
// got through. Every method returns Slack's reference of what it posted
// (MessageRef), and an error wrapping ErrUndeliverable when Slack refused it
// for good; other errors may be retried.
type Notifier interface {
	CheckinRequest(ctx context.Context, r *CheckinRequest) (ref string, err error)
	LeadSummary(ctx context.Context, s *LeadSummary) (ref string, err error)
	Nudge(ctx context.Context, n *Nudge) (ref string, err error)
	// Digest posts a digest's summary to its channel.
	Digest(ctx context.Context, d *Digest) (ref string, err error)
	// DigestThread renders the detail and the chart for the thread of the
	// summary at summaryRef: messages to deliver in order, each once under
	// its own DigestPartKey(d.Key, …), so a thread cut short is completed by
	// delivering them again and nothing is repeated.
	DigestThread(ctx context.Context, d *Digest, summaryRef string) ([]Outgoing, error)
	// FindSent looks for a message carrying key that was posted to target
	// (a user's DM or a channel) since the given time.
	FindSent(ctx context.Context, target, key string, since time.Time) (ref string, found bool, err error)
}

// Outgoing is a message ready to be delivered once: its key, where it goes,
// how to send it, and how to look for an earlier attempt of it (where
// FindSent would not look, such as a thread).
type Outgoing struct {
	Key, Target string
	Send        SendFunc
	Find        FindFunc
}

// CheckinRequest asks one owner to check in: the weekly prompt, or the
// reminder for what is still due.
type CheckinRequest struct {
	Key      string
	UserID   string
	Cycle    *Cycle
	Reminder bool
	// KeyResults are the owner's live key results to update, most in need
	// first, with their full rows (titles, units); for a reminder only
	// those still due.
	KeyResults []KeyResultState
	Objectives map[int64]*Objective // the key results' objectives
	// Total is how many live key results the owner has, so a reminder can
	// say "2 of 5".
	Total int
	// DrivenBy names the objectives that drive each driven key result of
	// KeyResults (KeyResultState.Driven), by key-result ID: those owe no
	// check-in, and a prompt shows them as driven.
	DrivenBy map[int64][]int64
	At       time.Time
}

// LeadSummary tells a team lead who in their teams has not checked in.
type LeadSummary struct {
	Key    string
	LeadID string
	Cycle  *Cycle
	Teams  []TeamCheckins
	At     time.Time
}

// TeamCheckins is one team's check-ins in the current period.
type TeamCheckins struct {
	Team *Team
	// Owners is how many people in the team owe check-ins this period;
	// Missing are those who still do, by user ID.
	Owners  int
	Missing []OwedCheckin
}

// OwedCheckin is one person with key results still due a check-in.
type OwedCheckin struct {
	UserID     string
	Due, Total int // key results still due, of those they own
}

// NudgeKind is what a nudge is about.
type NudgeKind string

const (
	// NudgeOrphan: an objective below company level is aligned with
	// nothing. Objective and Suggestions (the best parents, with reasons)
	// are set.
	NudgeOrphan NudgeKind = "orphan"
	// NudgeUnsupported: company objectives the person owns that nothing
	// supports. Objectives is set.
	NudgeUnsupported NudgeKind = "unsupported"
	// NudgeStale: key results the person owns with no check-in for the
	// policy's stale period. KeyResults is set.
	NudgeStale NudgeKind = "stale"
	// NudgeLimits: the person is beyond the good-practice limits: Loads
	// (too many objectives at a level) and Objectives (too few or too many
	// key results).
	NudgeLimits NudgeKind = "limits"
	// NudgeKickoff: a cycle has begun. An admin (Admin set) is asked to set
	// company objectives; a team lead (Teams set) to draft and align the
	// team's. Objectives lists the company objectives so far.
	NudgeKickoff NudgeKind = "kickoff"
	// NudgeScore: the cycle ends within a week; the person is asked to
	// score Objectives.
	NudgeScore NudgeKind = "score"
)

// Importance orders nudges when the weekly budget cannot hold them all:
// lower goes first. Alignment is why okrbot exists, then knowing where
// work stands, then the supporting structure and the limits.
func (k NudgeKind) Importance() int {
	switch k {
	case NudgeKickoff, NudgeScore:
		return 0 // once a cycle, and time-bound
	case NudgeOrphan:
		return 1
	case NudgeStale:
		return 2
	case NudgeUnsupported:
		return 3
	case NudgeLimits:
		return 4
	}
	return 5
}

// Nudge is one DM asking a person to close a gap.
type Nudge struct {
	Key    string
	Kind   NudgeKind
	UserID string
	Cycle  *Cycle
	Policy Policy
	At     time.Time

	Objective   *Objective
	Suggestions []Suggestion
	Objectives  []*ObjectiveState
	KeyResults  []KeyResultState
	Loads       []OwnerLoad
	Admin       bool
	Teams       []*Team
}

// Digest is the weekly state of the company (or of one team) for a
// channel.
type Digest struct {
	Key      string
	Channel  string
	Team     *Team // nil for the company digest
	Cycle    *Cycle
	At       time.Time
	Location *time.Location // the company's, for dates
	// Expected is the progress a linear plan has reached at At.
	Expected float64
	// Objectives are the company objectives (or the team's), by ID, each
	// with the objectives aligned under it.
	Objectives []DigestObjective
	// Wins are key results that reached their target in the past week.
	Wins []KeyResultState
	// AtRisk are reported at risk or off track, or behind, worst first;
	// Stale have had no check-in for the policy's stale period.
	AtRisk []KeyResultState
	Stale  []KeyResultState
	// Orphans are objectives below company level aligned with nothing;
	// Unsupported are company objectives nothing supports.
	Orphans     []*Objective
	Unsupported []*Objective
	// Aligned of Alignable objectives below company level have a parent.
	Aligned, Alignable int
	Participation      Participation
	// History is each of Objectives' progress at the end of every week of
	// the cycle so far, for the chart.
	History []ProgressSeries
	// DrivenBy names the objectives that drive each driven key result the
	// digest shows (KeyResultState.Driven), by key-result ID.
	DrivenBy map[int64][]int64
}

// DigestObjective is a top objective of a digest with what supports it.
type DigestObjective struct {
	State *ObjectiveState
	// Supporters are the objectives aligned under it, at any depth, top
	// level first.
	Supporters []*ObjectiveState
}

// Participation counts the owners who owed a check-in this period and
// those who made it.
type Participation struct {
	Due, Done int
}

// Share is Done of Due; 1 when nobody owed one.
func (p Participation) Share() float64 {
	if p.Due == 0 {
		return 1
	}
	return float64(p.Done) / float64(p.Due)
}

// ProgressSeries is an objective's progress at a series of times.
type ProgressSeries struct {
	Objective *Objective
	At        []time.Time
	Progress  []float64
}
