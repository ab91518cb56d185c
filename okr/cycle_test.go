package okr_test

import (
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

func TestQuarterOf(t *testing.T) {
	tests := []struct {
		date  string
		start time.Month
		want  string
		from  string
		to    string
	}{
		{"2026-11-21", time.January, "2026-Q4", "2026-10-01", "2027-01-01"},
		{"2026-01-01", time.January, "2026-Q1", "2026-01-01", "2026-04-01"},
		{"2026-03-31", time.January, "2026-Q1", "2026-01-01", "2026-04-01"},
		{"2026-10-01", time.October, "2027-Q1", "2026-10-01", "2027-01-01"},
		{"2027-09-30", time.October, "2027-Q4", "2027-07-01", "2027-10-01"},
		{"2026-02-01", time.February, "2027-Q1", "2026-02-01", "2026-05-01"},
		{"2026-01-15", time.February, "2026-Q4", "2025-11-01", "2026-02-01"},
		{"2026-07-04", time.April, "2027-Q2", "2026-07-01", "2026-10-01"},
		{"2026-07-04", time.Month(0), "2026-Q3", "2026-07-01", "2026-10-01"}, // invalid month means January
	}
	for _, tt := range tests {
		t.Run(tt.date+"/"+tt.start.String(), func(t *testing.T) {
			d, _ := time.Parse(time.DateOnly, tt.date)
			q := okr.QuarterOf(d, tt.start)
			if q.String() != tt.want {
				t.Fatalf("QuarterOf = %v, want %v", q, tt.want)
			}
			from, to := q.Bounds(tt.start, time.UTC)
			if from.Format(time.DateOnly) != tt.from || to.Format(time.DateOnly) != tt.to {
				t.Fatalf("bounds = %v..%v, want %v..%v", from.Format(time.DateOnly), to.Format(time.DateOnly), tt.from, tt.to)
			}
			if !(!d.Before(from) && d.Before(to)) {
				t.Fatalf("%v is not inside its own quarter %v..%v", d, from, to)
			}
		})
	}
}

func TestParseQuarter(t *testing.T) {
	for in, want := range map[string]string{"2026-Q4": "2026-Q4", "2026q1": "2026-Q1", "2027-q2": "2027-Q2"} {
		q, err := okr.ParseQuarter(in)
		if err != nil || q.String() != want {
			t.Errorf("ParseQuarter(%q) = %v, %v; want %v", in, q, err, want)
		}
	}
	for _, in := range []string{"", "2026-Q5", "Q4", "26-Q1", "2026-Q4x"} {
		if _, err := okr.ParseQuarter(in); okr.ErrorCode(err) != okr.EINVALID {
			t.Errorf("ParseQuarter(%q) error = %v, want invalid", in, err)
		}
	}
	if got := (okr.Quarter{Year: 2026, Q: 4}).Next().String(); got != "2027-Q1" {
		t.Errorf("Next = %v", got)
	}
}

func TestCycle_Elapsed(t *testing.T) {
	c := okr.NewCycle(okr.Quarter{Year: 2026, Q: 1}, time.January, time.UTC, okr.CycleCurrent)
	if got := c.Elapsed(c.Start.Add(-time.Hour)); got != 0 {
		t.Errorf("before start = %v", got)
	}
	if got := c.Elapsed(c.End.Add(time.Hour)); got != 1 {
		t.Errorf("after end = %v", got)
	}
	mid := c.Start.Add(c.End.Sub(c.Start) / 2)
	if got := c.Elapsed(mid); got != 0.5 {
		t.Errorf("middle = %v", got)
	}
}
