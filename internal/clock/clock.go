// Package clock is a clock that tests and the demo move by hand: it flows
// with real time, like a wall clock, and jumps forward when told to, firing
// every timer the jump passes. It satisfies scheduler.Clock and gives the
// bot, the store and the Slack emulator one "now" to share.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a clock set to a chosen time that then runs at real speed.
type Fake struct {
	mu        sync.Mutex
	base      time.Time // the clock's time at realStart, plus every jump
	realStart time.Time
	waiters   []*waiter
}

type waiter struct {
	at    time.Time
	ch    chan time.Time
	timer *time.Timer
}

// NewFake returns a clock reading start now.
func NewFake(start time.Time) *Fake {
	return &Fake{base: start, realStart: time.Now()}
}

// Now is the clock's time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Fake) nowLocked() time.Time { return c.base.Add(time.Since(c.realStart)) }

// After fires once the clock has passed d from now: as real time passes or
// when a jump passes it, whichever comes first.
func (c *Fake) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &waiter{at: c.nowLocked().Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		w.ch <- c.nowLocked()
		return w.ch
	}
	c.waiters = append(c.waiters, w)
	w.timer = time.AfterFunc(d, func() { c.fire(w) })
	return w.ch
}

// fire delivers to a waiter once, and forgets it.
func (c *Fake) fire(w *waiter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.waiters {
		if x == w {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			w.ch <- c.nowLocked()
			return
		}
	}
}

// Advance jumps the clock forward by d.
func (c *Fake) Advance(d time.Duration) {
	if d < 0 {
		panic("clock: cannot go back")
	}
	c.mu.Lock()
	c.base = c.base.Add(d)
	c.releaseLocked()
	c.mu.Unlock()
}

// Set jumps the clock forward to t; a t in the past changes nothing.
func (c *Fake) Set(t time.Time) {
	c.mu.Lock()
	if d := t.Sub(c.nowLocked()); d > 0 {
		c.base = c.base.Add(d)
	}
	c.releaseLocked()
	c.mu.Unlock()
}

// releaseLocked fires, in deadline order, every waiter the clock passed.
func (c *Fake) releaseLocked() {
	now := c.nowLocked()
	sort.Slice(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(now) {
			// Still ahead: what is left of its wait is shorter now.
			w.timer.Reset(w.at.Sub(now))
			keep = append(keep, w)
			continue
		}
		w.timer.Stop()
		w.ch <- now
	}
	c.waiters = keep
}

// Waiters is how many After calls are waiting.
func (c *Fake) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
