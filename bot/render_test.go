package bot

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCountOf(t *testing.T) {
	for _, tc := range []struct {
		n         int
		one, many string
		want      string
	}{
		{0, "key result", "key results", "0 key results"},
		{1, "key result", "key results", "1 key result"},
		{2, "key result", "key results", "2 key results"},
		{1, "person", "people", "1 person"},
		{3, "person", "people", "3 people"},
		{1200, "objective", "objectives", "1,200 objectives"},
	} {
		if got := countOf(tc.n, tc.one, tc.many); got != tc.want {
			t.Errorf("countOf(%d, %q, %q) = %q, want %q", tc.n, tc.one, tc.many, got, tc.want)
		}
	}
}

// countPattern is a count formatted straight into a plural noun, which
// reads "1 key results" when the count is one: such counts go through
// countOf instead.
var countPattern = regexp.MustCompile(`%d (?:[a-z-]+ ){0,2}(?:key results|objectives|people|persons|days|weeks|months|teams|owners|links|check-ins|members|cycles|lines|messages|nudges|scores|results)\b` +
	`|(?:Itoa|formatNumber)\(.*\+ " [a-z ]*s"`)

func TestCountsGoThroughCountOf(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for i, line := range strings.Split(string(src), "\n") {
			if m := countPattern.FindString(line); m != "" {
				t.Errorf("%s:%d writes a count as %q; use countOf, which says 1 key result and 2 key results", f, i+1, m)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
	// The pattern finds what it is meant to find.
	for _, bad := range []string{`"(%s, %d key results)"`, `"%d objectives start with"`, `"…and %d more links."`, `"%d people"`, `strconv.Itoa(n) + " owners"`} {
		if !countPattern.MatchString(bad) {
			t.Errorf("the pattern misses %s", bad)
		}
	}
}
