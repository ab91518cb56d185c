package okrfile_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okrfile"
)

// FuzzRead: no file makes Read panic, and a plan it reads is written as
// JSON and read back the same.
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
		if !reflect.DeepEqual(withoutLines(again), withoutLines(file)) {
			t.Fatalf("the plan changed when written and read:\n%+v\nwas\n%+v", again, file)
		}
	})
}

// withoutLines is f without the line numbers, which depend on the format.
func withoutLines(f *okrfile.File) *okrfile.File {
	c := *f
	c.Teams = slices.Clone(f.Teams)
	for i := range c.Teams {
		c.Teams[i].Line = 0
	}
	c.Objectives = slices.Clone(f.Objectives)
	for i := range c.Objectives {
		o := &c.Objectives[i]
		o.Line = 0
		o.KeyResults = slices.Clone(o.KeyResults)
		for j := range o.KeyResults {
			o.KeyResults[j].Line = 0
		}
	}
	return &c
}
