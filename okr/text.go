package okr

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// term is one indexed word: its stem, and the word as a person wrote it (for
// explaining a suggestion with words people recognise).
type term struct {
	stem, word string
}

// okrStopWords are words so common in OKRs that sharing them says nothing
// about alignment.
var okrStopWords = map[string]bool{
	"okr": true, "okrs": true, "objective": true, "objectives": true, "key": true,
	"result": true, "results": true, "kr": true, "krs": true, "goal": true, "goals": true,
	"q1": true, "q2": true, "q3": true, "q4": true, "quarter": true, "h1": true, "h2": true,
	"achieve": true, "deliver": true, "make": true, "get": true, "new": true, "via": true,
	"per": true, "etc": true, "also": true, "across": true, "every": true, "within": true,
}

// okrGenericWords are the generic vocabulary of OKRs: the verbs every
// objective starts with, comparisons, dates, durations and counts. Sharing
// one says nothing about alignment, so they are dropped with every form
// that stems the same ("improving", "launched").
var okrGenericWords = strings.Fields(`
	improve increase decrease reduce grow fix launch ship deliver drive boost raise cut lower
	ensure maintain reach hit keep start complete implement establish enable create build
	expand double halve accelerate optimise optimize enhance strengthen sustain
	better best more less fewer most least higher lowest top first second third next last
	day days week weeks weekly month months monthly year years yearly annual annually hour
	hours quarterly daily today date dates end eoq eoy eom fy ytd yoy qoq mom h1 h2 h3 h4
	january february march april may june july august september october november december
	jan feb mar apr jun jul aug sep sept oct nov dec
	one two three four five six seven eight nine ten twelve twenty fifty hundred thousand
	million billion percent pct per cent number
	team teams company our all each least`)

// okrStopStems are the stems of okrGenericWords.
var okrStopStems = sync.OnceValue(func() map[string]bool {
	out := make(map[string]bool, len(okrGenericWords))
	for _, w := range okrGenericWords {
		out[english.Stem(w, true)] = true
	}
	return out
})

// wordCache memoises, for each word seen as written, how it is indexed:
// the vocabulary of an organisation's OKRs is small, and lower-casing,
// stemming and the stop lists are the costly part of indexing.
var wordCache sync.Map // word as written -> *indexedWord

// wordCacheSize counts wordCache's entries; past maxCachedWords new words
// are indexed without being kept, so text people type (codes, names,
// misspellings) cannot grow it without end.
var wordCacheSize atomic.Int64

// maxCachedWords is well above the vocabulary of a large organisation's
// OKRs: the evaluation set's ten organisations (okr/testdata/alignment)
// and the lexicon together spell about 6,500 distinct words.
const maxCachedWords = 20_000

type indexedWord struct {
	lower string // the word in lower case
	stem  string // "" when the word is not indexed (a stop word, a number, a generic OKR word)
}

// terms splits text into indexable terms: lower-cased letter-and-digit runs,
// without stop words, pure numbers or single letters, stemmed.
func terms(text string, out []term) []term {
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendTerm(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendTerm(out, text[start:])
	}
	return out
}

// appendTerm appends the word w as a term, unless it is not indexed.
func appendTerm(out []term, w string) []term {
	v, ok := wordCache.Load(w)
	if !ok {
		iw := &indexedWord{lower: strings.ToLower(w)}
		lw := iw.lower
		if len(lw) >= 2 && !english.IsStopWord(lw) && !okrStopWords[lw] && !isDigits(lw) {
			if iw.stem = english.Stem(lw, true); okrStopStems()[iw.stem] {
				iw.stem = ""
			}
		}
		v = iw
		if isDigits(w) {
			return out // a number: never indexed, and too many to keep
		}
		if wordCacheSize.Load() < maxCachedWords {
			var loaded bool
			if v, loaded = wordCache.LoadOrStore(strings.Clone(w), iw); !loaded { // w may hold a long text in memory
				wordCacheSize.Add(1)
			}
		}
	}
	if iw := v.(*indexedWord); iw.stem != "" {
		out = append(out, term{stem: iw.stem, word: iw.lower})
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
