package okr_test

import (
	"testing"

	"github.com/okrbot/okrbot/okr"
)

func TestCheckParent(t *testing.T) {
	obj := func(id int64, level okr.Level, cycle int64) *okr.Objective {
		return &okr.Objective{ID: id, Level: level, CycleID: cycle, Status: okr.StatusActive}
	}
	company := obj(1, okr.LevelCompany, 1)
	dept := obj(2, okr.LevelDepartment, 1)
	team := obj(3, okr.LevelTeam, 1)
	personal := obj(4, okr.LevelPersonal, 1)
	otherCycle := obj(5, okr.LevelCompany, 2)
	closed := obj(6, okr.LevelCompany, 1)
	closed.Status = okr.StatusClosed

	tests := []struct {
		name          string
		child, parent *okr.Objective
		chain         []*okr.Objective
		opts          okr.LinkOptions
		wantErr       string
	}{
		{"team under company", team, company, nil, okr.LinkOptions{}, ""},
		{"team under department", team, dept, []*okr.Objective{company}, okr.LinkOptions{}, ""},
		{"personal skips levels", personal, company, nil, okr.LinkOptions{}, ""},
		{"same level refused", team, obj(7, okr.LevelTeam, 1), nil, okr.LinkOptions{},
			"A team objective can only support a higher level; O7 is team level."},
		{"lower level refused", dept, team, nil, okr.LinkOptions{},
			"A department objective can only support a higher level; O3 is team level."},
		{"self refused", team, team, nil, okr.LinkOptions{}, "An objective cannot support itself."},
		{"cross-cycle refused by default", team, otherCycle, nil, okr.LinkOptions{},
			"O5 is in another cycle; tick \"Allow another cycle\" to link across cycles."},
		{"cross-cycle when asked", team, otherCycle, nil, okr.LinkOptions{AllowCrossCycle: true}, ""},
		{"closed parent refused", team, closed, nil, okr.LinkOptions{}, "O6 is closed; choose an active objective."},
		{"loop refused", dept, company, []*okr.Objective{dept}, okr.LinkOptions{},
			"Linking under O1 would make a loop: O2 is already above it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := okr.CheckParent(tt.child, tt.parent, tt.chain, tt.opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckParent = %v, want nil", err)
				}
				return
			}
			if got := okr.FieldErrors(err)["parent"]; got != tt.wantErr {
				t.Fatalf("parent error = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestCheckLink(t *testing.T) {
	a := &okr.Objective{ID: 1, Level: okr.LevelTeam, CycleID: 1, Status: okr.StatusActive}
	b := &okr.Objective{ID: 2, Level: okr.LevelTeam, CycleID: 1, Status: okr.StatusActive}
	up := &okr.Objective{ID: 3, Level: okr.LevelCompany, CycleID: 1, Status: okr.StatusActive}
	later := &okr.Objective{ID: 4, Level: okr.LevelTeam, CycleID: 2, Status: okr.StatusActive}
	tests := []struct {
		name      string
		from, to  *okr.Objective
		kind      okr.LinkKind
		reachable []int64
		opts      okr.LinkOptions
		wantErr   bool
	}{
		{"peer dependency", a, b, okr.LinkDependsOn, nil, okr.LinkOptions{}, false},
		{"dependency on another level refused", a, up, okr.LinkDependsOn, nil, okr.LinkOptions{}, true},
		{"two-way dependency refused", a, b, okr.LinkDependsOn, []int64{1}, okr.LinkOptions{}, true},
		{"relates to any level", a, up, okr.LinkRelatesTo, nil, okr.LinkOptions{}, false},
		{"self refused", a, a, okr.LinkRelatesTo, nil, okr.LinkOptions{}, true},
		{"cross-cycle refused by default", a, later, okr.LinkDependsOn, nil, okr.LinkOptions{}, true},
		{"cross-cycle when asked", a, later, okr.LinkDependsOn, nil, okr.LinkOptions{AllowCrossCycle: true}, false},
		{"vertical kinds go through CheckParent", a, up, okr.LinkSupports, nil, okr.LinkOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := okr.CheckLink(tt.from, tt.to, tt.kind, tt.reachable, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckLink = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && okr.ErrorCode(err) != okr.EINVALID {
				t.Fatalf("code = %q, want invalid", okr.ErrorCode(err))
			}
		})
	}
}

func TestCheckChildren(t *testing.T) {
	o := &okr.Objective{ID: 1, Level: okr.LevelDepartment}
	children := []*okr.Objective{{ID: 2, Level: okr.LevelTeam}}
	if err := okr.CheckChildren(o, okr.LevelCompany, children); err != nil {
		t.Fatalf("raising the parent: %v", err)
	}
	err := okr.CheckChildren(o, okr.LevelTeam, children)
	if got, want := okr.FieldErrors(err)["level"], "O2 supports this objective at team level; a team objective cannot be above it."; got != want {
		t.Fatalf("level error = %q, want %q", got, want)
	}
}
