package okr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Delivery is one message the bot promised to send exactly once, such as
// "checkin:2026-Q4:2026-W47:U123". An instance of okrbot claims the key
// before sending and marks it sent with Slack's reference afterwards, so a
// restart, a second run of a job or a second process never sends it twice.
type Delivery struct {
	Key       string
	Target    string // where it goes: a user ID (a DM) or a channel ID
	Owner     string // the instance that holds the claim
	Ref       string // what Slack returned: "D123/1700000000.000100"; "" until sent
	ClaimedAt time.Time
	SentAt    time.Time // zero until sent
	FailedAt  time.Time // zero unless Slack refused it for good
	Error     string    // why it failed, e.g. "user_disabled"
}

// Sent reports whether the delivery was confirmed.
func (d *Delivery) Sent() bool { return !d.SentAt.IsZero() }

// Failed reports whether the delivery was given up for good.
func (d *Delivery) Failed() bool { return !d.FailedAt.IsZero() }

// Done reports whether nothing is left to do for the delivery.
func (d *Delivery) Done() bool { return d.Sent() || d.Failed() }

// Channel and TS split the reference of a sent delivery.
func (d *Delivery) Channel() string { channel, _, _ := strings.Cut(d.Ref, "/"); return channel }
func (d *Delivery) TS() string      { _, ts, _ := strings.Cut(d.Ref, "/"); return ts }

// MessageRef is how a sent message is recorded: "D123/1700000000.000100".
func MessageRef(channel, ts string) string { return channel + "/" + ts }

// ClaimResult says what claiming a key found.
type ClaimResult int

const (
	// ClaimNew: the key was new and is now held by the caller.
	ClaimNew ClaimResult = iota
	// ClaimTakenOver: the key was claimed before by an instance that is gone (or
	// by the caller itself, in an attempt that gave up); the caller holds
	// it now but must find out whether that attempt reached Slack.
	ClaimTakenOver
	// ClaimBusy: another live instance holds the key and may be sending now.
	ClaimBusy
	// ClaimDone: the key was sent, or given up for good.
	ClaimDone
)

// Claim is the answer of LedgerService.Claim.
type Claim struct {
	Result ClaimResult
	// Previous is the delivery as it was found, for ClaimTakenOver and
	// ClaimDone.
	Previous *Delivery
}

// Instance is one running okrbot process, as the ledger knows it: claims
// are held by instances, and the claims of an instance that stopped beating
// (or whose process is gone) may be taken over.
type Instance struct {
	ID     string
	Host   string
	PID    int
	BeatAt time.Time
}

// InstanceTimeout is how long an instance may go without a heartbeat before
// its claims may be taken over; instances beat every InstanceBeat.
const (
	InstanceBeat    = 5 * time.Second
	InstanceTimeout = 20 * time.Second
)

// DeliveryFilter selects deliveries by key; empty fields do not filter.
type DeliveryFilter struct {
	Prefix string
	Suffix string
	// Sent, when set, selects deliveries sent (true) or not (false).
	Sent  *bool
	Limit int // newest claims first; 0 means all
}

// LedgerService is the delivery ledger.
type LedgerService interface {
	// Claim takes key for instance, atomically across processes: ClaimNew
	// the first time; ClaimTakenOver when the key is pending under an
	// instance that is not alive (or under instance itself); ClaimBusy when
	// a live instance holds it; ClaimDone when it was sent or failed.
	Claim(ctx context.Context, key, target, instance string) (Claim, error)
	// MarkSent confirms a claimed delivery with Slack's reference;
	// ENOTFOUND if the key was never claimed.
	MarkSent(ctx context.Context, key, ref string) error
	// MarkFailed gives a claimed delivery up for good with the reason.
	MarkFailed(ctx context.Context, key, reason string) error
	// FindDelivery returns ENOTFOUND for a key never claimed.
	FindDelivery(ctx context.Context, key string) (*Delivery, error)
	// FindDeliveries lists deliveries whose key matches, newest claim first.
	FindDeliveries(ctx context.Context, filter DeliveryFilter) ([]*Delivery, error)
	// Pending lists claimed deliveries neither sent nor failed, oldest first.
	Pending(ctx context.Context) ([]*Delivery, error)

	// Beat records that the instance is alive, registering it the first
	// time.
	Beat(ctx context.Context, in Instance) error
	// Instances lists the registered instances.
	Instances(ctx context.Context) ([]*Instance, error)
	// Leave removes instances, so that their claims can be taken over at
	// once: on a clean shutdown, and for processes known to be gone.
	Leave(ctx context.Context, ids ...string) error
}

// ErrUndeliverable marks an error that sending again cannot fix: the person
// was deactivated, the channel is gone, the bot was removed from it. A
// delivery that fails with it is marked failed and never retried.
var ErrUndeliverable = errors.New("undeliverable")

// Undeliverable wraps reason (such as Slack's error name) as
// ErrUndeliverable.
func Undeliverable(reason string) error { return fmt.Errorf("%w: %s", ErrUndeliverable, reason) }

// Outcome says what Deliver did.
type Outcome int

const (
	Delivered    Outcome = iota // sent now
	Recovered                   // an earlier attempt had reached Slack; recorded now
	AlreadyDone                 // sent (or given up) before
	InProgress                  // another live instance is sending it
	NotDelivered                // Slack refused it for good; recorded as failed
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Recovered:
		return "recovered"
	case AlreadyDone:
		return "already done"
	case InProgress:
		return "in progress elsewhere"
	case NotDelivered:
		return "not delivered"
	}
	return "outcome " + strconv.Itoa(int(o))
}

// SendFunc sends one message and returns Slack's reference for it
// (MessageRef). It returns an error wrapping ErrUndeliverable when Slack
// refused it for good.
type SendFunc func(ctx context.Context) (ref string, err error)

// FindFunc looks in Slack for a message carrying the delivery's key, posted
// to the delivery's target since the given time, and returns its
// reference. It lets a delivery whose earlier attempt ended without an
// answer (a crash, a lost connection) be recorded instead of sent twice.
type FindFunc func(ctx context.Context, target, key string, since time.Time) (ref string, found bool, err error)

// Deliverer sends messages at most once each, over the ledger, on behalf of
// one instance. It is safe for concurrent use.
type Deliverer struct {
	ledger   LedgerService
	instance string

	mu       sync.Mutex
	inFlight map[string]bool
}

// NewDeliverer delivers on behalf of instance.
func NewDeliverer(ledger LedgerService, instance string) *Deliverer {
	return &Deliverer{ledger: ledger, instance: instance, inFlight: map[string]bool{}}
}

// Instance is the ID claims are made under.
func (d *Deliverer) Instance() string { return d.instance }

// Ledger is the ledger deliveries are recorded in.
func (d *Deliverer) Ledger() LedgerService { return d.ledger }

// ClockSkew widens every window in which an earlier attempt's message is
// looked for: Slack's timestamps and this machine's clock may differ a bit.
const ClockSkew = 5 * time.Minute

// Deliver sends the message for key to target once: it claims the key,
// sends, and records Slack's reference. A key claimed before by an
// instance that is gone is taken over, and Slack is asked (find) whether
// that attempt got through before anything is sent again. A send that
// fails for a reason other than ErrUndeliverable leaves the claim with this
// instance, to be tried again by a later call; the error is returned.
//
// The recording happens even when ctx ends as the send returns, so a send
// that reached Slack is never forgotten by a shutdown.
func (d *Deliverer) Deliver(ctx context.Context, key, target string, send SendFunc, find FindFunc) (Outcome, error) {
	if !d.enter(key) {
		return InProgress, nil
	}
	defer d.leave(key)

	claim, err := d.ledger.Claim(ctx, key, target, d.instance)
	if err != nil {
		return InProgress, fmt.Errorf("claim %s: %w", key, err)
	}
	switch claim.Result {
	case ClaimDone:
		return AlreadyDone, nil
	case ClaimBusy:
		return InProgress, nil
	case ClaimTakenOver:
		if find != nil {
			since := claim.Previous.ClaimedAt.Add(-ClockSkew)
			ref, found, err := find(ctx, target, key, since)
			if err != nil {
				return InProgress, fmt.Errorf("look for an earlier %s: %w", key, err)
			}
			if found {
				return Recovered, d.record(ctx, key, ref, nil)
			}
		}
	}
	ref, err := send(ctx)
	if err != nil {
		if errors.Is(err, ErrUndeliverable) {
			return NotDelivered, d.record(ctx, key, "", err)
		}
		return InProgress, fmt.Errorf("send %s: %w", key, err)
	}
	return Delivered, d.record(ctx, key, ref, nil)
}

// record writes the outcome of a send, on a context that outlives a
// shutdown: what Slack accepted must be written down.
func (d *Deliverer) record(ctx context.Context, key, ref string, failure error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if failure != nil {
		reason := strings.TrimPrefix(failure.Error(), ErrUndeliverable.Error()+": ")
		if err := d.ledger.MarkFailed(ctx, key, reason); err != nil {
			return fmt.Errorf("record %s as failed: %w", key, err)
		}
		return nil
	}
	if err := d.ledger.MarkSent(ctx, key, ref); err != nil {
		return fmt.Errorf("record %s as sent: %w", key, err)
	}
	return nil
}

// enter marks key as being delivered by this instance now; false if it
// already is (two jobs of one process never race for one key).
func (d *Deliverer) enter(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight[key] {
		return false
	}
	d.inFlight[key] = true
	return true
}

func (d *Deliverer) leave(key string) {
	d.mu.Lock()
	delete(d.inFlight, key)
	d.mu.Unlock()
}

// Keys of deliveries. Each kind names what it is for, so that a glance at
// the ledger says what was sent to whom. Parts are separated by colons. A
// message to a person starts with the kind and the person, so that their
// messages of a kind are one range of keys (cheap to list), and it names
// the period (the week) but not the cycle: an admin starting a new cycle in
// the middle of a week does not make that week's prompt go out again.

// PersonPrefix selects the messages of a kind ("checkin", "reminder",
// "lead", "nudge") to one person, across periods.
func PersonPrefix(kind, user string) string { return kind + ":" + user + ":" }

// CheckinKey is the check-in prompt of one owner in one period
// ("checkin:U123:2026-W47").
func CheckinKey(user, period string) string { return PersonPrefix("checkin", user) + period }

// ReminderKey is the reminder of one owner who has not checked in.
func ReminderKey(user, period string) string { return PersonPrefix("reminder", user) + period }

// LeadSummaryKey is a team lead's list of who has not checked in.
func LeadSummaryKey(lead, period string) string { return PersonPrefix("lead", lead) + period }

// DigestKey is a digest post in a channel ("digest:2026-W47:C42"); team is
// 0 for the company's.
func DigestKey(period, channel string, team int64) string {
	if team != 0 {
		return DigestPrefix(period) + "team" + strconv.FormatInt(team, 10) + ":" + channel
	}
	return DigestPrefix(period) + channel
}

// DigestPrefix selects the digests of one period.
func DigestPrefix(period string) string { return "digest:" + period + ":" }

// DigestPartKey is one message of a digest's thread ("O12", "wins", …;
// "chart").
func DigestPartKey(digestKey, part string) string { return digestKey + ":" + part }

// NudgeKey is one nudge to one person in one week; subject names what it is
// about ("O12", or the kind of nudge again for one about several things).
func NudgeKey(user, week string, kind NudgeKind, subject string) string {
	return NudgeWeekPrefix(user, week) + string(kind) + ":" + subject
}

// NudgePrefix selects every nudge a person got.
func NudgePrefix(user string) string { return PersonPrefix("nudge", user) }

// NudgeWeekPrefix selects every nudge a person got in a week, for the
// budget.
func NudgeWeekPrefix(user, week string) string { return NudgePrefix(user) + week + ":" }

// ScoreKey is the request to score one owner's objectives once a cycle has
// closed.
func ScoreKey(cycleID int64, user string) string { return ScorePrefix(cycleID) + user }

// ScorePrefix selects the scoring requests of one cycle.
func ScorePrefix(cycleID int64) string { return "score:" + strconv.FormatInt(cycleID, 10) + ":" }
