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
	obs   *observability
}

// NewMain prepares a Main that logs to w, in the configured format.
func NewMain(cfg *Config, w io.Writer) *Main {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return &Main{Config: cfg, Logger: slog.New(h), ready: make(chan struct{}), obs: newObservability()}
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
	if db.MigrationBackup != "" {
		m.Logger.Info("database upgraded to a newer schema; a copy from before is kept", slog.String("copy", db.MigrationBackup))
	}
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
		// Every Web API call is counted by method and result, and every
		// ack timed, for /metrics.
		HTTPClient: m.obs.httpClient(),
		OnAck:      m.obs.onAck,
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
		// One analysed cycle and one suggestion index in the process,
		// shared with the bot's reads.
		Analysis:        m.Bot.Analysis,
		SuggestionIndex: m.Bot.SuggestionIndex,
		Logger:          m.Logger,
	})
	m.obs.watch(m.Bot, m.Scheduler, db)
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

// serveHTTP starts /healthz (200 while the process runs), /readyz (200
// when Socket Mode is connected and the database takes writes) and
// /metrics (Prometheus).
func (m *Main) serveHTTP() error {
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("OKRBOT_HTTP_ADDR %s: %w", m.Config.HTTPAddr, err)
	}
	m.HTTPAddr = ln.Addr()
	m.Logger.Info("health endpoint listening", slog.String("addr", ln.Addr().String()))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.DB.Writable(ctx); err != nil {
			m.Logger.Warn("not ready: database", slog.Any("err", err))
			http.Error(w, "database not writable", http.StatusServiceUnavailable)
			return
		}
		if !m.Bot.Stats().Connected {
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", m.obs.handler())
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

// openExistingDB opens the database for a subcommand that reads it, and
// refuses (exit code 1, saying why) when there is none, rather than create
// an empty one.
func openExistingDB(ctx context.Context, cfg *Config, verb string, stderr io.Writer) (*storage.DB, int) {
	if _, err := os.Stat(cfg.DB); err != nil {
		fmt.Fprintf(stderr, "okrbot %s: there is no database at OKRBOT_DB=%s.\n", verb, cfg.DB)
		return nil, 1
	}
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintf(stderr, "okrbot %s: %v\n", verb, err)
		return nil, 1
	}
	return db, 0
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
