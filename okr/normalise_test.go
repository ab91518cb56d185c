package okr_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/okrbot/okrbot/okr"
)

// Characters that must never survive normalisation on their own, for the
// tables and the fuzz test below.
var (
	bidiControls = []rune{0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}
	invisibles   = []rune{0x200B, 0x2060, 0xFEFF, 0x2061, 0x2064, 0x206A, 0x206F, 0xFFF9, 0xFFFB, 0xE0001}
)

func TestNormalise(t *testing.T) {
	type kind int
	const (
		both kind = iota
		line
		text
	)
	tests := []struct {
		name string
		kind kind
		in   string
		want string
	}{
		{"plain", both, "Grow revenue", "Grow revenue"},
		{"empty", both, "", ""},
		{"trimmed", both, "  Grow revenue \n", "Grow revenue"},

		// Controls: C0, DEL, C1.
		{"NUL", both, "Grow\x00 revenue", "Grow revenue"},
		{"NUL cuts nothing", both, "Grow\x00revenue", "Growrevenue"},
		{"C0", both, "a\x01b\x07c\x1bd\x1fe", "abcde"},
		{"DEL", both, "a\x7fb", "ab"},
		{"C1", both, "a\u0080b\u009bc\u009fd", "abcd"},
		{"invalid UTF-8", both, "a\xffb", "a\uFFFDb"},
		{"only controls", both, "\x00\x01\u0085\u200b", ""},

		// Bidirectional embeddings, overrides and isolates (UAX #9).
		{"LRE", both, "a\u202Ab", "ab"},
		{"RLE", both, "a\u202Bb", "ab"},
		{"PDF", both, "a\u202Cb", "ab"},
		{"LRO", both, "a\u202Db", "ab"},
		{"RLO", both, "Pay \u202Egnp.exe", "Pay gnp.exe"},
		{"LRI", both, "a\u2066b", "ab"},
		{"RLI", both, "a\u2067b", "ab"},
		{"FSI", both, "a\u2068b", "ab"},
		{"PDI", both, "a\u2069b", "ab"},
		{"Trojan Source", both, "if (a\u202E } \u2066if (b)\u2069 \u2066", "if (a } if (b)"},

		// Implicit directional marks stay (UAX #9 section 2.6); a field of marks
		// alone is empty.
		{"RLM kept", both, "שלום Q4!\u200F", "שלום Q4!\u200F"},
		{"LRM kept", both, "Hello \u200E(עברית)", "Hello \u200E(עברית)"},
		{"ALM kept", both, "١٢\u061C٣", "١٢\u061C٣"},
		{"marks alone are empty", both, " \u200E\u200F\u061C ", ""},

		// Zero-width characters.
		{"ZWSP", both, "Sa\u200Bles", "Sales"},
		{"ZWNJ between Latin letters", both, "Sa\u200Cles", "Sales"},
		{"ZWJ between Latin letters", both, "Sa\u200Dles", "Sales"},
		{"ZWJ at the end of an emoji", both, "Ship 🚀\u200D", "Ship 🚀"},
		{"ZWJ before an emoji", both, "a\u200D🚀", "a🚀"},
		{"BOM", both, "\uFEFFSales", "Sales"},
		{"ZWNBSP inside", both, "Sa\uFEFFles", "Sales"},
		{"word joiner", both, "Sa\u2060les", "Sales"},
		{"invisible times", both, "a\u2062b", "ab"},
		{"interlinear annotation", both, "a\uFFF9b\uFFFAc\uFFFBd", "abcd"},
		{"stray tag characters", both, "Sales\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065", "Sales"},

		// NFC (UAX #15).
		{"NFD becomes NFC", both, "Cafe\u0301 cre\u0300me", "Café crème"},
		{"Hangul jamo compose", both, "\u1112\u1161\u11AB", "한"},
		{"Angstrom sign", both, "\u212B", "Å"},
		{"ZWSP between base and mark", both, "e\u200B\u0301", "é"},

		// Emoji (UTS #51).
		{"emoji", both, "Ship it 🚀🎉", "Ship it 🚀🎉"},
		{"ZWJ sequence", both, "👩\u200D💻 hiring", "👩\u200D💻 hiring"},
		{"family", both, "👨\u200D👩\u200D👧\u200D👦", "👨\u200D👩\u200D👧\u200D👦"},
		{"ZWJ after VS16", both, "🏳\uFE0F\u200D🌈", "🏳\uFE0F\u200D🌈"},
		{"ZWJ before VS16 symbol", both, "🏴\u200D☠\uFE0F", "🏴\u200D☠\uFE0F"},
		{"ZWJ after skin tone", both, "🧑🏽\u200D🚀", "🧑🏽\u200D🚀"},
		{"heart on fire", both, "❤\uFE0F\u200D🔥", "❤\uFE0F\u200D🔥"},
		{"arrow in a ZWJ sequence", both, "🙂\u200D↔\uFE0F", "🙂\u200D↔\uFE0F"},
		{"variation selector", both, "☎\uFE0F call", "☎\uFE0F call"},
		{"keycap", both, "#\uFE0F\u20E3 1", "#\uFE0F\u20E3 1"},
		{"flags", both, "🇫🇷 🇯🇵 🇺🇦", "🇫🇷 🇯🇵 🇺🇦"},
		{"subdivision flag", both, "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F team", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F team"},
		{"unterminated tag sequence", both, "🏴\U000E0067\U000E0062 team", "🏴 team"},
		{"emoji with a ZWSP inside", both, "👩\u200D\u200B💻", "👩\u200D💻"},
		{"double ZWJ", both, "👩\u200D\u200D💻", "👩\u200D💻"},

		// Right-to-left and other scripts stay as typed.
		{"Hebrew", both, "להגדיל את ההכנסות ב-20%", "להגדיל את ההכנסות ב-20%"},
		{"Arabic", both, "زيادة الإيرادات بنسبة ٢٠٪", "زيادة الإيرادات بنسبة ٢٠٪"},
		{"Persian ZWNJ", both, "می\u200Cخواهم", "می\u200Cخواهم"},
		{"Devanagari ZWNJ after virama", both, "क\u094D\u200Cष", "क\u094D\u200Cष"},
		{"Sinhala ZWJ after virama", both, "ශ\u0DCA\u200Dර\u0DD3", "ශ\u0DCA\u200Dර\u0DD3"},
		{"Japanese", both, "売上を伸ばす", "売上を伸ばす"},

		// White space by kind of field.
		{"line: newline becomes a space", line, "Grow\nrevenue", "Grow revenue"},
		{"line: CRLF becomes a space", line, "Grow\r\nrevenue", "Grow revenue"},
		{"line: tab becomes a space", line, "Grow\trevenue", "Grow revenue"},
		{"line: runs collapse", line, "Grow  \t \n revenue", "Grow revenue"},
		{"line: line separator", line, "Grow\u2028revenue\u2029now", "Grow revenue now"},
		{"line: NEL", line, "Grow\u0085revenue", "Grow revenue"},
		{"line: a lone no-break space stays", line, "100\u00A0%", "100\u00A0%"},
		{"line: a run with a no-break space collapses", line, "100 \u00A0%", "100 %"},
		{"line: a space left by a stripped control collapses", line, "a \x00 b", "a b"},
		{"text: newlines and tabs stay", text, "Why:\n\t- churn\n\t- pricing", "Why:\n\t- churn\n\t- pricing"},
		{"text: CRLF and CR become LF", text, "a\r\nb\rc", "a\nb\nc"},
		{"text: NEL, VT, FF, LS, PS become LF", text, "a\u0085b\vc\fd\u2028e\u2029f", "a\nb\nc\nd\ne\nf"},
		{"text: spaces inside stay", text, "a  b", "a  b"},
		{"text: blank lines stay", text, "a\n\nb", "a\n\nb"},
		{"text: trimmed", text, "\n\n a\n \n", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.kind != text {
				if got := okr.NormaliseLine(tt.in); got != tt.want {
					t.Errorf("NormaliseLine(%+q) = %+q, want %+q", tt.in, got, tt.want)
				}
			}
			if tt.kind != line {
				if got := okr.NormaliseText(tt.in); got != tt.want {
					t.Errorf("NormaliseText(%+q) = %+q, want %+q", tt.in, got, tt.want)
				}
			}
		})
	}
}

// TestValidate_NormalisesEveryTextField: each kind of record normalises
// its text where it is validated, so that every way in (a Slack form, a
// command, an import file) stores clean text.
func TestValidate_NormalisesEveryTextField(t *testing.T) {
	const dirty, dirtyText = "\u202EGrow\x00 re\u200Bvenue\tin Cafe\u0301\n", "\u202ELine\x00 one\r\nline\u200B two\u0085"
	const clean, cleanText = "Grow revenue in Café", "Line one\nline two"

	o := &okr.Objective{Title: dirty, Description: dirtyText, Level: okr.LevelTeam, OwnerID: "U1", CycleID: 1}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Title != clean || o.Description != cleanText {
		t.Errorf("objective = %+q, %+q; want %+q, %+q", o.Title, o.Description, clean, cleanText)
	}
	kr := &okr.KeyResult{Title: dirty, Kind: okr.KindIncrease, Start: 0, Target: 1, Unit: "le\u200Bads\n", OwnerID: "U1"}
	if err := kr.Validate(); err != nil {
		t.Fatal(err)
	}
	if kr.Title != clean || kr.Unit != "leads" {
		t.Errorf("key result = %+q, %+q; want %+q, %q", kr.Title, kr.Unit, clean, "leads")
	}
	c := &okr.Checkin{AuthorID: "U1", Value: 1, Confidence: okr.OnTrack, Note: dirtyText, Blockers: dirtyText}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Note != cleanText || c.Blockers != cleanText {
		t.Errorf("check-in = %+q, %+q; want %+q", c.Note, c.Blockers, cleanText)
	}
	team := &okr.Team{Name: "\u2066Plat\u200Dform\u2069\tteam"}
	if err := team.Validate(); err != nil {
		t.Fatal(err)
	}
	if team.Name != "Platform team" {
		t.Errorf("team = %+q, want %q", team.Name, "Platform team")
	}
	upd := "Cafe\u0301\x00"
	next, err := okr.ObjectiveUpdate{Title: &upd}.Apply(o)
	if err != nil || next.Title != "Café" {
		t.Errorf("update = %+q, %v; want %q", next.Title, err, "Café")
	}
}

// TestValidate_LimitsCountNormalisedText: what the limits count is what is
// stored, so invisible characters neither fill a title nor make an empty
// one pass.
func TestValidate_LimitsCountNormalisedText(t *testing.T) {
	full := strings.Repeat("x", okr.MaxTitleLength)
	padded := strings.Repeat("x\u200B", okr.MaxTitleLength) // 300 runes typed, 150 kept
	o := &okr.Objective{Title: padded, Level: okr.LevelTeam, OwnerID: "U1", CycleID: 1}
	if err := o.Validate(); err != nil || o.Title != full {
		t.Errorf("a title of %d characters and %d zero-width spaces: %v", okr.MaxTitleLength, okr.MaxTitleLength, err)
	}
	decomposed := strings.Repeat("e\u0301", okr.MaxTitleLength) // NFC halves it
	kr := &okr.KeyResult{Title: decomposed, Kind: okr.KindMilestone, OwnerID: "U1"}
	if err := kr.Validate(); err != nil {
		t.Errorf("a title of %d decomposed letters: %v", okr.MaxTitleLength, err)
	}
	for _, title := range []string{"\x00", "\u202E\u202C", "\u200B\u200B", "\u200F"} {
		o := &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: "U1", CycleID: 1}
		if got := okr.FieldErrors(o.Validate())["title"]; got == "" {
			t.Errorf("title %+q: no error, want one for an empty title", title)
		}
		team := &okr.Team{Name: title}
		if got := okr.FieldErrors(team.Validate())["name"]; got == "" {
			t.Errorf("team name %+q: no error, want one for an empty name", title)
		}
	}
	notes := strings.Repeat("a\r\n", okr.MaxNoteLength/2) // 3000 typed, 2000 kept (less the trimmed last)
	c := &okr.Checkin{AuthorID: "U1", Value: 1, Confidence: okr.OnTrack, Note: notes}
	if err := c.Validate(); err != nil {
		t.Errorf("a note of %d CRLF lines: %v", okr.MaxNoteLength/2, err)
	}
}

// FuzzNormalise: whatever is typed, normalising again changes nothing, the
// result is valid UTF-8 in NFC, and no control, bidi control or invisible
// character survives (a ZWJ or ZWNJ only where the rules keep it).
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"", "Grow\x00 revenue", "👩\u200D💻", "🏳\uFE0F\u200D🌈", "e\u0301\u200B",
		"a\u202Eb\u2066c", "می\u200Cخواهم", "🏴\U000E0067\U000E0062\U000E007F", "a\r\n\tb\u2028", "\xff\xfe", "\u0958\u0300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []struct {
			name  string
			apply func(string) string
		}{{"NormaliseLine", okr.NormaliseLine}, {"NormaliseText", okr.NormaliseText}} {
			got := fn.apply(s)
			if again := fn.apply(got); again != got {
				t.Fatalf("%s is not idempotent: %+q -> %+q -> %+q", fn.name, s, got, again)
			}
			if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) {
				t.Fatalf("%s(%+q) = %+q: not valid NFC", fn.name, s, got)
			}
			if got != strings.TrimSpace(got) {
				t.Fatalf("%s(%+q) = %+q: not trimmed", fn.name, s, got)
			}
			for _, r := range got {
				bad := r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F ||
					strings.ContainsRune(string(bidiControls)+string(invisibles), r)
				if fn.name == "NormaliseLine" && (r == '\n' || r == '\t') {
					bad = true
				}
				if bad {
					t.Fatalf("%s(%+q) = %+q keeps %U", fn.name, s, got, r)
				}
			}
		}
	})
}
