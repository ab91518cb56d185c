//go:build linux

package main

import (
	byteorder "encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// BenchmarkKernelWake measures the machine rather than okrbot: how long a
// thread woken through a pipe waits for a core before it runs. An ack
// measured with the emulator on the same machine crosses two such wakes,
// the bot's reader woken by the emulator's write and the emulator's reader
// woken by the bot's, so this wait bounds how flat the ack beside a heavy
// command can be there (BENCHMARKS.md, "The wake lands behind the busy
// waker (eighth step)").
//
// Each wake is one write of a timestamp into a pipe, every 10 ms, by a
// thread that either sleeps right after it ("idle waker") or goes on
// computing for 1.8 ms more, as the bot does after acking /okr list
// ("busy waker"). One case pins the woken thread to another CPU than the
// waker's, so that it never queues behind it; the last has the busy waker
// offer its core every 50 µs.
//
// Run with -benchtime 2000x: each wake takes 10 ms, and the p99 is the
// 20th slowest.
func BenchmarkKernelWake(b *testing.B) {
	cases := []struct {
		name                   string
		busy, pinned, yielding bool
	}{
		{"idle_waker", false, false, false},
		{"busy_waker", true, false, false},
		{"busy_waker_wakee_on_another_cpu", true, true, false},
		{"busy_waker_yielding", true, false, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.pinned && runtime.NumCPU() < 2 {
				b.Skip("needs two CPUs")
			}
			waits := wakeWaits(b, b.N, c.busy, c.pinned, c.yielding)
			b.ReportMetric(float64(percentile(waits, 0.50).Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(waits, 0.99).Microseconds()), "p99-µs")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// wakeWaits times n wakes through a pipe: from the waker's write to the
// woken thread's read returning. Both run on threads of their own, so the
// Go scheduler has no part in it; a blocking read on a pipe sleeps in the
// kernel.
func wakeWaits(b *testing.B, n int, busy, pinned, yielding bool) []time.Duration {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		b.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	base := time.Now()
	waits := make(chan []time.Duration, 1)
	failed := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if pinned {
			if err := pinThread(1); err != nil {
				failed <- err
				return
			}
		}
		var got []time.Duration
		buf := make([]byte, 8)
		for range n {
			if nr, err := syscall.Read(fds[0], buf); err != nil || nr != len(buf) {
				failed <- fmt.Errorf("read %d bytes of a timestamp: %v", nr, err)
				return
			}
			got = append(got, time.Since(base)-time.Duration(byteorder.LittleEndian.Uint64(buf)))
		}
		waits <- got
	}()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if pinned {
		if err := pinThread(0); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 8)
	for range n {
		time.Sleep(10 * time.Millisecond)
		start := time.Now()
		spin(start, 200*time.Microsecond, busy, false)
		byteorder.LittleEndian.PutUint64(buf, uint64(time.Since(base)))
		if _, err := syscall.Write(fds[1], buf); err != nil {
			b.Fatal(err)
		}
		spin(start, 2*time.Millisecond, busy, yielding)
	}
	select {
	case got := <-waits:
		return got
	case err := <-failed:
		b.Fatal(err)
		return nil
	}
}

// spin computes until d has passed since start, if busy: the work of a
// heavy command. Yielding, it offers the core every 50 µs
// (sched_yield(2)) to any thread queued behind it; otherwise it gives the
// kernel no pause to use.
func spin(start time.Time, d time.Duration, busy, yielding bool) {
	offered := time.Now()
	for busy && time.Since(start) < d {
		if yielding && time.Since(offered) >= 50*time.Microsecond {
			syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
			offered = time.Now()
		}
	}
}

// pinThread keeps the calling thread on one CPU (sched_setaffinity(2)).
func pinThread(cpu int) error {
	var mask [16]uint64 // 1,024 CPUs, the kernel's cpu_set_t
	mask[cpu/64] = 1 << (cpu % 64)
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		return errno
	}
	return nil
}

// BenchmarkCPUStalls measures the machine, not okrbot: whether a fixed
// piece of computation, about 0.6 ms of arithmetic on a thread of its own
// and nothing else to run, always takes as long. Every 20 ms it times the
// same work once. On a machine whose cores are its own, the slowest of
// thousands takes little more than the fastest; where the cores are
// shared with others (a VM's vCPUs, descheduled by its host), some take
// several times as long, and an ack of about a millisecond caught in such
// a stall is as late as the stall is long, whichever program sent it.
// It reports the p50, the p99 and the slowest, each as a multiple of the
// fastest, and how many took more than twice as long.
//
// Run with -benchtime 3000x (about a minute), with nothing else running.
func BenchmarkCPUStalls(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	took := make([]time.Duration, 0, b.N)
	for range b.N {
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		fixedWork()
		took = append(took, time.Since(start))
	}
	fastest := slices.Min(took)
	times := func(d time.Duration) float64 { return float64(d) / float64(fastest) }
	over := 0
	for _, d := range took {
		if d > 2*fastest {
			over++
		}
	}
	b.ReportMetric(float64(fastest.Microseconds()), "fastest-µs")
	b.ReportMetric(times(percentile(took, 0.50)), "p50/fastest")
	b.ReportMetric(times(percentile(took, 0.99)), "p99/fastest")
	b.ReportMetric(times(slices.Max(took)), "slowest/fastest")
	b.ReportMetric(float64(over), "over-2x")
	b.ReportMetric(0, "ns/op")
}

// workSink keeps fixedWork's result alive, so the compiler keeps its loop.
var workSink uint64

// fixedWork is the same arithmetic every time: no memory to fault in, no
// system call, nothing to wait for.
func fixedWork() {
	x := uint64(1)
	for range 400_000 {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 17
	}
	workSink += x
}
