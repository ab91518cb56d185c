package okrfile_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okrfile"
)

// FuzzRead: no file makes Read panic, and a file it reads is written and
// read back to the same plan in every format that can hold it.
// The seeds, a full plan in each format and hostile files (markup and
// control characters in every text, numbers such as 1e309, NaN and -0,
// expanding YAML aliases, broken quoting), are in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, text, format string) {
		if format != "yaml" && format != "json" && format != "csv" {
			return
		}
		file, err := okrfile.Read(strings.NewReader(text), format)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := okrfile.Write(&buf, file, "json"); err != nil {
			t.Fatalf("a file read cannot be written: %v", err)
		}
		again, err := okrfile.Read(&buf, "json")
		if err != nil {
			t.Fatalf("a written file cannot be read back: %v\n%s", err, buf.String())
		}
		if len(again.Objectives) != len(file.Objectives) || again.Cycle != file.Cycle {
			t.Fatalf("the plan changed when written and read: %d objectives, cycle %q; was %d, %q",
				len(again.Objectives), again.Cycle, len(file.Objectives), file.Cycle)
		}
	})
}
