package storage

import (
	"context"
	"fmt"
	"slices"

	"github.com/okrbot/okrbot/okr"
)

// CreateTeam adds a team: ECONFLICT if the name is taken; EINVALID if its
// department is itself inside a department.
func (db *DB) CreateTeam(ctx context.Context, t *okr.Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.touchNoGraph() // nothing here is in a graph
	if err := checkTeam(ctx, tx, t); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO teams (name, parent_id, lead_id, channel) VALUES (?, ?, ?, ?)`, t.Name, nullID(t.ParentID), t.LeadID, t.Channel)
	if err != nil {
		return fmt.Errorf("create team: %w", err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create team: %w", err)
	}
	if err := writeMembers(ctx, tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateTeam replaces the team's name, department, lead and members.
func (db *DB) UpdateTeam(ctx context.Context, t *okr.Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.touchNoGraph() // nothing here is in a graph
	if _, err := findTeamByID(ctx, tx, t.ID); err != nil {
		return err
	}
	if err := checkTeam(ctx, tx, t); err != nil {
		return err
	}
	if t.ParentID != 0 {
		var hasTeams bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE parent_id = ?)`, t.ID).Scan(&hasTeams); err != nil {
			return fmt.Errorf("update team %d: %w", t.ID, err)
		}
		if hasTeams {
			return okr.FieldErrorf("parent", "%s is a department with teams of its own; it cannot join another department.", okr.Quote(t.Name))
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE teams SET name = ?, parent_id = ?, lead_id = ?, channel = ? WHERE id = ?`,
		t.Name, nullID(t.ParentID), t.LeadID, t.Channel, t.ID); err != nil {
		return fmt.Errorf("update team %d: %w", t.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = ?`, t.ID); err != nil {
		return fmt.Errorf("update team %d: %w", t.ID, err)
	}
	if err := writeMembers(ctx, tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// checkTeam enforces a unique name and a two-level organisation.
func checkTeam(ctx context.Context, tx *Tx, t *okr.Team) error {
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE name = ? COLLATE NOCASE AND id != ?)`, t.Name, t.ID).Scan(&taken); err != nil {
		return fmt.Errorf("check team: %w", err)
	}
	if taken {
		return okr.FieldErrorf("name", "There is already a team called %s.", okr.Quote(t.Name))
	}
	if t.ParentID == 0 {
		return nil
	}
	parent, err := findTeamByID(ctx, tx, t.ParentID)
	if err != nil {
		return okr.FieldErrorf("parent", "That department does not exist.")
	}
	if parent.ParentID != 0 {
		return okr.FieldErrorf("parent", "%s is a team inside a department; choose a department.", okr.Quote(parent.Name))
	}
	return nil
}

func writeMembers(ctx context.Context, tx *Tx, t *okr.Team) error {
	for _, m := range t.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, t.ID, m); err != nil {
			return fmt.Errorf("write team members: %w", err)
		}
	}
	return nil
}

// FindTeamByID returns ENOTFOUND when there is no such team.
func (db *DB) FindTeamByID(ctx context.Context, id int64) (*okr.Team, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findTeamByID(ctx, tx, id)
}

func findTeamByID(ctx context.Context, tx *Tx, id int64) (*okr.Team, error) {
	teams, err := findTeams(ctx, tx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, okr.Errorf(okr.ENOTFOUND, "That team does not exist.")
	}
	return teams[0], nil
}

// FindTeamByName finds a team by name, ignoring case; ENOTFOUND if none.
// The name is normalised as stored names are (okr.NormaliseLine), so that
// what a person types finds the team however their keyboard encoded it.
func (db *DB) FindTeamByName(ctx context.Context, name string) (*okr.Team, error) {
	name = okr.NormaliseLine(name)
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	teams, err := findTeams(ctx, tx, `WHERE name = ? COLLATE NOCASE`, name)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, okr.Errorf(okr.ENOTFOUND, "There is no team called %s.", okr.Quote(name))
	}
	return teams[0], nil
}

// FindTeams lists every team by name.
func (db *DB) FindTeams(ctx context.Context) ([]*okr.Team, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findTeams(ctx, tx, ``)
}

func findTeams(ctx context.Context, tx *Tx, where string, args ...any) ([]*okr.Team, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, COALESCE(parent_id, 0), lead_id, channel FROM teams `+where+` ORDER BY name COLLATE NOCASE`, args...)
	if err != nil {
		return nil, fmt.Errorf("find teams: %w", err)
	}
	defer rows.Close()
	var out []*okr.Team
	byID := map[int64]*okr.Team{}
	for rows.Next() {
		var t okr.Team
		if err := rows.Scan(&t.ID, &t.Name, &t.ParentID, &t.LeadID, &t.Channel); err != nil {
			return nil, fmt.Errorf("find teams: %w", err)
		}
		out = append(out, &t)
		byID[t.ID] = &t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find teams: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	mrows, err := tx.QueryContext(ctx, `SELECT team_id, user_id FROM team_members ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("find team members: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var id int64
		var user string
		if err := mrows.Scan(&id, &user); err != nil {
			return nil, fmt.Errorf("find team members: %w", err)
		}
		if t := byID[id]; t != nil {
			t.Members = append(t.Members, user)
		}
	}
	if err := mrows.Err(); err != nil {
		return nil, fmt.Errorf("find team members: %w", err)
	}
	for _, t := range out {
		slices.Sort(t.Members)
	}
	return out, nil
}
