package okr

import "time"

// Health is the state of a key result or objective as people see it: the
// owner's latest confidence, overridden by what the dates say. Healths are
// ordered by severity, from fine to worst, so the worst of several is the
// largest.
type Health int

const (
	HealthNotStarted Health = iota // no check-in yet, not stale
	HealthOnTrack
	HealthStale    // no check-in for Policy.StaleAfter
	HealthBehind   // reported on track, but progress lags the calendar
	HealthAtRisk   // reported at risk
	HealthOffTrack // reported off track
)

// Severity orders health from fine (0) to worst (5).
func (h Health) Severity() int { return int(h) }

// String is the health's stable name ("on_track"), for logs and tests.
func (h Health) String() string {
	switch h {
	case HealthOnTrack:
		return "on_track"
	case HealthStale:
		return "stale"
	case HealthBehind:
		return "behind"
	case HealthAtRisk:
		return "at_risk"
	case HealthOffTrack:
		return "off_track"
	}
	return "not_started"
}

// NeedsAttention reports whether the health is worth a nudge.
func (h Health) NeedsAttention() bool { return h.Severity() >= HealthStale.Severity() }

// Label names the health for people.
func (h Health) Label() string {
	switch h {
	case HealthOnTrack:
		return "On track"
	case HealthBehind:
		return "Behind schedule"
	case HealthStale:
		return "Stale"
	case HealthAtRisk:
		return "At risk"
	case HealthOffTrack:
		return "Off track"
	}
	return "Not started"
}

// Policy holds the good-practice thresholds the analysis applies. The zero
// value is not useful; start from DefaultPolicy.
type Policy struct {
	// StaleAfter is how long a key result may go without a check-in.
	StaleAfter time.Duration
	// BehindBy is how far (0..1) progress may trail the linear expectation
	// for the date in the cycle before it is flagged.
	BehindBy float64
	// MaxObjectivesPerOwner is the most active objectives one owner should
	// hold at one level in one cycle.
	MaxObjectivesPerOwner int
	// MinKeyResults and MaxKeyResults bound key results per objective.
	MinKeyResults int
	MaxKeyResults int
}

// DefaultPolicy is the OKR good practice: stale after two weeks, behind at
// 25 points, 3 objectives per owner and level, 2-5 key results each.
func DefaultPolicy() Policy {
	return Policy{
		StaleAfter:            14 * 24 * time.Hour,
		BehindBy:              0.25,
		MaxObjectivesPerOwner: 3,
		MinKeyResults:         2,
		MaxKeyResults:         5,
	}
}

// KeyResultState is a key result with what the analysis derived for it.
type KeyResultState struct {
	KeyResult *KeyResult
	Progress  float64
	Previous  float64 // progress a week before; set by Analyze
	Health    Health
	Stale     bool // no check-in for Policy.StaleAfter
	Behind    bool // progress trails the calendar by more than Policy.BehindBy
	// Driven says that its progress, week-ago progress and health come
	// from the objectives that deliver it (Analysis.DeliveredBy) rather
	// than its own value; set by Analyze (see driven.go). A bool, where it
	// costs nothing: a cycle has tens of thousands of these.
	Driven bool
}

// KeyResultHealth derives a key result's state at now. Reported at-risk and
// off-track stand; staleness wins over a reported on-track (an old "on
// track" is not news); a lag behind the calendar marks an on-track key
// result as behind.
func (p Policy) KeyResultHealth(kr *KeyResult, c *Cycle, now time.Time) KeyResultState {
	s := KeyResultState{KeyResult: kr, Progress: kr.Progress()}
	s.Stale = now.Sub(lastTouched(kr)) > p.StaleAfter
	if c != nil {
		s.Behind = s.Progress < c.Elapsed(now)-p.BehindBy
	}
	s.Health = health(kr.Confidence, s.Stale, s.Behind)
	return s
}

// health combines a reported confidence with what the dates say, as
// KeyResultHealth describes.
func health(c Confidence, stale, behind bool) Health {
	switch {
	case c == OffTrack:
		return HealthOffTrack
	case c == AtRisk:
		return HealthAtRisk
	case stale:
		return HealthStale
	case behind:
		return HealthBehind
	case c == OnTrack:
		return HealthOnTrack
	}
	return HealthNotStarted
}
