package okr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		hasField string
	}{
		{"nil", nil, "", "", ""},
		{"domain error", okr.Errorf(okr.ENOTFOUND, "No objective O12."), okr.ENOTFOUND, "No objective O12.", ""},
		{"wrapped", fmt.Errorf("find objective 12: %w", okr.Errorf(okr.EFORBIDDEN, "Only admins can.")), okr.EFORBIDDEN, "Only admins can.", ""},
		{"plain error never shown", errors.New("sql: database is locked"), okr.EINTERNAL, "Something went wrong; it has been logged.", ""},
		{"internal domain error never shown", okr.Errorf(okr.EINTERNAL, "disk full at /var"), okr.EINTERNAL, "Something went wrong; it has been logged.", ""},
		{"field error", okr.FieldErrorf("title", "Title is 1-150 characters."), okr.EINVALID, "Title is 1-150 characters.", "title"},
		{"joined field errors", errors.Join(okr.FieldErrorf("title", "T"), okr.FieldErrorf("target", "X")), okr.EINVALID, "T", "target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := okr.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := okr.ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if tt.hasField != "" && okr.FieldErrors(tt.err)[tt.hasField] == "" {
				t.Errorf("FieldErrors = %v, want a %q entry", okr.FieldErrors(tt.err), tt.hasField)
			}
		})
	}
}

func TestObjective_Validate(t *testing.T) {
	o := &okr.Objective{Title: "  Delight customers  ", Level: okr.LevelTeam, OwnerID: "U1", CycleID: 1}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Title != "Delight customers" || o.Status != okr.StatusActive || o.Weight != 1 {
		t.Fatalf("not normalised: %+v", o)
	}
	bad := &okr.Objective{Level: "galaxy"}
	got := okr.FieldErrors(bad.Validate())
	want := map[string]string{
		"title": "Title is 1-150 characters.",
		"level": "Level is one of company, department, team or personal.",
		"owner": "Choose who owns this objective.",
		"cycle": "Choose the cycle of this objective.",
	}
	for field, msg := range want {
		if got[field] != msg {
			t.Errorf("%s: %q, want %q", field, got[field], msg)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]okr.Level{"Company": okr.LevelCompany, "dept": okr.LevelDepartment, " team ": okr.LevelTeam, "me": okr.LevelPersonal} {
		if got, err := okr.ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := okr.ParseLevel("galaxy"); okr.ErrorCode(err) != okr.EINVALID {
		t.Errorf("ParseLevel(galaxy) = %v", err)
	}
	if !okr.LevelCompany.Above(okr.LevelTeam) || okr.LevelTeam.Above(okr.LevelTeam) || okr.LevelPersonal.Above(okr.LevelTeam) {
		t.Error("Above ordering is wrong")
	}
}

func TestCheckin_Validate(t *testing.T) {
	c := &okr.Checkin{AuthorID: "U1", Value: 5, Confidence: "meh", Note: strings.Repeat("x", 2001)}
	got := okr.FieldErrors(c.Validate())
	if got["confidence"] != "Confidence is on track, at risk or off track." || got["note"] != "Note is at most 2000 characters." {
		t.Fatalf("errors = %v", got)
	}
}
