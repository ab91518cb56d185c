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

// TestDemo_PlaysTheWeekItPromises runs `okrbot demo` as the README tells a
// new user to, and checks that each scene it announces happened: the link
// from a suggestion, the prompts at 10:00 in each person's zone and the
// check-ins that update them, the orphan's nudge, the reminder and the
// lead's summary, and the digest with its chart saved as a PNG.
func TestDemo_PlaysTheWeekItPromises(t *testing.T) {
	dir := t.TempDir()
	dbPath, chart := filepath.Join(dir, "demo.db"), filepath.Join(dir, "chart.png")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo", "-db", dbPath, "-chart", chart}, &out, &errOut); code != 0 {
		t.Fatalf("okrbot demo exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	text := out.String()
	for _, want := range []string{
		"*O3* Grow revenue from qualified pipeline now supports *O1* Increase revenue.",
		"okrbot → Sam (DM) · Mon 10:00 Auckland time:",
		"okrbot → Nora (DM) · Mon 10:00 Kolkata time:",
		"okrbot → Hana (DM) · Mon 10:00 Berlin time:",
		"okrbot → Lee (DM) · Mon 10:00 London time:",
		"okrbot → Ada (DM) · Mon 10:00 New York time:",
		"okrbot → Hana (DM) · Mon 11:00 Berlin time:\n  │ 🔗 Your objective *O4* Hire great engineers faster is not aligned",
		"okrbot → Nora (DM), updated · Mon 10:00 Kolkata time:\n  │ ✅ Thanks @Nora, your check-in on Monday, Nov 16 is recorded:",
		"okrbot → Sam (DM) · Wed 15:00 Auckland time:\n  │ ⏰ Hi @Sam, a friendly reminder",
		"okrbot → Hana (DM) · Wed 15:00 Berlin time:",
		"• @Sam · no check-in yet",
		"okrbot in #okrs:\n  │ # 📊 Weekly OKR digest · 2026-Q4",
		"Check-ins: 4 of 5 owners (80%)",
		"[image: the progress chart]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	// Only Sam, who did not check in, is reminded; the others are not.
	if n := strings.Count(text, "a friendly reminder"); n != 1 {
		t.Errorf("%d reminders, want Sam's only", n)
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}

	f, err := os.Open(chart)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("the saved chart is not a PNG: %v", err)
	}
	// -db keeps the database: it holds the week the demo played.
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sent := true
	prompts, err := db.FindDeliveries(context.Background(), okr.DeliveryFilter{Prefix: "checkin:", Sent: &sent})
	if err != nil || len(prompts) != 5 {
		t.Fatalf("the kept database records %d check-in prompts (%v), want 5", len(prompts), err)
	}

	// A second run refuses to write over the kept database.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"demo", "-db", dbPath}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "exists") {
		t.Fatalf("demo over an existing database: exit %d, %s", code, errOut.String())
	}
}
