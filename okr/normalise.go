package okr

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text people type reaches okrbot from Slack forms, commands and import
// files with whatever their keyboard, clipboard or tools put in it. It is
// normalised where each record is validated, so that what is checked
// (lengths, unique names) is what is stored and shown:
//
//   - C0 and C1 control characters go (NUL among them: SQLite's text
//     functions stop at it), except the tab and line breaks below.
//   - The bidirectional embeddings, overrides and isolates (LRE, RLE, PDF,
//     LRO, RLO, LRI, RLI, FSI, PDI; UAX #9 section 2.1-2.5) go: they make text
//     display in an order other than the one it is stored in, which is
//     how a title can show something other than what it says (the "Trojan
//     Source" attack, CVE-2021-42574), and an unclosed one reorders
//     the rest of the line Slack shows the title in. Right-to-left text needs none of them:
//     the letters' own direction lays it out (UAX #9 section 3).
//   - The implicit marks LRM, RLM and ALM (U+200E, U+200F, U+061C; UAX #9
//     section 2.6) stay. They act as an invisible letter of one direction, so they
//     cannot reorder letters, only settle where neutral characters such as
//     punctuation and digits go; people writing Hebrew, Arabic or Persian
//     type them so that a title ending in a Latin word or a number shows
//     its full stop or brackets in the right place. A field of nothing but
//     marks and spaces counts as empty.
//   - Zero-width and invisible format characters go: ZWSP, WORD JOINER,
//     BOM/ZWNBSP, the invisible operators U+2061-2064, the deprecated
//     format characters U+206A-206F, interlinear annotation U+FFF9-FFFB and
//     tag characters outside an emoji tag sequence. They make two names that
//     look alike differ, and can hide text.
//   - ZWJ (U+200D) and ZWNJ (U+200C) stay only where they change how text
//     looks: ZWJ inside an emoji ZWJ sequence, between two pictographs
//     (https://www.unicode.org/reports/tr51/#def_emoji_zwj_sequence: woman,
//     ZWJ, laptop is one "woman technologist" emoji), and both after a virama, where they choose a conjunct form in
//     Indic scripts (RFC 5892 Appendix A.1, A.2); ZWNJ also between two
//     letters of a joining script such as Arabic, where it keeps them apart
//     as Persian spelling needs, which RFC 5892 A.1 allows too. Elsewhere
//     they are invisible and go.
//   - Line breaks (CR LF, CR, LF, NEL, VT, FF, LS, PS; UAX #14 classes BK,
//     CR, LF, NL) become LF.
//   - The text is put in Normalization Form C (UAX #15), so that "é"
//     typed as one character or as e and an accent is the same title.
//   - Invalid UTF-8 becomes U+FFFD.
//
// Emoji, variation selectors (U+FE0F), skin tones, flags (regional
// indicator pairs, and the emoji tag sequences that flag England, Scotland
// and Wales: https://www.unicode.org/reports/tr51/#def_emoji_tag_sequence) and every script stay as typed. This file
// spells every invisible character as an escape, so that what it says is
// what it shows.

// NormaliseLine normalises a single-line field (a title, a team name, a
// unit): besides the rules above, tabs and line breaks become spaces, runs
// of white space become one space (a lone no-break or other space is kept
// as typed), and the ends are trimmed. It is idempotent.
func NormaliseLine(s string) string { return normalise(s, false) }

// NormaliseText normalises a multi-line field (a description, a note): line
// breaks become LF and stay, as do tabs and spaces within the text, and the
// ends are trimmed. It is idempotent.
func NormaliseText(s string) string { return normalise(s, true) }

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
	lrm  = '\u200E'
	rlm  = '\u200F'
	alm  = '\u061C'

	cancelTag = '\U000E007F'
)

func normalise(s string, multiline bool) string {
	// Each pass strips by context, and NFC can then bring together what a
	// stripped character kept apart (e, ZWSP, an accent), which can change
	// another character's context. Repeating until nothing changes makes
	// the result a fixed point; every repeat removes at least one
	// character, and real text settles in one pass or two.
	for {
		next := normalisePass(s, multiline)
		if next == s {
			return next
		}
		s = next
	}
}

func normalisePass(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	in := []rune(s)
	out := make([]rune, 0, len(in))
	for i := 0; i < len(in); i++ {
		r := in[i]
		switch {
		case r == '\r':
			if i+1 < len(in) && in[i+1] == '\n' {
				i++
			}
			out = append(out, '\n')
		case isLineBreak(r):
			out = append(out, '\n')
		case r == '\t':
			out = append(out, '\t')
		case dropped(r):
		case r == zwj:
			if afterVirama(out) || pictographicBefore(out) && pictographicAfter(in[i+1:]) {
				out = append(out, r)
			}
		case r == zwnj:
			if afterVirama(out) || joiningBefore(out) && joiningAfter(in[i+1:]) {
				out = append(out, r)
			}
		case isTag(r):
			// An emoji tag sequence (UTS #51): a pictograph, tag
			// characters, CANCEL TAG. Anything else made of tags is hidden
			// text.
			j := i
			for j < len(in) && isTag(in[j]) && in[j] != cancelTag {
				j++
			}
			if j > i && j < len(in) && in[j] == cancelTag && pictographicBefore(out) {
				out = append(out, in[i:j+1]...)
			}
			if j < len(in) && in[j] == cancelTag {
				i = j
			} else {
				i = j - 1
			}
		default:
			out = append(out, r)
		}
	}
	t := norm.NFC.String(string(out))
	if !multiline {
		t = oneLine(t)
	}
	t = strings.TrimSpace(t)
	if strings.TrimFunc(t, func(r rune) bool { return unicode.IsSpace(r) || r == lrm || r == rlm || r == alm }) == "" {
		return ""
	}
	return t
}

// isLineBreak reports the mandatory breaks of UAX #14 other than CR.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// dropped reports the characters that go wherever they are.
func dropped(r rune) bool {
	switch {
	case r == '\t' || r == '\r' || isLineBreak(r):
		return false
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069': // UAX #9 embeddings, overrides, isolates
		return true
	case r == '\u200B', r == '\uFEFF': // ZWSP, ZWNBSP/BOM
		return true
	case r >= '\u2060' && r <= '\u2064': // WORD JOINER, invisible operators
		return true
	case r >= '\u206A' && r <= '\u206F': // deprecated format characters
		return true
	case r >= '\uFFF9' && r <= '\uFFFB': // interlinear annotation
		return true
	case r == '\U000E0001': // LANGUAGE TAG, deprecated
		return true
	}
	return false
}

// isTag reports the tag characters U+E0020-E007F.
func isTag(r rune) bool { return r >= '\U000E0020' && r <= cancelTag }

// afterVirama reports whether the last character kept is a virama
// (canonical combining class 9), after which RFC 5892 keeps ZWJ and ZWNJ.
func afterVirama(out []rune) bool {
	if len(out) == 0 {
		return false
	}
	return norm.NFC.PropertiesString(string(out[len(out)-1])).CCC() == 9
}

// pictographicBefore reports whether the text kept so far ends with a
// pictograph, allowing for what an emoji may carry after it: a variation
// selector, a skin-tone modifier, a tag sequence.
func pictographicBefore(out []rune) bool {
	for i := len(out) - 1; i >= 0; i-- {
		switch r := out[i]; {
		case r == '\uFE0E' || r == '\uFE0F' || r >= '\U0001F3FB' && r <= '\U0001F3FF' || isTag(r):
			continue
		default:
			return unicode.Is(extendedPictographic, r)
		}
	}
	return false
}

// pictographicAfter reports whether the next character that stays is a
// pictograph.
func pictographicAfter(rest []rune) bool {
	for _, r := range rest {
		if !dropped(r) {
			return unicode.Is(extendedPictographic, r)
		}
	}
	return false
}

// joiningBefore and joiningAfter report a letter of a joining script next
// to a ZWNJ, looking past combining marks (which joining treats as
// transparent). The scripts are those whose letters join cursively
// (Unicode's ArabicShaping.txt); within them ZWNJ keeps two letters from
// joining, as Persian spelling needs.
func joiningBefore(out []rune) bool {
	for i := len(out) - 1; i >= 0; i-- {
		if !unicode.Is(unicode.Mn, out[i]) {
			return isJoiningLetter(out[i])
		}
	}
	return false
}

func joiningAfter(rest []rune) bool {
	for _, r := range rest {
		if !dropped(r) && !unicode.Is(unicode.Mn, r) {
			return isJoiningLetter(r)
		}
	}
	return false
}

var joiningScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mandaic, unicode.Mongolian, unicode.Phags_Pa,
	unicode.Manichaean, unicode.Psalter_Pahlavi, unicode.Hanifi_Rohingya, unicode.Sogdian, unicode.Old_Uyghur,
	unicode.Adlam,
}

func isJoiningLetter(r rune) bool { return unicode.IsLetter(r) && unicode.In(r, joiningScripts...) }

// oneLine turns tabs and line breaks into spaces and each run of white
// space into one space; a single space character other than those (a
// no-break space before a %, an ideographic space) is kept as typed.
func oneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			b.WriteRune(r)
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsSpace(r) {
				break
			}
			j += size
		}
		if j-i == size && r != '\t' && r != '\n' {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
		i = j
	}
	return b.String()
}

// extendedPictographic is the Extended_Pictographic property of UTS #51
// (https://www.unicode.org/Public/15.0.0/ucd/emoji/emoji-data.txt), which
// Go's unicode package does not carry: the characters that start or
// continue an emoji ZWJ sequence, including reserved code points set aside
// for future emoji.
var extendedPictographic = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x00A9, 0x00A9, 1}, {0x00AE, 0x00AE, 1}, {0x203C, 0x203C, 1}, {0x2049, 0x2049, 1},
		{0x2122, 0x2122, 1}, {0x2139, 0x2139, 1}, {0x2194, 0x2199, 1}, {0x21A9, 0x21AA, 1},
		{0x231A, 0x231B, 1}, {0x2328, 0x2328, 1}, {0x2388, 0x2388, 1}, {0x23CF, 0x23CF, 1},
		{0x23E9, 0x23F3, 1}, {0x23F8, 0x23FA, 1}, {0x24C2, 0x24C2, 1}, {0x25AA, 0x25AB, 1},
		{0x25B6, 0x25B6, 1}, {0x25C0, 0x25C0, 1}, {0x25FB, 0x25FE, 1}, {0x2600, 0x2605, 1},
		{0x2607, 0x2612, 1}, {0x2614, 0x2685, 1}, {0x2690, 0x2705, 1}, {0x2708, 0x2712, 1},
		{0x2714, 0x2714, 1}, {0x2716, 0x2716, 1}, {0x271D, 0x271D, 1}, {0x2721, 0x2721, 1},
		{0x2728, 0x2728, 1}, {0x2733, 0x2734, 1}, {0x2744, 0x2744, 1}, {0x2747, 0x2747, 1},
		{0x274C, 0x274C, 1}, {0x274E, 0x274E, 1}, {0x2753, 0x2755, 1}, {0x2757, 0x2757, 1},
		{0x2763, 0x2767, 1}, {0x2795, 0x2797, 1}, {0x27A1, 0x27A1, 1}, {0x27B0, 0x27B0, 1},
		{0x27BF, 0x27BF, 1}, {0x2934, 0x2935, 1}, {0x2B05, 0x2B07, 1}, {0x2B1B, 0x2B1C, 1},
		{0x2B50, 0x2B50, 1}, {0x2B55, 0x2B55, 1}, {0x3030, 0x3030, 1}, {0x303D, 0x303D, 1},
		{0x3297, 0x3297, 1}, {0x3299, 0x3299, 1},
	},
	R32: []unicode.Range32{
		{0x1F000, 0x1F0FF, 1}, {0x1F10D, 0x1F10F, 1}, {0x1F12F, 0x1F12F, 1}, {0x1F16C, 0x1F171, 1},
		{0x1F17E, 0x1F17F, 1}, {0x1F18E, 0x1F18E, 1}, {0x1F191, 0x1F19A, 1}, {0x1F1AD, 0x1F1E5, 1},
		{0x1F201, 0x1F20F, 1}, {0x1F21A, 0x1F21A, 1}, {0x1F22F, 0x1F22F, 1}, {0x1F232, 0x1F23A, 1},
		{0x1F23C, 0x1F23F, 1}, {0x1F249, 0x1F3FA, 1}, {0x1F400, 0x1F53D, 1}, {0x1F546, 0x1F64F, 1},
		{0x1F680, 0x1F6FF, 1}, {0x1F774, 0x1F77F, 1}, {0x1F7D5, 0x1F7FF, 1}, {0x1F80C, 0x1F80F, 1},
		{0x1F848, 0x1F84F, 1}, {0x1F85A, 0x1F85F, 1}, {0x1F888, 0x1F88F, 1}, {0x1F8AE, 0x1F8FF, 1},
		{0x1F90C, 0x1F93A, 1}, {0x1F93C, 0x1F945, 1}, {0x1F947, 0x1FAFF, 1}, {0x1FC00, 0x1FFFD, 1},
	},
	LatinOffset: 2,
}
