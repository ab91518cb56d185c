package okr

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// With returns the index with the objectives given as they are now, each
// with its live key results among krs: a created objective joins it, a
// changed one is indexed again, and so are the candidates whose profile
// takes in its text (its parent, before and after a link changed). A
// person who has just created or changed an objective finds it at once,
// where a rebuild takes a few hundred milliseconds at 10,000 objectives.
//
// The index itself does not change, so readers holding it go on
// undisturbed: With copies what it touches (the documents, the postings
// of the words concerned) and shares the rest. It keeps the word
// statistics (idf, average field lengths), what was learned from links and
// which past objectives the candidates carry on as they were, so rankings
// may differ slightly from a fresh build's: the result is Approximate, to
// be rebuilt whole when convenient. Objectives of other cycles count only
// as children of this cycle's.
func (ix *SuggestionIndex) With(objs []*Objective, krs []KeyResultText) *SuggestionIndex {
	nx := *ix
	nx.approximate = true
	nx.docs = slices.Clone(ix.docs)
	nx.extra = maps.Clone(ix.extra)
	if nx.extra == nil {
		nx.extra = map[string]int32{}
	}
	// Appending to these must not write into the base's arrays.
	nx.group, nx.idf, nx.postings = slices.Clip(ix.group), slices.Clip(ix.idf), slices.Clone(ix.postings)
	nx.groupFeatures = slices.Clone(ix.groupFeatures)

	krTitles := map[int64][]string{}
	var krIDs map[int64][]int64
	for _, kr := range slices.SortedFunc(slices.Values(krs), func(a, b KeyResultText) int { return cmp.Compare(a.ID, b.ID) }) {
		krTitles[kr.ObjectiveID] = append(krTitles[kr.ObjectiveID], kr.Title)
		if krIDs == nil {
			krIDs = map[int64][]int64{}
		}
		krIDs[kr.ObjectiveID] = append(krIDs[kr.ObjectiveID], kr.ID)
	}
	changed := map[int64]*suggestText{} // by objective: its text now
	affected := map[int32]bool{}        // documents to index again
	own := map[int32]bool{}             // documents whose own objective changed
	ownByID := false                    // nx.byID is a copy, not the base's
	for _, o := range objs {
		t := &suggestText{id: o.ID, parent: o.ParentObjectiveID, title: o.Title, krTitles: krTitles[o.ID]}
		changed[o.ID] = t
		if o.CycleID != ix.cycleID {
			continue
		}
		d, ok := nx.byID[o.ID]
		if !ok {
			if !ownByID {
				nx.byID, ownByID = maps.Clone(ix.byID), true
			}
			d = int32(len(nx.docs))
			nx.byID[o.ID] = d
			nx.docs = append(nx.docs, suggestDoc{})
		}
		nx.docs[d].objective, nx.docs[d].krTitles = o, t.krTitles
		affected[d], own[d] = true, true
	}
	if len(changed) == 0 {
		return ix
	}

	// The profiles that take in a changed objective's text: it stays
	// where it was while its link stands, with its new text, and leaves
	// when it was archived or linked elsewhere.
	for d := range nx.docs {
		doc := &nx.docs[d]
		if !slices.ContainsFunc(doc.children, func(c *suggestText) bool { return changed[c.id] != nil }) {
			continue
		}
		var children []*suggestText
		for _, c := range doc.children {
			t := changed[c.id]
			switch {
			case t == nil:
				children = append(children, c)
			case t.parent == c.parent && !archived(objs, c.id):
				children = append(children, t)
			}
		}
		doc.children, affected[int32(d)] = children, true
	}
	for _, o := range objs {
		d, ok := nx.byID[o.ParentObjectiveID]
		if !ok || o.Status == StatusArchived {
			continue
		}
		if !slices.ContainsFunc(nx.docs[d].children, func(c *suggestText) bool { return c.id == o.ID }) {
			nx.docs[d].children = append(slices.Clip(nx.docs[d].children), changed[o.ID])
			affected[d] = true
		}
	}
	nx.reindex(ix, slices.Sorted(maps.Keys(affected)))
	nx.relayout(ix, own, krIDs)
	return &nx
}

// archived reports whether the objective with that ID among objs is.
func archived(objs []*Objective, id int64) bool {
	for _, o := range objs {
		if o.ID == id {
			return o.Status == StatusArchived
		}
	}
	return false
}

// reindex counts the words of the documents ds again and replaces their
// postings: every list one of them was or is in is copied without them,
// and with them where they have the word now. base is the index ix was
// copied from, whose postings and documents are as they were.
func (ix *SuggestionIndex) reindex(base *SuggestionIndex, ds []int32) {
	inDs := func(d int32) bool { _, found := slices.BinarySearch(ds, d); return found }
	touched := map[int32][]posting{} // feature -> its new postings of ds
	var buf []term
	var fs []feature
	for _, d := range ds {
		if int(d) >= len(base.docs) || !base.docs[d].objective.Level.Above(LevelPersonal) {
			continue // it was in no postings list
		}
		old := &base.docs[d]
		for _, s := range append([]string{old.objective.Title, old.objective.Description}, old.krTitles...) {
			buf, fs = base.featurise(s, false, buf, fs[:0])
			for _, f := range fs {
				touched[f.id] = nil
			}
		}
		for _, c := range old.children {
			for _, s := range append([]string{c.title}, c.krTitles...) {
				buf, fs = base.featurise(s, false, buf, fs[:0])
				for _, f := range fs {
					touched[f.id] = nil
				}
			}
		}
	}
	var tc tfCounter
	df := map[int32]int{} // of new features, in the documents' own text
	for _, d := range ds {
		doc := &ix.docs[d]
		t := tc.own(ix, doc)
		for _, c := range t.counts {
			if int(c.f) >= len(base.idf) {
				df[c.f]++
			}
		}
		if len(doc.children) > 0 {
			t = tc.children(ix, doc, t)
		}
		if !doc.objective.Level.Above(LevelPersonal) {
			continue // never a parent: it has no postings
		}
		for _, c := range t.counts {
			touched[c.f] = append(touched[c.f], posting{doc: d, sat: saturation(c, &t, &ix.avgLen)})
		}
	}
	// A new word's idf as a build would make it, from how many of the
	// documents use it; the other words' stay as they were.
	n := float64(len(ix.docs))
	for f := len(ix.idf); f < ix.features(); f++ {
		ix.idf = append(ix.idf, math.Log(1+(n-float64(df[int32(f)])+0.5)/(float64(df[int32(f)])+0.5)))
	}
	for len(ix.postings) < ix.features() {
		ix.postings = append(ix.postings, nil)
	}
	for f, add := range touched {
		list := make([]posting, 0, len(ix.postings[f])+len(add))
		for _, p := range ix.postings[f] {
			if !inDs(p.doc) {
				list = append(list, p)
			}
		}
		// Kept in document order, as a build lays them out.
		for _, p := range add {
			i, _ := slices.BinarySearchFunc(list, p.doc, func(q posting, d int32) int { return cmp.Compare(q.doc, d) })
			list = slices.Insert(list, i, p)
		}
		ix.postings[f] = list
	}
}

// relayout makes again what follows from the documents: the chart's
// objectives by team and the company's, and the key results for
// type-ahead, where those of the objectives in own are replaced by their
// key results now (krIDs, by objective, as With was given them).
func (ix *SuggestionIndex) relayout(base *SuggestionIndex, own map[int32]bool, krIDs map[int64][]int64) {
	ix.byTeam, ix.company = map[int64][]int32{}, nil
	for d := range ix.docs {
		o := ix.docs[d].objective
		ix.byTeam[o.TeamID] = append(ix.byTeam[o.TeamID], int32(d))
		if o.Level == LevelCompany {
			ix.company = append(ix.company, int32(d))
		}
	}
	var added []matchKR
	for _, d := range slices.Sorted(maps.Keys(own)) {
		for k, id := range krIDs[ix.docs[d].objective.ID] {
			added = append(added, matchKR{id: id, doc: d, k: int32(k)})
		}
	}
	slices.SortFunc(added, func(a, b matchKR) int { return cmp.Compare(a.id, b.id) })
	// Merged by ID into the rest, which a store gives in that order.
	krs := make([]matchKR, 0, len(base.krs)+len(added))
	for _, m := range base.krs {
		if own[m.doc] {
			continue
		}
		for len(added) > 0 && added[0].id < m.id {
			krs, added = append(krs, added[0]), added[1:]
		}
		krs = append(krs, m)
	}
	ix.krs = append(krs, added...)
	ix.fold()
}

// Approximate reports whether the index was made by With, its word
// statistics those of the index it came from: rebuild it when convenient.
func (ix *SuggestionIndex) Approximate() bool { return ix.approximate }
