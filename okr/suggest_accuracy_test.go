package okr

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// evalCase is one child of the evaluation set (okr/testdata/alignment, read
// with loadAlignmentOrgs) to place, in its organisation built for the index.
type evalCase struct {
	org   string
	child *Objective
	krs   []*KeyResult
	want  int64
	alignmentChild
}

// loadEvalSet reads the evaluation set: the cases, and each
// organisation's index input by name.
func loadEvalSet(t *testing.T) ([]evalCase, map[string]SuggestionInput) {
	t.Helper()
	orgs := loadAlignmentOrgs(t)
	if len(orgs) == 0 {
		t.Fatal("no evaluation set in testdata/alignment")
	}
	var cases []evalCase
	inputs := map[string]SuggestionInput{}
	for _, file := range slices.Sorted(maps.Keys(orgs)) {
		org := orgs[file]
		const past, current = 1, 2
		in := SuggestionInput{CycleID: current, Lexicon: BuiltinLexicon()}
		nextID := int64(1)
		members := map[int64][]string{}
		add := func(level string, team int, title, desc string, krs []string, cycle, parent int64) *Objective {
			o := &Objective{ID: nextID, Title: title, Description: desc, Level: Level(level), TeamID: int64(team),
				CycleID: cycle, Status: StatusActive, ParentObjectiveID: parent, OwnerID: fmt.Sprintf("U%d", nextID)}
			nextID++
			if cycle == past {
				o.Status = StatusClosed
			}
			if o.Level == LevelPersonal && o.TeamID != 0 {
				// A personal objective names its owner; the chart gives the team.
				members[o.TeamID] = append(members[o.TeamID], o.OwnerID)
				o.TeamID = 0
			}
			in.Objectives = append(in.Objectives, o)
			for i, kt := range krs {
				in.KeyResults = append(in.KeyResults, &KeyResult{ID: o.ID*100 + int64(i), ObjectiveID: o.ID, Title: kt})
			}
			return o
		}
		keys := map[string]int64{}
		for _, p := range org.Parents {
			keys[p.Key] = add(p.Level, p.Team, p.Title, p.Description, p.KRs, current, 0).ID
		}
		for _, h := range org.History {
			hp := add(h.Level, h.Team, h.Title, h.Description, h.KRs, past, 0)
			for _, c := range h.Children {
				add(c.Level, c.Team, c.Title, c.Description, c.KRs, past, hp.ID)
			}
		}
		for _, l := range org.Linked {
			add(l.Level, l.Team, l.Title, l.Description, l.KRs, current, keys[l.Parent])
		}
		for _, c := range org.Children {
			o := add(c.Level, c.Team, c.Title, c.Description, c.KRs, current, 0)
			var krs []*KeyResult
			for _, kr := range in.KeyResults {
				if kr.ObjectiveID == o.ID {
					krs = append(krs, kr)
				}
			}
			cases = append(cases, evalCase{org: org.Name, child: o, krs: krs, want: keys[c.Parent], alignmentChild: c})
		}
		for _, tm := range org.Teams {
			in.Teams = append(in.Teams, &Team{ID: int64(tm.ID), Name: tm.Name, ParentID: int64(tm.Parent), Members: members[int64(tm.ID)]})
		}
		inputs[org.Name] = in
	}
	return cases, inputs
}

// accuracy counts, per difficulty, how often the right parent comes first
// and in the first three.
type accuracy struct {
	n, top1, top3 map[string]int
}

func (a *accuracy) add(difficulty string, rank int) {
	for _, d := range []string{difficulty, "all"} {
		a.n[d]++
		if rank == 1 {
			a.top1[d]++
		}
		if rank >= 1 && rank <= 3 {
			a.top3[d]++
		}
	}
}

func (a *accuracy) rate(m map[string]int, d string) float64 {
	if a.n[d] == 0 {
		return 0
	}
	return float64(m[d]) / float64(a.n[d])
}

func (a *accuracy) String() string {
	var b strings.Builder
	for _, d := range []string{"easy", "medium", "hard", "all"} {
		fmt.Fprintf(&b, "  %-6s n=%3d  top-1 %5.1f%%  top-3 %5.1f%%\n", d, a.n[d], 100*a.rate(a.top1, d), 100*a.rate(a.top3, d))
	}
	return b.String()
}

func newAccuracy() *accuracy {
	return &accuracy{n: map[string]int{}, top1: map[string]int{}, top3: map[string]int{}}
}

// TestSuggestionAccuracy measures the ranking on the evaluation set. The
// weights were tuned on the "tune" half only; the floors hold the figures of
// the "report" half (recorded in BENCHMARKS.md) with a little room, so a
// change that makes suggestions worse fails here. OKRBOT_EVAL_MISSES=1 lists
// the tuning half's misses.
func TestSuggestionAccuracy(t *testing.T) {
	cases, inputs := loadEvalSet(t)
	built := map[string]*SuggestionIndex{}
	baselines := map[string]*baselineIndex{}
	results := map[string]*accuracy{"tune": newAccuracy(), "report": newAccuracy()}
	baseline := map[string]*accuracy{"tune": newAccuracy(), "report": newAccuracy()}
	for _, c := range cases {
		ix := built[c.org]
		if ix == nil {
			ix = NewSuggestionIndex(inputs[c.org])
			built[c.org] = ix
			baselines[c.org] = newBaselineIndex(inputs[c.org])
		}
		got := ix.Suggest(c.child, c.krs, 3)
		if len(got) == 0 {
			t.Errorf("%s: no suggestion at all for %q", c.org, c.Title)
		}
		for _, s := range got {
			if s.Why == "" {
				t.Errorf("%s: suggestion %q for %q says no why", c.org, s.Objective.Title, c.Title)
			}
		}
		rank := rankOf(got, c.want)
		results[c.Split].add(c.Difficulty, rank)
		baseline[c.Split].add(c.Difficulty, rankOf(baselines[c.org].suggest(c.child, c.krs, 3), c.want))
		if rank != 1 && c.Split == "tune" && os.Getenv("OKRBOT_EVAL_MISSES") != "" {
			var lines []string
			for _, s := range got {
				lines = append(lines, fmt.Sprintf("%s [%.2f] (%s)", s.Objective.Title, s.Score, s.Why))
			}
			var want *Objective
			for _, o := range inputs[c.org].Objectives {
				if o.ID == c.want {
					want = o
				}
			}
			t.Logf("MISS %s %s %q (rank %d) want %q\n    %s", c.org, c.Difficulty, c.Title, rank, want.Title, strings.Join(lines, "\n    "))
		}
	}
	for _, split := range []string{"tune", "report"} {
		t.Logf("%s half, this ranking:\n%s", split, results[split])
		t.Logf("%s half, plain TF-IDF cosine (the ranking before):\n%s", split, baseline[split])
		if os.Getenv("OKRBOT_EVAL_MISSES") != "" {
			return // tuning: the report half stays unseen
		}
	}
	r := results["report"]
	floors := []struct {
		what  string
		got   float64
		floor float64
	}{
		// Measured on 2026-12-01: 58.2%, 88.6% and 77.4% (BENCHMARKS.md).
		// The goal of 70% top-1 is not reached yet.
		{"top-1, all", r.rate(r.top1, "all"), 0.55},
		{"top-3, all", r.rate(r.top3, "all"), 0.85},
		{"top-3, hard", r.rate(r.top3, "hard"), 0.70},
	}
	for _, f := range floors {
		if f.got < f.floor {
			t.Errorf("report half: %s = %.1f%%, below the floor of %.0f%%", f.what, 100*f.got, 100*f.floor)
		}
	}
}

func rankOf(got []Suggestion, want int64) int {
	for i, s := range got {
		if s.Objective.ID == want {
			return i + 1
		}
	}
	return 0
}

// baselineIndex is the ranking okrbot had before, kept here to measure
// against: TF-IDF over title (twice), description and key results, cosine
// similarity, nothing when no word is shared.
type baselineIndex struct {
	docs []*Objective
	vecs []map[string]float64
	idf  map[string]float64
}

func newBaselineIndex(in SuggestionInput) *baselineIndex {
	b := &baselineIndex{idf: map[string]float64{}}
	krs := map[int64][]string{}
	for _, kr := range in.KeyResults {
		krs[kr.ObjectiveID] = append(krs[kr.ObjectiveID], kr.Title)
	}
	var tfs []map[string]float64
	for _, o := range in.Objectives {
		if o.CycleID != in.CycleID {
			continue
		}
		tf := baselineTF(o, krs[o.ID])
		for s := range tf {
			b.idf[s]++
		}
		b.docs = append(b.docs, o)
		tfs = append(tfs, tf)
	}
	n := float64(len(b.docs))
	for s, df := range b.idf {
		b.idf[s] = math.Log(1 + n/df)
	}
	for _, tf := range tfs {
		b.vecs = append(b.vecs, b.weigh(tf))
	}
	return b
}

func baselineTF(o *Objective, krTitles []string) map[string]float64 {
	tf := map[string]float64{}
	for _, s := range append([]string{o.Title, o.Title, o.Description}, krTitles...) {
		for _, t := range terms(s, nil) {
			tf[t.stem]++
		}
	}
	return tf
}

func (b *baselineIndex) weigh(tf map[string]float64) map[string]float64 {
	v := map[string]float64{}
	var norm float64
	for s, c := range tf {
		w := (1 + math.Log(c)) * b.idf[s]
		v[s] = w
		norm += w * w
	}
	for s := range v {
		v[s] /= math.Sqrt(norm)
	}
	return v
}

func (b *baselineIndex) suggest(child *Objective, childKRs []*KeyResult, limit int) []Suggestion {
	var titles []string
	for _, kr := range childKRs {
		titles = append(titles, kr.Title)
	}
	q := b.weigh(baselineTF(child, titles))
	var out []Suggestion
	for i, o := range b.docs {
		if o.ID == child.ID || !o.Level.Above(child.Level) || o.Status != StatusActive {
			continue
		}
		var dot float64
		for s, w := range q {
			dot += w * b.vecs[i][s]
		}
		if dot > 0 && !math.IsNaN(dot) {
			out = append(out, Suggestion{Objective: o, Score: dot})
		}
	}
	slices.SortFunc(out, func(x, y Suggestion) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.Objective.Level.Rank(), x.Objective.Level.Rank()), cmp.Compare(x.Objective.ID, y.Objective.ID))
	})
	return out[:min(len(out), limit)]
}
