package okr

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// SuggestionIndex ranks candidate parents for an objective by how much its
// words overlap theirs: TF-IDF over each objective's title (counted twice,
// as titles say the most), description and key-result titles, with stemming
// and stop words, compared by cosine similarity. It is built once per cycle
// and is safe for concurrent reads.
type SuggestionIndex struct {
	docs     []suggestDoc
	byID     map[int64]int
	postings map[string][]posting // stem -> documents containing it
	idf      map[string]float64
	krs      []matchKR // live key results, for matching by title
}

type matchKR struct {
	kr         *KeyResult
	lowerTitle string
}

type suggestDoc struct {
	objective  *Objective
	lowerTitle string
	norm       float64
	words      map[string]string // stem -> a word as written, to explain a match
}

type posting struct {
	doc    int
	weight float64 // tf-idf, not normalised
}

// Suggestion is a candidate parent with its similarity (0..1) and the words
// it shares with the objective, which explain the rank to a person; a
// candidate found through the organisation chart says so in Why instead.
type Suggestion struct {
	Objective *Objective
	Score     float64
	Shared    []string
	Why       string
}

// NewSuggestionIndex indexes the objectives with their key results. Archived
// and closed objectives are indexed for word statistics but never suggested.
func NewSuggestionIndex(objectives []*Objective, krs []*KeyResult) *SuggestionIndex {
	ix := &SuggestionIndex{
		docs:     make([]suggestDoc, len(objectives)),
		byID:     make(map[int64]int, len(objectives)),
		postings: map[string][]posting{},
		idf:      map[string]float64{},
	}
	texts := make([][]string, len(objectives))
	for i, o := range objectives {
		ix.byID[o.ID] = i
		ix.docs[i] = suggestDoc{objective: o, lowerTitle: strings.ToLower(o.Title)}
		texts[i] = []string{o.Title, o.Title, o.Description}
	}
	for _, kr := range krs {
		if kr.Archived {
			continue
		}
		ix.krs = append(ix.krs, matchKR{kr: kr, lowerTitle: strings.ToLower(kr.Title)})
		if i, ok := ix.byID[kr.ObjectiveID]; ok {
			texts[i] = append(texts[i], kr.Title)
		}
	}
	counts := make([]map[string]int, len(objectives))
	var buf []term
	for i, parts := range texts {
		tf := map[string]int{}
		words := map[string]string{}
		for _, p := range parts {
			buf = terms(p, buf[:0])
			for _, t := range buf {
				tf[t.stem]++
				if _, ok := words[t.stem]; !ok {
					words[t.stem] = t.word
				}
			}
		}
		counts[i] = tf
		ix.docs[i].words = words
		for stem := range tf {
			ix.idf[stem]++ // document frequency for now
		}
	}
	n := float64(len(objectives))
	for stem, df := range ix.idf {
		ix.idf[stem] = math.Log(1 + n/df)
	}
	for i, tf := range counts {
		var norm float64
		for stem, c := range tf {
			w := (1 + math.Log(float64(c))) * ix.idf[stem]
			ix.postings[stem] = append(ix.postings[stem], posting{doc: i, weight: w})
			norm += w * w
		}
		ix.docs[i].norm = math.Sqrt(norm)
	}
	return ix
}

// Suggest returns up to limit active objectives of the child's cycle at a
// higher level, most similar first, leaving out those sharing no word. Ties
// go to the nearer level, then to the older objective.
func (ix *SuggestionIndex) Suggest(child *Objective, childKRs []*KeyResult, limit int) []Suggestion {
	parts := []string{child.Title, child.Title, child.Description}
	for _, kr := range childKRs {
		parts = append(parts, kr.Title)
	}
	query := map[string]float64{}
	var buf []term
	for _, p := range parts {
		buf = terms(p, buf[:0])
		for _, t := range buf {
			query[t.stem]++
		}
	}
	var qnorm float64
	for stem, c := range query {
		w := (1 + math.Log(c)) * ix.idf[stem] // unknown stems have idf 0: no weight
		query[stem] = w
		qnorm += w * w
	}
	if qnorm == 0 {
		return nil
	}
	scores := map[int]float64{}
	for stem, qw := range query {
		if qw == 0 {
			continue
		}
		for _, p := range ix.postings[stem] {
			if ix.candidate(child, ix.docs[p.doc].objective) {
				scores[p.doc] += qw * p.weight
			}
		}
	}
	out := make([]Suggestion, 0, len(scores))
	for doc, dot := range scores {
		d := &ix.docs[doc]
		out = append(out, Suggestion{Objective: d.objective, Score: dot / (math.Sqrt(qnorm) * d.norm)})
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		return cmp.Or(
			cmp.Compare(b.Score, a.Score),
			cmp.Compare(b.Objective.Level.Rank(), a.Objective.Level.Rank()), // nearer level first
			cmp.Compare(a.Objective.ID, b.Objective.ID),
		)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i].Shared = ix.shared(query, ix.byID[out[i].Objective.ID])
	}
	return out
}

// shared lists the words a document shares with the query, the most telling
// (highest weight) first, at most five.
func (ix *SuggestionIndex) shared(query map[string]float64, doc int) []string {
	type scored struct {
		word string
		w    float64
	}
	var hits []scored
	for stem, w := range ix.docs[doc].words {
		if qw := query[stem]; qw > 0 {
			hits = append(hits, scored{w, qw})
		}
	}
	slices.SortFunc(hits, func(a, b scored) int { return cmp.Or(cmp.Compare(b.w, a.w), strings.Compare(a.word, b.word)) })
	words := make([]string, 0, min(len(hits), 5))
	for _, h := range hits[:min(len(hits), 5)] {
		words = append(words, h.word)
	}
	return words
}

// candidate reports whether p may be suggested as a parent of child.
func (ix *SuggestionIndex) candidate(child, p *Objective) bool {
	return p.ID != child.ID && p.Status == StatusActive && p.CycleID == child.CycleID && p.Level.Above(child.Level)
}

// Match finds objectives above level (any level when level is "") and key
// results of such objectives whose reference is text or whose title
// contains it, case-insensitively, for type-ahead. Title-prefix matches come
// first. Only active objectives in cycleID are returned.
func (ix *SuggestionIndex) Match(text string, cycleID int64, level Level, limit int) ([]*Objective, []*KeyResult) {
	text = strings.ToLower(strings.TrimSpace(text))
	kind, id := ParseRef(text)
	ok := func(o *Objective) bool {
		return o != nil && o.Status == StatusActive && o.CycleID == cycleID && (level == "" || o.Level.Above(level))
	}
	var prefix, contains []*Objective
	for i := range ix.docs {
		d := &ix.docs[i]
		if !ok(d.objective) {
			continue
		}
		switch {
		case kind == RefObjective && d.objective.ID == id, strings.HasPrefix(d.lowerTitle, text):
			prefix = append(prefix, d.objective)
		case strings.Contains(d.lowerTitle, text):
			contains = append(contains, d.objective)
		}
	}
	objs := append(prefix, contains...)
	if limit > 0 && len(objs) > limit {
		objs = objs[:limit]
	}
	var krs []*KeyResult
	for _, m := range ix.krs {
		if limit > 0 && len(krs) >= limit {
			break
		}
		if i, found := ix.byID[m.kr.ObjectiveID]; !found || !ok(ix.docs[i].objective) {
			continue
		}
		if kind == RefKeyResult && m.kr.ID == id || text != "" && strings.Contains(m.lowerTitle, text) {
			krs = append(krs, m.kr)
		}
	}
	return objs, krs
}

// Structural lists candidate parents the organisation chart points to,
// whatever their words: the objectives of the child's department (a team's
// parent team), then the company objectives, oldest first, each with why.
// Those in skip are left out. It lets a suggestion never come back empty
// when the words of a child and its parent differ.
func (ix *SuggestionIndex) Structural(child *Objective, teams []*Team, skip map[int64]bool, limit int) []Suggestion {
	department := int64(0)
	for _, t := range teams {
		if t.ID == child.TeamID {
			department = t.ParentID
		}
	}
	var dept, company []Suggestion
	for i := range ix.docs {
		o := ix.docs[i].objective
		if skip[o.ID] || !ix.candidate(child, o) {
			continue
		}
		switch {
		case department != 0 && o.TeamID == department && o.Level == LevelDepartment:
			dept = append(dept, Suggestion{Objective: o, Why: "your department's objective"})
		case o.Level == LevelCompany:
			company = append(company, Suggestion{Objective: o, Why: "a company objective"})
		}
	}
	byID := func(a, b Suggestion) int { return cmp.Compare(a.Objective.ID, b.Objective.ID) }
	slices.SortFunc(dept, byID)
	slices.SortFunc(company, byID)
	out := append(dept, company...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Len is the number of indexed objectives.
func (ix *SuggestionIndex) Len() int { return len(ix.docs) }
