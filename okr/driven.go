package okr

import (
	"slices"
	"time"
)

// Driven key results: explicit alignment in the numbers (docs/progress.md).
//
// An objective that delivers a key result (Objective.ParentKeyResultID) is
// how a team does that key result. The key result is driven by the
// objectives that deliver it when it is not set by hand (KeyResult.ByHand,
// which its first check-in sets) and at least one of them is in the
// analysed graph: active and in the key result's own cycle. Closed,
// archived and other cycles' objectives never drive; a key result that no
// active objective delivers falls back to its own value.
//
// A driven key result's progress, and its progress a week ago, is the mean
// of those objectives' progress weighted with Objective.Weight, as a
// rollup weighs children. Its health follows them: it takes the worst
// confidence reported under them (on their key results, down through the
// key results they drive in turn), it is stale only when nothing under
// them nor itself was checked in (or created) within Policy.StaleAfter, and
// behind when its driven progress lags the calendar. It owes no check-in of
// its own, so its owner is not quiet for it.
//
// Counted once: an objective that delivers a driven key result counts in
// its parent objective's progress through that key result, with the key
// result's weight, and is left out of the parent's rollup of its children
// (RollupChildren). One that delivers a key result set by hand, or supports
// the objective itself, rolls up as before.

// deliveries are the key results that objectives of an analysis deliver.
type deliveries struct {
	by map[int64]*delivery // by key-result ID
	// holds marks, by position in Analysis.Objectives, the objectives with
	// a delivered key result, so that the others are never looked up.
	holds []bool
}

// delivery is one delivered key result.
type delivery struct {
	objectives []int // positions in Analysis.Objectives of those delivering it, by ID
	ids        []int64
	driven     bool
	live       bool // the key result is in the graph, under an analysed objective
}

// findDeliveries finds the key results the analysed objectives deliver;
// krs are the graph's key results and owner the position of each one's
// objective in a.Objectives (-1 when it is not analysed).
func findDeliveries(a *Analysis, krs []*KeyResult, owner []int) deliveries {
	d := groupDeliveries(a)
	if d.by == nil {
		return d
	}
	for i, kr := range krs {
		if dl := d.by[kr.ID]; dl != nil && owner[i] >= 0 {
			d.resolve(a, dl, kr, owner[i])
		}
	}
	d.prune()
	return d
}

// groupDeliveries gathers the analysed objectives that deliver a key
// result by that key result, in the order of a.Objectives; what the key
// results are is left to resolve.
func groupDeliveries(a *Analysis) deliveries {
	var d deliveries
	for i, s := range a.Objectives {
		id := s.Objective.ParentKeyResultID
		if id == 0 {
			continue
		}
		if d.by == nil {
			d.by = map[int64]*delivery{}
		}
		dl := d.by[id]
		if dl == nil {
			dl = &delivery{}
			d.by[id] = dl
		}
		dl.objectives = append(dl.objectives, i)
	}
	if d.by != nil {
		d.holds = make([]bool, len(a.Objectives))
	}
	return d
}

// resolve settles a delivery once its key result kr is found live under
// the analysed objective at position owner; once for each key result.
func (d deliveries) resolve(a *Analysis, dl *delivery, kr *KeyResult, owner int) {
	dl.live = true
	// The parent objective of a delivering objective is the key result's
	// objective; one stored otherwise neither drives it nor leaves its
	// parent's rollup.
	kept := dl.objectives[:0]
	for _, j := range dl.objectives {
		if a.Objectives[j].Objective.ParentObjectiveID == kr.ObjectiveID {
			kept = append(kept, j)
			dl.ids = append(dl.ids, a.Objectives[j].Objective.ID)
		}
	}
	dl.objectives = kept
	if len(kept) > 0 {
		dl.driven = !kr.ByHand
		d.holds[owner] = true
	}
}

// prune drops the deliveries of key results not resolved (archived, or
// their objective is not analysed) and of those no objective delivers from
// under their own objective.
func (d deliveries) prune() {
	for id, dl := range d.by {
		if !dl.live || len(dl.objectives) == 0 {
			delete(d.by, id)
		}
	}
}

// DeliveredBy lists the analysed objectives (active, in the cycle) that
// deliver a key result, by ID: those that drive it when it is driven
// (KeyResultState.Driven). nil when none does.
func (a *Analysis) DeliveredBy(keyResultID int64) []int64 {
	if dl := a.delivered.by[keyResultID]; dl != nil {
		return dl.ids
	}
	return nil
}

// Drives reports whether the analysed objective o drives the key result it
// delivers, rather than delivering one set by hand.
func (a *Analysis) Drives(o *Objective) bool {
	dl := a.delivered.driven(o.ParentKeyResultID)
	return dl != nil && slices.Contains(dl.ids, o.ID)
}

// driven returns the delivery of a key result its deliverers drive, or nil.
func (d deliveries) driven(krID int64) *delivery {
	if dl := d.by[krID]; dl != nil && dl.driven {
		return dl
	}
	return nil
}

// countsThrough reports whether an objective counts in its parent through
// the key result it drives, and so not also as a rolled-up child.
func (d deliveries) countsThrough(o *Objective) bool {
	return o.ParentKeyResultID != 0 && d.driven(o.ParentKeyResultID) != nil
}

// drivenProgress is the weighted mean of the progress (by position in
// a.Objectives) of the objectives that deliver a key result.
func drivenProgress(a *Analysis, dl *delivery, progress func(int) float64) float64 {
	var sum, weight float64
	for _, j := range dl.objectives {
		w := a.Objectives[j].Objective.Weight
		sum += progress(j) * w
		weight += w
	}
	if weight == 0 {
		return 0
	}
	return clamp01(sum / weight)
}

// settleDriven sets the health of the driven key results once their
// progress is rolled up (see rollup): each takes the worst confidence
// reported under the objectives that drive it and their latest check-in,
// children before parents.
func settleDriven(a *Analysis, p Policy, now time.Time) {
	if a.delivered.by == nil {
		return
	}
	memo := make([]under, len(a.Objectives))
	h := newDrivenHealth(a, p, now, func(i int) *under { return &memo[i] }, func(int) bool { return true })
	for i := range a.Objectives {
		if a.delivered.holds[i] {
			h.visit(i)
		}
	}
}

// under is what an objective passes up to the key results it drives: the
// worst confidence reported under it and its latest check-in.
type under struct {
	last       time.Time
	confidence Confidence
	seen       bool
}

// drivenHealth works out the health of driven key results from what is
// under the objectives that drive them (see settleDriven).
type drivenHealth struct {
	a        *Analysis
	p        Policy
	now      time.Time
	expected float64
	memo     func(i int) *under // for the objective at position i
	// settles says whether to write the driven key-result states of the
	// objective at position i, or only read them: Reanalyze leaves the
	// states of the objectives it does not recompute as they are.
	settles func(i int) bool
}

func newDrivenHealth(a *Analysis, p Policy, now time.Time, memo func(int) *under, settles func(int) bool) *drivenHealth {
	h := &drivenHealth{a: a, p: p, now: now, memo: memo, settles: settles}
	if a.Cycle != nil {
		h.expected = a.Cycle.Elapsed(now)
	}
	return h
}

// visit returns what the objective at position i passes up, settling its
// driven key results on the way when settles says so.
func (h *drivenHealth) visit(i int) *under {
	a, d := h.a, h.a.delivered
	u := h.memo(i)
	if u.seen {
		return u // done, or a loop in stored data: what it has so far
	}
	u.seen = true
	s := a.Objectives[i]
	settles := h.settles(i)
	for x := range s.KeyResults {
		k := &s.KeyResults[x]
		conf := k.KeyResult.Confidence
		last := lastTouched(k.KeyResult)
		if d.holds[i] {
			if dl := d.by[k.KeyResult.ID]; dl != nil {
				if dl.driven {
					conf = ""
					for _, j := range dl.objectives {
						v := h.visit(j)
						conf = worse(conf, v.confidence)
						if v.last.After(last) {
							last = v.last
						}
					}
					if settles {
						k.Driven = true
						k.Stale = h.now.Sub(last) > h.p.StaleAfter
						k.Behind = a.Cycle != nil && k.Progress < h.expected-h.p.BehindBy
						k.Health = health(conf, k.Stale, k.Behind)
					}
				}
			}
		}
		u.confidence = worse(u.confidence, conf)
		if last.After(u.last) {
			u.last = last
		}
	}
	return u
}

// lastTouched is a key result's last check-in, or its creation when it has
// none: what staleness counts from.
func lastTouched(kr *KeyResult) time.Time {
	if kr.CheckedAt.IsZero() {
		return kr.CreatedAt
	}
	return kr.CheckedAt
}

// worse is the worse of two reported confidences; "" (none) is the best.
func worse(a, b Confidence) Confidence {
	rank := func(c Confidence) int {
		switch c {
		case OnTrack:
			return 1
		case AtRisk:
			return 2
		case OffTrack:
			return 3
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
