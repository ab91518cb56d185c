package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// TestDigestPreview_PrintsWhatWouldBePostedAndPostsNothing seeds the demo's
// company plus a team with a channel of its own, and previews Friday's
// digests without tokens: the company digest to the configured channel and
// the team's to its own, each summary with its thread, people by name, the
// chart saved, and the delivery ledger untouched.
func TestDigestPreview_PrintsWhatWouldBePostedAndPostsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath, chart := filepath.Join(dir, "okrbot.db"), filepath.Join(dir, "chart.png")
	setEnv(t, map[string]string{"OKRBOT_DB": dbPath, "OKRBOT_TIMEZONE": "America/New_York", "OKRBOT_DIGEST_CHANNEL": "COKRS"})

	db, err := storage.Open(ctx, dbPath)
	must(t, err)
	org, err := (&demo{db: db}).seed(ctx)
	must(t, err)
	sales := &okr.Team{Name: "Sales", LeadID: demoLee, Channel: "CSALES"}
	must(t, db.CreateTeam(ctx, sales))
	must(t, db.CreateObjective(ctx, &okr.Objective{CycleID: org.pipeline.CycleID, Title: "Close the <big> deals & more", Level: okr.LevelTeam,
		OwnerID: demoLee, TeamID: sales.ID}, []*okr.KeyResult{{Title: "Deals closed", Kind: okr.KindIncrease, Target: 20, OwnerID: demoLee}}, okr.LinkOptions{}))
	must(t, db.UpsertUsers(ctx, []*okr.User{{ID: demoAda, Name: "Ada"}, {ID: demoLee, Name: "Lee"}}))
	must(t, db.Close())

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"digest", "-preview", "-at", "2026-11-20T16:00", "-chart", chart}, &out, &errOut); code != 0 {
		t.Fatalf("okrbot digest -preview: exit %d: %s", code, errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"The company digest as of Fri 20 Nov 2026 16:00 EST (to #COKRS):",
		"  │ # 📊 Weekly OKR digest · 2026-Q4",
		"*O1* Increase revenue",
		"  ↳ in the thread:\n  │ 🟠 *O1* Increase revenue · Company",
		"· @Ada",
		"The Sales digest as of Fri 20 Nov 2026 16:00 EST (to #CSALES):",
		"# 📊 Sales · weekly OKR digest · 2026-Q4",
		"Close the <big> deals & more", // as Slack shows it, unescaped
		"[image: progress by week, against the plan]",
		"The chart is saved in " + chart,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("preview:\n%s", text)
	}
	f, err := os.Open(chart)
	must(t, err)
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("the saved chart is not a PNG: %v", err)
	}

	db, err = storage.Open(ctx, dbPath)
	must(t, err)
	defer db.Close()
	if sent, err := db.FindDeliveries(ctx, okr.DeliveryFilter{}); err != nil || len(sent) != 0 {
		t.Errorf("the preview wrote %d deliveries to the ledger (%v), want none", len(sent), err)
	}
}

func TestDigestPreview_RefusesWhatItCannotDo(t *testing.T) {
	dir := t.TempDir()
	setEnv(t, map[string]string{"OKRBOT_DB": filepath.Join(dir, "none.db")})
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"digest"}, 2, "Use -preview"},
		{[]string{"digest", "-preview", "-at", "friday"}, 2, "-at \"friday\": use 2026-12-04T16:00"},
		{[]string{"digest", "-preview", "extra"}, 2, "unexpected argument \"extra\""},
		{[]string{"digest", "-preview"}, 1, "there is no database at OKRBOT_DB="},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.says) {
			t.Errorf("okrbot %v: exit %d, %q; want exit %d saying %q", c.args, code, errOut.String(), c.code, c.says)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("the preview created a database")
	}
}
