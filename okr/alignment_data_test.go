package okr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The files under testdata/alignment are a hand-written evaluation set for
// parent suggestions: fictional organisations with their team chart, parent
// objectives, the previous quarter's history, a few children already linked,
// and children whose right parent is known. This test checks their schema and
// that each child's difficulty label is true of the words it shares with its
// parents. It ranks nothing.
//
// The labels, checked on content stems (terms, less alignmentNonContent):
// easy shares a stem with its parent and no candidate parent (any parent
// above the child's level) shares more; medium shares a stem with its parent
// and at least as many with its named decoy; hard shares none with its parent
// (and, when it names a decoy, some with the decoy). ALIGNMENT_DEBUG=1 logs
// the stems every child shares with each candidate.

type alignmentOrg struct {
	Name     string            `json:"name"`
	Industry string            `json:"industry"`
	Teams    []alignmentTeam   `json:"teams"`
	Parents  []alignmentParent `json:"parents"`
	History  []alignmentPast   `json:"history"`
	Linked   []alignmentLinked `json:"linked"`
	Children []alignmentChild  `json:"children"`
}

type alignmentTeam struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Parent int    `json:"parent,omitempty"`
}

type alignmentParent struct {
	Key         string   `json:"key"`
	Level       string   `json:"level"`
	Team        int      `json:"team,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	KRs         []string `json:"krs"`
}

type alignmentPast struct {
	Level       string               `json:"level"`
	Team        int                  `json:"team,omitempty"`
	Title       string               `json:"title"`
	Description string               `json:"description,omitempty"`
	KRs         []string             `json:"krs"`
	SameAs      string               `json:"same_as,omitempty"`
	Children    []alignmentPastChild `json:"children"`
}

type alignmentPastChild struct {
	Level       string   `json:"level"`
	Team        int      `json:"team"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	KRs         []string `json:"krs"`
}

type alignmentLinked struct {
	Level       string   `json:"level"`
	Team        int      `json:"team"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	KRs         []string `json:"krs"`
	Parent      string   `json:"parent"`
}

type alignmentChild struct {
	Level       string   `json:"level"`
	Team        int      `json:"team"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	KRs         []string `json:"krs"`
	Parent      string   `json:"parent"`
	Difficulty  string   `json:"difficulty"`
	Split       string   `json:"split"`
	Decoy       string   `json:"decoy,omitempty"`
}

var alignmentLevels = map[string]int{"personal": 1, "team": 2, "department": 3, "company": 4}

// alignmentNonContent are words that say nothing about which objective a
// child supports, on top of the stop words terms already drops.
var alignmentNonContent = func() map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(`improve increase reduce grow launch fix deliver achieve
		team quarter day days week weeks month months year annual first second two three
		per cent percent top best better more less high low level rate`) {
		set[w] = true
		for _, t := range terms(w, nil) {
			set[t.stem] = true
		}
	}
	return set
}()

// alignmentStems is the set of content stems in texts, each with a word that
// has it.
func alignmentStems(texts ...string) map[string]string {
	out := map[string]string{}
	var buf []term
	for _, text := range texts {
		buf = terms(text, buf[:0])
		for _, t := range buf {
			if alignmentNonContent[t.word] || alignmentNonContent[t.stem] {
				continue
			}
			if _, ok := out[t.stem]; !ok {
				out[t.stem] = t.word
			}
		}
	}
	return out
}

// alignmentShared lists the words of a whose stems b has too, sorted.
func alignmentShared(a, b map[string]string) []string {
	var out []string
	for stem, word := range a {
		if _, ok := b[stem]; ok {
			out = append(out, word)
		}
	}
	slices.Sort(out)
	return out
}

func loadAlignmentOrgs(t *testing.T) map[string]*alignmentOrg {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "alignment", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]*alignmentOrg{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var org alignmentOrg
		if err := dec.Decode(&org); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		orgs[filepath.Base(path)] = &org
	}
	return orgs
}

func TestAlignmentData(t *testing.T) {
	orgs := loadAlignmentOrgs(t)
	if len(orgs) < 10 {
		t.Errorf("%d organisations, want at least 10", len(orgs))
	}
	names := slices.Sorted(maps.Keys(orgs))
	total := map[string]map[string]int{} // difficulty -> split -> count
	children := 0
	for _, file := range names {
		org := orgs[file]
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) {
			counts := checkAlignmentOrg(t, org)
			for d, bySplit := range counts {
				if total[d] == nil {
					total[d] = map[string]int{}
				}
				for s, n := range bySplit {
					total[d][s] += n
					children += n
				}
			}
		})
	}
	t.Logf("%d organisations, %d children", len(orgs), children)
	for _, d := range []string{"easy", "medium", "hard"} {
		t.Logf("%-6s tune %3d  report %3d  total %3d", d, total[d]["tune"], total[d]["report"], total[d]["tune"]+total[d]["report"])
	}
	if children < 160 {
		t.Errorf("%d children, want at least 160", children)
	}
	for d, least := range map[string]int{"easy": 45, "medium": 45, "hard": 50} {
		if n := total[d]["tune"] + total[d]["report"]; n < least {
			t.Errorf("%d %s children, want at least %d", n, d, least)
		}
	}
}

// checkAlignmentOrg checks one organisation and returns its children counted
// by difficulty and split.
func checkAlignmentOrg(t *testing.T, org *alignmentOrg) map[string]map[string]int {
	if org.Name == "" || org.Industry == "" {
		t.Errorf("name %q, industry %q: both are required", org.Name, org.Industry)
	}

	// The team chart: departments have no parent, teams have a department.
	teams := map[int]alignmentTeam{}
	for _, tm := range org.Teams {
		if _, dup := teams[tm.ID]; dup || tm.ID == 0 {
			t.Errorf("team id %d is zero or not unique", tm.ID)
		}
		if tm.Name == "" {
			t.Errorf("team %d has no name", tm.ID)
		}
		teams[tm.ID] = tm
	}
	isDept := func(id int) bool { tm, ok := teams[id]; return ok && tm.Parent == 0 }
	isTeam := func(id int) bool { tm, ok := teams[id]; return ok && tm.Parent != 0 }
	under := map[int]int{}
	depts := 0
	for _, tm := range org.Teams {
		if tm.Parent == 0 {
			depts++
			continue
		}
		if !isDept(tm.Parent) {
			t.Errorf("team %d %q: parent %d is not a department", tm.ID, tm.Name, tm.Parent)
		}
		under[tm.Parent]++
	}
	if depts < 3 || depts > 5 {
		t.Errorf("%d departments, want 3-5", depts)
	}
	for _, tm := range org.Teams {
		if tm.Parent == 0 && (under[tm.ID] < 2 || under[tm.ID] > 4) {
			t.Errorf("department %d %q has %d teams, want 2-4", tm.ID, tm.Name, under[tm.ID])
		}
	}

	// checkPlace checks an objective's level and team agree.
	checkPlace := func(what, level string, team int) {
		switch level {
		case "company":
			if team != 0 {
				t.Errorf("%s: a company objective has no team, got %d", what, team)
			}
		case "department":
			if !isDept(team) {
				t.Errorf("%s: team %d is not a department", what, team)
			}
		case "team":
			if !isTeam(team) {
				t.Errorf("%s: team %d is not a team under a department", what, team)
			}
		case "personal":
			if _, ok := teams[team]; !ok {
				t.Errorf("%s: the person's team %d does not exist", what, team)
			}
		default:
			t.Errorf("%s: level %q is not one of personal, team, department, company", what, level)
		}
	}

	parents := map[string]alignmentParent{}
	stems := map[string]map[string]string{}
	levels := map[string]int{}
	for _, p := range org.Parents {
		what := "parent " + p.Key
		if _, dup := parents[p.Key]; dup || p.Key == "" {
			t.Errorf("%s: key is empty or not unique", what)
		}
		if p.Level == "personal" {
			t.Errorf("%s: a parent cannot be personal", what)
		}
		checkPlace(what, p.Level, p.Team)
		if p.Title == "" {
			t.Errorf("%s: no title", what)
		}
		if len(p.KRs) < 2 || len(p.KRs) > 4 {
			t.Errorf("%s: %d key results, want 2-4", what, len(p.KRs))
		}
		parents[p.Key] = p
		levels[p.Key] = alignmentLevels[p.Level]
		stems[p.Key] = alignmentStems(append([]string{p.Title, p.Description}, p.KRs...)...)
	}
	countLevel := func(level string) int {
		n := 0
		for _, p := range org.Parents {
			if p.Level == level {
				n++
			}
		}
		return n
	}
	if n := countLevel("company"); n < 3 || n > 5 {
		t.Errorf("%d company objectives, want 3-5", n)
	}
	for _, tm := range org.Teams {
		n := 0
		for _, p := range org.Parents {
			if p.Level == "department" && p.Team == tm.ID {
				n++
			}
		}
		if tm.Parent == 0 && (n < 1 || n > 3) {
			t.Errorf("department %d %q has %d objectives, want 1-3", tm.ID, tm.Name, n)
		}
	}

	if len(org.History) < 3 || len(org.History) > 6 {
		t.Errorf("%d past parents, want 3-6", len(org.History))
	}
	for i, h := range org.History {
		what := fmt.Sprintf("history %d %q", i, h.Title)
		checkPlace(what, h.Level, h.Team)
		if h.Title == "" || len(h.KRs) == 0 {
			t.Errorf("%s: needs a title and key results", what)
		}
		if h.SameAs != "" {
			if p, ok := parents[h.SameAs]; !ok || p.Level != h.Level {
				t.Errorf("%s: same_as %q is not a current parent at level %s", what, h.SameAs, h.Level)
			}
		}
		if len(h.Children) < 1 || len(h.Children) > 4 {
			t.Errorf("%s: %d children, want 1-4", what, len(h.Children))
		}
		for j, c := range h.Children {
			cwhat := fmt.Sprintf("%s child %d %q", what, j, c.Title)
			checkPlace(cwhat, c.Level, c.Team)
			if alignmentLevels[c.Level] >= alignmentLevels[h.Level] {
				t.Errorf("%s: level %s is not below its parent's %s", cwhat, c.Level, h.Level)
			}
			if c.Title == "" || len(c.KRs) == 0 {
				t.Errorf("%s: needs a title and key results", cwhat)
			}
		}
	}

	if len(org.Linked) > 4 {
		t.Errorf("%d linked children, want 0-4", len(org.Linked))
	}
	for i, l := range org.Linked {
		what := fmt.Sprintf("linked %d %q", i, l.Title)
		checkPlace(what, l.Level, l.Team)
		if _, ok := parents[l.Parent]; !ok {
			t.Errorf("%s: parent %q does not exist", what, l.Parent)
		} else if levels[l.Parent] <= alignmentLevels[l.Level] {
			t.Errorf("%s: parent %s is not above level %s", what, l.Parent, l.Level)
		}
		if l.Title == "" || len(l.KRs) == 0 {
			t.Errorf("%s: needs a title and key results", what)
		}
	}

	if len(org.Children) < 16 {
		t.Errorf("%d children, want at least 16", len(org.Children))
	}
	counts := map[string]map[string]int{"easy": {}, "medium": {}, "hard": {}}
	byLevel := map[string]int{}
	debug := os.Getenv("ALIGNMENT_DEBUG") != ""
	for i, c := range org.Children {
		what := fmt.Sprintf("child %d %q", i, c.Title)
		checkPlace(what, c.Level, c.Team)
		byLevel[c.Level]++
		if c.Title == "" || len(c.KRs) < 1 || len(c.KRs) > 3 {
			t.Errorf("%s: needs a title and 1-3 key results", what)
		}
		if c.Split != "tune" && c.Split != "report" {
			t.Errorf("%s: split %q is not tune or report", what, c.Split)
		}
		if _, ok := counts[c.Difficulty]; !ok {
			t.Errorf("%s: difficulty %q is not easy, medium or hard", what, c.Difficulty)
			continue
		}
		counts[c.Difficulty][c.Split]++
		if _, ok := parents[c.Parent]; !ok {
			t.Errorf("%s: parent %q does not exist", what, c.Parent)
			continue
		}
		if levels[c.Parent] <= alignmentLevels[c.Level] {
			t.Errorf("%s: parent %s is not above level %s", what, c.Parent, c.Level)
		}
		if c.Decoy != "" {
			if _, ok := parents[c.Decoy]; !ok || c.Decoy == c.Parent {
				t.Errorf("%s: decoy %q does not exist or is the parent", what, c.Decoy)
				continue
			}
			if levels[c.Decoy] <= alignmentLevels[c.Level] {
				t.Errorf("%s: decoy %s is not above level %s, so never a candidate", what, c.Decoy, c.Level)
			}
		}

		// The label must be true of the words shared.
		own := alignmentStems(append([]string{c.Title, c.Description}, c.KRs...)...)
		right := alignmentShared(own, stems[c.Parent])
		var decoy []string
		if c.Decoy != "" {
			decoy = alignmentShared(own, stems[c.Decoy])
		}
		others := func() string {
			var b strings.Builder
			for _, p := range org.Parents {
				if p.Key == c.Parent || levels[p.Key] <= alignmentLevels[c.Level] {
					continue
				}
				if s := alignmentShared(own, stems[p.Key]); len(s) > 0 {
					fmt.Fprintf(&b, " %s%v", p.Key, s)
				}
			}
			return b.String()
		}
		if debug {
			t.Logf("%-6s %s -> %s%v decoy %s%v; others:%s", c.Difficulty, what, c.Parent, right, c.Decoy, decoy, others())
		}
		switch c.Difficulty {
		case "easy":
			if len(right) == 0 {
				t.Errorf("easy %s shares no word with its parent %s; others:%s", what, c.Parent, others())
			}
			for _, p := range org.Parents {
				if p.Key == c.Parent || levels[p.Key] <= alignmentLevels[c.Level] {
					continue
				}
				if s := alignmentShared(own, stems[p.Key]); len(s) > len(right) {
					t.Errorf("easy %s shares %v with %s, more than %v with its parent %s", what, s, p.Key, right, c.Parent)
				}
			}
		case "medium":
			if len(right) == 0 {
				t.Errorf("medium %s shares no word with its parent %s; others:%s", what, c.Parent, others())
			}
			if c.Decoy == "" {
				t.Errorf("medium %s names no decoy", what)
			} else if len(decoy) == 0 || len(decoy) < len(right) {
				t.Errorf("medium %s shares %v with its decoy %s, fewer than %v with its parent %s", what, decoy, c.Decoy, right, c.Parent)
			}
		case "hard":
			if len(right) > 0 {
				t.Errorf("hard %s shares %v with its parent %s", what, right, c.Parent)
			}
			if c.Decoy != "" && len(decoy) == 0 {
				t.Errorf("hard %s shares no word with its decoy %s", what, c.Decoy)
			}
		}
	}
	for _, level := range []string{"team", "department", "personal"} {
		if byLevel[level] == 0 {
			t.Errorf("no %s children", level)
		}
	}
	if byLevel["personal"] < 2 || byLevel["personal"] > 3 {
		t.Errorf("%d personal children, want 2-3", byLevel["personal"])
	}
	tune, report := 0, 0
	for d, bySplit := range counts {
		if diff := bySplit["tune"] - bySplit["report"]; diff < -1 || diff > 1 {
			t.Errorf("%s: %d tune and %d report; alternate them", d, bySplit["tune"], bySplit["report"])
		}
		tune += bySplit["tune"]
		report += bySplit["report"]
	}
	if diff := tune - report; diff < -2 || diff > 2 {
		t.Errorf("%d tune and %d report, want about half each", tune, report)
	}
	t.Logf("easy %d/%d  medium %d/%d  hard %d/%d (tune/report); levels %v",
		counts["easy"]["tune"], counts["easy"]["report"], counts["medium"]["tune"], counts["medium"]["report"],
		counts["hard"]["tune"], counts["hard"]["report"], byLevel)
	return counts
}
