package slackfake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNew_SeedMakesIDsReproducible(t *testing.T) {
	a := newServer(t, Options{Seed: 7})
	b := newServer(t, Options{Seed: 7})
	c := newServer(t, Options{Seed: 8})
	if a.BotUserID() != b.BotUserID() || a.TeamID() != b.TeamID() || a.BotToken() != b.BotToken() {
		t.Error("the same seed gave different identities")
	}
	if a.BotUserID() == c.BotUserID() {
		t.Error("different seeds gave the same bot user ID")
	}
	if !strings.HasPrefix(a.BotToken(), "xoxb-") || !strings.HasPrefix(a.AppToken(), "xapp-") {
		t.Errorf("tokens %q %q", a.BotToken(), a.AppToken())
	}
	if u := a.APIURL(); !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/api/") {
		t.Errorf("APIURL %q", u)
	}
}

func TestWaitFor_GivesUp(t *testing.T) {
	srv := newServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := srv.WaitFor(ctx, "never", func() bool { return false })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "never") {
		t.Errorf("WaitFor = %v", err)
	}
}
