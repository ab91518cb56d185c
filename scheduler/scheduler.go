// Package scheduler keeps okrbot's weekly rhythm: the check-in prompt at
// each owner's own local time, the reminder and the team leads' summaries,
// the channel digests, the alignment nudges, and the asks at the start and
// end of a cycle. It knows time; it reaches the store and Slack only
// through the services declared in package okr (okr.RhythmStore,
// okr.Notifier) and sends every message at most once through
// okr.Deliverer, so a second run, a restart or a second process never
// doubles one.
//
// Schedules are robfig/cron/v3 specs (okr.Schedule), read in each person's
// zone. The scheduler wakes at the next occurrence of any of them (and at
// least every minute, so settings changed with /okr settings apply at the
// next minute), runs what is due, and catches up after downtime on what is
// still useful.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// Clock is the scheduler's time. Production uses the machine's; tests and
// the demo move a clock of their own.
type Clock interface {
	Now() time.Time
	// After fires once the clock has passed d from now.
	After(d time.Duration) <-chan time.Time
}

type machineClock struct{}

func (machineClock) Now() time.Time                         { return time.Now() }
func (machineClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure a Scheduler. Zero values take the defaults noted.
type Options struct {
	// Defaults are the configured settings; admins override them at run
	// time with /okr settings, and the scheduler reads them every pass.
	Defaults okr.Settings
	// Admins are the configured admins (OKRBOT_ADMINS): asked to set the
	// company objectives when a cycle begins. Without any, the workspace's
	// admins and owners are asked.
	Admins []string
	// CatchUp is how late a job may still start after downtime: Monday's
	// prompt on Monday afternoon, not last week's. Default 12 h.
	CatchUp time.Duration
	// NudgeBudget is the most nudges one person gets in a week. Default 3.
	NudgeBudget int
	// SendTimeout bounds how long one message is retried in a pass (Slack
	// down, a conversation that keeps failing) before the fan-out moves on
	// to the next person; it is tried again at a later pass, until its
	// time is over. Default 2 minutes.
	SendTimeout time.Duration
	// Ready, when set, holds the first pass back until it is closed: the
	// bot closes it once people's time zones are known.
	Ready <-chan struct{}
	// Analysis, when set, gives the cycle's graph and its analysis as of
	// now, from a cache shared with the bot's reads (bot.Bot.Analysis), so
	// one process holds one analysed cycle. By default each pass that
	// needs one loads and analyses the cycle itself.
	Analysis func(ctx context.Context, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error)
	// SuggestionIndex, when set, gives the cycle's suggestion index from a
	// cache shared with the bot (bot.Bot.SuggestionIndex). By default each
	// pass that suggests parents builds its own.
	SuggestionIndex func(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error)
	Clock           Clock        // default the machine's
	Logger          *slog.Logger // default slog.Default()
}

// DefaultCatchUp is how late a missed job may start by default.
const DefaultCatchUp = 12 * time.Hour

// Scheduler runs the rhythm. Run it once per process.
type Scheduler struct {
	store   okr.RhythmStore
	notify  okr.Notifier
	deliver *okr.Deliverer
	opts    Options
	log     *slog.Logger
	clock   Clock
	self    okr.Instance

	mu sync.Mutex
	// occurrences are the job occurrences seen, by occurrenceKey: done ones
	// are not run again in this process.
	occurrences map[string]*occurrence
	zones       []*time.Location // where the people are, from the last pass
	lastPass    time.Time        // the clock time the last completed pass began
	retrySoon   bool             // the last pass left work for another instance or a retry

	stats counters
}

// New builds a scheduler; Run starts it.
func New(store okr.RhythmStore, notify okr.Notifier, deliver *okr.Deliverer, opts Options) *Scheduler {
	opts = opts.withDefaults(store)
	host, _ := os.Hostname()
	return &Scheduler{
		store: store, notify: notify, deliver: deliver, opts: opts,
		log: opts.Logger.With(slog.String("component", "scheduler")), clock: opts.Clock,
		self:        okr.Instance{ID: deliver.Instance(), Host: host, PID: os.Getpid()},
		occurrences: map[string]*occurrence{},
	}
}

// withDefaults fills in what opts leaves unset.
func (o Options) withDefaults(store okr.RhythmStore) Options {
	o.Defaults = o.Defaults.WithDefaults()
	if o.CatchUp <= 0 {
		o.CatchUp = DefaultCatchUp
	}
	if o.NudgeBudget <= 0 {
		o.NudgeBudget = 3
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 2 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = machineClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Analysis == nil {
		o.Analysis = func(ctx context.Context, cycle *okr.Cycle, now time.Time, policy okr.Policy) (*okr.Graph, *okr.Analysis, error) {
			g, err := store.LoadGraph(ctx, cycle.ID, now)
			if err != nil {
				return nil, nil, err
			}
			return g, okr.Analyze(g, now, policy), nil
		}
	}
	if o.SuggestionIndex == nil {
		o.SuggestionIndex = func(ctx context.Context, cycleID int64) (*okr.SuggestionIndex, error) {
			return okr.LoadSuggestionIndex(ctx, store, cycleID)
		}
	}
	return o
}

// maxSleep bounds a wait, so settings changed with /okr settings apply at
// the next minute.
const maxSleep = time.Minute

// Run keeps the rhythm until ctx ends; it returns nil then. It registers
// this process with the ledger at once (retrying while the database will
// not have it), and removes the registrations of processes on this machine
// that are gone, so their unconfirmed sends are checked and completed; it
// beats while it lives, so the claims of the bot's own messages made under
// the same instance are known live too, and leaves when it stops. A send
// in flight when ctx ends finishes and is recorded; nothing new starts.
func (s *Scheduler) Run(ctx context.Context) error {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := s.join(ctx)
		if err == nil {
			break
		}
		s.log.Error("cannot register with the ledger; trying again", slog.Duration("in", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return nil
		case <-s.clock.After(wait):
		}
	}
	defer s.leave()
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		s.keepBeating(ctx)
	}()
	defer func() { <-beats }()
	// Nothing is sent before people's time zones are known: the first
	// prompts would go out at the wrong hour.
	if s.opts.Ready != nil {
		select {
		case <-ctx.Done():
			return nil
		case <-s.opts.Ready:
		}
	}
	if err := s.reconcile(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("checking unconfirmed deliveries failed; their jobs will check them", slog.Any("err", err))
	}
	for {
		passAt := s.clock.Now()
		if err := s.runDue(ctx, passAt); err != nil && ctx.Err() == nil {
			s.log.Error("scheduler pass failed; trying again at the next wake", slog.Any("err", err))
		}
		if ctx.Err() != nil {
			return nil
		}
		// The next wake counts from the pass, not from now: something that
		// fell due while the pass ran (or while the clock jumped) runs at
		// once.
		next := s.NextWake(passAt)
		if limit := passAt.Add(maxSleep); limit.Before(next) {
			next = limit
		}
		wake := next.Sub(s.clock.Now())
		if wake <= 0 {
			continue
		}
		timer := s.clock.After(wake)
		if !s.clock.Now().Before(next) {
			continue // the clock passed the wake while the timer was set
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timer:
		}
	}
}

// NextWake is when something is next due after now: the next occurrence of
// any schedule in any zone where people are, or sooner when the last pass
// left work to retry. (Run also wakes every minute, to see settings
// changes.)
func (s *Scheduler) NextWake(now time.Time) time.Time {
	next := now.Add(366 * 24 * time.Hour)
	s.mu.Lock()
	zones, retry := s.zones, s.retrySoon
	s.mu.Unlock()
	if retry {
		next = now.Add(retryDelay)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	settings, err := okr.LoadSettings(ctx, s.store, s.opts.Defaults)
	if err != nil {
		s.log.Warn("a stored setting is invalid and was skipped", slog.Any("err", err))
	}
	for _, j := range s.jobs() {
		sched, err := okr.ParseSchedule(j.spec(settings))
		if err != nil {
			continue
		}
		for _, loc := range j.zonesOf(settings, zones) {
			if t := sched.Next(now, loc); t.Before(next) {
				next = t
			}
		}
	}
	return next
}

// retryDelay is how soon a pass that left work behind (a claim held by
// another instance that may have died, a send that failed) tries again.
const retryDelay = 10 * time.Second

// LastPass is the clock time at which the most recent completed pass began:
// a test that moves the clock to t waits for LastPass to reach t.
func (s *Scheduler) LastPass() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPass
}

// runDue runs every job occurrence that is due at now: once, or again to
// finish what an earlier pass (or process) left undone. Run calls it; one
// pass at a time.
func (s *Scheduler) runDue(ctx context.Context, now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			s.log.Error("scheduler pass panicked", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
		s.mu.Lock()
		if now.After(s.lastPass) {
			s.lastPass = now
		}
		s.mu.Unlock()
	}()
	// Beat first: after a long sleep (or a jump of a test's clock) the
	// last beat is old, and other instances must not take this one's fresh
	// claims for a dead one's.
	if err := s.store.Beat(ctx, s.self); err != nil {
		return fmt.Errorf("beat: %w", err)
	}
	p, err := s.newPass(ctx, now)
	if err != nil {
		return err
	}
	p.previous = s.LastPass()
	s.mu.Lock()
	s.zones = p.zones
	s.mu.Unlock()
	defer s.expire(ctx, now)
	if p.cycle == nil {
		return nil // no current cycle: an admin closed one and starts the next
	}
	retry := false
	var errs []error
	for _, j := range s.jobs() {
		if ctx.Err() != nil {
			break
		}
		left, err := s.runJob(ctx, p, j)
		retry = retry || left
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", j.name, err))
		}
	}
	s.mu.Lock()
	s.retrySoon = retry
	s.mu.Unlock()
	return errors.Join(errs...)
}

// occurrence is one run of a job in one zone.
type occurrence struct {
	job     string
	zone    string
	at      time.Time
	life    time.Duration
	done    bool // every recipient is served (sent, failed for good, or not due)
	started bool // this process ran it, or the ledger shows one did
	checked bool // the ledger was asked whether it was started
	// What the last attempt could not finish: keys tried and pending, and
	// how many more were not tried.
	unfinished []string
	unreached  int
	// sent are the keys already done (sent, recorded, or refused for good):
	// a later attempt does not claim them again.
	sent map[string]bool
}

func occurrenceKey(job string, loc *time.Location, at time.Time) string {
	return job + "|" + loc.String() + "|" + at.UTC().Format(time.RFC3339)
}

// runJob runs the job's due occurrences in every zone; left reports that
// some were not finished.
func (s *Scheduler) runJob(ctx context.Context, p *pass, j job) (left bool, err error) {
	sched, err := okr.ParseSchedule(j.spec(p.settings))
	if err != nil {
		return false, nil // Settings.Apply refused it: the default applies
	}
	var errs []error
	for _, loc := range j.zonesOf(p.settings, p.zones) {
		if ctx.Err() != nil {
			break
		}
		at, ok := sched.Last(p.now, loc, j.life)
		if !ok {
			continue
		}
		key := occurrenceKey(j.name, loc, at)
		s.mu.Lock()
		occ := s.occurrences[key]
		if occ == nil {
			occ = &occurrence{job: j.name, zone: loc.String(), at: at, life: j.life}
			s.occurrences[key] = occ
		}
		s.mu.Unlock()
		if occ.done {
			continue
		}
		late := s.late(p, sched, loc, at)
		if late && !occ.started && !occ.checked {
			started, err := j.started(ctx, s, p, sched, at, loc)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			occ.started, occ.checked = started, true
			if !started {
				s.log.Warn("missed while okrbot was down, and too late to be useful now; skipped",
					slog.String("job", j.name), slog.String("zone", loc.String()), slog.Time("occurrence", at))
			}
		}
		if late && !occ.started {
			continue
		}
		occ.started = true
		run := &run{s: s, p: p, job: j.name, at: at, life: j.life, loc: loc, sched: sched, done: occ.sent}
		err := j.run(ctx, run)
		if err != nil {
			errs = append(errs, err)
		}
		occ.unfinished, occ.unreached = run.unfinished, run.unreached
		if occ.sent == nil {
			occ.sent = run.done
		}
		if err == nil && run.complete() {
			occ.done = true
			s.log.Info("job done", slog.String("job", j.name), slog.String("zone", loc.String()),
				slog.Time("occurrence", at), slog.Int("sent", run.sent), slog.Int("already", run.already),
				slog.Int("failed", run.failed))
		} else {
			left = true
		}
	}
	return left, errors.Join(errs...)
}

// late reports whether an occurrence is too late to start: it fell before
// this process last looked (okrbot was down, or not yet running), more
// than the catch-up window ago. The window never reaches past half the gap
// to the next occurrence, so a long window does not send last week's
// prompt an hour before this week's.
func (s *Scheduler) late(p *pass, sched *okr.Schedule, loc *time.Location, at time.Time) bool {
	if !p.previous.IsZero() && at.After(p.previous) {
		return false // it fell due while this process was running
	}
	window := min(s.opts.CatchUp, sched.Next(at, loc).Sub(at)/2)
	return p.now.Sub(at) > window
}

// expire ends the occurrences whose life is over: what is left unsent is
// given up (logged, counted for /metrics, and its pending deliveries marked
// failed, so they are not taken for work in progress), and all are
// forgotten.
func (s *Scheduler) expire(ctx context.Context, now time.Time) {
	s.mu.Lock()
	var over []*occurrence
	for k, occ := range s.occurrences {
		if now.Sub(occ.at) < occ.life {
			continue
		}
		if occ.started && !occ.done {
			over = append(over, occ)
		}
		delete(s.occurrences, k)
	}
	s.mu.Unlock()
	for _, occ := range over {
		unsent := occ.unreached
		for _, key := range occ.unfinished {
			d, err := s.store.FindDelivery(ctx, key)
			if err != nil || d.Done() || d.Owner != s.self.ID {
				continue // another instance holds it: it is theirs to finish or give up
			}
			unsent++
			if err := s.store.MarkFailed(ctx, key, "expired: not sent before its time was over"); err != nil {
				s.log.Warn("could not record a delivery as given up", slog.String("key", key), slog.Any("err", err))
			}
		}
		if unsent > 0 {
			s.stats.givenUp.Add(uint64(unsent))
			s.log.Error("messages still unsent when their time was over; given up", slog.String("job", occ.job),
				slog.String("zone", occ.zone), slog.Time("occurrence", occ.at), slog.Int("unsent", unsent))
		}
	}
}

// run is one occurrence of a job being served: what it found and did.
type run struct {
	s     *Scheduler
	p     *pass
	job   string
	at    time.Time     // the occurrence
	life  time.Duration // how long after at it may still be served
	loc   *time.Location
	sched *okr.Schedule

	sent, recovered, already, failed, busy, errored int
	unreached                                       int             // messages not tried because the run halted
	unfinished                                      []string        // keys tried and not done (failed for now, or busy)
	done                                            map[string]bool // keys done, by this run or earlier ones
}

func (r *run) complete() bool { return r.busy == 0 && r.errored == 0 && r.unreached == 0 }

// maxFailing is how many deliveries in a row may fail before a run stops
// for this pass: Slack is down, and the rest would only wait their turn to
// fail. A later pass goes on.
const maxFailing = 3

// halted reports whether the run stops here with remaining messages not
// tried, leaving them for the next pass (or the next start): the scheduler
// is stopping, or Slack keeps failing.
func (r *run) halted(ctx context.Context, remaining int) bool {
	if ctx.Err() != nil || r.p.failing >= maxFailing {
		r.unreached += remaining
		return true
	}
	return false
}

// letter is one message a run means to deliver; find looks for an earlier
// attempt where the notifier's FindSent would not (nil: FindSent).
type letter struct {
	key, target string
	send        okr.SendFunc
	find        okr.FindFunc
}

// deliverAll delivers the letters in order; false when it halted.
func (r *run) deliverAll(ctx context.Context, letters []letter) bool {
	if r.done == nil {
		r.done = map[string]bool{}
	}
	for i, l := range letters {
		if r.done[l.key] {
			continue // done at an earlier attempt of this occurrence
		}
		if r.halted(ctx, len(letters)-i) {
			return false
		}
		r.deliver(ctx, l)
	}
	return true
}

// deliver sends one message once and counts what happened. A send that
// fails for a reason Slack may get over is logged and left for a later
// pass; the others go on.
func (r *run) deliver(ctx context.Context, l letter) okr.Outcome {
	key, find := l.key, l.find
	if find == nil {
		find = r.s.notify.FindSent
	}
	// One message may not hold up the others for long, nor be tried after
	// its time (the occurrence's life) is over.
	budget := min(r.s.opts.SendTimeout, r.at.Add(r.life).Sub(r.s.clock.Now()))
	sendCtx, cancel := context.WithTimeout(ctx, max(budget, time.Second))
	defer cancel()
	outcome, err := r.s.deliver.Deliver(sendCtx, key, l.target, l.send, find)
	if err == nil {
		r.p.failing = 0
	}
	if err != nil || outcome == okr.InProgress {
		r.unfinished = append(r.unfinished, key)
	} else if r.done != nil {
		r.done[key] = true
	}
	switch {
	case err != nil:
		r.errored++
		r.p.failing++
		r.s.stats.errors.Add(1)
		if ctx.Err() == nil {
			r.s.log.Warn("delivery not done; will retry", slog.String("key", key), slog.Any("err", err))
		}
	case outcome == okr.Delivered:
		r.sent++
		r.s.stats.sent(r.job)
	case outcome == okr.Recovered:
		r.recovered++
		r.s.stats.recovered.Add(1)
		r.s.log.Info("an earlier attempt had reached Slack; recorded it", slog.String("key", key))
	case outcome == okr.AlreadyDone:
		r.already++
	case outcome == okr.InProgress:
		r.busy++
	case outcome == okr.NotDelivered:
		r.failed++
		r.s.stats.undeliverable.Add(1)
		r.s.log.Warn("Slack refused a message for good", slog.String("key", key))
	}
	return outcome
}

// join registers this process and removes those on this machine that are
// gone.
func (s *Scheduler) join(ctx context.Context) error {
	if err := s.store.Beat(ctx, s.self); err != nil {
		return fmt.Errorf("register with the ledger: %w", err)
	}
	instances, err := s.store.Instances(ctx)
	if err != nil {
		return fmt.Errorf("list instances: %w", err)
	}
	var gone []string
	for _, in := range instances {
		if in.ID != s.self.ID && in.Host == s.self.Host && !s.alive(in) {
			gone = append(gone, in.ID)
		}
	}
	if len(gone) > 0 {
		s.log.Info("earlier processes on this machine are gone; their unconfirmed messages will be checked and completed", slog.Any("instances", gone))
		return s.store.Leave(ctx, gone...)
	}
	return nil
}

// alive reports whether an instance on this machine may still run. One
// with this process's PID is either another scheduler in this process or
// another container with the same host name (each is PID 1): neither can
// be told dead from here, so its heartbeat decides, as for other machines.
// Another PID is asked of the operating system.
func (s *Scheduler) alive(in *okr.Instance) bool {
	if in.PID == s.self.PID {
		return true
	}
	return processAlive(in.PID)
}

// processAlive asks the operating system whether a process runs. What it
// cannot tell counts as alive: waiting for the heartbeat to expire is safe,
// sending twice is not.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || !(errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH))
}

func (s *Scheduler) keepBeating(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(okr.InstanceBeat):
		}
		if err := s.store.Beat(ctx, s.self); err != nil && ctx.Err() == nil {
			s.log.Warn("heartbeat failed", slog.Any("err", err))
		}
	}
}

// leave deregisters on a clean stop, so a restart takes over at once.
func (s *Scheduler) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.Leave(ctx, s.self.ID); err != nil {
		s.log.Warn("could not deregister", slog.Any("err", err))
	}
}

// Stats are the scheduler's counters, for /metrics.
type Stats struct {
	Sent          map[string]uint64 // by job
	Recovered     uint64            // found in Slack after an attempt without an answer
	Undeliverable uint64            // refused by Slack for good
	GivenUp       uint64            // still unsent when their time was over
	Errors        uint64            // attempts that failed and were retried
}

type counters struct {
	mu                                        sync.Mutex
	byJob                                     map[string]uint64
	recovered, undeliverable, givenUp, errors atomic.Uint64
}

func (c *counters) sent(job string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byJob == nil {
		c.byJob = map[string]uint64{}
	}
	c.byJob[job]++
}

// Stats returns a snapshot of the counters.
func (s *Scheduler) Stats() Stats {
	s.stats.mu.Lock()
	sent := make(map[string]uint64, len(s.stats.byJob))
	for k, v := range s.stats.byJob {
		sent[k] = v
	}
	s.stats.mu.Unlock()
	return Stats{Sent: sent, Recovered: s.stats.recovered.Load(), Undeliverable: s.stats.undeliverable.Load(),
		GivenUp: s.stats.givenUp.Load(), Errors: s.stats.errors.Load()}
}

// sortedZones orders locations by name, so passes run in the same order.
func sortedZones(m map[string]*time.Location) []*time.Location {
	out := make([]*time.Location, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b *time.Location) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	return out
}
