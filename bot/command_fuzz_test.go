package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
	"github.com/slack-go/slack"
)

// FuzzCommand feeds any text to the /okr argument parser and to what reads
// references in it, as Slack sends them with should_escape on
// ("<@U123|ana>", "<#C123|okrs>", "<!here>"; docs/slack-platform.md, "Slash commands"):
//   - parseCommand never panics and splits the text into the same words as
//     strings.Fields, the verb lower-cased;
//   - parseUserMention returns only a well-formed user ID, which mention
//     writes back as exactly one mention, and reads every mention of a
//     well-formed ID back, whatever its label;
//   - resolve, on a real database, finds the objective the reference or
//     title prefix names, or answers with a domain error (invalid or not
//     found) whose message quotes the text safely: no "<" or ">" from it
//     reaches mrkdwn, and nothing typed makes an internal error.
//
// The seeds are in testdata/fuzz/FuzzCommand.
func FuzzCommand(f *testing.F) {
	b, objs := fuzzBot(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, text string) {
		c := parseCommand(slack.SlashCommand{Command: "/okr", Text: text, UserID: "UFUZZ"})
		if c.UserID != "UFUZZ" || c.Command != "/okr" {
			t.Fatalf("parseCommand(%q) lost the command's fields: %+v", text, c.SlashCommand)
		}
		words := strings.Fields(text)
		if len(words) == 0 {
			if c.verb != "" || c.rest != "" || len(c.args) != 0 {
				t.Fatalf("parseCommand(%q) = %q %q %q, want nothing", text, c.verb, c.rest, c.args)
			}
		} else if c.verb != strings.ToLower(words[0]) || !slices.Equal(c.args, words[1:]) {
			t.Fatalf("parseCommand(%q) = verb %q args %q, want %q %q", text, c.verb, c.args, strings.ToLower(words[0]), words[1:])
		}
		if c.rest != strings.TrimSpace(c.rest) || !slices.Equal(strings.Fields(c.rest), c.args) {
			t.Fatalf("parseCommand(%q) rest %q does not hold the args %q", text, c.rest, c.args)
		}

		for _, word := range append(words, text) {
			id, ok := parseUserMention(word)
			if !ok {
				continue
			}
			if !userIDShape.MatchString(id) || !strings.HasPrefix(word, "<@"+id) {
				t.Fatalf("parseUserMention(%q) = %q", word, id)
			}
			if m := mention(id); strings.Count(m, "<") != 1 || strings.Count(m, ">") != 1 {
				t.Fatalf("mention(%q) = %q is not one mention", id, m)
			}
		}
		id := fuzzUserID(text)
		for _, typed := range []string{"<@" + id + ">", "<@" + id + "|" + text + ">"} {
			if got, ok := parseUserMention(typed); !ok || got != id {
				t.Fatalf("parseUserMention(%q) = %q %v, want %q", typed, got, ok, id)
			}
		}

		for _, ref := range []string{c.rest, text} {
			checkResolve(t, b, ctx, ref, objs)
		}
	})
}

// userIDShape is a Slack user ID: U, or W on Enterprise Grid, then upper-case
// letters and digits.
var userIDShape = regexp.MustCompile(`^[UW][A-Z0-9]+$`)

// checkResolve resolves ref and checks what it found or how it refused.
func checkResolve(t *testing.T, b *Bot, ctx context.Context, ref string, objs map[int64]*okr.Objective) {
	t.Helper()
	got, err := b.resolve(ctx, ref)
	if err != nil {
		var e *okr.Error
		if !errors.As(err, &e) || e.Code != okr.EINVALID && e.Code != okr.ENOTFOUND {
			t.Fatalf("resolve(%q) error %v is not invalid or not found", ref, err)
		}
		if strings.ContainsAny(e.Message, "<>") {
			t.Fatalf("resolve(%q) message %q carries markup", ref, e.Message)
		}
		return
	}
	o := got.Objective
	if o == nil || objs[o.ID] == nil {
		t.Fatalf("resolve(%q) = %+v, not a stored objective", ref, got)
	}
	if got.KeyResult != nil && got.KeyResult.ObjectiveID != o.ID {
		t.Fatalf("resolve(%q) = key result %d of objective %d, with objective %d", ref, got.KeyResult.ID, got.KeyResult.ObjectiveID, o.ID)
	}
	switch kind, id := okr.ParseRef(ref); kind {
	case okr.RefObjective:
		if got.KeyResult != nil || o.ID != id {
			t.Fatalf("resolve(%q) = %+v", ref, got)
		}
	case okr.RefKeyResult:
		if got.KeyResult == nil || got.KeyResult.ID != id {
			t.Fatalf("resolve(%q) = %+v", ref, got)
		}
	default:
		// SQLite's LIKE folds the case of ASCII letters only; a prefix
		// is matched as titles are stored, normalised.
		prefix := okr.NormaliseLine(ref)
		if utf8.ValidString(prefix) && !strings.HasPrefix(asciiLower(o.Title), asciiLower(prefix)) {
			t.Fatalf("resolve(%q) = %s %q, which does not start with it", ref, o.Ref(), o.Title)
		}
	}
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// fuzzUserID makes a well-formed user ID out of any text.
func fuzzUserID(s string) string {
	id := []byte("U")
	for i := 0; i < len(s) && len(id) < 12; i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			id = append(id, c)
		}
	}
	if len(id) == 1 {
		id = append(id, '1')
	}
	return string(id)
}

// fuzzBot is a bot on a real database holding objectives whose titles
// share starts and carry LIKE's wildcards, backslashes, markup and
// non-ASCII text, so that a title prefix can match one, several or none.
// It is never connected: resolve needs only the store.
func fuzzBot(f *testing.F) (*Bot, map[int64]*okr.Objective) {
	f.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(f.TempDir(), "okrbot.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	cycle := okr.NewCycle(okr.Quarter{Year: 2026, Q: 4}, time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(ctx, cycle); err != nil {
		f.Fatal(err)
	}
	objs := map[int64]*okr.Objective{}
	for _, title := range []string{
		"Grow revenue", "Growth of the team", "100% uptime", "50_50 split", `Back\slash`,
		"<!here> party", "Ünïcode ümlauts", "O12 is not a reference", "KR", "שלום עולם",
	} {
		o := &okr.Objective{Title: title, Level: okr.LevelTeam, OwnerID: "UOWNER", CycleID: cycle.ID}
		kr := &okr.KeyResult{Title: "k " + title, Kind: okr.KindIncrease, Start: 0, Target: 1, OwnerID: "UOWNER"}
		if err := db.CreateObjective(ctx, o, []*okr.KeyResult{kr}, okr.LinkOptions{}); err != nil {
			f.Fatalf("create %q: %v", title, err)
		}
		objs[o.ID] = o
	}
	return &Bot{store: db, log: slog.New(slog.NewTextHandler(io.Discard, nil))}, objs
}
