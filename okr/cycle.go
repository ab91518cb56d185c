package okr

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CycleStatus says whether a cycle is the one people work in now.
type CycleStatus string

const (
	CycleUpcoming CycleStatus = "upcoming" // planned, not yet started
	CycleCurrent  CycleStatus = "current"  // exactly one at a time
	CycleClosed   CycleStatus = "closed"   // read-only history
)

// Cycle is an OKR period, normally a fiscal quarter named like "2026-Q4".
// Start is the first day and End the day after the last (a half-open
// interval), both at midnight in the company time zone.
type Cycle struct {
	ID     int64
	Name   string
	Start  time.Time
	End    time.Time
	Status CycleStatus
}

// Contains reports whether t falls inside the cycle.
func (c *Cycle) Contains(t time.Time) bool {
	return !t.Before(c.Start) && t.Before(c.End)
}

// Elapsed is the share of the cycle that has passed at t, in [0, 1]. It is
// the linear expectation for progress at t.
func (c *Cycle) Elapsed(t time.Time) float64 {
	total := c.End.Sub(c.Start)
	if total <= 0 {
		return 0
	}
	return clamp01(float64(t.Sub(c.Start)) / float64(total))
}

// Quarter identifies a fiscal quarter. Year is the fiscal year, which is
// named after the calendar year in which it ends: with a fiscal year that
// starts in October, October to December 2026 is 2027-Q1. With the default
// January start the fiscal year is the calendar year.
type Quarter struct {
	Year int
	Q    int // 1..4
}

func (q Quarter) String() string { return fmt.Sprintf("%d-Q%d", q.Year, q.Q) }

// Next returns the quarter after q.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{Year: q.Year + 1, Q: 1}
	}
	return Quarter{Year: q.Year, Q: q.Q + 1}
}

// QuarterOf returns the fiscal quarter containing t (read in t's location)
// for a fiscal year that starts in fiscalStart.
func QuarterOf(t time.Time, fiscalStart time.Month) Quarter {
	fiscalStart = normaliseMonth(fiscalStart)
	offset := (int(t.Month()) - int(fiscalStart) + 12) % 12 // months since the fiscal year began
	year := t.Year()
	if fiscalStart != time.January && t.Month() >= fiscalStart {
		year++ // the fiscal year ends in the next calendar year
	}
	return Quarter{Year: year, Q: offset/3 + 1}
}

// Bounds returns the first day of the quarter and the first day after it, at
// midnight in loc.
func (q Quarter) Bounds(fiscalStart time.Month, loc *time.Location) (start, end time.Time) {
	fiscalStart = normaliseMonth(fiscalStart)
	year := q.Year
	if fiscalStart != time.January {
		year-- // the fiscal year began in the previous calendar year
	}
	start = time.Date(year, fiscalStart+time.Month(3*(q.Q-1)), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 3, 0)
}

// NewCycle builds the cycle for quarter q.
func NewCycle(q Quarter, fiscalStart time.Month, loc *time.Location, status CycleStatus) *Cycle {
	start, end := q.Bounds(fiscalStart, loc)
	return &Cycle{Name: q.String(), Start: start, End: end, Status: status}
}

var quarterPattern = regexp.MustCompile(`^(\d{4})-?[Qq]([1-4])$`)

// ParseQuarter reads "2026-Q4" (also "2026Q4" and "2026-q4").
func ParseQuarter(s string) (Quarter, error) {
	m := quarterPattern.FindStringSubmatch(s)
	if m == nil {
		return Quarter{}, FieldErrorf("cycle", "A cycle is written like 2026-Q4.")
	}
	year, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return Quarter{Year: year, Q: q}, nil
}

func normaliseMonth(m time.Month) time.Month {
	if m < time.January || m > time.December {
		return time.January
	}
	return m
}

// CycleService stores cycles. Exactly one cycle is current.
type CycleService interface {
	// CurrentCycle returns the current cycle, or ENOTFOUND before the first.
	CurrentCycle(ctx context.Context) (*Cycle, error)
	// FindCycleByID and FindCycleByName return ENOTFOUND when there is none.
	FindCycleByID(ctx context.Context, id int64) (*Cycle, error)
	FindCycleByName(ctx context.Context, name string) (*Cycle, error)
	// FindCycles lists every cycle, newest first.
	FindCycles(ctx context.Context) ([]*Cycle, error)
	// CreateCycle adds a cycle; ECONFLICT if the name exists, or if it is
	// current while another is.
	CreateCycle(ctx context.Context, c *Cycle) error
	// StartCycle makes the cycle current and closes the one that was,
	// in one transaction.
	StartCycle(ctx context.Context, id int64) error
	// CloseCycle marks a cycle closed; closed cycles are read-only.
	CloseCycle(ctx context.Context, id int64) error
}

// CurrentCycle returns the current cycle, starting the quarter that contains
// now on the very first use. Once cycles exist, none being current is an
// admin's choice (they closed one and start the next themselves), so that
// answers ENOTFOUND instead.
func CurrentCycle(ctx context.Context, cycles CycleService, s Settings, now time.Time) (*Cycle, error) {
	c, err := cycles.CurrentCycle(ctx)
	if ErrorCode(err) != ENOTFOUND {
		return c, err
	}
	if all, ferr := cycles.FindCycles(ctx); ferr != nil {
		return nil, ferr
	} else if len(all) > 0 {
		// Cycles exist: either none is current, or another caller created
		// the first one between the two reads. Ask again to tell which.
		return cycles.CurrentCycle(ctx)
	}
	s = s.WithDefaults()
	c = NewCycle(QuarterOf(now.In(s.Location), s.FiscalMonth), s.FiscalMonth, s.Location, CycleCurrent)
	if err := cycles.CreateCycle(ctx, c); err != nil && ErrorCode(err) != ECONFLICT {
		return nil, err
	}
	return cycles.CurrentCycle(ctx) // another caller may have created it first
}

// QuarterAfter is the fiscal quarter after the cycle's last day, read in the
// company time zone. By dates, not by name: a fiscal year start changed
// since would make the names mean other months.
func QuarterAfter(c *Cycle, s Settings) Quarter {
	s = s.WithDefaults()
	return QuarterOf(c.End.Add(-12*time.Hour).In(s.Location), s.FiscalMonth).Next()
}

// NextCycle is the cycle after c, where objectives are carried over: the
// earliest open cycle that starts after it, else the following quarter,
// created as upcoming when create is set (unsaved, ID 0, when not). It is
// ECONFLICT when that quarter exists and is closed already.
func NextCycle(ctx context.Context, cycles CycleService, c *Cycle, s Settings, create bool) (*Cycle, error) {
	all, err := cycles.FindCycles(ctx)
	if err != nil {
		return nil, err
	}
	var best *Cycle
	for _, cy := range all {
		if cy.ID == c.ID || cy.Status == CycleClosed || !cy.Start.After(c.Start) {
			continue
		}
		if best == nil || cy.Start.Before(best.Start) {
			best = cy
		}
	}
	if best != nil {
		return best, nil
	}
	s = s.WithDefaults()
	next := NewCycle(QuarterAfter(c, s), s.FiscalMonth, s.Location, CycleUpcoming)
	for _, cy := range all {
		if strings.EqualFold(cy.Name, next.Name) {
			return nil, Errorf(ECONFLICT, "The next cycle, %s, is closed already; nothing can be carried over into it.", Quote(cy.Name))
		}
	}
	if !create {
		return next, nil
	}
	if err := cycles.CreateCycle(ctx, next); err != nil {
		if ErrorCode(err) != ECONFLICT {
			return nil, err
		}
		return cycles.FindCycleByName(ctx, next.Name) // created meanwhile
	}
	return next, nil
}

// InLastWeek reports whether t falls in the final seven days of the cycle,
// when owners are asked to score.
func (c *Cycle) InLastWeek(t time.Time) bool {
	return c.Contains(t) && !t.Before(c.End.Add(-Week))
}

// InFirstWeek reports whether t falls in the first seven days of the cycle,
// when objectives are set and aligned.
func (c *Cycle) InFirstWeek(t time.Time) bool {
	return c.Contains(t) && t.Before(c.Start.Add(Week))
}
