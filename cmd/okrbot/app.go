package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/metrics"
	"sort"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/scheduler"
	"github.com/okrbot/okrbot/storage"
)

// Main is the running program, wired from the configuration: the database,
// the bot, and the health endpoint. The end-to-end tests run it in-process
// too.
type Main struct {
	Config *Config
	Logger *slog.Logger

	DB        *storage.DB
	Bot       *bot.Bot
	Scheduler *scheduler.Scheduler
	HTTP      *http.Server
	// HTTPAddr is the address the health endpoint listens on, once running.
	HTTPAddr net.Addr

	ready chan struct{} // closed once DB, Bot and HTTP are set
}

// NewMain prepares a Main that logs to w.
func NewMain(cfg *Config, w io.Writer) *Main {
	return &Main{Config: cfg, Logger: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.Level})), ready: make(chan struct{})}
}

// Ready is closed once Run has opened the database and built the bot, so
// the fields above may be read.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Run opens the database, starts the health endpoint and serves Slack until
// ctx ends: the bot answers people, the scheduler keeps the weekly rhythm.
// When ctx ends the scheduler stops first (a send in flight finishes and is
// recorded), then the bot drains. It returns an error for what an operator
// must fix.
func (m *Main) Run(ctx context.Context) error {
	db, err := openDB(ctx, m.Config.DB)
	if err != nil {
		return err
	}
	m.DB = db
	// One deliverer for both, under one instance: the scheduler registers
	// it and beats for it, so the bot's claims (scoring DMs) are known live
	// to any other process on the same database.
	deliverer := okr.NewDeliverer(db, instanceID())
	m.Bot = bot.New(db, bot.Options{
		BotToken:  m.Config.BotToken,
		AppToken:  m.Config.AppToken,
		APIURL:    m.Config.APIURL,
		Admins:    m.Config.Admins,
		Defaults:  m.Config.Settings(),
		Deliverer: deliverer,
		Pacing:    bot.Pacing{PostsPerMinute: m.Config.PostsPerMinute},
		Logger:    m.Logger,
	})
	catchUp := m.Config.CatchUp
	if catchUp == 0 {
		catchUp = time.Minute // only what is due now
	}
	m.Scheduler = scheduler.New(db, m.Bot.Notifier(), deliverer, scheduler.Options{
		Defaults: m.Config.Settings(),
		Admins:   m.Config.Admins,
		CatchUp:  catchUp,
		Ready:    m.Bot.UsersKnown(),
		Logger:   m.Logger,
	})
	if m.Config.HTTPAddr != "" {
		if err := m.serveHTTP(); err != nil {
			return err
		}
	}
	close(m.ready)
	m.Logger.Info("okrbot starting", slog.String("db", m.Config.DB), slog.String("api", m.Config.APIURL))

	// The scheduler stops first (a send in flight finishes and is
	// recorded), then the bot drains; so each gets its own context.
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBot()
	botDone := make(chan error, 1)
	go func() { botDone <- m.Bot.Run(botCtx) }()
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	schedDone := make(chan error, 1)
	go func() { schedDone <- m.Scheduler.Run(schedCtx) }()

	var botErr error
	select {
	case <-ctx.Done():
	case botErr = <-botDone:
		botDone = nil // the bot stopped by itself: Slack refused it
	}
	stopSched()
	if err := <-schedDone; err != nil {
		m.Logger.Error("scheduler stopped with an error", slog.Any("err", err))
	}
	stopBot()
	if botDone != nil {
		botErr = <-botDone
	}
	if botErr != nil {
		if errors.Is(botErr, bot.ErrInvalidAuth) {
			return fmt.Errorf("%w. See the Install section of README.md", botErr)
		}
		return botErr
	}
	m.Logger.Info("okrbot stopped")
	return nil
}

// instanceID names this process in the delivery ledger.
func instanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close releases what Run opened.
func (m *Main) Close() error {
	var errs []error
	if m.HTTP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, m.HTTP.Shutdown(ctx))
		cancel()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

// Settings are the configured defaults that /okr settings can override.
func (c *Config) Settings() okr.Settings {
	p := okr.DefaultPolicy()
	p.MaxObjectivesPerOwner = c.MaxObjectivesPerOwner
	p.MinKeyResults, p.MaxKeyResults = c.MinKeyResults, c.MaxKeyResults
	p.StaleAfter = time.Duration(c.StaleDays) * 24 * time.Hour
	return okr.Settings{
		Location:         c.Location,
		FiscalMonth:      c.FiscalMonth,
		CheckinSchedule:  c.CheckinSchedule,
		ReminderSchedule: c.ReminderSchedule,
		DigestSchedule:   c.DigestSchedule,
		NudgeSchedule:    c.NudgeSchedule,
		DigestChannel:    c.DigestChannel,
		Policy:           p,
	}
}

// serveHTTP starts /healthz (200 when the database answers and the socket
// is connected) and /metrics (Prometheus text format).
func (m *Main) serveHTTP() error {
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("OKRBOT_HTTP_ADDR %s: %w", m.Config.HTTPAddr, err)
	}
	m.HTTPAddr = ln.Addr()
	m.Logger.Info("health endpoint listening", slog.String("addr", ln.Addr().String()))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := m.DB.Settings(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		if !m.Bot.Stats().Connected {
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		s := m.Bot.Stats()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		connected := 0
		if s.Connected {
			connected = 1
		}
		fmt.Fprintf(w, "# HELP okrbot_connected Whether the Socket Mode connection is up.\n# TYPE okrbot_connected gauge\nokrbot_connected %d\n", connected)
		fmt.Fprintf(w, "# HELP okrbot_envelopes_total Envelopes received from Slack, by type.\n# TYPE okrbot_envelopes_total counter\n")
		kinds := make([]string, 0, len(s.Envelopes))
		for k := range s.Envelopes {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(w, "okrbot_envelopes_total{type=%q} %d\n", k, s.Envelopes[k])
		}
		fmt.Fprintf(w, "# HELP okrbot_handler_errors_total Handlers that failed or panicked.\n# TYPE okrbot_handler_errors_total counter\nokrbot_handler_errors_total %d\n", s.HandlerErrors)
		counter := func(name, help string, v uint64) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
		}
		counter("okrbot_slack_retries_total", "Web API calls retried after a rate limit, a server error or a lost connection.", s.SlackRetries)
		counter("okrbot_slack_rate_limited_total", "Web API calls Slack answered with 429.", s.RateLimited)
		sched := m.Scheduler.Stats()
		fmt.Fprintf(w, "# HELP okrbot_messages_sent_total Scheduled messages delivered, by job.\n# TYPE okrbot_messages_sent_total counter\n")
		for _, job := range []string{"checkin", "reminder", "nudge", "digest"} {
			fmt.Fprintf(w, "okrbot_messages_sent_total{job=%q} %d\n", job, sched.Sent[job])
		}
		counter("okrbot_messages_recovered_total", "Messages found in Slack after an attempt without an answer, recorded instead of sent again.", sched.Recovered)
		counter("okrbot_messages_undeliverable_total", "Messages Slack refused for good (a deactivated person, a channel gone).", sched.Undeliverable)
		counter("okrbot_messages_given_up_total", "Messages still unsent when their time was over (a prompt's week).", sched.GivenUp)
		counter("okrbot_delivery_errors_total", "Delivery attempts that failed and were left for a retry.", sched.Errors)
		mem := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
		metrics.Read(mem)
		fmt.Fprintf(w, "# HELP okrbot_heap_bytes Bytes of live and not yet collected objects on the Go heap.\n# TYPE okrbot_heap_bytes gauge\nokrbot_heap_bytes %d\n", mem[0].Value.Uint64())
		fmt.Fprintf(w, "# HELP okrbot_memory_bytes All memory the Go runtime has mapped.\n# TYPE okrbot_memory_bytes gauge\nokrbot_memory_bytes %d\n", mem[1].Value.Uint64())
	})
	m.HTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.HTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("health endpoint stopped", slog.Any("err", err))
		}
	}()
	return nil
}

// openDB opens the database, explaining what to check when it cannot.
func openDB(ctx context.Context, path string) (*storage.DB, error) {
	db, err := storage.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("OKRBOT_DB=%s: %w", path, err)
	}
	return db, nil
}

// loadStorageConfig reads the configuration for the admin subcommands,
// which need the database but not the Slack tokens.
func loadStorageConfig() (*Config, error) {
	cfg, err := LoadConfig()
	if err == nil {
		return cfg, nil
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		return nil, err
	}
	path := os.Getenv("OKRBOT_DB")
	if path == "" {
		path = "okrbot.db"
	}
	return &Config{DB: path}, nil
}
