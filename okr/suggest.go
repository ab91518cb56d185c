package okr

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
)

// SuggestionIndex ranks candidate parents for an objective. It weighs, for
// each candidate:
//
//   - the organisation chart: a team's own department objectives, the
//     company objectives above them, a person's team objectives, and where
//     the child's teammates already link;
//   - the words, scored with BM25F (Robertson and Zaragoza, "The
//     Probabilistic Relevance Framework: BM25 and Beyond", 2009) over the
//     candidate's title, description, key results and the objectives
//     already linked to it, in this cycle and, when it carries on a past
//     objective (the same title, or clearly the same words), to that
//     one in past cycles; a word that appears in many objectives counts little and
//     one repeated in a candidate's text stops counting after a few times,
//     so a decoy sharing one incidental word does not bury a parent
//     matching through its key results;
//   - related terms from a Lexicon (beds ~ occupancy);
//   - associations learned from links people made (a child's words and its
//     parent's), minus the suggestions they dismissed.
//
// Every suggestion says why in a few words. The index is built once per
// cycle and is safe for concurrent reads.
type SuggestionIndex struct {
	cycleID int64
	lex     *Lexicon
	vocab   map[string]int32 // stem or group key -> feature
	// extra holds the features an index made by With added; vocab is its
	// base's, shared. nil in an index built whole.
	extra map[string]int32
	group []bool // by feature: a lexicon group, not a stem
	// groupFeatures are the features of the lexicon's groups, -1 for a
	// group no indexed text uses.
	groupFeatures []int32
	docs          []suggestDoc    // the cycle's objectives
	byID          map[int64]int32 // objective ID -> doc
	// postings lists, for each feature, the candidate documents with its
	// BM25F saturation there, ready to multiply by the query's weight.
	postings [][]posting
	idf      []float64

	teamParent map[int64]int64    // team -> department
	teamNames  map[int64]string   // team -> its name
	userTeams  map[string][]int64 // person -> teams they lead or belong to
	byTeam     map[int64][]int32  // team -> the cycle's objectives of it
	company    []int32            // the cycle's company objectives
	learned    map[int32][]association
	dismissed  map[[2]int64]bool // (child, parent) people said no to
	// avgLen are the fields' average lengths in words, for BM25F.
	avgLen [fields]float64

	// For type-ahead: the live key results of the cycle's objectives, in
	// the order given, and the titles of both lower-cased.
	krs             []matchKR
	titles, krTexts foldedTexts

	approximate bool // made by With: see there
}

type suggestDoc struct {
	objective *Objective
	// krTitles are the live key results' titles, the strings the key
	// results for type-ahead (matchKR) point to as well.
	krTitles []string
	children []*suggestText // linked objectives whose text joins the profile
}

// suggestText is an objective's text for the explanations: its title and
// key results.
type suggestText struct {
	id, parent int64 // the objective's, and the parent it had then
	title      string
	krTitles   []string
}

type posting struct {
	doc int32
	sat float32
}

type association struct {
	feature  int32
	strength float32 // share of the links with the child's feature that had it; < 0 for dismissals
}

// matchKR is a key result for type-ahead: its title is
// docs[doc].krTitles[k]. Holding the few fields type-ahead shows, rather
// than the key result's row, keeps 50,000 of them small.
type matchKR struct {
	id     int64
	doc, k int32
}

// foldedTexts are texts lower-cased and laid end to end, text i ending at
// end[i]: one string instead of one per title, which costs a string header
// and an allocation each, 50,000 times over.
type foldedTexts struct {
	text string
	end  []int32
}

// foldTexts lower-cases the n texts text(i) into one.
func foldTexts(n int, text func(i int) string) foldedTexts {
	size := 0
	for i := range n {
		size += len(text(i))
	}
	var b strings.Builder
	b.Grow(size)
	end := make([]int32, n)
	for i := range n {
		s := text(i)
		if isASCII(s) {
			for j := range len(s) {
				c := s[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
		} else {
			b.WriteString(strings.ToLower(s)) // may change the length: end says where it ends
		}
		end[i] = int32(b.Len())
	}
	return foldedTexts{b.String(), end}
}

// fold lays out the titles of the objectives and key results for
// type-ahead.
func (ix *SuggestionIndex) fold() {
	ix.titles = foldTexts(len(ix.docs), func(i int) string { return ix.docs[i].objective.Title })
	ix.krTexts = foldTexts(len(ix.krs), func(i int) string { m := ix.krs[i]; return ix.docs[m.doc].krTitles[m.k] })
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// at is text i.
func (ft *foldedTexts) at(i int) string {
	start := int32(0)
	if i > 0 {
		start = ft.end[i-1]
	}
	return ft.text[start:ft.end[i]]
}

// search calls yield, in order, for each text that contains q (already
// lower case), saying whether it starts with it, until yield returns false.
// Every text contains "". It searches text by text: one search through
// them all, restarted after each match, is slower when a common word
// matches thousands.
func (ft *foldedTexts) search(q string, yield func(i int, prefix bool) bool) {
	start := int32(0)
	for i, end := range ft.end {
		if j := strings.Index(ft.text[start:end], q); j >= 0 && !yield(i, j == 0) {
			return
		}
		start = end
	}
}

// Suggestion is a candidate parent, its score (higher is better; only the
// order means something) and why, in a few words for a person: "your
// department's objective; beds ~ occupancy". Shared are the words the child
// and the candidate have in common.
type Suggestion struct {
	Objective *Objective
	Score     float64
	Shared    []string
	Why       string
}

// SuggestionInput is what the index learns from.
type SuggestionInput struct {
	CycleID int64 // the cycle whose objectives are suggested
	// Objectives are the cycle's objectives, and past cycles' objectives
	// that were linked (children and parents), the workspace's own
	// evidence of what supports what.
	Objectives []*Objective
	KeyResults []*KeyResult // the live key results of those objectives
	Teams      []*Team
	Feedback   []SuggestionFeedback
	Lexicon    *Lexicon // nil for none
}

// SuggestionFeedback is a person's answer to a suggestion: they linked the
// child to it, or said it is not related.
type SuggestionFeedback struct {
	ChildID, ParentID int64
	Accepted          bool
}

// The weights of the ranking, tuned on the tuning half of the evaluation set
// in okr/testdata/alignment (see TestSuggestionAccuracy).
const (
	bm25K1 = 3.6
	bm25B  = 0.5

	// Fields of a candidate.
	weightTitle    = 1.0
	weightDesc     = 0.5
	weightKRs      = 1.0
	weightChildren = 1.2

	// Parts of the child that asks.
	queryTitle = 1.0
	queryKRs   = 0.6
	queryDesc  = 0.4
	queryTeam  = 0.3 // the name of the child's team

	weightRelated = 0.5 // a related term, relative to the same word
	weightLearned = 0.6 // an association learned from links

	// The organisation chart.
	priorOwn      = 1.2 // the child's department's (or, for a person, team's) objective
	priorAbove    = 0.7 // a company objective the child's department links to
	priorCompany  = 0.3 // any company objective, for a team or person
	priorSiblings = 1.5 // per objective of the child's team linked there, up to three

	learnedPerFeature = 12  // associations kept per child feature
	carryOverShare    = 0.2 // how much of a past objective's words a candidate must share to carry it on
	minLearnedLinks   = 2.0 // links that must share a pair of words before it counts
	featuresPerLink   = 16  // features of each side a link teaches
)

// features is how many features there are: every stem and group key has
// its entry in group.
func (ix *SuggestionIndex) features() int { return len(ix.group) }

// groupFeature is the feature of a lexicon group, made when add is set.
// Its key cannot be a stem: stems never start with "~".
func (ix *SuggestionIndex) groupFeature(g int32, add bool) (int32, bool) {
	if int(g) < len(ix.groupFeatures) && ix.groupFeatures[g] >= 0 {
		return ix.groupFeatures[g], true
	}
	if !add {
		return 0, false
	}
	for len(ix.groupFeatures) <= int(g) {
		ix.groupFeatures = append(ix.groupFeatures, -1)
	}
	f := ix.newFeature(fmt.Sprintf("~%d", g))
	ix.groupFeatures[g] = f
	return f, true
}

// lookup is the feature of a stem or group key.
func (ix *SuggestionIndex) lookup(key string) (int32, bool) {
	f, ok := ix.vocab[key]
	if !ok && ix.extra != nil {
		f, ok = ix.extra[key]
	}
	return f, ok
}

// newFeature adds a feature for the key, which has none yet.
func (ix *SuggestionIndex) newFeature(key string) int32 {
	f := int32(ix.features())
	if ix.extra != nil {
		ix.extra[key] = f
	} else {
		ix.vocab[key] = f
	}
	ix.group = append(ix.group, strings.HasPrefix(key, "~"))
	return f
}

// feature is one occurrence of a feature in a text, with the words it came
// from, to explain a match.
type feature struct {
	id   int32
	word string
}

// featurise turns text into features: its stems, and the lexicon groups of
// its terms (a term may be several words in a row). Unknown stems get a new
// feature when add is set and are left out otherwise.
func (ix *SuggestionIndex) featurise(text string, add bool, buf []term, out []feature) ([]term, []feature) {
	buf = terms(text, buf[:0])
	id := func(key string) (int32, bool) {
		f, ok := ix.lookup(key)
		if !ok && add {
			f, ok = ix.newFeature(key), true
		}
		return f, ok
	}
	for i, t := range buf {
		if f, ok := id(t.stem); ok {
			out = append(out, feature{f, t.word})
		}
		if ix.lex == nil {
			continue
		}
		// The terms starting here: this word, then the longer ones the
		// lexicon has (whose first words it lists as prefixes).
		var keyBuf [128]byte
		key := append(keyBuf[:0], t.stem...)
		for n := 1; n <= ix.lex.maxWords && i+n <= len(buf); n++ {
			if n > 1 {
				key = append(append(key, ' '), buf[i+n-1].stem...)
			}
			if gs := ix.lex.byKey[string(key)]; len(gs) > 0 {
				word := t.word
				for _, w := range buf[i+1 : i+n] {
					word += " " + w.word
				}
				for _, g := range gs {
					if f, ok := ix.groupFeature(g, add); ok {
						out = append(out, feature{f, word})
					}
				}
			}
			if !ix.lex.prefixes[string(key)] {
				break
			}
		}
	}
	return buf, out
}

// NewSuggestionIndex indexes the cycle's objectives with their key results,
// the organisation chart and the links and feedback it can learn from.
// Archived and closed objectives count in word statistics but are never
// suggested.
func NewSuggestionIndex(in SuggestionInput) *SuggestionIndex {
	krs := make([]KeyResultText, 0, len(in.KeyResults))
	for _, kr := range in.KeyResults {
		if !kr.Archived {
			krs = append(krs, KeyResultText{ID: kr.ID, ObjectiveID: kr.ObjectiveID, Title: kr.Title})
		}
	}
	return newSuggestionIndex(in, krs)
}

// newSuggestionIndex is NewSuggestionIndex with the live key results' text
// apart, as LoadSuggestionIndex reads it.
func newSuggestionIndex(in SuggestionInput, krs []KeyResultText) *SuggestionIndex {
	ix := &SuggestionIndex{
		cycleID:    in.CycleID,
		lex:        in.Lexicon,
		vocab:      map[string]int32{},
		teamParent: map[int64]int64{},
		teamNames:  map[int64]string{},
		userTeams:  map[string][]int64{},
		byTeam:     map[int64][]int32{},
		learned:    map[int32][]association{},
		dismissed:  map[[2]int64]bool{},
	}
	for _, t := range in.Teams {
		ix.teamParent[t.ID] = t.ParentID
		ix.teamNames[t.ID] = t.Name
		if t.LeadID != "" {
			ix.userTeams[t.LeadID] = append(ix.userTeams[t.LeadID], t.ID)
		}
		for _, m := range t.Members {
			if m != t.LeadID {
				ix.userTeams[m] = append(ix.userTeams[m], t.ID)
			}
		}
	}
	// Objectives and key results are laid out in slices cut from one
	// backing array each, sized by counting first: appending to one slice
	// per objective, or keeping maps of all of them, cost more than the
	// index keeps.
	nDocs := 0
	for _, o := range in.Objectives {
		if o.CycleID == in.CycleID {
			nDocs++
		}
	}
	ix.docs = make([]suggestDoc, 0, nDocs)
	ix.byID = make(map[int64]int32, nDocs)
	others := map[int64]*Objective{} // linked objectives of past cycles
	for _, o := range in.Objectives {
		if o.CycleID == in.CycleID {
			ix.byID[o.ID] = int32(len(ix.docs))
			ix.docs = append(ix.docs, suggestDoc{objective: o})
			ix.byTeam[o.TeamID] = append(ix.byTeam[o.TeamID], ix.byID[o.ID])
			if o.Level == LevelCompany {
				ix.company = append(ix.company, ix.byID[o.ID])
			}
		} else {
			others[o.ID] = o
		}
	}
	objective := func(id int64) *Objective {
		if d, ok := ix.byID[id]; ok {
			return ix.docs[d].objective
		}
		return others[id]
	}
	perDoc := make([]int32, len(ix.docs))
	total := 0
	otherKRs := map[int64][]string{}
	for _, kr := range krs {
		if d, ok := ix.byID[kr.ObjectiveID]; ok {
			perDoc[d]++
			total++
		} else {
			otherKRs[kr.ObjectiveID] = append(otherKRs[kr.ObjectiveID], kr.Title)
		}
	}
	titles := make([]string, total)
	for d, n := range perDoc {
		ix.docs[d].krTitles, titles = titles[:0:n], titles[n:]
	}
	ix.krs = make([]matchKR, 0, total)
	for _, kr := range krs {
		if d, ok := ix.byID[kr.ObjectiveID]; ok {
			doc := &ix.docs[d]
			ix.krs = append(ix.krs, matchKR{id: kr.ID, doc: d, k: int32(len(doc.krTitles))})
			doc.krTitles = append(doc.krTitles, kr.Title)
		}
	}
	ix.fold()
	texts := map[int64]*suggestText{}
	text := func(o *Objective) *suggestText {
		t := texts[o.ID]
		if t == nil {
			t = &suggestText{id: o.ID, parent: o.ParentObjectiveID, title: o.Title, krTitles: otherKRs[o.ID]}
			if d, ok := ix.byID[o.ID]; ok {
				t.krTitles = ix.docs[d].krTitles
			}
			texts[o.ID] = t
		}
		return t
	}

	// A candidate's profile takes in its linked children, and those of the
	// past objective it carries on: one with the same title, or else the
	// one it resembles most (see index). Titles are normalised when stored
	// (Objective.Validate), so the same title is the same lower-cased.
	sameTitle := make([]int32, len(ix.docs)) // docs by lower-cased title
	for d := range sameTitle {
		sameTitle[d] = int32(d)
	}
	slices.SortStableFunc(sameTitle, func(a, b int32) int { return strings.Compare(ix.titles.at(int(a)), ix.titles.at(int(b))) })
	withTitle := func(title string) []int32 {
		title = strings.ToLower(title)
		from, _ := slices.BinarySearchFunc(sameTitle, title, func(d int32, t string) int { return strings.Compare(ix.titles.at(int(d)), t) })
		to := from
		for to < len(sameTitle) && ix.titles.at(int(sameTitle[to])) == title {
			to++
		}
		return sameTitle[from:to]
	}
	past := map[*Objective][]*suggestText{}
	for _, o := range in.Objectives {
		p := objective(o.ParentObjectiveID)
		if p == nil || o.Status == StatusArchived {
			continue
		}
		if d, ok := ix.byID[p.ID]; ok {
			ix.docs[d].children = append(ix.docs[d].children, text(o))
		} else if p.CycleID != in.CycleID {
			if ds := withTitle(p.Title); len(ds) > 0 {
				for _, d := range ds {
					ix.docs[d].children = append(ix.docs[d].children, text(o))
				}
			} else {
				past[p] = append(past[p], text(o))
			}
		}
	}

	ix.index(past, text)
	ix.learn(in, objective, text)
	return ix
}

// index computes the word statistics and the postings. The objectives
// of past cycles in past, with their linked children, are matched first to
// the candidate they resemble most (past quarters' objectives are often
// reworded: "Zero falls from height" became "Everyone home safe, every
// day"), so their children join its profile.
func (ix *SuggestionIndex) index(past map[*Objective][]*suggestText, text func(*Objective) *suggestText) {
	tfs := make([]docTF, len(ix.docs))
	var tc tfCounter
	// The candidates' own text first: it alone makes a word common.
	for d := range ix.docs {
		tfs[d] = tc.own(ix, &ix.docs[d])
	}
	df := make([]int32, ix.features())
	for _, t := range tfs {
		for _, c := range t.counts {
			df[c.f]++
		}
	}
	n := float64(len(ix.docs))
	ix.idf = make([]float64, ix.features())
	for f := range ix.idf {
		ix.idf[f] = math.Log(1 + (n-float64(df[f])+0.5)/(float64(df[f])+0.5))
	}
	ix.carryOver(past, text, func(d int32) []int32 {
		out := make([]int32, len(tfs[d].counts))
		for i, c := range tfs[d].counts {
			out[i] = c.f
		}
		return out
	})
	// Then the linked children. Their words are new to the statistics: an
	// idf of 0 (no candidate uses them) would make them count for nothing.
	for d := range ix.docs {
		if len(ix.docs[d].children) > 0 {
			tfs[d] = tc.children(ix, &ix.docs[d], tfs[d])
		}
	}
	for f := len(ix.idf); f < ix.features(); f++ {
		ix.idf = append(ix.idf, math.Log(1+(n+0.5)/0.5))
	}
	var avg [fields]float64
	for _, t := range tfs {
		for i := range avg {
			avg[i] += t.len[i]
		}
	}
	for i := range avg {
		avg[i] = max(avg[i]/max(n, 1), 1)
	}
	ix.avgLen = avg
	// All postings share one backing array, cut to each feature's length.
	sizes := make([]int32, ix.features())
	total := 0
	for d, t := range tfs {
		if ix.docs[d].objective.Level.Above(LevelPersonal) {
			for _, c := range t.counts {
				sizes[c.f]++
			}
			total += len(t.counts)
		}
	}
	backing := make([]posting, total)
	ix.postings = make([][]posting, ix.features())
	for f, n := range sizes {
		ix.postings[f], backing = backing[:0:n], backing[n:]
	}
	for d, t := range tfs {
		if !ix.docs[d].objective.Level.Above(LevelPersonal) {
			continue // never a parent: only its statistics count
		}
		for _, c := range t.counts {
			ix.postings[c.f] = append(ix.postings[c.f], posting{doc: int32(d), sat: saturation(c, &t, &avg)})
		}
	}
}

// fields are the parts of a candidate's text: title, description, key
// results, children.
const fields = 4

// tfCount is how often a feature occurs in each field of a document.
type tfCount struct {
	f int32
	c [fields]float32
}

// docTF is a document's term frequencies and its fields' lengths.
type docTF struct {
	counts []tfCount
	len    [fields]float64
}

// saturation is the BM25F weight of a feature's counts in a document,
// saturated, ready to multiply by idf.
func saturation(c tfCount, t *docTF, avg *[fields]float64) float32 {
	weights := [fields]float64{weightTitle, weightDesc, weightKRs, weightChildren}
	var w float64
	for i := range fields {
		w += weights[i] * float64(c.c[i]) / (1 - bm25B + bm25B*t.len[i]/avg[i])
	}
	return float32(w / (bm25K1 + w))
}

// tfCounter counts the features of one document at a time, adding unknown
// words to the vocabulary. Each document's counts are gathered in cur and
// then copied out at their exact size: appending to a slice per document
// allocated several times what the counts take.
type tfCounter struct {
	buf []term
	fs  []feature
	cur []tfCount
	len [fields]float64
	// slot[f] is feature f's place in cur, valid while owner[f] is gen: a
	// map per document costs more than all the rest of indexing.
	slot, owner []int32
	gen         int32
}

// own counts a document's own text: title, description and key results.
func (tc *tfCounter) own(ix *SuggestionIndex, doc *suggestDoc) docTF {
	tc.start(docTF{})
	tc.add(ix, 0, doc.objective.Title)
	tc.add(ix, 1, doc.objective.Description)
	for _, kt := range doc.krTitles {
		tc.add(ix, 2, kt)
	}
	return tc.done()
}

// children adds the text of a document's linked children to its counts t.
func (tc *tfCounter) children(ix *SuggestionIndex, doc *suggestDoc, t docTF) docTF {
	tc.start(t)
	for _, c := range doc.children {
		tc.add(ix, 3, c.title)
		for _, kt := range c.krTitles {
			tc.add(ix, 3, kt)
		}
	}
	return tc.done()
}

func (tc *tfCounter) start(t docTF) {
	tc.gen++
	tc.cur, tc.len = append(tc.cur[:0], t.counts...), t.len
	for i, c := range tc.cur {
		tc.grow(int(c.f) + 1)
		tc.slot[c.f], tc.owner[c.f] = int32(i), tc.gen
	}
}

func (tc *tfCounter) grow(n int) {
	for len(tc.slot) < n {
		tc.slot, tc.owner = append(tc.slot, 0), append(tc.owner, 0)
	}
}

func (tc *tfCounter) add(ix *SuggestionIndex, field int, s string) {
	tc.buf, tc.fs = ix.featurise(s, true, tc.buf, tc.fs[:0])
	tc.grow(ix.features())
	for _, f := range tc.fs {
		if tc.owner[f.id] != tc.gen {
			tc.slot[f.id], tc.owner[f.id] = int32(len(tc.cur)), tc.gen
			tc.cur = append(tc.cur, tfCount{f: f.id})
		}
		tc.cur[tc.slot[f.id]].c[field]++
	}
	tc.len[field] += float64(len(tc.buf))
}

func (tc *tfCounter) done() docTF {
	return docTF{counts: slices.Clone(tc.cur), len: tc.len}
}

// carryOver gives each past objective's linked children to the candidate
// of its level it resembles most, when the resemblance is clear: the
// features they share, weighed by idf, make up at least carryOverShare of
// the past objective's own. features lists a candidate's features.
func (ix *SuggestionIndex) carryOver(past map[*Objective][]*suggestText, text func(*Objective) *suggestText, features func(int32) []int32) {
	if len(past) == 0 {
		return
	}
	levels := map[Level]bool{}
	for p := range past {
		levels[p.Level] = true
	}
	byFeature := map[int32][]int32{} // feature -> candidates with it, at the past objectives' levels
	for d := range ix.docs {
		if levels[ix.docs[d].objective.Level] {
			for _, f := range features(int32(d)) {
				byFeature[f] = append(byFeature[f], int32(d))
			}
		}
	}
	maxIDF := math.Log(1 + (float64(len(ix.docs))+0.5)/0.5)
	parents := slices.SortedFunc(maps.Keys(past), func(a, b *Objective) int { return cmp.Compare(a.ID, b.ID) })
	var buf []term
	var fs []feature
	for _, p := range parents {
		seen := map[int32]bool{}
		var own float64
		score := map[int32]float64{}
		t := text(p)
		unknown := map[string]bool{}
		for _, s := range append([]string{t.title}, t.krTitles...) {
			buf, fs = ix.featurise(s, false, buf, fs[:0])
			for _, tm := range buf {
				if _, ok := ix.lookup(tm.stem); !ok && !unknown[tm.stem] {
					unknown[tm.stem] = true
					own += maxIDF // a word no candidate has: as telling as a word can be
				}
			}
			for _, f := range fs {
				if seen[f.id] {
					continue
				}
				seen[f.id] = true
				own += ix.idf[f.id]
				for _, d := range byFeature[f.id] {
					if ix.docs[d].objective.Level == p.Level {
						score[d] += ix.idf[f.id]
					}
				}
			}
		}
		best, bestScore := int32(-1), 0.0
		for d, sc := range score {
			if sc > bestScore || sc == bestScore && d < best {
				best, bestScore = d, sc
			}
		}
		if best >= 0 && bestScore >= carryOverShare*own {
			ix.docs[best].children = append(ix.docs[best].children, past[p]...)
		}
	}
}

// learn turns links, accepted suggestions and dismissed ones into
// associations between a child's features and its parent's: in a hotel
// group where "beds" objectives have linked to "revenue" ones, the next
// "beds" objective finds a "revenue" parent even with new words.
func (ix *SuggestionIndex) learn(in SuggestionInput, objective func(int64) *Objective, text func(*Objective) *suggestText) {
	type pair struct{ child, parent int64 }
	signs := map[pair]float64{}
	for _, o := range in.Objectives {
		if o.ParentObjectiveID != 0 && objective(o.ParentObjectiveID) != nil && o.Status != StatusArchived {
			signs[pair{o.ID, o.ParentObjectiveID}] = 1
		}
	}
	for _, fb := range in.Feedback {
		if objective(fb.ChildID) == nil || objective(fb.ParentID) == nil {
			continue
		}
		if fb.Accepted {
			signs[pair{fb.ChildID, fb.ParentID}] = 1
		} else {
			ix.dismissed[[2]int64{fb.ChildID, fb.ParentID}] = true
			signs[pair{fb.ChildID, fb.ParentID}] = -1
		}
	}
	var buf []term
	memo := map[*suggestText][]int32{} // a parent is read once, however many children it has
	features := func(t *suggestText) []int32 {
		if f, ok := memo[t]; ok {
			return f
		}
		var out []int32
		var fs []feature
		defer func() { memo[t] = out }()
		for _, s := range append([]string{t.title}, t.krTitles...) {
			buf, fs = ix.featurise(s, false, buf, fs[:0])
			for _, f := range fs {
				if !slices.Contains(out, f.id) && len(out) < featuresPerLink {
					out = append(out, f.id)
				}
			}
		}
		return out
	}
	counts := map[[2]int32]float64{}
	seen := map[int32]float64{}
	for _, pr := range slices.SortedFunc(maps.Keys(signs), func(a, b pair) int { return cmp.Or(cmp.Compare(a.child, b.child), cmp.Compare(a.parent, b.parent)) }) {
		sign := signs[pr]
		cf, pf := features(text(objective(pr.child))), features(text(objective(pr.parent)))
		for _, c := range cf {
			if sign > 0 {
				seen[c]++
			}
			for _, p := range pf {
				if p != c {
					counts[[2]int32{c, p}] += sign
				}
			}
		}
	}
	for k, n := range counts {
		// One link is an anecdote: its words meet by chance as often as
		// not. Two links with the same pair of words are a pattern; a
		// single "not related" is meant, and counts.
		if n > -1 && n < minLearnedLinks {
			continue
		}
		s := n / (seen[k[0]] + 1)
		ix.learned[k[0]] = append(ix.learned[k[0]], association{feature: k[1], strength: float32(s)})
	}
	for c, as := range ix.learned {
		slices.SortFunc(as, func(a, b association) int {
			return cmp.Or(cmp.Compare(math.Abs(float64(b.strength)), math.Abs(float64(a.strength))), cmp.Compare(a.feature, b.feature))
		})
		ix.learned[c] = as[:min(len(as), learnedPerFeature)]
	}
}

// queryTerm is a feature the child asks about, with its weight and where it
// came from, to explain the match.
type queryTerm struct {
	weight float64
	word   string // the child's word; "" for its team's name, which explains nothing
	via    int32  // for a learned association, the child's feature; -1 otherwise
}

// query turns the child into weighted features.
func (ix *SuggestionIndex) query(child *Objective, childKRs []*KeyResult) map[int32]queryTerm {
	q := map[int32]queryTerm{}
	var buf []term
	var fs []feature
	add := func(s string, w float64, explains bool) {
		buf, fs = ix.featurise(s, false, buf, fs[:0])
		for _, f := range fs {
			w, word := w, f.word
			if ix.group[f.id] {
				w *= weightRelated
			}
			if !explains {
				word = ""
			}
			if q[f.id].weight < w {
				q[f.id] = queryTerm{w, word, -1}
			}
		}
	}
	add(child.Title, queryTitle, true)
	add(child.Description, queryDesc, true)
	for _, kr := range childKRs {
		add(kr.Title, queryKRs, true)
	}
	// The team says what the objective is about too: "Revenue
	// management", "Facilities".
	team := child.TeamID
	if team == 0 && len(ix.userTeams[child.OwnerID]) == 1 {
		team = ix.userTeams[child.OwnerID][0]
	}
	add(ix.teamNames[team], queryTeam, false)
	direct := make([]int32, 0, len(q))
	for f := range q {
		direct = append(direct, f)
	}
	slices.Sort(direct)
	for _, c := range direct {
		qt := q[c]
		for _, a := range ix.learned[c] {
			w := qt.weight * weightLearned * float64(a.strength)
			if cur, ok := q[a.feature]; ok && (cur.via < 0 || math.Abs(cur.weight) >= math.Abs(w)) {
				continue
			}
			q[a.feature] = queryTerm{w, qt.word, c}
		}
	}
	return q
}

// Suggest returns up to limit active objectives of the child's cycle at a
// higher level, the likeliest parent first, each with why. Unless the cycle
// has no objective above the child, it never comes back empty: when no word
// matches, the organisation chart still points somewhere.
func (ix *SuggestionIndex) Suggest(child *Objective, childKRs []*KeyResult, limit int) []Suggestion {
	if child.CycleID != ix.cycleID {
		return nil
	}
	q := ix.query(child, childKRs)
	features := make([]int32, 0, len(q))
	for f := range q {
		features = append(features, f)
	}
	slices.Sort(features) // sums in one order: equal candidates tie exactly
	sc := ix.scratch(len(ix.docs))
	defer scratchPool.Put(sc)
	// What was learned from links, dismissals included, is kept apart:
	// it may lower a candidate's score by half at most, so that one "not
	// related" never hides a parent from every objective like it.
	for _, f := range features {
		qt, idf := q[f], ix.idf[f]
		into := sc.score
		if qt.via >= 0 {
			into = sc.learned
		}
		for _, p := range ix.postings[f] {
			sc.touch(p.doc)
			into[p.doc] += qt.weight * idf * float64(p.sat)
		}
	}
	ix.priors(child, sc)
	for _, d := range sc.touched {
		sc.score[d] += sc.prior[d].score
	}
	// The best few, kept in order as they come: far cheaper than sorting
	// thousands of candidates that share a common word.
	better := func(a, b Suggestion) int {
		return cmp.Or(
			cmp.Compare(b.Score, a.Score),
			cmp.Compare(b.Objective.Level.Rank(), a.Objective.Level.Rank()), // nearer level first
			cmp.Compare(a.Objective.ID, b.Objective.ID),
		)
	}
	var out []Suggestion
	for _, d := range sc.touched {
		s := sc.score[d] + max(sc.learned[d], -sc.score[d]/2)
		o := ix.docs[d].objective
		if s <= 0 || !ix.candidate(child, o) {
			continue
		}
		cand := Suggestion{Objective: o, Score: s}
		if limit > 0 && len(out) == limit && better(cand, out[limit-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, cand, better)
		out = slices.Insert(out, i, cand)
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
	}
	for i := range out {
		d := ix.byID[out[i].Objective.ID]
		out[i].Shared, out[i].Why = ix.explain(q, d, sc.prior[d])
	}
	return out
}

// suggestScratch is one Suggest call's working memory, by document.
type suggestScratch struct {
	score, learned []float64
	prior          []prior // what the organisation chart says (see priors)
	seen           []bool
	touched        []int32
}

var scratchPool sync.Pool

// scratch is zeroed working memory for n documents.
func (ix *SuggestionIndex) scratch(n int) *suggestScratch {
	sc, _ := scratchPool.Get().(*suggestScratch)
	if sc == nil || cap(sc.score) < n {
		sc = &suggestScratch{score: make([]float64, n), learned: make([]float64, n), prior: make([]prior, n), seen: make([]bool, n)}
	}
	for _, d := range sc.touched {
		sc.score[d], sc.learned[d], sc.prior[d], sc.seen[d] = 0, 0, prior{}, false
	}
	sc.score, sc.learned, sc.prior, sc.seen, sc.touched = sc.score[:n], sc.learned[:n], sc.prior[:n], sc.seen[:n], sc.touched[:0]
	return sc
}

func (sc *suggestScratch) touch(d int32) {
	if !sc.seen[d] {
		sc.seen[d] = true
		sc.touched = append(sc.touched, d)
	}
}

// prior is what the organisation chart says of a candidate, and why.
type prior struct {
	score float64
	why   string
}

// priors scores the candidates the organisation chart points to, into
// sc.prior (touching them): kept by document in the scratch, not in a map,
// as the company objectives alone may be thousands.
func (ix *SuggestionIndex) priors(child *Objective, sc *suggestScratch) {
	set := func(d int32, score float64, why string) {
		sc.touch(d)
		if score > sc.prior[d].score {
			sc.prior[d] = prior{score, why}
		}
	}
	teams := []int64{child.TeamID}
	if child.TeamID == 0 || child.Level == LevelPersonal {
		teams = append(teams, ix.userTeams[child.OwnerID]...)
	}
	for _, team := range teams {
		if team == 0 {
			continue
		}
		// The objectives one level up in the chart: a person's team's, a
		// team's department's.
		own, ownLevel, ownWhy := ix.teamParent[team], LevelDepartment, "your department's objective"
		if child.Level == LevelPersonal {
			own, ownLevel, ownWhy = team, LevelTeam, "your team's objective"
		}
		if child.Level == LevelDepartment {
			own = 0 // a department's parents are company objectives
		}
		for _, d := range ix.byTeam[own] {
			if own == 0 || ix.docs[d].objective.Level != ownLevel {
				continue
			}
			set(d, priorOwn, ownWhy)
			// What those objectives link to is above the child too.
			if pd, ok := ix.byID[ix.docs[d].objective.ParentObjectiveID]; ok {
				set(pd, priorAbove, "above your department's objectives")
			}
		}
		if child.Level == LevelPersonal {
			for _, d := range ix.byTeam[ix.teamParent[team]] {
				if ix.teamParent[team] != 0 && ix.docs[d].objective.Level == LevelDepartment {
					set(d, priorOwn/2, "your department's objective")
				}
			}
		}
		// Where the child's teammates' objectives link.
		linked := map[int32]int{}
		for _, d := range ix.byTeam[team] {
			o := ix.docs[d].objective
			if o.ID == child.ID || o.Level != child.Level || o.Status == StatusArchived {
				continue
			}
			if pd, ok := ix.byID[o.ParentObjectiveID]; ok {
				linked[pd]++
			}
		}
		for d, n := range linked {
			set(d, priorSiblings*float64(min(n, 3)), countWords(n, "objective of your team links here", "objectives of your team link here"))
		}
	}
	if child.Level != LevelCompany {
		for _, d := range ix.company {
			set(d, priorCompany, "a company objective")
		}
	}
}

// countWords is "1 objective", "3 objectives".
func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// explain says why a candidate ranks where it does: the words shared, the
// related terms, links like this one, the organisation chart; the strongest
// reasons first, at most three.
func (ix *SuggestionIndex) explain(q map[int32]queryTerm, d int32, pr prior) ([]string, string) {
	doc := &ix.docs[d]
	var buf []term
	var fs []feature
	own := map[int32]string{}
	for _, s := range append([]string{doc.objective.Title, doc.objective.Description}, doc.krTitles...) {
		buf, fs = ix.featurise(s, false, buf, fs[:0])
		for _, f := range fs {
			if _, ok := own[f.id]; !ok {
				own[f.id] = f.word
			}
		}
	}
	type reason struct {
		weight float64
		text   string
	}
	var shared, related, learned []reason
	for f, qt := range q {
		word, ok := own[f]
		if !ok || qt.weight <= 0 || qt.word == "" {
			continue
		}
		w := qt.weight * ix.idf[f]
		switch {
		case qt.via >= 0:
			learned = append(learned, reason{w, qt.word + " ~ " + word})
		case ix.group[f]:
			if !sameStems(qt.word, word) {
				related = append(related, reason{w, qt.word + " ~ " + word})
			}
		default:
			shared = append(shared, reason{w, word})
		}
	}
	// Linked objectives that share the child's words: "3 objectives like
	// this one link here".
	alike := 0
	for _, c := range doc.children {
		for _, s := range append([]string{c.title}, c.krTitles...) {
			buf, fs = ix.featurise(s, false, buf, fs[:0])
			if slices.ContainsFunc(fs, func(f feature) bool { return q[f.id].weight > 0 && q[f.id].via < 0 && q[f.id].word != "" }) {
				alike++
				break
			}
		}
	}
	byWeight := func(a, b reason) int { return cmp.Or(cmp.Compare(b.weight, a.weight), strings.Compare(a.text, b.text)) }
	for _, rs := range [][]reason{shared, related, learned} {
		slices.SortFunc(rs, byWeight)
	}
	// The first n distinct texts of reasons sorted by weight, and their
	// weight.
	distinct := func(rs []reason, n int) ([]string, float64) {
		var texts []string
		var weight float64
		for _, r := range rs[:min(len(rs), n)] {
			if !slices.Contains(texts, r.text) {
				texts = append(texts, r.text)
				weight += r.weight
			}
		}
		return texts, weight
	}
	sharedWords, sharedWeight := distinct(shared, 5)
	var reasons []reason
	if pr.why != "" && pr.why != "a company objective" {
		reasons = append(reasons, reason{pr.score * 10, pr.why}) // the chart is the reason people trust most
	}
	if len(sharedWords) > 0 {
		reasons = append(reasons, reason{sharedWeight, "shares " + strings.Join(sharedWords[:min(len(sharedWords), 3)], ", ")})
	}
	pairs, pairWeight := distinct(related, 2)
	if len(pairs) > 0 {
		reasons = append(reasons, reason{pairWeight, strings.Join(pairs, ", ")})
	}
	if alike > 0 {
		reasons = append(reasons, reason{float64(alike), countWords(alike, "objective like this one links here", "objectives like this one link here")})
	}
	if len(learned) > 0 && alike == 0 {
		reasons = append(reasons, reason{learned[0].weight, "past links: " + learned[0].text})
	}
	slices.SortStableFunc(reasons, func(a, b reason) int { return cmp.Compare(b.weight, a.weight) })
	var texts []string
	for _, r := range reasons[:min(len(reasons), 3)] {
		texts = append(texts, r.text)
	}
	if len(texts) == 0 {
		texts = append(texts, pr.why)
	}
	return sharedWords, strings.Join(texts, "; ")
}

// sameStems reports whether two phrases are the same words but for their
// endings ("bed" and "beds"), which is no news to explain as related.
func sameStems(a, b string) bool {
	ta, tb := terms(a, nil), terms(b, nil)
	return len(ta) == len(tb) && slices.EqualFunc(ta, tb, func(x, y term) bool { return x.stem == y.stem })
}

// candidate reports whether p may be suggested as a parent of child.
func (ix *SuggestionIndex) candidate(child, p *Objective) bool {
	return p.ID != child.ID && p.Status == StatusActive && p.CycleID == child.CycleID && p.Level.Above(child.Level) &&
		!ix.dismissed[[2]int64{child.ID, p.ID}]
}

// Match finds objectives above level (any level when level is "") and key
// results of such objectives whose reference is text or whose title
// contains it, case-insensitively, for type-ahead. Title-prefix matches come
// first. Only active objectives in cycleID are returned.
func (ix *SuggestionIndex) Match(text string, cycleID int64, level Level, limit int) ([]*Objective, []*KeyResult) {
	text = strings.ToLower(strings.TrimSpace(text))
	kind, id := ParseRef(text)
	ok := func(d int32) bool {
		o := ix.docs[d].objective
		return o != nil && o.Status == StatusActive && o.CycleID == cycleID && (level == "" || o.Level.Above(level))
	}
	// The objective a reference names counts as a title-prefix match, in
	// its place among them.
	ref := int32(-1)
	if d, found := ix.byID[id]; kind == RefObjective && found {
		ref = d
	}
	var prefix, contains []int32
	ix.titles.search(text, func(i int, isPrefix bool) bool {
		d := int32(i)
		switch {
		case d == ref || !ok(d):
		case isPrefix:
			prefix = append(prefix, d)
		default:
			contains = append(contains, d)
		}
		return true
	})
	if ref >= 0 && ok(ref) {
		i, _ := slices.BinarySearch(prefix, ref)
		prefix = slices.Insert(prefix, i, ref)
	}
	var objs []*Objective
	for _, d := range append(prefix, contains...) {
		if limit > 0 && len(objs) >= limit {
			break
		}
		objs = append(objs, ix.docs[d].objective)
	}
	// Key results in the order given; the one a reference names in its
	// place among those whose title contains the text.
	refKR := -1
	if kind == RefKeyResult {
		refKR = slices.IndexFunc(ix.krs, func(m matchKR) bool { return m.id == id })
	}
	var krs []*KeyResult
	add := func(i int) bool {
		if limit > 0 && len(krs) >= limit {
			return false
		}
		if m := ix.krs[i]; ok(m.doc) {
			krs = append(krs, &KeyResult{ID: m.id, ObjectiveID: ix.docs[m.doc].objective.ID, Title: ix.docs[m.doc].krTitles[m.k]})
		}
		return true
	}
	if text != "" {
		ix.krTexts.search(text, func(i int, _ bool) bool {
			if refKR >= 0 && refKR < i {
				if !add(refKR) {
					return false
				}
				refKR = -1
			}
			if i == refKR {
				refKR = -1
			}
			return add(i)
		})
	}
	if refKR >= 0 {
		add(refKR)
	}
	return objs, krs
}

// Len is the number of indexed objectives of the cycle.
func (ix *SuggestionIndex) Len() int { return len(ix.docs) }

// SuggestionFeedbackService keeps what people answered to suggestions.
type SuggestionFeedbackService interface {
	// RecordSuggestionFeedback stores a person's answer for a (child,
	// parent) pair, replacing an earlier one.
	RecordSuggestionFeedback(ctx context.Context, fb SuggestionFeedback, userID string) error
	// FindSuggestionFeedback lists the answers, newest first, at most limit
	// (0 for all).
	FindSuggestionFeedback(ctx context.Context, limit int) ([]SuggestionFeedback, error)
}
