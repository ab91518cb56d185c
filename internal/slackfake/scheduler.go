package slackfake

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler runs short callbacks at real-time deadlines on a single goroutine.
// Ack deadlines and retry delays use it instead of time.AfterFunc so that Close can
// stop all pending work by stopping one goroutine, with nothing left behind.
// Callbacks must not block: they take the server lock and enqueue frames.
type scheduler struct {
	mu    sync.Mutex
	tasks taskHeap
	seq   uint64
	wake  chan struct{}
}

type task struct {
	at       time.Time
	seq      uint64
	fn       func()
	canceled bool
	index    int
}

type taskHeap []*task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h taskHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *taskHeap) Push(x any) {
	t := x.(*task)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func newScheduler() *scheduler {
	return &scheduler{wake: make(chan struct{}, 1)}
}

// after runs fn once d has elapsed, unless the returned cancel is called first.
func (s *scheduler) after(d time.Duration, fn func()) (cancel func()) {
	s.mu.Lock()
	s.seq++
	t := &task{at: time.Now().Add(d), seq: s.seq, fn: fn}
	heap.Push(&s.tasks, t)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return func() {
		s.mu.Lock()
		t.canceled = true
		if t.index >= 0 {
			heap.Remove(&s.tasks, t.index)
		}
		s.mu.Unlock()
	}
}

// run executes due tasks until stop is closed.
func (s *scheduler) run(stop <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		var due []*task
		now := time.Now()
		for len(s.tasks) > 0 && !s.tasks[0].at.After(now) {
			due = append(due, heap.Pop(&s.tasks).(*task))
		}
		wait := time.Hour
		if len(s.tasks) > 0 {
			wait = s.tasks[0].at.Sub(now)
		}
		s.mu.Unlock()

		for _, t := range due {
			if !t.canceled {
				t.fn()
			}
		}
		if len(due) > 0 {
			continue
		}

		timer.Reset(wait)
		select {
		case <-stop:
			return
		case <-s.wake:
			// Since Go 1.23, Reset discards a stale tick, so no drain is needed.
		case <-timer.C:
		}
	}
}
