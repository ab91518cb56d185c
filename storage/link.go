package storage

import (
	"context"
	"fmt"

	"github.com/okrbot/okrbot/okr"
)

// CreateLink stores a horizontal or directional link after okr.CheckLink;
// ECONFLICT when the same link exists.
func (db *DB) CreateLink(ctx context.Context, l *okr.Link, opts okr.LinkOptions) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	from, err := findObjectiveByID(ctx, tx, l.FromID)
	if err != nil {
		return err
	}
	if err := requireActive(ctx, tx, from); err != nil {
		return err
	}
	to, err := findObjectiveByID(ctx, tx, l.ToID)
	if err != nil {
		return okr.FieldErrorf("parent", "There is no objective %s.", okr.ObjectiveRef(l.ToID))
	}
	reachable, err := dependencies(ctx, tx, to.ID)
	if err != nil {
		return err
	}
	if err := okr.CheckLink(from, to, l.Kind, reachable, opts); err != nil {
		return err
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM links WHERE from_id = ? AND to_id = ? AND kind = ?)`,
		l.FromID, l.ToID, l.Kind).Scan(&exists); err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	if exists {
		return okr.Errorf(okr.ECONFLICT, "%s already %s %s.", from.Ref(), map[okr.LinkKind]string{
			okr.LinkDependsOn: "depends on", okr.LinkRelatesTo: "relates to"}[l.Kind], to.Ref())
	}
	l.CreatedAt = tx.now
	tx.touch(l.FromID)
	res, err := tx.ExecContext(ctx, `INSERT INTO links (from_id, to_id, kind, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		l.FromID, l.ToID, l.Kind, l.CreatedBy, toMillis(tx.now))
	if err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	if l.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	return tx.Commit()
}

// dependencies lists every objective that id depends on, directly or not.
func dependencies(ctx context.Context, tx *Tx, id int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `WITH RECURSIVE deps(id) AS (
		SELECT to_id FROM links WHERE from_id = ? AND kind = 'depends_on'
		UNION
		SELECT l.to_id FROM links l JOIN deps d ON l.from_id = d.id WHERE l.kind = 'depends_on'
	) SELECT id FROM deps`, id)
	if err != nil {
		return nil, fmt.Errorf("dependencies of %d: %w", id, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var dep int64
		if err := rows.Scan(&dep); err != nil {
			return nil, fmt.Errorf("dependencies of %d: %w", id, err)
		}
		out = append(out, dep)
	}
	return out, rows.Err()
}

// DeleteLink removes a horizontal or directional link; ENOTFOUND if none.
func (db *DB) DeleteLink(ctx context.Context, id int64) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.touchReturned(ctx, `DELETE FROM links WHERE id = ? RETURNING from_id`, id); err != nil {
		return fmt.Errorf("delete link %d: %w", id, err)
	}
	if len(tx.change.objectives) == 0 {
		return okr.Errorf(okr.ENOTFOUND, "That link does not exist.")
	}
	return tx.Commit()
}

// FindLinks lists the links from or to an objective, oldest first.
func (db *DB) FindLinks(ctx context.Context, objectiveID int64) ([]*okr.Link, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findLinks(ctx, tx, `WHERE from_id = ? OR to_id = ?`, objectiveID, objectiveID)
}

func findLinks(ctx context.Context, tx *Tx, where string, args ...any) ([]*okr.Link, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, from_id, to_id, kind, created_by, created_at FROM links `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find links: %w", err)
	}
	defer rows.Close()
	var out []*okr.Link
	for rows.Next() {
		var l okr.Link
		var created int64
		if err := rows.Scan(&l.ID, &l.FromID, &l.ToID, &l.Kind, &l.CreatedBy, &created); err != nil {
			return nil, fmt.Errorf("find links: %w", err)
		}
		l.CreatedAt = fromMillis(created)
		out = append(out, &l)
	}
	return out, rows.Err()
}
