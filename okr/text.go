package okr

import (
	"strings"
	"sync"
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

// stemCache memoises stems: the vocabulary of an organisation's OKRs is small
// and stemming is the costly part of indexing.
var stemCache sync.Map // word -> stem

// terms splits text into indexable terms: lower-cased letter-and-digit runs,
// without stop words, pure numbers or single letters, stemmed.
func terms(text string, out []term) []term {
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) < 2 || english.IsStopWord(w) || okrStopWords[w] || isDigits(w) {
			continue
		}
		stem, ok := stemCache.Load(w)
		if !ok {
			stem, _ = stemCache.LoadOrStore(w, english.Stem(w, true))
		}
		out = append(out, term{stem: stem.(string), word: w})
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
