package okr

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// A Lexicon is groups of related business terms: revenue ~ bookings ~
// occupancy ~ average daily rate. Two objectives that use terms of one group
// are likely about the same concern even when they share no word, which is
// how a team's "Fill empty midweek beds" finds "Grow revenue per available
// room". Terms are kept stemmed, as the suggestion index sees text; a term of
// several words matches those words in a row.
type Lexicon struct {
	groups   [][]string         // each group's terms, as written
	byKey    map[string][]int32 // stemmed term ("averag daili rate") -> its groups
	prefixes map[string]bool    // the first stems of longer terms ("averag", "averag daili")
	maxWords int                // the most words in one term
}

//go:embed lexicon.txt
var builtinLexicon string

// BuiltinLexicon is the lexicon shipped with okrbot (okr/lexicon.txt).
var BuiltinLexicon = sync.OnceValue(func() *Lexicon {
	l, err := parseLexicon(builtinLexicon, 0)
	if err != nil {
		panic("okr/lexicon.txt: " + err.Error()) // a test reads it: never at run time
	}
	return l
})

// MaxLexiconTerms bounds a workspace's own terms, so that a pasted document
// cannot make every suggestion slow.
const MaxLexiconTerms = 2000

// ParseLexicon reads groups in the format of okr/lexicon.txt: one group per
// line, its terms separated by commas; lines starting with # are comments.
// It is the format admins use for their workspace's terms too, so an error
// names the line and says what to change.
func ParseLexicon(text string) (*Lexicon, error) { return parseLexicon(text, MaxLexiconTerms) }

// parseLexicon parses at most limit terms; 0 for no limit.
func parseLexicon(text string, limit int) (*Lexicon, error) {
	l := &Lexicon{byKey: map[string][]int32{}, prefixes: map[string]bool{}}
	n := 0
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var group []string
		var keys []string
		for _, raw := range strings.Split(line, ",") {
			t := strings.ToLower(strings.Join(strings.Fields(raw), " "))
			if t == "" {
				continue
			}
			key := lexiconKey(t)
			if key == "" || slices.Contains(keys, key) {
				continue // only stop words, or the same term twice
			}
			if len(strings.Fields(t)) > 3 {
				return nil, Errorf(EINVALID, "Line %d: “%s” has more than three words; use shorter terms.", i+1, Quote(t))
			}
			group = append(group, t)
			keys = append(keys, key)
		}
		if len(group) < 2 {
			return nil, Errorf(EINVALID, "Line %d: a group needs at least two related terms, separated by commas.", i+1)
		}
		if n += len(group); limit > 0 && n > limit {
			return nil, Errorf(EINVALID, "Line %d: more than %d terms in all; keep the ones that matter most.", i+1, limit)
		}
		id := int32(len(l.groups))
		l.groups = append(l.groups, group)
		for _, k := range keys {
			l.byKey[k] = append(l.byKey[k], id)
			l.maxWords = max(l.maxWords, strings.Count(k, " ")+1)
			for i := range len(k) {
				if k[i] == ' ' {
					l.prefixes[k[:i]] = true
				}
			}
		}
	}
	return l, nil
}

// lexiconKey is a term as the index sees it: its words stemmed, stop words
// left out, joined by spaces; "" when nothing is left.
func lexiconKey(t string) string {
	var stems []string
	for _, tm := range terms(t, nil) {
		stems = append(stems, tm.stem)
	}
	return strings.Join(stems, " ")
}

// With is a lexicon of both: l's groups, then other's. Either may be nil.
func (l *Lexicon) With(other *Lexicon) *Lexicon {
	if l == nil || len(l.groups) == 0 {
		return other
	}
	if other == nil || len(other.groups) == 0 {
		return l
	}
	out := &Lexicon{byKey: make(map[string][]int32, len(l.byKey)+len(other.byKey)), prefixes: map[string]bool{}, maxWords: max(l.maxWords, other.maxWords)}
	for _, src := range []*Lexicon{l, other} {
		maps.Copy(out.prefixes, src.prefixes)
		base := int32(len(out.groups))
		out.groups = append(out.groups, src.groups...)
		for k, gs := range src.byKey {
			for _, g := range gs {
				out.byKey[k] = append(out.byKey[k], base+g)
			}
		}
	}
	return out
}

// Groups is the number of groups.
func (l *Lexicon) Groups() int {
	if l == nil {
		return 0
	}
	return len(l.groups)
}

// Terms is the number of distinct terms.
func (l *Lexicon) Terms() int {
	if l == nil {
		return 0
	}
	return len(l.byKey)
}

// String describes the lexicon's size, for logs.
func (l *Lexicon) String() string {
	return fmt.Sprintf("%d groups, %d terms", l.Groups(), l.Terms())
}
