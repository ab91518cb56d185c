package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

const objectiveColumns = `id, cycle_id, title, description, level, owner_id, COALESCE(team_id, 0), status, score,
	COALESCE(parent_objective_id, 0), COALESCE(parent_key_result_id, 0), rollup_children, weight, created_at, updated_at`

func scanObjective(s scanner) (*okr.Objective, error) {
	var o okr.Objective
	var score sql.NullFloat64
	var created, updated int64
	if err := s.Scan(&o.ID, &o.CycleID, &o.Title, &o.Description, &o.Level, &o.OwnerID, &o.TeamID, &o.Status, &score,
		&o.ParentObjectiveID, &o.ParentKeyResultID, &o.RollupChildren, &o.Weight, &created, &updated); err != nil {
		return nil, err
	}
	if score.Valid {
		o.Score = &score.Float64
	}
	o.CreatedAt, o.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &o, nil
}

// CreateObjective stores the objective and its key results in one
// transaction. A parent set on it (objective or key result) is checked with
// okr.CheckParent; the cycle must not be closed.
func (db *DB) CreateObjective(ctx context.Context, o *okr.Objective, krs []*okr.KeyResult, opts okr.LinkOptions) error {
	if err := validateObjective(o, krs); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createObjective(ctx, tx, o, krs, opts); err != nil {
		return err
	}
	return tx.Commit()
}

func validateObjective(o *okr.Objective, krs []*okr.KeyResult) error {
	errs := []error{o.Validate()}
	for _, kr := range krs {
		errs = append(errs, kr.Validate())
	}
	return errors.Join(errs...)
}

func createObjective(ctx context.Context, tx *Tx, o *okr.Objective, krs []*okr.KeyResult, opts okr.LinkOptions) error {
	if _, err := requireOpenCycle(ctx, tx, o.CycleID); err != nil {
		return err
	}
	if err := checkTeamExists(ctx, tx, o.TeamID); err != nil {
		return err
	}
	o.Status = okr.StatusActive
	target := okr.LinkTarget{ObjectiveID: o.ParentObjectiveID, KeyResultID: o.ParentKeyResultID}
	if !target.IsZero() {
		var err error
		if o.ParentObjectiveID, o.ParentKeyResultID, err = resolveParent(ctx, tx, o, target, opts); err != nil {
			return err
		}
	}
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	res, err := tx.ExecContext(ctx, `INSERT INTO objectives (cycle_id, title, description, level, owner_id, team_id, status,
		parent_objective_id, parent_key_result_id, rollup_children, weight, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.CycleID, o.Title, o.Description, o.Level, o.OwnerID, nullID(o.TeamID), o.Status,
		nullID(o.ParentObjectiveID), nullID(o.ParentKeyResultID), o.RollupChildren, o.Weight, toMillis(tx.now), toMillis(tx.now))
	if err != nil {
		return fmt.Errorf("create objective: %w", err)
	}
	if o.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create objective: %w", err)
	}
	tx.touch(o.ID)
	for _, kr := range krs {
		if err := insertKeyResult(ctx, tx, o, kr); err != nil {
			return err
		}
	}
	return nil
}

// FindObjectiveByID returns ENOTFOUND when there is no such objective.
func (db *DB) FindObjectiveByID(ctx context.Context, id int64) (*okr.Objective, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findObjectiveByID(ctx, tx, id)
}

func findObjectiveByID(ctx context.Context, tx *Tx, id int64) (*okr.Objective, error) {
	o, err := scanObjective(tx.QueryRowContext(ctx, `SELECT `+objectiveColumns+` FROM objectives WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, okr.Errorf(okr.ENOTFOUND, "There is no objective %s.", okr.ObjectiveRef(id))
	}
	if err != nil {
		return nil, fmt.Errorf("find objective %d: %w", id, err)
	}
	return o, nil
}

// FindObjectives lists the objectives that match, by ID, and how many match
// in all (ignoring Offset and Limit).
func (db *DB) FindObjectives(ctx context.Context, f okr.ObjectiveFilter) ([]*okr.Objective, int, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findObjectives(ctx, tx, f)
}

func findObjectives(ctx context.Context, tx *Tx, f okr.ObjectiveFilter) ([]*okr.Objective, int, error) {
	var where []string
	var args []any
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, 0, nil
		}
		where = append(where, `id IN (`+placeholders(len(f.IDs))+`)`)
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.CycleID != nil {
		where, args = append(where, `cycle_id = ?`), append(args, *f.CycleID)
	}
	if f.Level != nil {
		where, args = append(where, `level = ?`), append(args, *f.Level)
	}
	if f.OwnerID != nil {
		where, args = append(where, `owner_id = ?`), append(args, *f.OwnerID)
	}
	if f.TeamID != nil {
		where, args = append(where, `team_id = ?`), append(args, *f.TeamID)
	}
	if f.ParentID != nil {
		where, args = append(where, `parent_objective_id = ?`), append(args, *f.ParentID)
	}
	if f.Linked {
		where = append(where, linkedObjective("id"))
	}
	if f.Status != nil {
		where, args = append(where, `status = ?`), append(args, *f.Status)
	}
	if f.TitlePrefix != nil {
		where, args = append(where, `title LIKE ? ESCAPE '\'`), append(args, likeEscape(okr.NormaliseLine(*f.TitlePrefix))+"%")
	}
	if f.Search != nil {
		where, args = append(where, `title LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(okr.NormaliseLine(*f.Search))+"%")
	}
	clause := ""
	if len(where) > 0 {
		clause = ` WHERE ` + strings.Join(where, ` AND `)
	}
	// Only a page needs counting apart: without a limit, every match is
	// read anyway, and a count would be one more statement to parse and
	// run. Most finds (lists, the scored objectives) have no limit.
	total := -1
	query := `SELECT ` + objectiveColumns + ` FROM objectives` + clause + ` ORDER BY id`
	if f.Limit > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM objectives`+clause, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count objectives: %w", err)
		}
		query += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find objectives: %w", err)
	}
	defer rows.Close()
	var out []*okr.Objective
	for rows.Next() {
		o, err := scanObjective(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find objectives: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find objectives: %w", err)
	}
	if total < 0 {
		total = len(out)
	}
	return out, total, nil
}

// likeEscape makes s match literally inside a LIKE pattern. Callers pass it
// text normalised as titles are stored (okr.NormaliseLine): SQLite's LIKE
// stops at a NUL, so a raw query with one would match too much.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateObjective applies the update. A level change must keep the parent
// above and the children below (EINVALID on "level").
func (db *DB) UpdateObjective(ctx context.Context, id int64, upd okr.ObjectiveUpdate) (*okr.Objective, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := findObjectiveByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := requireActive(ctx, tx, o); err != nil {
		return nil, err
	}
	next, err := upd.Apply(o)
	if err != nil {
		return nil, err
	}
	if err := checkTeamExists(ctx, tx, next.TeamID); err != nil {
		return nil, err
	}
	if next.Level != o.Level {
		if next.HasParent() {
			parent, err := findObjectiveByID(ctx, tx, next.ParentObjectiveID)
			if err != nil {
				return nil, err
			}
			if !parent.Level.Above(next.Level) {
				return nil, okr.FieldErrorf("level", "This objective supports %s at %s level; unlink it first to make it %s level.",
					parent.Ref(), parent.Level, next.Level)
			}
		}
		children, _, err := findObjectives(ctx, tx, okr.ObjectiveFilter{ParentID: &id, Status: ptr(okr.StatusActive)})
		if err != nil {
			return nil, err
		}
		if err := okr.CheckChildren(next, next.Level, children); err != nil {
			return nil, err
		}
	}
	next.UpdatedAt = tx.now
	tx.touch(id)
	if _, err := tx.ExecContext(ctx, `UPDATE objectives SET title = ?, description = ?, level = ?, owner_id = ?, team_id = ?,
		rollup_children = ?, weight = ?, updated_at = ? WHERE id = ?`,
		next.Title, next.Description, next.Level, next.OwnerID, nullID(next.TeamID), next.RollupChildren, next.Weight,
		toMillis(tx.now), id); err != nil {
		return nil, fmt.Errorf("update objective %d: %w", id, err)
	}
	return next, tx.Commit()
}

// SetParent links the objective under a parent objective or key result, or
// with a zero target removes its parent.
func (db *DB) SetParent(ctx context.Context, id int64, target okr.LinkTarget, opts okr.LinkOptions) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := findObjectiveByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := requireActive(ctx, tx, o); err != nil {
		return err
	}
	var parentObj, parentKR int64
	if !target.IsZero() {
		if parentObj, parentKR, err = resolveParent(ctx, tx, o, target, opts); err != nil {
			return err
		}
	}
	tx.touch(id)
	if _, err := tx.ExecContext(ctx, `UPDATE objectives SET parent_objective_id = ?, parent_key_result_id = ?, updated_at = ? WHERE id = ?`,
		nullID(parentObj), nullID(parentKR), toMillis(tx.now), id); err != nil {
		return fmt.Errorf("set parent of objective %d: %w", id, err)
	}
	return tx.Commit()
}

// resolveParent finds the parent objective of a link target (the target
// itself, or the objective of a target key result), loads its ancestors and
// checks the link with okr.CheckParent.
func resolveParent(ctx context.Context, tx *Tx, child *okr.Objective, target okr.LinkTarget, opts okr.LinkOptions) (objectiveID, keyResultID int64, err error) {
	objectiveID = target.ObjectiveID
	if target.KeyResultID != 0 {
		kr, err := findKeyResultByID(ctx, tx, target.KeyResultID)
		if err != nil {
			return 0, 0, okr.FieldErrorf("parent", "There is no key result %s.", okr.KeyResultRef(target.KeyResultID))
		}
		if kr.Archived {
			return 0, 0, okr.FieldErrorf("parent", "%s is archived; choose a live key result.", kr.Ref())
		}
		objectiveID = kr.ObjectiveID
	}
	parent, err := findObjectiveByID(ctx, tx, objectiveID)
	if err != nil {
		return 0, 0, okr.FieldErrorf("parent", "There is no objective %s.", okr.ObjectiveRef(objectiveID))
	}
	chain, err := ancestors(ctx, tx, parent)
	if err != nil {
		return 0, 0, err
	}
	if err := okr.CheckParent(child, parent, chain, opts); err != nil {
		return 0, 0, err
	}
	return parent.ID, target.KeyResultID, nil
}

// ancestors walks up from o, nearest first. It stops at a repeat, so even a
// loop in stored data cannot make it run forever.
func ancestors(ctx context.Context, tx *Tx, o *okr.Objective) ([]*okr.Objective, error) {
	var chain []*okr.Objective
	seen := map[int64]bool{o.ID: true}
	for id := o.ParentObjectiveID; id != 0 && !seen[id]; {
		seen[id] = true
		a, err := findObjectiveByID(ctx, tx, id)
		if err != nil {
			if okr.ErrorCode(err) == okr.ENOTFOUND {
				break
			}
			return nil, err
		}
		chain = append(chain, a)
		id = a.ParentObjectiveID
	}
	return chain, nil
}

// ArchiveObjective hides an objective and its key results; check-ins and
// links stay as history. Objectives aligned under it become orphans, so the
// gaps report shows them.
func (db *DB) ArchiveObjective(ctx context.Context, id int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := findObjectiveByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if o.Status == okr.StatusArchived {
		return nil
	}
	if _, err := requireOpenCycle(ctx, tx, o.CycleID); err != nil {
		return err
	}
	tx.touch(id)
	for _, q := range []string{
		`UPDATE objectives SET status = 'archived', updated_at = ? WHERE id = ?`,
		`UPDATE key_results SET archived = 1, updated_at = ? WHERE objective_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, toMillis(tx.now), id); err != nil {
			return fmt.Errorf("archive objective %d: %w", id, err)
		}
	}
	if err := tx.touchReturned(ctx, `UPDATE objectives SET parent_objective_id = NULL, parent_key_result_id = NULL, updated_at = ?
		WHERE parent_objective_id = ? RETURNING id`, toMillis(tx.now), id); err != nil {
		return fmt.Errorf("archive objective %d: %w", id, err)
	}
	return tx.Commit()
}

// CloseObjective records the objective's final score. Scoring is the one
// change allowed in a closed cycle.
func (db *DB) CloseObjective(ctx context.Context, id int64, score float64) error {
	return db.CloseObjectives(ctx, []okr.Closing{{ObjectiveID: id, Score: score}})
}

// CloseObjectives records the scores and creates the carried-over copies in
// one transaction.
func (db *DB) CloseObjectives(ctx context.Context, closings []okr.Closing) error {
	for _, c := range closings {
		if c.Score < 0 || c.Score > 1 {
			return okr.FieldErrorf("score", "Score is between 0.0 and 1.0.")
		}
		if c.CarryOver != nil {
			if err := validateObjective(c.CarryOver, c.CarryKeyResults); err != nil {
				return err
			}
		}
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range closings {
		o, err := findObjectiveByID(ctx, tx, c.ObjectiveID)
		if err != nil {
			return err
		}
		if o.Status == okr.StatusArchived {
			return okr.Errorf(okr.ECONFLICT, "%s is archived; it cannot be scored.", o.Ref())
		}
		tx.touch(c.ObjectiveID)
		if _, err := tx.ExecContext(ctx, `UPDATE objectives SET status = 'closed', score = ?, updated_at = ? WHERE id = ?`,
			c.Score, toMillis(tx.now), c.ObjectiveID); err != nil {
			return fmt.Errorf("close objective %d: %w", c.ObjectiveID, err)
		}
		if cp := c.CarryOver; cp != nil {
			err := createObjective(ctx, tx, cp, c.CarryKeyResults, okr.LinkOptions{AllowCrossCycle: true})
			if okr.FieldErrors(err)["parent"] != "" {
				cp.ParentObjectiveID, cp.ParentKeyResultID = 0, 0 // the link no longer holds: carry it unaligned
				err = createObjective(ctx, tx, cp, c.CarryKeyResults, okr.LinkOptions{})
			}
			if err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// requireActive refuses changes to objectives that are closed, archived or
// in a closed cycle.
func requireActive(ctx context.Context, tx *Tx, o *okr.Objective) error {
	if o.Status != okr.StatusActive {
		return okr.Errorf(okr.ECONFLICT, "%s is %s; only active objectives can change.", o.Ref(), o.Status)
	}
	_, err := requireOpenCycle(ctx, tx, o.CycleID)
	return err
}

func checkTeamExists(ctx context.Context, tx *Tx, teamID int64) error {
	if teamID == 0 {
		return nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE id = ?)`, teamID).Scan(&ok); err != nil {
		return fmt.Errorf("check team %d: %w", teamID, err)
	}
	if !ok {
		return okr.FieldErrorf("team", "That team does not exist.")
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// linkedObjective is the condition that the objective with the ID in column
// has a parent objective or a child.
func linkedObjective(column string) string {
	return `(` + column + ` IN (SELECT id FROM objectives WHERE parent_objective_id IS NOT NULL)
		OR ` + column + ` IN (SELECT parent_objective_id FROM objectives WHERE parent_objective_id IS NOT NULL))`
}
