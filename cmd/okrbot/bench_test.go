package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// BenchmarkFanOut5000 measures the weekly check-in fan-out of the real
// binary to 5,000 owners, with the emulator enforcing a ceiling of R
// messages a second on chat.postMessage (a sliding minute of 60·R, as
// Slack counts) and okrbot paced at that rate.
//
// Target (issue 7): total time within 10% of 5,000 / R, no duplicate, no
// loss, peak heap under 60 MB. The heap (okrbot_heap_bytes on /metrics,
// read every 20 ms) is reported as peak-heap-MB, and the peak resident
// size of the whole process (VmHWM) as peak-rss-MB.
func BenchmarkFanOut5000(b *testing.B) {
	for _, rate := range []int{100} {
		b.Run(fmt.Sprintf("R=%d/s", rate), func(b *testing.B) {
			for range b.N {
				r := fanOut(b, 5000, rate)
				b.ReportMetric(r.elapsed.Seconds(), "s/fan-out")
				b.ReportMetric(float64(5000)/float64(rate), "ideal-s")
				b.ReportMetric(float64(r.peakHeap)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(r.peakRSS)/(1<<20), "peak-rss-MB")
			}
		})
	}
}

type fanOutResult struct {
	elapsed           time.Duration // from the first post to the last
	peakHeap, peakRSS int64
}

// fanOut runs one fan-out of the real binary and measures it.
func fanOut(b *testing.B, owners, rate int) fanOutResult {
	b.Helper()
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(b), RateLimits: slackfake.RateLimits{
		PostMessagePerMinute: 60 * rate,
		// Reading 5,000 users takes 25 pages; the default Tier 2 would make
		// the start wait a minute, which is not what is measured here.
		PerMinute: map[string]int{"users.list": 1000, "apps.connections.open": 100},
	}})
	defer srv.Close()
	ids := make([]string, owners)
	for i := range owners {
		ids[i] = fmt.Sprintf("UOWNER%05d", i)
		if err := srv.AddUser(slackfake.User{ID: ids[i], Name: strings.ToLower(ids[i]), TZ: "UTC"}); err != nil {
			b.Fatal(err)
		}
	}
	dbPath := filepath.Join(b.TempDir(), "okrbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	c := okr.NewCycle(okr.QuarterOf(now, time.January), time.January, time.UTC, okr.CycleCurrent)
	if err := db.CreateCycle(ctx, c); err != nil {
		b.Fatal(err)
	}
	for _, id := range ids {
		o := &okr.Objective{Title: "Objective of " + id, Level: okr.LevelPersonal, OwnerID: id, CycleID: c.ID}
		if err := db.CreateObjective(ctx, o, []*okr.KeyResult{{Title: "Result", Kind: okr.KindIncrease, Target: 10, OwnerID: id}}, okr.LinkOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	due := now.Add(-time.Minute)
	never := "0 0 29 2 *"
	cmd := exec.Command(bin)
	cmd.Env = env("SLACK_BOT_TOKEN="+srv.BotToken(), "SLACK_APP_TOKEN="+srv.AppToken(), "SLACK_API_URL="+srv.APIURL(),
		"OKRBOT_DB="+dbPath, fmt.Sprintf("OKRBOT_CHECKIN_SCHEDULE=%d %d * * *", due.Minute(), due.Hour()),
		"OKRBOT_REMINDER_SCHEDULE="+never, "OKRBOT_DIGEST_SCHEDULE="+never, "OKRBOT_NUDGE_SCHEDULE="+never,
		"OKRBOT_POSTS_PER_MINUTE="+strconv.Itoa(60*rate), "OKRBOT_HTTP_ADDR=127.0.0.1:0")
	var logs bytes.Buffer
	sw := &syncWriter{w: &logs}
	cmd.Stdout, cmd.Stderr = sw, sw
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()
	posts := func() int { return len(srv.CallsTo("chat.postMessage")) }
	wctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	var metricsURL string
	if err := srv.WaitFor(wctx, "the metrics endpoint", func() bool {
		m := regexp.MustCompile(`"msg":"health endpoint listening","addr":"([^"]+)"`).FindStringSubmatch(sw.String())
		if m != nil {
			metricsURL = "http://" + m[1] + "/metrics"
		}
		return m != nil
	}); err != nil {
		b.Fatal(err)
	}
	var res fanOutResult
	if err := srv.WaitFor(wctx, "every prompt", func() bool {
		res.peakHeap = max(res.peakHeap, heapBytes(metricsURL))
		return posts() >= owners
	}); err != nil {
		b.Fatalf("%v: %d of %d\n%s", err, posts(), owners, sw.String())
	}
	res.peakRSS = peakRSS(b, cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	if err := <-exited; err != nil {
		b.Fatalf("exit: %v\n%s", err, sw.String())
	}
	calls := srv.CallsTo("chat.postMessage")
	first, last := calls[0].At, calls[0].At
	ok := 0
	for _, c := range calls {
		if c.At.Before(first) {
			first = c.At
		}
		if c.At.After(last) {
			last = c.At
		}
		if c.OK {
			ok++
		}
	}
	for _, id := range ids {
		if n := len(srv.Messages(srv.DM(id))); n != 1 {
			b.Fatalf("%s has %d messages, want exactly 1", id, n)
		}
	}
	if ok != owners {
		b.Logf("%d posts refused (429) and retried", len(calls)-ok)
	}
	res.elapsed = last.Sub(first)
	return res
}

// heapBytes reads okrbot_heap_bytes from /metrics; 0 when it cannot.
func heapBytes(url string) int64 {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^okrbot_heap_bytes (\d+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Logf("no /proc on this system: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
