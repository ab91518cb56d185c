package scheduler_test

import (
	"os"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
)

func TestShowMessages(t *testing.T) {
	if os.Getenv("SHOW") == "" {
		t.Skip()
	}
	london := mustLoad("Europe/London")
	r := newRig(t, rigConfig{start: time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC), users: quarterUsers(),
		channels:  []slackfake.Channel{{ID: okrs, Name: "okrs", BotMember: true}},
		schedOpts: func(o *scheduler.Options) { o.Defaults = okr.Settings{Location: london, DigestChannel: okrs} }})
	quarterOrg(t, r)
	r.startScheduler()
	r.runUntil(time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC), nil)
	for _, u := range []string{leo, lee, ada} {
		for _, m := range r.dms(u) {
			t.Logf("---- DM %s %s %s\n%s", u, m.Key, m.At.In(london).Format(time.RFC1123), slackfake.RenderMessage(m.Message))
		}
	}
	for _, m := range r.posts(okrs) {
		t.Logf("---- POST %s\n%s", m.Key, slackfake.RenderMessage(m.Message))
	}
}
