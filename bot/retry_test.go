package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/internal/slackfake"
)

// TestServerErrorsAreRetried answers the first views.open, views.publish
// and DM post with a server error: the person still gets the modal, the
// Home tab and the answer, each once, and never "Something went wrong".
func TestServerErrorsAreRetried(t *testing.T) {
	t.Run("views.open 500", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetFault("views.open", slackfake.Fault{Status: 500, OnCall: 1})
		h.modal(member, "new", "okr_new")
		noApology(t, h)
	})
	t.Run("views.open 502 twice", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetFault("views.open", slackfake.Fault{Status: 502, Count: 2})
		h.modal(member, "new", "okr_new")
		noApology(t, h)
	})
	t.Run("views.open done, answer lost", func(t *testing.T) {
		// Slack opened the modal but the answer never came back: the
		// retry finds the trigger spent and takes that as done.
		h := newHarness(t)
		h.srv.SetFault("views.open", slackfake.Fault{Lost: true, OnCall: 1})
		h.modal(member, "new", "okr_new")
		h.waitFor("the retry", func() bool { return len(h.srv.CallsTo("views.open")) >= 2 })
		noApology(t, h)
		if n := len(h.srv.ViewStack(member)); n != 1 {
			t.Fatalf("%d modals open, want 1", n)
		}
		// The spent trigger is how the bot learns the lost try opened the
		// modal: that one refusal is the point, not a mistake.
		if v := h.srv.Violations(); len(v) != 1 || v[0].Error != "exchanged_trigger_id" {
			t.Fatalf("violations %+v, want the one exchanged_trigger_id", v)
		}
		h.srv.ResetRecords()
	})
	t.Run("views.publish 503", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetFault("views.publish", slackfake.Fault{Status: 503, OnCall: 1})
		if _, err := h.srv.OpenAppHome(context.Background(), member); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the Home tab", func() bool { return h.srv.HomeView(member) != nil })
	})
	t.Run("response_url and the DM after it fail", func(t *testing.T) {
		// The ephemeral answer cannot be posted, and the first try of the
		// DM that replaces it fails after Slack took it: the DM is found,
		// not sent twice.
		h := newHarness(t)
		h.srv.SetFault(slackfake.FaultResponseURL, slackfake.Fault{Status: 500, Count: 5})
		h.srv.SetFault("chat.postMessage", slackfake.Fault{Lost: true, OnCall: 1})
		h.command(member, "show O999")
		h.waitFor("the answer by DM", func() bool {
			for _, m := range h.dm(member) {
				if strings.Contains(m, "There is no objective O999.") {
					return true
				}
			}
			return false
		})
		h.waitFor("the lookup after the lost post", func() bool { return len(h.srv.CallsTo("conversations.history")) > 0 })
		if dms := h.dm(member); len(dms) != 1 {
			t.Fatalf("%d DMs, want the one answer: %q", len(dms), dms)
		}
	})
}

// noApology fails when the person was shown the generic apology.
func noApology(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range append(h.replies(member), h.dm(member)...) {
		if strings.Contains(r, "Something went wrong") || strings.Contains(r, "took too long") {
			t.Fatalf("the person was told %q", r)
		}
	}
}
