package okr_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// smallOrg is a realistic company: four company objectives with key results,
// two department objectives, and team objectives waiting for a parent.
func smallOrg() ([]*okr.Objective, []*okr.KeyResult) {
	var objs []*okr.Objective
	var krs []*okr.KeyResult
	add := func(id int64, level okr.Level, title, desc string, krTitles ...string) *okr.Objective {
		o := &okr.Objective{ID: id, Title: title, Description: desc, Level: level, CycleID: 1, Status: okr.StatusActive}
		objs = append(objs, o)
		for i, t := range krTitles {
			krs = append(krs, &okr.KeyResult{ID: id*100 + int64(i), ObjectiveID: id, Title: t})
		}
		return o
	}
	add(1, okr.LevelCompany, "Delight our customers", "Customers love the product and stay with us",
		"Raise NPS from 32 to 45", "Cut monthly churn from 3% to 1.5%", "Answer support tickets within 4 hours")
	add(2, okr.LevelCompany, "Grow revenue in Europe", "Expand sales into new European markets",
		"Reach $2M ARR in the EU", "Sign 20 enterprise customers in Germany and France", "Open a Berlin sales office")
	add(3, okr.LevelCompany, "Build a world-class engineering organisation", "Hire and retain great engineers",
		"Hire 15 engineers", "Keep regretted attrition below 5%", "Every engineer gets a career plan")
	add(4, okr.LevelCompany, "Ship a reliable platform", "Stability and performance of the product",
		"99.95% uptime", "p99 API latency below 300 ms", "Zero sev-1 incidents")
	add(5, okr.LevelDepartment, "Scale the sales pipeline", "Marketing and sales generate more qualified leads",
		"Generate 500 qualified leads", "Double demo requests")
	add(6, okr.LevelDepartment, "Modernise infrastructure", "Move to managed services",
		"Migrate databases to managed Postgres", "Automate deployments")
	closed := add(7, okr.LevelCompany, "Reduce churn in the old product", "Legacy retention", "Churn below 2%")
	closed.Status = okr.StatusClosed
	return objs, krs
}

func TestSuggestionIndex_Suggest(t *testing.T) {
	objs, krs := smallOrg()
	ix := okr.NewSuggestionIndex(objs, krs)
	tests := []struct {
		name       string
		child      *okr.Objective
		krs        []string
		wantFirst  int64
		wantShared string // one word that must explain the match
	}{
		{"support team", &okr.Objective{ID: 100, Level: okr.LevelTeam, CycleID: 1,
			Title: "Make support faster and friendlier", Description: "Reduce ticket response times"},
			[]string{"First response to tickets under 2 hours", "Customer satisfaction score above 90%"}, 1, "tickets"},
		{"EU sales team", &okr.Objective{ID: 101, Level: okr.LevelTeam, CycleID: 1,
			Title: "Win enterprise deals in Germany", Description: "Build the DACH sales motion"},
			[]string{"Close 8 enterprise customers", "Hire two German-speaking account executives"}, 2, "enterprise"},
		{"SRE team", &okr.Objective{ID: 102, Level: okr.LevelTeam, CycleID: 1,
			Title: "Fewer incidents, faster recovery", Description: "Improve platform uptime and on-call"},
			[]string{"Uptime of 99.95% for the API", "Mean time to recovery under 30 minutes"}, 4, "uptime"},
		{"recruiting at department level", &okr.Objective{ID: 103, Level: okr.LevelDepartment, CycleID: 1,
			Title: "Hire senior engineers", Description: "Recruiting pipeline for engineering"},
			[]string{"Hire 6 senior engineers", "Offer acceptance above 80%"}, 3, "hire"},
		{"marketing team prefers its department on a tie", &okr.Objective{ID: 104, Level: okr.LevelTeam, CycleID: 1,
			Title: "More qualified leads from content", Description: "Content marketing drives demo requests"},
			[]string{"Publish 12 articles", "300 qualified leads from content"}, 5, "leads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var childKRs []*okr.KeyResult
			for _, title := range tt.krs {
				childKRs = append(childKRs, &okr.KeyResult{Title: title})
			}
			got := ix.Suggest(tt.child, childKRs, 3)
			if len(got) == 0 {
				t.Fatal("no suggestions")
			}
			if got[0].Objective.ID != tt.wantFirst {
				t.Fatalf("first = O%d (%s), want O%d; all: %v", got[0].Objective.ID, got[0].Objective.Title, tt.wantFirst, describe(got))
			}
			if !slices.Contains(got[0].Shared, tt.wantShared) {
				t.Fatalf("shared words %v do not include %q", got[0].Shared, tt.wantShared)
			}
			for _, s := range got {
				if !s.Objective.Level.Above(tt.child.Level) || s.Objective.Status != okr.StatusActive {
					t.Fatalf("suggested %s objective O%d (%s) for a %s objective", s.Objective.Level, s.Objective.ID, s.Objective.Status, tt.child.Level)
				}
				if s.Score <= 0 || s.Score > 1.0000001 {
					t.Fatalf("score %v out of (0, 1]", s.Score)
				}
			}
		})
	}
}

func TestSuggestionIndex_NothingInCommon(t *testing.T) {
	objs, krs := smallOrg()
	ix := okr.NewSuggestionIndex(objs, krs)
	child := &okr.Objective{ID: 200, Level: okr.LevelTeam, CycleID: 1, Title: "Zzyzx quux"}
	if got := ix.Suggest(child, nil, 5); len(got) != 0 {
		t.Fatalf("suggestions for unrelated words: %v", describe(got))
	}
	otherCycle := &okr.Objective{ID: 201, Level: okr.LevelTeam, CycleID: 2, Title: "Reduce churn"}
	if got := ix.Suggest(otherCycle, nil, 5); len(got) != 0 {
		t.Fatalf("suggestions across cycles: %v", describe(got))
	}
}

func TestSuggestionIndex_Match(t *testing.T) {
	objs, krs := smallOrg()
	ix := okr.NewSuggestionIndex(objs, krs)
	got, gotKRs := ix.Match("grow", 1, okr.LevelTeam, 10)
	if len(got) != 1 || got[0].ID != 2 || len(gotKRs) != 0 {
		t.Fatalf("Match(grow) = %v, %d key results", ids(got), len(gotKRs))
	}
	got, _ = ix.Match("O3", 1, okr.LevelTeam, 10)
	if len(got) != 1 || got[0].ID != 3 {
		t.Fatalf("Match(O3) = %v", ids(got))
	}
	got, gotKRs = ix.Match("churn", 1, okr.LevelTeam, 10)
	if len(got) != 0 || len(gotKRs) != 1 || gotKRs[0].ID != 101 {
		t.Fatalf("Match(churn) = %v objectives, %v key results; want KR101 only (the closed objective is left out)", ids(got), len(gotKRs))
	}
	got, _ = ix.Match("", 1, okr.LevelDepartment, 10)
	for _, o := range got {
		if o.Level != okr.LevelCompany {
			t.Fatalf("Match above department returned %s objective O%d", o.Level, o.ID)
		}
	}
}

func describe(ss []okr.Suggestion) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "O%d %.3f %v; ", s.Objective.ID, s.Score, s.Shared)
	}
	return b.String()
}

// vocabulary for synthetic organisations: business words in realistic
// proportions, so postings lists have realistic lengths.
var vocabulary = strings.Fields(`revenue growth customers churn retention onboarding activation pipeline leads
sales marketing brand content enterprise europe asia partners hiring engineers recruiting culture diversity
platform reliability uptime latency incidents security compliance audit privacy data analytics dashboards
mobile web checkout payments pricing margin costs cloud infrastructure migration automation testing quality
support tickets satisfaction nps community events training documentation api integrations ecosystem launch
roadmap discovery research design accessibility performance scale efficiency procurement finance forecasting
legal contracts vendors inventory logistics warehouse delivery fulfilment subscriptions renewals upsell`)

// syntheticOrg builds n objectives (5% company, 15% department, the rest
// team and personal) with five key results each.
func syntheticOrg(n int, seed uint64) ([]*okr.Objective, []*okr.KeyResult) {
	r := rand.New(rand.NewPCG(seed, seed))
	phrase := func(words int) string {
		parts := make([]string, words)
		for i := range parts {
			// Zipf-like: low indices are much more common.
			parts[i] = vocabulary[int(float64(len(vocabulary))*r.Float64()*r.Float64())]
		}
		return strings.Join(parts, " ")
	}
	objs := make([]*okr.Objective, 0, n)
	krs := make([]*okr.KeyResult, 0, 5*n)
	for i := range n {
		level := okr.LevelPersonal
		switch {
		case i%20 == 0:
			level = okr.LevelCompany
		case i%20 < 4:
			level = okr.LevelDepartment
		case i%20 < 14:
			level = okr.LevelTeam
		}
		o := &okr.Objective{ID: int64(i + 1), Level: level, CycleID: 1, Status: okr.StatusActive,
			Title: "Improve " + phrase(4), Description: phrase(10)}
		objs = append(objs, o)
		for k := range 5 {
			krs = append(krs, &okr.KeyResult{ID: int64(i*5 + k + 1), ObjectiveID: o.ID, Title: "Raise " + phrase(5)})
		}
	}
	return objs, krs
}

// BenchmarkSuggest ranks parents for one team objective among 10,000.
// Target (issue 2): under 5 ms per suggestion.
func BenchmarkSuggest(b *testing.B) {
	objs, krs := syntheticOrg(10_000, 1)
	ix := okr.NewSuggestionIndex(objs, krs)
	child := &okr.Objective{ID: 99999, Level: okr.LevelTeam, CycleID: 1,
		Title: "Reduce churn through better onboarding", Description: "Customers activate faster and renew"}
	childKRs := []*okr.KeyResult{{Title: "Activation rate above 60%"}, {Title: "Renewals up 10%"}, {Title: "Onboarding NPS 50"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if got := ix.Suggest(child, childKRs, 5); len(got) == 0 {
			b.Fatal("no suggestions")
		}
	}
}

// BenchmarkSuggestionIndexBuild indexes 10,000 objectives with 50,000 key
// results: the one-off cost paid when a cycle's index is (re)built.
func BenchmarkSuggestionIndexBuild(b *testing.B) {
	objs, krs := syntheticOrg(10_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		okr.NewSuggestionIndex(objs, krs)
	}
}

// BenchmarkMatch is the type-ahead filter over 10,000 objectives.
func BenchmarkMatch(b *testing.B) {
	objs, krs := syntheticOrg(10_000, 1)
	ix := okr.NewSuggestionIndex(objs, krs)
	b.ReportAllocs()
	for b.Loop() {
		ix.Match("churn", 1, okr.LevelTeam, 50)
	}
}
