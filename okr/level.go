package okr

import "strings"

// Level is where an objective sits in the organisation. Alignment links
// point upward: personal -> team -> department -> company.
type Level string

const (
	LevelCompany    Level = "company"
	LevelDepartment Level = "department"
	LevelTeam       Level = "team"
	LevelPersonal   Level = "personal"
)

// Levels lists every level from the top down.
var Levels = []Level{LevelCompany, LevelDepartment, LevelTeam, LevelPersonal}

// Rank orders levels: company is 1, personal 4; 0 means not a level.
func (l Level) Rank() int {
	switch l {
	case LevelCompany:
		return 1
	case LevelDepartment:
		return 2
	case LevelTeam:
		return 3
	case LevelPersonal:
		return 4
	}
	return 0
}

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool { return l.Rank() != 0 }

// Above reports whether l is strictly higher in the organisation than other.
func (l Level) Above(other Level) bool {
	return l.Valid() && other.Valid() && l.Rank() < other.Rank()
}

// Label is the level's name for people ("Company").
func (l Level) Label() string {
	if !l.Valid() {
		return string(l)
	}
	return strings.ToUpper(string(l[:1])) + string(l[1:])
}

// ParseLevel accepts a level name in any case, and the short forms people
// type ("co", "dept", "me").
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "company", "co", "org":
		return LevelCompany, nil
	case "department", "dept", "dep":
		return LevelDepartment, nil
	case "team":
		return LevelTeam, nil
	case "personal", "person", "me", "individual":
		return LevelPersonal, nil
	}
	return "", FieldErrorf("level", "Level is one of company, department, team or personal.")
}
