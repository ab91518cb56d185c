//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/okrbot/okrbot/internal/benchorg"
)

// bareClientEnv, set to 1, makes this test binary the bare client of
// BenchmarkAckFloor instead of running tests.
const bareClientEnv = "OKRBOT_BARE_CLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(bareClientEnv) == "1" {
		if err := runBareClient(); err != nil {
			fmt.Fprintln(os.Stderr, "bare client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkAckFloor asks whether any client could meet issue 11's last
// target on this machine: the p99 ack of /okr help beside /okr list within
// 1.5x of /okr help alone. It runs BenchmarkResidentMemory's pairs (the
// realistic shape, /okr list as the heavy command) against three clients
// in turn, each a process of its own:
//   - okrbot, the real binary;
//   - a bare slack-go Socket Mode client that acks every envelope at once
//     and says exactly what okrbot said: the same /okr help ack, and for
//     /okr list the answer okrbot posted, sent to the response_url with no
//     work before it;
//   - the same bare client, computing for 1 ms before it posts the answer,
//     about what okrbot's warm list takes.
//
// The bare client needs no database, reads nothing and renders nothing: its
// ratio is the floor that the emulator and the machine set for any client
// that answers a list. Run the three together: the bare clients take what
// okrbot said from the first. -count repeats each client before the next,
// so for runs that alternate, repeat the command instead:
//
//	for i in 1 2 3 4; do OKRBOT_MEMBENCH_PAIRS=2000 go test -run XXX -bench AckFloor -benchtime 1x -v ./cmd/okrbot; done
func BenchmarkAckFloor(b *testing.B) {
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	said := b.TempDir()
	helpAck, listAnswer := filepath.Join(said, "help-ack.json"), filepath.Join(said, "list-answer.json")
	bare := []string{bareClientEnv + "=1", "OKRBOT_BARE_HELP_ACK=" + helpAck, "OKRBOT_BARE_LIST_ANSWER=" + listAnswer}
	list := []string{"list"}
	clients := []struct {
		name   string
		client benchClient
	}{
		{"okrbot", benchClient{bin: bin, heavy: list}},
		{"bare_slack_go_client", benchClient{bin: self, heavy: list, env: bare}},
		{"bare_slack_go_client_working_1ms", benchClient{bin: self, heavy: list, env: append(bare, "OKRBOT_BARE_WORK=1ms")}},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			if c.client.bin == self {
				if _, err := os.Stat(listAnswer); err != nil {
					b.Fatal("the bare client says what okrbot said: run the okrbot sub-benchmark first (-bench AckFloor)")
				}
			}
			for b.Loop() {
				m := measureMemory(b, c.client, benchorg.Realistic)
				if c.client.bin == bin {
					must(b, os.WriteFile(helpAck, m.helpAck, 0o600))
					must(b, os.WriteFile(listAnswer, m.listAnswer, 0o600))
				}
				alone, mixed := percentile(m.helpAlone, 0.99), percentile(m.helpMixed, 0.99)
				b.ReportMetric(ms(alone), "help-alone-p99-ms")
				b.ReportMetric(ms(mixed), "help-mixed-p99-ms")
				b.ReportMetric(float64(mixed)/float64(alone), "mixed/alone")
				b.ReportMetric(ms(percentile(m.answers, 0.50)), "answer-p50-ms")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// runBareClient is the bare client of BenchmarkAckFloor: a slack-go Socket
// Mode client as its documentation shows one, that acks every slash
// command as it reads it. It acks /okr help with the ack okrbot gave, and
// answers every other command with the answer okrbot gave to /okr list,
// posted to the command's response_url after OKRBOT_BARE_WORK of
// computing (none by default). It stops on SIGTERM.
func runBareClient() error {
	helpAck, err := os.ReadFile(os.Getenv("OKRBOT_BARE_HELP_ACK"))
	if err != nil {
		return err
	}
	answer, err := os.ReadFile(os.Getenv("OKRBOT_BARE_LIST_ANSWER"))
	if err != nil {
		return err
	}
	var work time.Duration
	if w := os.Getenv("OKRBOT_BARE_WORK"); w != "" {
		if work, err = time.ParseDuration(w); err != nil {
			return fmt.Errorf("OKRBOT_BARE_WORK: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	api := slack.New(os.Getenv("SLACK_BOT_TOKEN"), slack.OptionAppLevelToken(os.Getenv("SLACK_APP_TOKEN")),
		slack.OptionAPIURL(os.Getenv("SLACK_API_URL")))
	client := socketmode.New(api)
	go func() {
		for evt := range client.Events {
			cmd, ok := evt.Data.(slack.SlashCommand)
			if !ok || evt.Request == nil {
				continue
			}
			if cmd.Text == "help" {
				client.Ack(*evt.Request, json.RawMessage(helpAck))
				continue
			}
			client.Ack(*evt.Request)
			go postAnswer(ctx, cmd.ResponseURL, answer, work)
		}
	}()
	if err := client.RunContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// postAnswer computes for work, standing in for rendering an answer, then
// posts answer to a response_url.
func postAnswer(ctx context.Context, url string, answer []byte, work time.Duration) {
	spin(time.Now(), work, true, false)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(answer))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare client:", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare client:", err)
		return
	}
	resp.Body.Close()
}
