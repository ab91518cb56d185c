package okr

import (
	"iter"
	"sync"
)

// ownedIndex lists, by person, the positions in Analysis.Objectives of the
// objectives they own or own a key result of. It is made on first use (see
// Analysis.OwnedBy), and never written after: analyses patched without
// moving an objective or changing an owner share it (reanalysis.ownedIndex).
type ownedIndex struct {
	once    sync.Once
	byOwner map[string][]int32
}

// OwnedBy yields, by ID, the states of the objectives userID owns or owns a
// key result of. The first call on an analysis indexes every owner in one
// pass over the cycle. After that, finding one person's objectives among
// 50,000 key results costs only what they own. A person's list, their App
// Home and the count after a check-in each need it.
func (a *Analysis) OwnedBy(userID string) iter.Seq[*ObjectiveState] {
	a.owned.once.Do(a.indexOwners)
	positions := a.owned.byOwner[userID]
	return func(yield func(*ObjectiveState) bool) {
		for _, i := range positions {
			if !yield(a.Objectives[i]) {
				return
			}
		}
	}
}

// OwnedCount is how many objectives OwnedBy(userID) yields.
func (a *Analysis) OwnedCount(userID string) int {
	a.owned.once.Do(a.indexOwners)
	return len(a.owned.byOwner[userID])
}

func (a *Analysis) indexOwners() {
	byOwner := map[string][]int32{}
	for i, s := range a.Objectives {
		last := s.Objective.OwnerID
		byOwner[last] = append(byOwner[last], int32(i))
		for _, k := range s.KeyResults {
			// Most key results are their objective's owner's, or the one
			// before's: those need no look-up.
			owner := k.KeyResult.OwnerID
			if owner == last {
				continue
			}
			last = owner
			// Positions only grow, so a person already listed for this
			// objective has it last.
			if ps := byOwner[owner]; len(ps) == 0 || ps[len(ps)-1] != int32(i) {
				byOwner[owner] = append(ps, int32(i))
			}
		}
	}
	a.owned.byOwner = byOwner
}
