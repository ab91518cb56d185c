package okr_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// lexiconGeneric are words that appear in almost every OKR. Standing alone as
// a lexicon term, one would connect every objective to every other; inside a
// longer term ("customer satisfaction", "time to hire") they are fine.
var lexiconGeneric = wordSet(`improve increase reduce grow launch deliver
	achieve team quarter customer process project plan goal new better quality
	time data user service system work business
	growth improvement reduction performance efficiency cost delivery`)

// lexiconStopWords mirrors okrStopWords in text.go: words okrbot drops from
// every text before it compares them, so a term made only of them (with
// English stop words, one-letter words and numbers) could never match.
var lexiconStopWords = wordSet(`okr okrs objective objectives key result
	results kr krs goal goals q1 q2 q3 q4 quarter h1 h2 achieve deliver make get
	new via per etc also across every within`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// isGenericWord reports whether w is a generic word or its plural.
func isGenericWord(w string) bool {
	return lexiconGeneric[w] ||
		(strings.HasSuffix(w, "s") && lexiconGeneric[w[:len(w)-1]]) ||
		(strings.HasSuffix(w, "es") && lexiconGeneric[w[:len(w)-2]])
}

// lexiconTokens splits a term the way okrbot splits text: lower-cased runs of
// letters and digits, without stop words, one-letter words or numbers.
func lexiconTokens(term string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(term, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) < 2 || english.IsStopWord(w) || lexiconStopWords[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// validTermChars reports whether term holds only lower-case letters, digits,
// single spaces between words, and - ' & inside a word.
func validTermChars(term string) bool {
	if strings.Join(strings.Fields(term), " ") != term {
		return false
	}
	for _, word := range strings.Fields(term) {
		rs := []rune(word)
		for i, r := range rs {
			switch {
			case unicode.IsLower(r) || unicode.IsDigit(r):
			case r == '-' || r == '\'' || r == '&':
				if i == 0 || i == len(rs)-1 {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// TestLexiconFormat checks lexicon.txt against the format its header states
// (3 to 30 terms a group; lower-case terms of 1 to 3 words; no generic word
// alone; no term twice in a group, also after stemming) and its size.
func TestLexiconFormat(t *testing.T) {
	raw, err := os.ReadFile("lexicon.txt")
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{} // terms as written
	stemmed := map[string]bool{}  // terms as okrbot would compare them
	groups, sections, slots := 0, 0, 0
	for i, line := range strings.Split(string(raw), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if strings.HasPrefix(line, "## ") {
				sections++
			}
			continue
		}
		if sections == 0 {
			t.Errorf("line %d: group before the first ## section", n)
		}
		groups++
		terms := strings.Split(line, ",")
		if len(terms) < 3 || len(terms) > 30 {
			t.Errorf("line %d: %d terms, want 3 to 30", n, len(terms))
		}
		seen := map[string]bool{}
		seenStem := map[string]string{}
		for _, term := range terms {
			term = strings.TrimSpace(term)
			slots++
			words := strings.Fields(term)
			switch {
			case term == "":
				t.Errorf("line %d: empty term", n)
				continue
			case term != strings.ToLower(term):
				t.Errorf("line %d: %q is not lower case", n, term)
			case !validTermChars(term):
				t.Errorf("line %d: %q has characters other than letters, digits, spaces and - ' & inside words", n, term)
			case len(words) > 3:
				t.Errorf("line %d: %q has %d words, want 1 to 3", n, term, len(words))
			case len(words) == 1 && isGenericWord(term):
				t.Errorf("line %d: %q is a generic word standing alone", n, term)
			}
			if seen[term] {
				t.Errorf("line %d: %q twice in one group", n, term)
			}
			seen[term] = true

			tokens := lexiconTokens(term)
			if len(tokens) == 0 {
				t.Errorf("line %d: %q is only stop words, one-letter words or numbers: okrbot would never match it", n, term)
				continue
			}
			if len(words) > 1 && len(tokens) == 1 && isGenericWord(tokens[0]) {
				t.Errorf("line %d: %q comes down to the generic word %q once stop words are dropped", n, term, tokens[0])
			}
			stems := make([]string, len(tokens))
			for j, tok := range tokens {
				stems[j] = english.Stem(tok, true)
			}
			slices.Sort(stems) // "ar days" and "days in ar" are one term
			key := strings.Join(stems, " ")
			if other, ok := seenStem[key]; ok {
				t.Errorf("line %d: %q and %q are the same term to okrbot (%q)", n, other, term, key)
			}
			seenStem[key] = term
			distinct[term] = true
			stemmed[key] = true
		}
	}
	t.Logf("lexicon: %d sections, %d groups, %d term slots, %d distinct terms (%d distinct after stemming)",
		sections, groups, slots, len(distinct), len(stemmed))
	if groups < 180 {
		t.Errorf("%d groups, want at least 180", groups)
	}
	if len(distinct) < 1500 {
		t.Errorf("%d distinct terms, want at least 1500", len(distinct))
	}
}
