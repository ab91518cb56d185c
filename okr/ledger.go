package okr

import (
	"context"
	"time"
)

// Delivery is one message the bot promised to send exactly once, such as
// "checkin:2026-Q4:2026-W47:U123". Claiming the key before sending and
// marking it sent afterwards means a restart never sends it twice, and
// Pending finds what was claimed but never confirmed.
type Delivery struct {
	Key       string
	Ref       string // what Slack returned, e.g. "D123/1700000000.000100"; "" until sent
	ClaimedAt time.Time
	SentAt    time.Time // zero until sent
}

// Sent reports whether the delivery was confirmed.
func (d *Delivery) Sent() bool { return !d.SentAt.IsZero() }

// LedgerService is the delivery ledger.
type LedgerService interface {
	// Claim records key and returns true the first time it is called for
	// that key, across restarts and concurrent callers; false after.
	Claim(ctx context.Context, key string) (bool, error)
	// MarkSent confirms a claimed delivery with Slack's reference;
	// ENOTFOUND if the key was never claimed.
	MarkSent(ctx context.Context, key, ref string) error
	// Pending lists claimed deliveries not yet confirmed, oldest first.
	Pending(ctx context.Context) ([]*Delivery, error)
}

// Store is every service the storage adapter provides, for the code that
// wires the program together.
type Store interface {
	CycleService
	TeamService
	ObjectiveService
	KeyResultService
	CheckinService
	LinkService
	GraphService
	UserService
	SettingService
	LedgerService
}
