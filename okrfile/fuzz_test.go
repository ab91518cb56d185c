package okrfile_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okrfile"
)

// FuzzRead: no file makes Read panic, and a file it reads is written and
// read back to the same plan in every format that can hold it.
func FuzzRead(f *testing.F) {
	f.Add(plan, "yaml")
	f.Add(`{"cycle":"2026-Q4","objectives":[{"title":"A","level":"team","owner":"U1","key_results":[{"title":"k","start":1,"target":2}]}]}`, "json")
	f.Add("cycle,objective,level,owner,key_result,start,target\n2026-Q4,Grow,team,ULEE,Leads,0,400\n2026-Q4,Grow,team,ULEE,Calls,\"1,000\",2000\n", "csv")
	f.Add("cycle: 2026-Q4\nobjectives: [\n", "yaml")
	f.Add("\ufeffcycle,objective,level,owner\n", "csv")
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
