package bot_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestTree_ShowsTheAlignmentWithRollups(t *testing.T) {
	h, o := newOrgHarness(t)
	got := h.answer(member, "tree")
	want := strings.Join([]string{
		"*Alignment tree* · 2026-Q4 · 7 objectives · 60% aligned",
		"> 🟢 on track · 🟠 behind · ⏳ stale · 🟡 at risk · 🔴 off track · ⚪ not started · → delivers that key result, “drives” it when that key result's progress comes from what delivers it · progress includes rollups",
		fmt.Sprintf("🔴 *%s* Grow revenue in Europe · ▰▱▱▱▱▱▱▱▱▱ 13%%", ref(o.revenue)),
		fmt.Sprintf("└ 🟠 *%s* Scale the engineering platform · ▱▱▱▱▱▱▱▱▱▱ 0%%", ref(o.scale)),
		fmt.Sprintf("\u2003└ 🟡 *%s* Make the platform reliable · ▰▰▰▰▰▰▱▱▱▱ 63%%", ref(o.reliable)),
		fmt.Sprintf("└ 🟠 *%s* Win enterprise deals in Germany · ▱▱▱▱▱▱▱▱▱▱ 0%% → %s", ref(o.deals), krRef(o.sign)),
		fmt.Sprintf("🟠 *%s* Build a great engineering culture · ▱▱▱▱▱▱▱▱▱▱ 0%%", ref(o.culture)),
		"*Not aligned* · 2 objectives",
		fmt.Sprintf("🟠 *%s* Learn Go deeply · ▱▱▱▱▱▱▱▱▱▱ 0%%", ref(o.learnGo)),
		fmt.Sprintf("🟠 *%s* Grow partner revenue in Europe through the portal · ▱▱▱▱▱▱▱▱▱▱ 0%%", ref(o.portal)),
	}, "\n") + "\n"
	if got != want {
		t.Fatalf("tree =\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "Launch in Germany") {
		t.Fatalf("the tree shows last cycle's objectives")
	}
}

func TestTree_BelowOneObjective(t *testing.T) {
	h, o := newOrgHarness(t)
	got := h.answer(member, "tree "+ref(o.scale))
	want := fmt.Sprintf("*Alignment below %s* Scale the engineering platform · 2026-Q4 · 1 aligned objective\n", ref(o.scale))
	if !strings.HasPrefix(got, want) || !strings.Contains(got, fmt.Sprintf("\n🟠 *%s* Scale the engineering platform", ref(o.scale))) ||
		!strings.Contains(got, fmt.Sprintf("\n└ 🟡 *%s* Make the platform reliable", ref(o.reliable))) {
		t.Fatalf("subtree =\n%s", got)
	}
	for _, absent := range []string{"Grow revenue", "Not aligned", "Learn Go"} {
		if strings.Contains(got, absent) {
			t.Errorf("the subtree shows %q:\n%s", absent, got)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"tree " + krRef(o.sign), fmt.Sprintf("%s is a key result; name its objective, %s.", krRef(o.sign), ref(o.revenue))},
		{"tree O999", "There is no objective O999."},
		{"tree " + ref(o.hiring), fmt.Sprintf("*%s* is closed; the tree shows active objectives.", ref(o.hiring))},
	} {
		if got := h.answer(member, tc.text); !strings.Contains(got, tc.want) {
			t.Errorf("/okr %s answered %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestTree_EmptyCycle(t *testing.T) {
	h := newHarness(t)
	got := h.answer(member, "tree")
	if !strings.Contains(got, ":seedling: There are no active objectives in 2026-Q4 yet.") {
		t.Fatalf("empty tree = %s", got)
	}
}

var treeRef = regexp.MustCompile(`(?m)^(?:\x{2003}*└ )?\S+ \*(O\d+)\*`)

func TestTree_ThousandObjectivesPageWithinLimits(t *testing.T) {
	h, objs := newLargeHarness(t, 1000)
	h.command(member, "tree")
	first := h.shown(member, "*Alignment tree*")
	pages := h.pageThrough(member, first)
	if len(pages) < 20 {
		t.Fatalf("1,000 objectives took %d pages", len(pages))
	}
	seen := map[string]int{}
	for i, p := range pages {
		for _, m := range treeRef.FindAllStringSubmatch(p, -1) {
			seen[m[1]]++
		}
		// A page that starts below an objective says which.
		if lines := strings.Split(p, "\n"); i > 0 && (strings.HasPrefix(lines[1], "└") || strings.HasPrefix(lines[1], "\u2003")) {
			t.Errorf("page %d starts mid-tree without saying where:\n%s", i+1, p)
		}
		if i == 5 {
			t.Logf("page 6:\n%s", p)
		}
	}
	if len(seen) != len(objs) {
		t.Fatalf("the pages show %d objectives, want %d", len(seen), len(objs))
	}
	for r, n := range seen {
		if n != 1 {
			t.Fatalf("%s shown %d times", r, n)
		}
	}
	last := pages[len(pages)-1]
	if !strings.Contains(last, "Not aligned") && !strings.Contains(last, "Continued under *Not aligned*") {
		t.Errorf("the last page is not the unaligned objectives:\n%s", last)
	}
	if !strings.Contains(pages[0], "*Alignment tree* · 2026-Q4 · 1,000 objectives · 90% aligned") {
		t.Errorf("first page heading:\n%s", pages[0])
	}
}

// TestTree_ShowsAChangeAtOnce: the tree is laid out once per analysis and
// shared, and a write makes the next /okr tree show it.
func TestTree_ShowsAChangeAtOnce(t *testing.T) {
	h, o := newOrgHarness(t)
	if got := h.answer(member, "tree"); strings.Contains(got, "Open a second office") {
		t.Fatalf("the tree shows an objective not created yet:\n%s", got)
	}
	h.objective(&okr.Objective{Title: "Open a second office", Level: okr.LevelCompany, OwnerID: admin, CycleID: o.revenue.CycleID},
		metricKR("Office opened", admin, 0, 1))
	if got := h.answer(member, "tree"); !strings.Contains(got, "Open a second office") {
		t.Fatalf("the tree after a write lacks it:\n%s", got)
	}
}
