package okrfile

import (
	"context"
	"fmt"
	"strings"

	"github.com/okrbot/okrbot/okr"
)

// Export is the plan of a cycle (the current one when name is ""): every
// team, and the cycle's active objectives and live key results, in the
// order they were created. Importing it into the same store changes
// nothing; into an empty one, it makes a store that exports the same file.
func Export(ctx context.Context, store Store, name string) (*File, error) {
	var c *okr.Cycle
	var err error
	if name == "" {
		c, err = store.CurrentCycle(ctx)
	} else {
		q, perr := okr.ParseQuarter(name)
		if perr != nil {
			return nil, fmt.Errorf("cycle %q: a cycle is written like 2026-Q4", name)
		}
		c, err = store.FindCycleByName(ctx, q.String())
	}
	if err != nil {
		return nil, err
	}
	f := &File{Cycle: c.Name}

	teams, err := store.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	teamName := map[int64]string{}
	for _, t := range teams {
		teamName[t.ID] = t.Name
	}
	for _, t := range teams {
		f.Teams = append(f.Teams, Team{Name: t.Name, Department: teamName[t.ParentID], Lead: t.LeadID, Members: t.Members, Channel: t.Channel})
	}

	active := okr.StatusActive
	objs, _, err := store.FindObjectives(ctx, okr.ObjectiveFilter{CycleID: &c.ID, Status: &active})
	if err != nil {
		return nil, err
	}
	// An objective's key is its title; where two share one, the owner
	// tells them apart, and where one owner has it at two levels, the
	// level too (what identifies an objective in a cycle). Keys never use
	// IDs, which differ in another store.
	titles, owned := map[string]int{}, map[string]int{}
	for _, o := range objs {
		titles[strings.ToLower(o.Title)]++
		owned[strings.ToLower(o.Title+"\x00"+o.OwnerID)]++
	}
	keys := map[int64]string{}
	for _, o := range objs {
		switch {
		case owned[strings.ToLower(o.Title+"\x00"+o.OwnerID)] > 1:
			keys[o.ID] = fmt.Sprintf("%s (%s, %s)", o.Title, o.OwnerID, o.Level)
		case titles[strings.ToLower(o.Title)] > 1:
			keys[o.ID] = fmt.Sprintf("%s (%s)", o.Title, o.OwnerID)
		default:
			keys[o.ID] = o.Title
		}
	}
	krTitle := map[int64]string{}
	live := false
	for _, o := range objs {
		krs, err := store.FindKeyResults(ctx, okr.KeyResultFilter{ObjectiveID: &o.ID, Archived: &live})
		if err != nil {
			return nil, err
		}
		out := Objective{Title: o.Title, Description: o.Description, Level: string(o.Level), Owner: o.OwnerID, Team: teamName[o.TeamID]}
		if keys[o.ID] != o.Title {
			out.Key = keys[o.ID]
		}
		for _, kr := range krs {
			krTitle[kr.ID] = kr.Title
			k := KeyResult{Title: kr.Title, Kind: string(kr.Kind), Start: kr.Start, Target: kr.Target, Unit: kr.Unit}
			if kr.Kind == okr.KindIncrease {
				k.Kind = "" // the default
			}
			if kr.OwnerID != o.OwnerID {
				k.Owner = kr.OwnerID
			}
			if kr.Weight != 1 {
				k.Weight = kr.Weight
			}
			out.KeyResults = append(out.KeyResults, k)
		}
		f.Objectives = append(f.Objectives, out)
	}
	for i, o := range objs {
		if !o.HasParent() {
			continue
		}
		if key, ok := keys[o.ParentObjectiveID]; ok {
			f.Objectives[i].Parent = key
		} else {
			f.Objectives[i].Parent = okr.ObjectiveRef(o.ParentObjectiveID) // in another cycle
		}
		if o.ParentKeyResultID != 0 {
			title, ok := krTitle[o.ParentKeyResultID]
			if !ok {
				kr, err := store.FindKeyResultByID(ctx, o.ParentKeyResultID)
				if err != nil {
					return nil, err
				}
				title = kr.Title
			}
			f.Objectives[i].ParentKeyResult = title
		}
	}
	return f, nil
}
