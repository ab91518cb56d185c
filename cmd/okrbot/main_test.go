package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/slackfake"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/storage"
)

// buildBinary builds the real okrbot command once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "okrbot-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "okrbot")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func binary(t *testing.T) string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// env is a clean environment for the binary: no okrbot or Slack variable
// from the machine leaks in.
func env(vars ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OKRBOT_") && !strings.HasPrefix(kv, "SLACK_") {
			out = append(out, kv)
		}
	}
	return append(out, vars...)
}

func TestBinary_WithoutTokensExplainsWhatToSet(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Env = env()
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit = %v, want status 2; output:\n%s", err, out)
	}
	for _, want := range []string{"SLACK_BOT_TOKEN and SLACK_APP_TOKEN must be set", "README.md"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "panic") || strings.Contains(string(out), "goroutine") {
		t.Fatalf("it panicked:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "okrbot.db")); err == nil {
		t.Fatal("a database was created before the configuration was checked")
	}
}

func TestBinary_BadValueNamesTheVariable(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Env = env("SLACK_BOT_TOKEN=xoxb-1", "SLACK_APP_TOKEN=xapp-1", "OKRBOT_DIGEST_SCHEDULE=every friday")
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "OKRBOT_DIGEST_SCHEDULE") {
		t.Fatalf("exit %v, output:\n%s", err, out)
	}
}

func TestBinary_RefusedTokensExitWithAClearMessage(t *testing.T) {
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t)})
	defer srv.Close()
	cmd := exec.Command(binary(t))
	cmd.Env = env("SLACK_BOT_TOKEN=xoxb-wrong", "SLACK_APP_TOKEN="+srv.AppToken(), "SLACK_API_URL="+srv.APIURL(),
		"OKRBOT_DB="+filepath.Join(t.TempDir(), "okrbot.db"))
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("exit = %v, want 1; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "tokens were refused by Slack") || !strings.Contains(string(out), "SLACK_BOT_TOKEN") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestBinary_EndToEnd runs the real okrbot binary against the emulator: a
// person creates an objective with /okr new, the binary answers over real
// sockets, the health endpoint reports it connected, and SIGTERM stops it
// cleanly with everything saved.
func TestBinary_EndToEnd(t *testing.T) {
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t)})
	defer srv.Close()
	must(t, srv.AddUser(slackfake.User{ID: "UANA", Name: "ana", TZ: "Europe/Lisbon", IsAdmin: true}))
	must(t, srv.AddChannel(slackfake.Channel{ID: "COKR", Name: "okr", BotMember: true}))
	dbPath := filepath.Join(t.TempDir(), "okrbot.db")

	var logs bytes.Buffer
	cmd := exec.Command(binary(t))
	cmd.Env = env("SLACK_BOT_TOKEN="+srv.BotToken(), "SLACK_APP_TOKEN="+srv.AppToken(), "SLACK_API_URL="+srv.APIURL(),
		"OKRBOT_DB="+dbPath, "OKRBOT_HTTP_ADDR=127.0.0.1:0", "OKRBOT_LOG_LEVEL=debug", "OKRBOT_TIMEZONE=Europe/Lisbon")
	sw := &syncWriter{w: &logs}
	cmd.Stdout, cmd.Stderr = sw, sw
	must(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must(t, srv.WaitFor(ctx, "the binary to connect", func() bool { return len(srv.Connections()) > 0 }))

	// The health endpoint answers once Slack is connected.
	var health string
	must(t, srv.WaitFor(ctx, "the health endpoint", func() bool {
		m := regexp.MustCompile(`"msg":"health endpoint listening","addr":"([^"]+)"`).FindStringSubmatch(sw.String())
		if m == nil {
			return false
		}
		resp, err := http.Get("http://" + m[1] + "/readyz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		health = string(body)
		return resp.StatusCode == 200
	}))
	if strings.TrimSpace(health) != "ok" {
		t.Fatalf("/readyz = %q", health)
	}

	res, err := srv.SlashCommand(ctx, "UANA", "COKR", "/okr", "new company")
	must(t, err)
	if res.Latency > time.Second {
		t.Errorf("ack took %v", res.Latency)
	}
	must(t, srv.WaitFor(ctx, "the modal", func() bool { v := srv.TopView("UANA"); return v != nil && v.CallbackID == "okr_new" }))
	res, err = srv.SubmitView(ctx, "UANA", slackfake.Inputs{"title": "Grow revenue", "kr1_title": "ARR", "kr1_start": "$1M", "kr1_target": "$2M"})
	must(t, err)
	if len(res.Errors) > 0 {
		t.Fatalf("submission errors: %v", res.Errors)
	}
	must(t, srv.WaitFor(ctx, "the confirmation", func() bool {
		for _, m := range srv.Ephemerals("UANA") {
			if strings.Contains(slackfake.RenderMessage(m), "Created") {
				return true
			}
		}
		return false
	}))

	must(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, sw.String())
		}
	case <-ctx.Done():
		t.Fatalf("no exit after SIGTERM\n%s", sw.String())
	}
	// The whole run's log, at debug level, never shows a token.
	for _, secret := range []string{srv.BotToken(), srv.AppToken(), "xoxb-", "xapp-"} {
		if strings.Contains(sw.String(), secret) {
			t.Fatalf("the log shows a token (%.5s…):\n%s", secret, sw.String())
		}
	}
	db, err := storage.Open(context.Background(), dbPath)
	must(t, err)
	defer db.Close()
	objs, _, err := db.FindObjectives(context.Background(), okr.ObjectiveFilter{})
	must(t, err)
	if len(objs) != 1 || objs[0].Title != "Grow revenue" || objs[0].Level != okr.LevelCompany {
		t.Fatalf("stored objectives = %+v", objs)
	}
	// The first cycle was started for today's quarter, at midnight in the
	// company time zone.
	c, err := db.CurrentCycle(context.Background())
	must(t, err)
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	must(t, err)
	if start := c.Start.In(lisbon); start.Hour() != 0 || start.Day() != 1 || c.Name != okr.QuarterOf(time.Now().In(lisbon), time.January).String() {
		t.Fatalf("cycle %s starts %v, want midnight on the 1st in Europe/Lisbon", c.Name, start)
	}
}

// TestMain_HealthAndMetrics runs Main in-process to reach its health
// endpoint.
func TestMain_HealthAndMetrics(t *testing.T) {
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t)})
	defer srv.Close()
	must(t, srv.AddUser(slackfake.User{ID: "UANA", Name: "ana", TZ: "UTC"}))
	must(t, srv.AddChannel(slackfake.Channel{ID: "COKR", Name: "okr", BotMember: true}))
	setEnv(t, map[string]string{"SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_APP_TOKEN": srv.AppToken(), "SLACK_API_URL": srv.APIURL(),
		"OKRBOT_DB": filepath.Join(t.TempDir(), "okrbot.db"), "OKRBOT_HTTP_ADDR": "127.0.0.1:0"})
	cfg, err := LoadConfig()
	must(t, err)
	m := NewMain(cfg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	select {
	case <-m.Ready():
	case err := <-done:
		t.Fatalf("Run returned early: %v", err)
	}
	// Connected, and the people read once (users.list runs beside the
	// connection, so it may finish after it).
	must(t, srv.WaitFor(wctx, "connected", func() bool { return m.Bot.Stats().Connected && m.Bot.Stats().UserSyncs > 0 }))
	get := func(path string) string {
		resp, err := http.Get("http://" + m.HTTPAddr.String() + path)
		must(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if got := get(path); strings.TrimSpace(got) != "ok" {
			t.Fatalf("%s = %q", path, got)
		}
	}
	if _, err := srv.SlashCommand(wctx, "UANA", "COKR", "/okr", "help"); err != nil {
		t.Fatal(err)
	}
	must(t, srv.WaitFor(wctx, "the help answer", func() bool { return len(srv.Ephemerals("UANA")) > 0 }))
	// The ack is timed once it is written, and the answer may be posted
	// before that: wait for the histogram to count it.
	var got string
	must(t, srv.WaitFor(wctx, "the ack to be counted", func() bool {
		got = get("/metrics")
		return strings.Contains(got, `okrbot_ack_seconds_count{type="slash_commands"} 1`)
	}))
	for _, want := range []string{"okrbot_connected 1", `okrbot_envelopes_total{type="slash_commands"} 1`,
		`okrbot_ack_seconds_count{type="slash_commands"} 1`, `okrbot_slack_api_calls_total{method="auth.test",result="ok"} 1`,
		`okrbot_slack_api_calls_total{method="users.list",result="ok"} 1`, "okrbot_checkins_recorded_total 0",
		"okrbot_ledger_pending 0", `okrbot_messages_sent_total{job="checkin"} 0`, "okrbot_messages_given_up_total 0",
		"okrbot_slack_retries_total 0", "okrbot_heap_bytes ", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(got, want) {
			t.Fatalf("/metrics lacks %q:\n%s", want, got)
		}
	}
	cancel()
	must(t, <-done)
	must(t, m.Close())
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "okrbot.db")
	db, err := storage.Open(context.Background(), src)
	must(t, err)
	must(t, db.SetSettings(context.Background(), map[string]string{"digest_channel": "C1"}))
	must(t, db.Close())
	setEnv(t, map[string]string{"OKRBOT_DB": src})
	var out, errOut bytes.Buffer
	dest := filepath.Join(dir, "copy.db")
	if code := run(context.Background(), []string{"backup", dest}, &out, &errOut); code != 0 {
		t.Fatalf("backup exit %d: %s", code, errOut.String())
	}
	copyDB, err := storage.Open(context.Background(), dest)
	must(t, err)
	defer copyDB.Close()
	if s, _ := copyDB.Settings(context.Background()); s["digest_channel"] != "C1" {
		t.Fatalf("backup settings = %v", s)
	}
	if code := run(context.Background(), []string{"backup", dest}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "exists") {
		t.Fatalf("backup over an existing file: exit %d, %s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	// A database that does not exist is not backed up as an empty one.
	missing := filepath.Join(dir, "missing.db")
	setEnv(t, map[string]string{"OKRBOT_DB": missing})
	errOut.Reset()
	if code := run(context.Background(), []string{"backup", filepath.Join(dir, "other.db")}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "no database at OKRBOT_DB="+missing) {
		t.Fatalf("backup of a missing database: exit %d, %s", code, errOut.String())
	}
	for _, p := range []string{missing, filepath.Join(dir, "other.db")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a refused backup created %s (%v)", p, err)
		}
	}
}

// TestHelp_EachCommandExplainsItself: `okrbot help` and `okrbot help CMD`
// print usage on standard output, `okrbot CMD -h` on standard error, all
// exiting 0; a wrong flag exits 2.
func TestHelp_EachCommandExplainsItself(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &errOut); code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, c := range subcommands() {
		if !strings.Contains(out.String(), "\t"+c.name) {
			t.Errorf("okrbot help does not list %s:\n%s", c.name, out.String())
		}
		var usage, e bytes.Buffer
		if code := run(context.Background(), []string{"help", c.name}, &usage, &e); code != 0 ||
			!strings.HasPrefix(usage.String(), "usage: okrbot "+c.name) {
			t.Errorf("okrbot help %s: exit %d, %q", c.name, code, usage.String())
		}
		usage.Reset()
		if code := run(context.Background(), []string{c.name, "-h"}, &e, &usage); code != 0 ||
			!strings.HasPrefix(usage.String(), "usage: okrbot "+c.name) {
			t.Errorf("okrbot %s -h: exit %d, %q", c.name, code, usage.String())
		}
		e.Reset()
		if code := run(context.Background(), []string{c.name, "-no-such-flag"}, &usage, &e); code != 2 {
			t.Errorf("okrbot %s -no-such-flag: exit %d", c.name, code)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "okrbot ") {
		t.Fatalf("version: exit %d, %q", code, out.String())
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncWriter lets the child's stdout and stderr share one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(fmt.Stringer).String()
}

// TestBinary_KilledMidFanOutSendsEachPromptOnce kills the real binary with
// SIGKILL at random points of a check-in fan-out, twenty times, and starts
// it again each time: in the end every owner has exactly one prompt, and
// the ledger has nothing left pending. A kill between Slack taking a
// message and the ledger noting it is the case that matters: the next
// process finds the message in the DM instead of sending it again.
func TestBinary_KilledMidFanOutSendsEachPromptOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary twenty times")
	}
	srv := slackfake.New(slackfake.Options{BotScopes: manifestScopes(t), RateLimits: slackfake.RateLimits{PerMinute: map[string]int{"apps.connections.open": 1000}}})
	defer srv.Close()
	// Every post is done at once and answered 200 ms later: most kills land
	// in that window.
	srv.SetFault("chat.postMessage", slackfake.Fault{AnswerDelay: 200 * time.Millisecond})
	const owners = 80
	var ids []string
	for i := range owners {
		id := fmt.Sprintf("UOWNER%03d", i)
		ids = append(ids, id)
		must(t, srv.AddUser(slackfake.User{ID: id, Name: strings.ToLower(id), TZ: "UTC"}))
	}
	dbPath := filepath.Join(t.TempDir(), "okrbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	must(t, err)
	now := time.Now().UTC()
	c := okr.NewCycle(okr.QuarterOf(now, time.January), time.January, time.UTC, okr.CycleCurrent)
	must(t, db.CreateCycle(ctx, c))
	for _, id := range ids {
		o := &okr.Objective{Title: "Objective of " + id, Level: okr.LevelPersonal, OwnerID: id, CycleID: c.ID}
		must(t, db.CreateObjective(ctx, o, []*okr.KeyResult{{Title: "Result", Kind: okr.KindIncrease, Target: 10, OwnerID: id}}, okr.LinkOptions{}))
	}
	must(t, db.Close())

	// The prompt fell due a minute ago: every start catches up on it.
	due := now.Add(-time.Minute)
	never := "0 0 29 2 *" // 29 February: nothing else runs
	environ := env("SLACK_BOT_TOKEN="+srv.BotToken(), "SLACK_APP_TOKEN="+srv.AppToken(), "SLACK_API_URL="+srv.APIURL(),
		"OKRBOT_DB="+dbPath, "OKRBOT_LOG_LEVEL=debug",
		fmt.Sprintf("OKRBOT_CHECKIN_SCHEDULE=%d %d * * *", due.Minute(), due.Hour()),
		"OKRBOT_REMINDER_SCHEDULE="+never, "OKRBOT_DIGEST_SCHEDULE="+never, "OKRBOT_NUDGE_SCHEDULE="+never,
		"OKRBOT_POSTS_PER_MINUTE=300")
	prompts := func() int {
		n := 0
		for _, id := range ids {
			for _, m := range srv.Messages(srv.DM(id)) {
				if strings.Contains(string(m.Blocks), `"okrbot:checkin:`) {
					n++
				}
			}
		}
		return n
	}
	start := func() (*exec.Cmd, *syncWriter, chan error) {
		var logs bytes.Buffer
		cmd := exec.Command(binary(t))
		cmd.Env = environ
		sw := &syncWriter{w: &logs}
		cmd.Stdout, cmd.Stderr = sw, sw
		must(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return cmd, sw, exited
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for kill := range 20 {
		before := prompts()
		cmd, sw, exited := start()
		// Let it send a few (or none: some kills land before the first).
		target := before + rng.IntN(4)
		if err := srv.WaitFor(wctx, "sends", func() bool { return prompts() >= target }); err != nil {
			cmd.Process.Kill()
			t.Fatalf("kill %d: %v\n%s", kill, err, sw.String())
		}
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		<-exited // reaped: a later start can tell the process is gone
		if prompts() >= owners {
			break
		}
	}
	// Posts Slack did whose answer never reached a process (it was killed
	// while the answer was on its way): the case that matters.
	unanswered := 0
	for _, c := range srv.CallsTo("chat.postMessage") {
		if c.Status == 0 {
			unanswered++
		}
	}
	if unanswered == 0 {
		t.Fatal("no kill landed between Slack taking a message and the process learning of it; the test tested nothing")
	}
	cmd, sw, exited := start()
	if err := srv.WaitFor(wctx, "every prompt", func() bool { return prompts() >= owners }); err != nil {
		cmd.Process.Kill()
		t.Fatalf("%v (%d of %d)\n%s", err, prompts(), owners, sw.String())
	}
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	if err := <-exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, sw.String())
	}
	for _, id := range ids {
		n := 0
		for _, m := range srv.Messages(srv.DM(id)) {
			if strings.Contains(string(m.Blocks), `"okrbot:checkin:`) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d prompts, want exactly 1", id, n)
		}
	}
	db, err = storage.Open(ctx, dbPath)
	must(t, err)
	defer db.Close()
	pending, err := db.Pending(ctx)
	must(t, err)
	if len(pending) != 0 {
		t.Fatalf("%d deliveries left pending, e.g. %+v", len(pending), pending[0])
	}
}

// TestSignals_SecondOneStopsAtOnce: the first signal asks for a clean stop
// and nothing more; the second exits at once, with the shell's code for it.
func TestSignals_SecondOneStopsAtOnce(t *testing.T) {
	signals := make(chan os.Signal)
	stopped := make(chan struct{})
	exited := make(chan int, 1)
	var out syncWriter
	out.w = &bytes.Buffer{}
	go stopOnSignals(signals, func() { close(stopped) }, &out, func(code int) { exited <- code })
	signals <- syscall.SIGTERM
	<-stopped
	select {
	case code := <-exited:
		t.Fatalf("exited (%d) at the first signal", code)
	default:
	}
	signals <- syscall.SIGINT
	if code := <-exited; code != 130 {
		t.Fatalf("exit code %d after a second SIGINT, want 130", code)
	}
	if !strings.Contains(out.String(), "send it again to stop at once") {
		t.Fatalf("the first signal did not say how to stop at once: %q", out.String())
	}
}
