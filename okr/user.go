package okr

import (
	"context"
	"sync"
	"time"
)

// User is the cached Slack profile of a person: what the bot needs to
// address them, schedule them in their own time zone and check permissions.
type User struct {
	ID       string // Slack user ID
	Name     string // display name, or real name when there is none
	TZ       string // IANA zone such as "Europe/Berlin"; "" when unknown
	IsAdmin  bool   // workspace admin or owner, or listed in OKRBOT_ADMINS
	IsBot    bool
	Deleted  bool
	AwayTill time.Time // no prompts before this instant; zero when present
}

// Location returns the user's time zone, or fallback when it is unknown or
// not a zone this machine knows.
func (u *User) Location(fallback *time.Location) *time.Location {
	if u.TZ == "" {
		return fallback
	}
	if loc, ok := zones.Load(u.TZ); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(u.TZ)
	if err != nil {
		return fallback
	}
	zones.Store(u.TZ, loc)
	return loc
}

// zones caches time zones by name: loading one reads and parses the zone
// database (tens of microseconds), and the scheduler asks for every
// person's zone on every pass.
var zones sync.Map // name -> *time.Location

// Away reports whether the user asked not to be prompted at t.
func (u *User) Away(t time.Time) bool { return t.Before(u.AwayTill) }

// UserService caches Slack users.
type UserService interface {
	// UpsertUsers writes the profiles in one transaction, keeping AwayTill.
	UpsertUsers(ctx context.Context, users []*User) error
	// FindUserByID returns ENOTFOUND for a user never synced.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUsers lists every cached user by ID.
	FindUsers(ctx context.Context) ([]*User, error)
	// SetAway sets (or with a zero time clears) the user's away date.
	SetAway(ctx context.Context, id string, till time.Time) error
}

// SettingService stores run-time settings that override configuration
// defaults (schedules, digest channel, limits, time zone).
type SettingService interface {
	// Settings returns every stored setting.
	Settings(ctx context.Context) (map[string]string, error)
	// SetSettings writes the given keys in one transaction; an empty value
	// deletes the key, restoring the configured default.
	SetSettings(ctx context.Context, values map[string]string) error
}
