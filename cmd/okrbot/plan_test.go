package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExportCommands: a dry run changes nothing (not even creating
// the database), an import says what it did, the same file again changes
// nothing, a wrong file is refused with FILE:LINE lines, and export writes
// what import reads.
func TestImportExportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath, planPath := filepath.Join(dir, "okrbot.db"), filepath.Join(dir, "plan.yaml")
	setEnv(t, map[string]string{"OKRBOT_DB": dbPath})
	must(t, os.WriteFile(planPath, []byte(`cycle: 2026-Q4
objectives:
  - title: Increase revenue
    level: company
    owner: UADA
    key_results:
      - title: Annual recurring revenue
        start: 10
        target: 14
        unit: M$
`), 0o600))
	var out, errOut bytes.Buffer
	runOK := func(args ...string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		if code := run(ctx, args, &out, &errOut); code != 0 {
			t.Fatalf("okrbot %v: exit %d, %s", args, code, errOut.String())
		}
		return out.String()
	}

	if got := runOK("import", "-dry-run", planPath); !strings.Contains(got, "Would change (a dry run: nothing was written) 2:") ||
		!strings.Contains(got, `line 3: create company objective "Increase revenue" of UADA with 1 key result`) {
		t.Fatalf("dry run said %q", got)
	}
	if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run created the database (%v)", err)
	}
	if got := runOK("import", planPath); !strings.HasPrefix(got, "Changed 2:") {
		t.Fatalf("import said %q", got)
	}
	if got := runOK("import", planPath); !strings.Contains(got, "nothing to change") {
		t.Fatalf("the same import again said %q", got)
	}
	exported := runOK("export", "-cycle", "2026-Q4")
	if !strings.Contains(exported, "title: Annual recurring revenue") {
		t.Fatalf("export wrote %q", exported)
	}
	csvPath := filepath.Join(dir, "plan.csv")
	runOK("export", "-cycle", "2026-Q4", "-o", csvPath)
	if got := runOK("import", csvPath); !strings.Contains(got, "nothing to change") {
		t.Fatalf("importing the CSV export said %q", got)
	}

	must(t, os.WriteFile(planPath, []byte("cycle: 2026-Q4\nobjectives:\n  - title: Grow\n    level: team\n    owner: lee\n"), 0o600))
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"import", planPath}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "has 1 problem; nothing was changed") ||
		!strings.Contains(errOut.String(), planPath+`:3: objective "Grow": owner "lee" is not a Slack user ID`) {
		t.Fatalf("import of a wrong file: exit %d, %s", code, errOut.String())
	}
	if code := run(ctx, []string{"export", "-format", "xml"}, &out, &errOut); code != 2 {
		t.Fatalf("export -format xml: exit %d", code)
	}
}
