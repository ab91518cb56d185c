package bot

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMeta: decodeMeta never panics on any private_metadata; what it
// decodes encodes again within Slack's 3000 characters
// (docs/slack-platform.md, "View object limits") and decodes to the same; and metadata the
// bot builds, with IDs, URLs and channels of a realistic size, encodes
// within the limit and decodes back (the IDs may be dropped to fit, as
// encode documents).
// The seeds are in testdata/fuzz/FuzzMeta.
func FuzzMeta(f *testing.F) {
	f.Fuzz(func(t *testing.T, s, url, channel string, o, k, y int64, slots int, team int64, ids []byte, home bool) {
		m := decodeMeta(s)
		enc := m.encode()
		if len(enc) > maxMetadata {
			t.Fatalf("decodeMeta(%q) encodes to %d bytes", s, len(enc))
		}
		if again := decodeMeta(enc); !sameMeta(again, m) {
			t.Fatalf("decodeMeta(%q) = %+v, encoded %s, decodes to %+v", s, m, enc, again)
		}

		// Slack's response URLs and channel IDs are far shorter; 200 bytes
		// keep even an all-escaped JSON encoding under the limit.
		url, channel = trunc(url, 200), trunc(channel, 200)
		if len(url) > 200 || len(channel) > 200 || !utf8.ValidString(url) || !utf8.ValidString(channel) {
			return
		}
		built := viewMeta{ResponseURL: url, Channel: channel, ObjectiveID: o, KeyResultID: k, CycleID: y,
			Slots: slots, TeamID: team, Home: home}
		for len(ids) >= 8 {
			built.IDs = append(built.IDs, int64(binary.LittleEndian.Uint64(ids)))
			ids = ids[8:]
		}
		enc = built.encode()
		if len(enc) > maxMetadata {
			t.Fatalf("%+v encodes to %d bytes", built, len(enc))
		}
		if !strings.Contains(enc, `"ids"`) {
			built.IDs = nil // dropped to fit
		}
		if got := decodeMeta(enc); !sameMeta(got, built) {
			t.Fatalf("%+v encoded %s decodes to %+v", built, enc, got)
		}
	})
}

// sameMeta compares metadata, an empty ID list being none (omitempty).
func sameMeta(a, b viewMeta) bool {
	if len(a.IDs) == 0 {
		a.IDs = nil
	}
	if len(b.IDs) == 0 {
		b.IDs = nil
	}
	return reflect.DeepEqual(a, b)
}
