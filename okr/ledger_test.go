package okr_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// fakeLedger is an in-memory LedgerService following the rules documented
// on the interface. Instances in alive hold their claims; any other
// instance's claim may be taken over.
type fakeLedger struct {
	mu         sync.Mutex
	now        time.Time
	deliveries map[string]*okr.Delivery
	alive      map[string]bool
	instances  map[string]*okr.Instance
	sent       []string // "key ref", in the order MarkSent was called
	failed     []string // "key reason", in the order MarkFailed was called
	claims     int
}

var _ okr.LedgerService = (*fakeLedger)(nil)

func newFakeLedger(alive ...string) *fakeLedger {
	l := &fakeLedger{
		now:        time.Date(2026, time.November, 16, 10, 0, 0, 0, time.UTC),
		deliveries: map[string]*okr.Delivery{},
		alive:      map[string]bool{},
		instances:  map[string]*okr.Instance{},
	}
	for _, id := range alive {
		l.alive[id] = true
	}
	return l
}

func (l *fakeLedger) Claim(ctx context.Context, key, target, instance string) (okr.Claim, error) {
	if err := ctx.Err(); err != nil {
		return okr.Claim{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.claims++
	d, ok := l.deliveries[key]
	switch {
	case !ok:
		l.deliveries[key] = &okr.Delivery{Key: key, Target: target, Owner: instance, ClaimedAt: l.now}
		return okr.Claim{Result: okr.ClaimNew}, nil
	case d.Done():
		prev := *d
		return okr.Claim{Result: okr.ClaimDone, Previous: &prev}, nil
	case d.Owner != instance && l.alive[d.Owner]:
		return okr.Claim{Result: okr.ClaimBusy}, nil
	}
	prev := *d
	d.Owner, d.ClaimedAt = instance, l.now
	return okr.Claim{Result: okr.ClaimTakenOver, Previous: &prev}, nil
}

func (l *fakeLedger) MarkSent(ctx context.Context, key, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.deliveries[key]
	if !ok {
		return okr.Errorf(okr.ENOTFOUND, "No delivery %s.", key)
	}
	d.Ref, d.SentAt = ref, l.now
	l.sent = append(l.sent, key+" "+ref)
	return nil
}

func (l *fakeLedger) MarkFailed(ctx context.Context, key, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.deliveries[key]
	if !ok {
		return okr.Errorf(okr.ENOTFOUND, "No delivery %s.", key)
	}
	d.Error, d.FailedAt = reason, l.now
	l.failed = append(l.failed, key+" "+reason)
	return nil
}

func (l *fakeLedger) FindDelivery(ctx context.Context, key string) (*okr.Delivery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.deliveries[key]
	if !ok {
		return nil, okr.Errorf(okr.ENOTFOUND, "No delivery %s.", key)
	}
	c := *d
	return &c, nil
}

func (l *fakeLedger) FindDeliveries(ctx context.Context, f okr.DeliveryFilter) ([]*okr.Delivery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*okr.Delivery
	for _, d := range l.deliveries {
		if strings.HasPrefix(d.Key, f.Prefix) && strings.HasSuffix(d.Key, f.Suffix) && (f.Sent == nil || *f.Sent == d.Sent()) {
			c := *d
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *okr.Delivery) int { return b.ClaimedAt.Compare(a.ClaimedAt) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (l *fakeLedger) Pending(ctx context.Context) ([]*okr.Delivery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*okr.Delivery
	for _, d := range l.deliveries {
		if !d.Done() {
			c := *d
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *okr.Delivery) int { return a.ClaimedAt.Compare(b.ClaimedAt) })
	return out, nil
}

func (l *fakeLedger) Beat(ctx context.Context, in okr.Instance) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	in.BeatAt = l.now
	l.instances[in.ID] = &in
	l.alive[in.ID] = true
	return nil
}

func (l *fakeLedger) Instances(ctx context.Context) ([]*okr.Instance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*okr.Instance
	for _, in := range l.instances {
		c := *in
		out = append(out, &c)
	}
	return out, nil
}

func (l *fakeLedger) Leave(ctx context.Context, ids ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		delete(l.instances, id)
		delete(l.alive, id)
	}
	return nil
}

// claimAs leaves key claimed and pending under instance, as a crash would.
func (l *fakeLedger) claimAs(t *testing.T, key, target, instance string, at time.Time) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deliveries[key] = &okr.Delivery{Key: key, Target: target, Owner: instance, ClaimedAt: at}
}

func (l *fakeLedger) delivery(t *testing.T, key string) *okr.Delivery {
	t.Helper()
	d, err := l.FindDelivery(context.Background(), key)
	if err != nil {
		t.Fatalf("find %s: %v", key, err)
	}
	return d
}

func (l *fakeLedger) marks() (sent, failed []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sent), slices.Clone(l.failed)
}

// sender counts sends and answers with ref and err.
type sender struct {
	mu    sync.Mutex
	calls int
	ref   string
	err   error
}

func (s *sender) send(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.ref, s.err
}

func (s *sender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// finder records how it was asked and answers with ref, found and err.
type finder struct {
	calls  int
	target string
	key    string
	since  time.Time
	ref    string
	found  bool
	err    error
}

func (f *finder) find(ctx context.Context, target, key string, since time.Time) (string, bool, error) {
	f.calls++
	f.target, f.key, f.since = target, key, since
	return f.ref, f.found, f.err
}

const (
	ledgerKey    = "checkin:2026-Q4:2026-W47:U1"
	ledgerTarget = "U1"
	ledgerRef    = "D1/1700000000.000100"
)

func TestDeliverer_Deliver(t *testing.T) {
	ctx := context.Background()
	crashedAt := time.Date(2026, time.November, 16, 9, 58, 0, 0, time.UTC)
	errSlack := errors.New("slack: connection reset")

	tests := []struct {
		name    string
		setup   func(t *testing.T, l *fakeLedger) // before Deliver by "A"
		send    *sender
		find    *finder // nil: Deliver gets no find
		want    okr.Outcome
		wantErr error // matched with errors.Is; nil for none
		sends   int
		finds   int
		sent    []string
		failed  []string
		pending bool // the claim is left with A, neither sent nor failed
	}{
		{
			name:  "NewSendsAndRecords",
			send:  &sender{ref: ledgerRef},
			find:  &finder{},
			want:  okr.Delivered,
			sends: 1,
			sent:  []string{ledgerKey + " " + ledgerRef},
		},
		{
			name: "AlreadySent",
			setup: func(t *testing.T, l *fakeLedger) {
				l.claimAs(t, ledgerKey, ledgerTarget, "B", crashedAt)
				if err := l.MarkSent(ctx, ledgerKey, "D1/1.1"); err != nil {
					t.Fatal(err)
				}
			},
			send: &sender{ref: ledgerRef},
			find: &finder{},
			want: okr.AlreadyDone,
			sent: []string{ledgerKey + " D1/1.1"},
		},
		{
			name: "AlreadyFailed",
			setup: func(t *testing.T, l *fakeLedger) {
				l.claimAs(t, ledgerKey, ledgerTarget, "B", crashedAt)
				if err := l.MarkFailed(ctx, ledgerKey, "user_disabled"); err != nil {
					t.Fatal(err)
				}
			},
			send:   &sender{ref: ledgerRef},
			find:   &finder{},
			want:   okr.AlreadyDone,
			failed: []string{ledgerKey + " user_disabled"},
		},
		{
			name:  "BusyElsewhere",
			setup: func(t *testing.T, l *fakeLedger) { l.claimAs(t, ledgerKey, ledgerTarget, "B", crashedAt) },
			send:  &sender{ref: ledgerRef},
			find:  &finder{found: true, ref: "D1/1.1"},
			want:  okr.InProgress,
		},
		{
			name:  "TakenOverFound",
			setup: func(t *testing.T, l *fakeLedger) { l.claimAs(t, ledgerKey, ledgerTarget, "gone", crashedAt) },
			send:  &sender{ref: ledgerRef},
			find:  &finder{found: true, ref: "D1/1699999999.000001"},
			want:  okr.Recovered,
			finds: 1,
			sent:  []string{ledgerKey + " D1/1699999999.000001"},
		},
		{
			name:  "TakenOverNotFound",
			setup: func(t *testing.T, l *fakeLedger) { l.claimAs(t, ledgerKey, ledgerTarget, "gone", crashedAt) },
			send:  &sender{ref: ledgerRef},
			find:  &finder{},
			want:  okr.Delivered,
			sends: 1,
			finds: 1,
			sent:  []string{ledgerKey + " " + ledgerRef},
		},
		{
			name:  "TakenOverWithoutFind",
			setup: func(t *testing.T, l *fakeLedger) { l.claimAs(t, ledgerKey, ledgerTarget, "gone", crashedAt) },
			send:  &sender{ref: ledgerRef},
			want:  okr.Delivered,
			sends: 1,
			sent:  []string{ledgerKey + " " + ledgerRef},
		},
		{
			name:    "TakenOverFindError",
			setup:   func(t *testing.T, l *fakeLedger) { l.claimAs(t, ledgerKey, ledgerTarget, "gone", crashedAt) },
			send:    &sender{ref: ledgerRef},
			find:    &finder{err: errSlack},
			want:    okr.InProgress,
			wantErr: errSlack,
			finds:   1,
			pending: true,
		},
		{
			name:   "Undeliverable",
			send:   &sender{err: okr.Undeliverable("user_disabled")},
			find:   &finder{},
			want:   okr.NotDelivered,
			sends:  1,
			failed: []string{ledgerKey + " user_disabled"},
		},
		{
			name:    "SendError",
			send:    &sender{err: errSlack},
			find:    &finder{},
			want:    okr.InProgress,
			wantErr: errSlack,
			sends:   1,
			pending: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newFakeLedger("A", "B")
			if tt.setup != nil {
				tt.setup(t, l)
			}
			var find okr.FindFunc
			if tt.find != nil {
				find = tt.find.find
			}
			d := okr.NewDeliverer(l, "A")
			got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, tt.send.send, find)
			if got != tt.want {
				t.Fatalf("Deliver = %v, %v; want %v", got, err, tt.want)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Deliver error = %v, want nil", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Deliver error = %v, want one wrapping %v", err, tt.wantErr)
			}
			if got, want := tt.send.count(), tt.sends; got != want {
				t.Fatalf("sends = %d, want %d", got, want)
			}
			finds := 0
			if tt.find != nil {
				finds = tt.find.calls
			}
			if got, want := finds, tt.finds; got != want {
				t.Fatalf("finds = %d, want %d", got, want)
			}
			if finds > 0 {
				if got, want := tt.find.target, ledgerTarget; got != want {
					t.Fatalf("find target = %q, want %q", got, want)
				}
				if got, want := tt.find.key, ledgerKey; got != want {
					t.Fatalf("find key = %q, want %q", got, want)
				}
				// The earlier attempt's message is looked for from a
				// little before it was claimed.
				if since := tt.find.since; since.After(crashedAt) || since.Before(crashedAt.Add(-time.Hour)) {
					t.Fatalf("find since = %v, want shortly before the earlier claim at %v", since, crashedAt)
				}
			}
			sent, failed := l.marks()
			if !slices.Equal(sent, tt.sent) {
				t.Fatalf("MarkSent calls = %q, want %q", sent, tt.sent)
			}
			if !slices.Equal(failed, tt.failed) {
				t.Fatalf("MarkFailed calls = %q, want %q", failed, tt.failed)
			}
			del := l.delivery(t, ledgerKey)
			if tt.pending {
				if del.Done() || del.Owner != "A" {
					t.Fatalf("delivery = %+v, want pending under A", del)
				}
			}
			if tt.want == okr.Delivered || tt.want == okr.Recovered {
				if !del.Sent() || del.Ref != strings.TrimPrefix(tt.sent[0], ledgerKey+" ") {
					t.Fatalf("delivery = %+v, want sent with the recorded ref", del)
				}
			}
			if tt.want == okr.NotDelivered && (!del.Failed() || del.Error != "user_disabled" || del.Sent()) {
				t.Fatalf("delivery = %+v, want failed with user_disabled", del)
			}
		})
	}
}

func TestDeliverer_SecondDeliverDoesNotSend(t *testing.T) {
	ctx := context.Background()
	l := newFakeLedger("A")
	d := okr.NewDeliverer(l, "A")
	s := &sender{ref: ledgerRef}
	f := &finder{}
	for i, want := range []okr.Outcome{okr.Delivered, okr.AlreadyDone, okr.AlreadyDone} {
		got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find)
		if err != nil || got != want {
			t.Fatalf("Deliver #%d = %v, %v; want %v, nil", i+1, got, err, want)
		}
	}
	if got, want := s.count(), 1; got != want {
		t.Fatalf("sends = %d, want %d", got, want)
	}
	if got, want := f.calls, 0; got != want {
		t.Fatalf("finds = %d, want %d", got, want)
	}
	// Another instance sees it done too.
	other := okr.NewDeliverer(l, "B")
	if got, err := other.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find); err != nil || got != okr.AlreadyDone {
		t.Fatalf("Deliver by B = %v, %v; want %v", got, err, okr.AlreadyDone)
	}
	if got, want := s.count(), 1; got != want {
		t.Fatalf("sends = %d, want %d", got, want)
	}
	// A different key is a different message.
	if got, err := d.Deliver(ctx, ledgerKey+"x", ledgerTarget, s.send, f.find); err != nil || got != okr.Delivered {
		t.Fatalf("Deliver other key = %v, %v; want %v", got, err, okr.Delivered)
	}
}

// TestDeliverer_RetryAfterSendError checks that a failed send leaves the
// claim with the instance, and that its next attempt asks Slack first.
func TestDeliverer_RetryAfterSendError(t *testing.T) {
	ctx := context.Background()
	l := newFakeLedger("A", "B")
	d := okr.NewDeliverer(l, "A")
	errSlack := errors.New("slack: timeout")
	s := &sender{err: errSlack}
	f := &finder{}
	got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find)
	if got != okr.InProgress || !errors.Is(err, errSlack) {
		t.Fatalf("first Deliver = %v, %v; want %v and the send error", got, err, okr.InProgress)
	}
	if del := l.delivery(t, ledgerKey); del.Owner != "A" || del.Done() {
		t.Fatalf("delivery after the failed send = %+v, want pending under A", del)
	}

	// Another live instance must not send it meanwhile.
	sb := &sender{ref: "D1/2.2"}
	if got, err := okr.NewDeliverer(l, "B").Deliver(ctx, ledgerKey, ledgerTarget, sb.send, f.find); err != nil || got != okr.InProgress {
		t.Fatalf("Deliver by B = %v, %v; want %v", got, err, okr.InProgress)
	}
	if sb.calls != 0 {
		t.Fatalf("B sent %d times, want 0", sb.calls)
	}

	// The timeout may have reached Slack: the retry looks first.
	s.mu.Lock()
	s.err, s.ref = nil, ledgerRef
	s.mu.Unlock()
	got, err = d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find)
	if err != nil || got != okr.Delivered {
		t.Fatalf("retry = %v, %v; want %v, nil", got, err, okr.Delivered)
	}
	if got, want := f.calls, 1; got != want {
		t.Fatalf("finds = %d, want %d (the retry asks Slack first)", got, want)
	}
	if got, want := s.count(), 2; got != want {
		t.Fatalf("sends = %d, want %d", got, want)
	}
	if del := l.delivery(t, ledgerKey); !del.Sent() || del.Ref != ledgerRef {
		t.Fatalf("delivery = %+v, want sent as %s", del, ledgerRef)
	}

	// And a retry whose earlier attempt did reach Slack records it.
	l2 := newFakeLedger("A")
	d2 := okr.NewDeliverer(l2, "A")
	s2 := &sender{err: errSlack}
	if _, err := d2.Deliver(ctx, ledgerKey, ledgerTarget, s2.send, nil); !errors.Is(err, errSlack) {
		t.Fatalf("first Deliver error = %v, want the send error", err)
	}
	f2 := &finder{found: true, ref: "D1/3.3"}
	if got, err := d2.Deliver(ctx, ledgerKey, ledgerTarget, s2.send, f2.find); err != nil || got != okr.Recovered {
		t.Fatalf("retry = %v, %v; want %v", got, err, okr.Recovered)
	}
	if got, want := s2.count(), 1; got != want {
		t.Fatalf("sends = %d, want %d", got, want)
	}
	if del := l2.delivery(t, ledgerKey); del.Ref != "D1/3.3" {
		t.Fatalf("delivery = %+v, want the found ref", del)
	}
}

func TestDeliverer_TakeOverAfterLeave(t *testing.T) {
	ctx := context.Background()
	l := newFakeLedger()
	if err := l.Beat(ctx, okr.Instance{ID: "B", Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}
	l.claimAs(t, ledgerKey, ledgerTarget, "B", l.now)
	s := &sender{ref: ledgerRef}
	f := &finder{}
	d := okr.NewDeliverer(l, "A")
	if got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find); err != nil || got != okr.InProgress {
		t.Fatalf("Deliver while B lives = %v, %v; want %v", got, err, okr.InProgress)
	}
	if err := l.Leave(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, f.find); err != nil || got != okr.Delivered {
		t.Fatalf("Deliver after B left = %v, %v; want %v", got, err, okr.Delivered)
	}
	if f.calls != 1 || s.count() != 1 {
		t.Fatalf("finds, sends = %d, %d; want 1, 1", f.calls, s.count())
	}
}

func TestDeliverer_ClaimError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := newFakeLedger("A")
	s := &sender{ref: ledgerRef}
	got, err := okr.NewDeliverer(l, "A").Deliver(ctx, ledgerKey, ledgerTarget, s.send, nil)
	if got != okr.InProgress || !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, %v; want %v and the claim's error", got, err, okr.InProgress)
	}
	if s.count() != 0 {
		t.Fatalf("sent %d times, want 0", s.count())
	}
}

// TestDeliverer_RecordsWhenCancelledAsSendReturns: a shutdown that lands as
// Slack answers must not lose the answer.
func TestDeliverer_RecordsWhenCancelledAsSendReturns(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		want   okr.Outcome
		sent   []string
		failed []string
	}{
		{"Sent", nil, okr.Delivered, []string{ledgerKey + " " + ledgerRef}, nil},
		{"Undeliverable", okr.Undeliverable("channel_not_found"), okr.NotDelivered, nil, []string{ledgerKey + " channel_not_found"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l := newFakeLedger("A")
			send := func(ctx context.Context) (string, error) {
				cancel()
				if ctx.Err() == nil {
					t.Error("send's ctx is not cancelled")
				}
				if tt.err != nil {
					return "", tt.err
				}
				return ledgerRef, nil
			}
			got, err := okr.NewDeliverer(l, "A").Deliver(ctx, ledgerKey, ledgerTarget, send, nil)
			if err != nil || got != tt.want {
				t.Fatalf("Deliver = %v, %v; want %v, nil", got, err, tt.want)
			}
			sent, failed := l.marks()
			if !slices.Equal(sent, tt.sent) || !slices.Equal(failed, tt.failed) {
				t.Fatalf("marks = sent %q failed %q; want sent %q failed %q", sent, failed, tt.sent, tt.failed)
			}
		})
	}
}

func TestDeliverer_ConcurrentSameKey(t *testing.T) {
	t.Run("WhileSending", func(t *testing.T) {
		ctx := context.Background()
		l := newFakeLedger("A")
		d := okr.NewDeliverer(l, "A")
		inSend, release := make(chan struct{}), make(chan struct{})
		var sends sync.Mutex
		calls := 0
		send := func(ctx context.Context) (string, error) {
			sends.Lock()
			calls++
			sends.Unlock()
			close(inSend)
			<-release
			return ledgerRef, nil
		}
		first := make(chan okr.Outcome, 1)
		go func() {
			got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, send, nil)
			if err != nil {
				t.Errorf("first Deliver: %v", err)
			}
			first <- got
		}()
		<-inSend
		other := &sender{ref: "D1/9.9"}
		f := &finder{found: true, ref: "D1/9.9"}
		got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, other.send, f.find)
		if err != nil || got != okr.InProgress {
			t.Fatalf("second Deliver = %v, %v; want %v, nil", got, err, okr.InProgress)
		}
		if other.count() != 0 || f.calls != 0 {
			t.Fatalf("second Deliver sent %d and looked %d times, want 0 and 0", other.count(), f.calls)
		}
		close(release)
		if got := <-first; got != okr.Delivered {
			t.Fatalf("first Deliver = %v, want %v", got, okr.Delivered)
		}
		sends.Lock()
		defer sends.Unlock()
		if calls != 1 {
			t.Fatalf("sends = %d, want 1", calls)
		}
		if del := l.delivery(t, ledgerKey); del.Ref != ledgerRef {
			t.Fatalf("delivery = %+v, want the first send's ref", del)
		}
	})

	t.Run("Many", func(t *testing.T) {
		ctx := context.Background()
		l := newFakeLedger("A")
		d := okr.NewDeliverer(l, "A")
		s := &sender{ref: ledgerRef}
		const n = 16
		outcomes := make([]okr.Outcome, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				got, err := d.Deliver(ctx, ledgerKey, ledgerTarget, s.send, func(ctx context.Context, target, key string, since time.Time) (string, bool, error) {
					t.Errorf("find called: no claim was abandoned")
					return "", false, nil
				})
				if err != nil {
					t.Errorf("Deliver #%d: %v", i, err)
				}
				outcomes[i] = got
			})
		}
		close(start)
		wg.Wait()
		if got, want := s.count(), 1; got != want {
			t.Fatalf("sends = %d, want %d", got, want)
		}
		delivered := 0
		for _, o := range outcomes {
			switch o {
			case okr.Delivered:
				delivered++
			case okr.InProgress, okr.AlreadyDone:
			default:
				t.Fatalf("outcome %v, want delivered, in progress or already done", o)
			}
		}
		if delivered != 1 {
			t.Fatalf("delivered %d times, want 1 (outcomes %v)", delivered, outcomes)
		}
	})
}

func TestDeliverer_Accessors(t *testing.T) {
	l := newFakeLedger()
	d := okr.NewDeliverer(l, "host-1-abc")
	if got, want := d.Instance(), "host-1-abc"; got != want {
		t.Fatalf("Instance = %q, want %q", got, want)
	}
	if d.Ledger() != okr.LedgerService(l) {
		t.Fatalf("Ledger is not the one given")
	}
}

func TestDeliveryKeys(t *testing.T) {
	digest := okr.DigestKey("2026-W47", "C1", 0)
	for _, tt := range []struct {
		name string
		got  string
		want string
	}{
		{"Checkin", okr.CheckinKey("U1", "2026-W47"), "checkin:U1:2026-W47"},
		{"CheckinDaily", okr.CheckinKey("U1", "2026-11-16T1000"), "checkin:U1:2026-11-16T1000"},
		{"Reminder", okr.ReminderKey("U1", "2026-W47"), "reminder:U1:2026-W47"},
		{"LeadSummary", okr.LeadSummaryKey("U9", "2026-W47"), "lead:U9:2026-W47"},
		{"PersonPrefix", okr.PersonPrefix("checkin", "U1"), "checkin:U1:"},
		{"DigestCompany", digest, "digest:2026-W47:C1"},
		{"DigestTeam", okr.DigestKey("2026-W47", "C2", 12), "digest:2026-W47:team12:C2"},
		{"DigestPart", okr.DigestPartKey(digest, "2"), "digest:2026-W47:C1:2"},
		{"DigestChart", okr.DigestPartKey(okr.DigestKey("2026-W47", "C2", 12), "chart"), "digest:2026-W47:team12:C2:chart"},
		{"Nudge", okr.NudgeKey("U1", "2026-W47", okr.NudgeOrphan, "O12"), "nudge:U1:2026-W47:orphan:O12"},
		{"NudgeAboutSeveral", okr.NudgeKey("U1", "2026-W47", okr.NudgeStale, string(okr.NudgeStale)), "nudge:U1:2026-W47:stale:stale"},
		{"NudgeWeekPrefix", okr.NudgeWeekPrefix("U1", "2026-W47"), "nudge:U1:2026-W47:"},
		{"NudgePrefix", okr.NudgePrefix("U1"), "nudge:U1:"},
		{"Score", okr.ScoreKey(7, "U1"), "score:7:U1"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	t.Run("NudgePrefix", func(t *testing.T) {
		prefix := okr.NudgeWeekPrefix("U1", "2026-W47")
		for _, kind := range []okr.NudgeKind{okr.NudgeOrphan, okr.NudgeUnsupported, okr.NudgeStale, okr.NudgeLimits, okr.NudgeKickoff, okr.NudgeScore} {
			if key := okr.NudgeKey("U1", "2026-W47", kind, "O12"); !strings.HasPrefix(key, prefix) || !strings.HasPrefix(key, okr.NudgePrefix("U1")) {
				t.Errorf("NudgeKey %q does not start with %q", key, prefix)
			}
		}
		// Neither another person whose ID extends U1 nor another week.
		for _, key := range []string{
			okr.NudgeKey("U12", "2026-W47", okr.NudgeOrphan, "O12"),
			okr.NudgeKey("U1", "2026-W48", okr.NudgeOrphan, "O12"),
		} {
			if strings.HasPrefix(key, prefix) {
				t.Errorf("NudgeKey %q starts with %q", key, prefix)
			}
		}
	})
}

func TestDelivery_Ref(t *testing.T) {
	for _, tt := range []struct {
		ref, channel, ts string
	}{
		{"D1/1700000000.000100", "D1", "1700000000.000100"},
		{okr.MessageRef("C123", "1700000001.000200"), "C123", "1700000001.000200"},
		{"", "", ""},
	} {
		d := &okr.Delivery{Ref: tt.ref}
		if got, want := d.Channel(), tt.channel; got != want {
			t.Errorf("Channel(%q) = %q, want %q", tt.ref, got, want)
		}
		if got, want := d.TS(), tt.ts; got != want {
			t.Errorf("TS(%q) = %q, want %q", tt.ref, got, want)
		}
	}
	if got, want := okr.MessageRef("D1", "1700000000.000100"), "D1/1700000000.000100"; got != want {
		t.Errorf("MessageRef = %q, want %q", got, want)
	}
}

func TestDelivery_State(t *testing.T) {
	now := time.Date(2026, time.November, 16, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name               string
		d                  okr.Delivery
		sent, failed, done bool
	}{
		{"Claimed", okr.Delivery{ClaimedAt: now}, false, false, false},
		{"Sent", okr.Delivery{ClaimedAt: now, SentAt: now}, true, false, true},
		{"Failed", okr.Delivery{ClaimedAt: now, FailedAt: now, Error: "user_disabled"}, false, true, true},
	} {
		if got := [3]bool{tt.d.Sent(), tt.d.Failed(), tt.d.Done()}; got != [3]bool{tt.sent, tt.failed, tt.done} {
			t.Errorf("%s: sent, failed, done = %v, want %v", tt.name, got, [3]bool{tt.sent, tt.failed, tt.done})
		}
	}
}

func TestOutcome_String(t *testing.T) {
	for _, tt := range []struct {
		o    okr.Outcome
		want string
	}{
		{okr.Delivered, "delivered"},
		{okr.Recovered, "recovered"},
		{okr.AlreadyDone, "already done"},
		{okr.InProgress, "in progress elsewhere"},
		{okr.NotDelivered, "not delivered"},
		{okr.Outcome(42), "outcome 42"},
	} {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(tt.o), got, tt.want)
		}
	}
}

func TestUndeliverable(t *testing.T) {
	err := okr.Undeliverable("user_disabled")
	if !errors.Is(err, okr.ErrUndeliverable) {
		t.Fatalf("Undeliverable(...) = %v, want it to wrap ErrUndeliverable", err)
	}
	if !strings.Contains(err.Error(), "user_disabled") {
		t.Fatalf("Undeliverable(...) = %q, want it to name the reason", err)
	}
}
