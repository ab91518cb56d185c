package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// userResync is how often the whole user list is read again. user_change
// events keep it fresh in between; a daily pass catches anything missed
// while the bot was down.
const userResync = 24 * time.Hour

// keepUsersInSync reads every user at start and again each day, until ctx
// ends.
func (b *Bot) keepUsersInSync(ctx context.Context) {
	ticker := time.NewTicker(userResync)
	defer ticker.Stop()
	for {
		if err := b.syncUsers(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("user sync failed; will retry at the next pass", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// syncUsers caches every workspace user (users.list, paginated; slack-go
// waits out rate limits between pages).
func (b *Bot) syncUsers(ctx context.Context) error {
	users, err := b.api.GetUsersContext(ctx)
	if err != nil {
		return fmt.Errorf("users.list: %w", err)
	}
	cached := make([]*okr.User, 0, len(users))
	for i := range users {
		cached = append(cached, fromSlackUser(&users[i]))
	}
	if err := b.store.UpsertUsers(ctx, cached); err != nil {
		return err
	}
	if err := b.loadAdmins(ctx); err != nil {
		return err
	}
	b.counters.userSyncs.Add(1)
	b.log.Info("users synced", slog.Int("users", len(cached)))
	b.usersKnownOnce.Do(func() { close(b.usersKnown) })
	return nil
}

// UsersKnown is closed once people's profiles (time zones above all) are
// known: after the first sync with Slack, or at once when an earlier run
// left them cached.
func (b *Bot) UsersKnown() <-chan struct{} { return b.usersKnown }

// knowCachedUsers closes UsersKnown when the cache already holds people.
func (b *Bot) knowCachedUsers(ctx context.Context) {
	if users, err := b.store.FindUsers(ctx); err == nil && len(users) > 0 {
		b.usersKnownOnce.Do(func() { close(b.usersKnown) })
	}
}

// loadAdmins remembers who the admins are, to name them in refusals:
// those configured and the workspace's admins and owners.
func (b *Bot) loadAdmins(ctx context.Context) error {
	users, err := b.store.FindUsers(ctx)
	if err != nil {
		return err
	}
	admins := slices.Clone(b.opts.Admins)
	for _, u := range users {
		if u.IsAdmin && !u.Deleted && !u.IsBot {
			admins = append(admins, u.ID)
		}
	}
	slices.Sort(admins)
	admins = slices.Compact(admins)
	if admins == nil {
		admins = []string{} // loaded, and there are none
	}
	b.adminsMu.Lock()
	b.admins = admins
	b.adminsMu.Unlock()
	return nil
}

func fromSlackUser(u *slack.User) *okr.User {
	name := u.Profile.DisplayName
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		name = u.Name
	}
	return &okr.User{
		ID:      u.ID,
		Name:    name,
		TZ:      u.TZ,
		IsAdmin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner,
		IsBot:   u.IsBot || u.ID == "USLACKBOT",
		Deleted: u.Deleted,
	}
}

func (b *Bot) onUserChange(ctx context.Context, ev *slackevents.UserChangeEvent) error {
	u := ev.User
	name := u.Profile.DisplayName
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		name = u.Name
	}
	if err := b.store.UpsertUsers(ctx, []*okr.User{{
		ID: u.ID, Name: name, TZ: u.TZ,
		IsAdmin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner,
		IsBot:   u.IsBot, Deleted: u.Deleted,
	}}); err != nil {
		return err
	}
	return b.loadAdmins(ctx)
}

// user returns the cached profile, asking Slack (users.info) for a person
// not seen yet.
func (b *Bot) user(ctx context.Context, id string) (*okr.User, error) {
	u, err := b.store.FindUserByID(ctx, id)
	if err == nil || okr.ErrorCode(err) != okr.ENOTFOUND {
		return u, err
	}
	su, err := b.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("users.info %s: %w", id, err)
	}
	u = fromSlackUser(su)
	if err := b.store.UpsertUsers(ctx, []*okr.User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// actor is the person behind an interaction, with their permissions.
func (b *Bot) actor(ctx context.Context, id string) (okr.Actor, error) {
	b.adminsMu.Lock()
	admins := b.admins
	b.adminsMu.Unlock()
	if admins == nil { // before the first sync finished: read the cache
		if err := b.loadAdmins(ctx); err != nil {
			return okr.Actor{}, err
		}
		b.adminsMu.Lock()
		admins = b.admins
		b.adminsMu.Unlock()
	}
	a := okr.Actor{ID: id, Admins: admins, Admin: slices.Contains(b.opts.Admins, id)}
	if a.Admin {
		return a, nil
	}
	u, err := b.user(ctx, id)
	if err != nil {
		return a, err
	}
	a.Admin = u.IsAdmin
	return a, nil
}
