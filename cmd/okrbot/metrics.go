package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/okrbot/okrbot/bot"
	"github.com/okrbot/okrbot/scheduler"
	"github.com/okrbot/okrbot/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// observability is what /metrics shows: counters the bot and the scheduler
// keep, read at each scrape, and what cmd measures itself (ack latency,
// Web API calls by method and result).
type observability struct {
	registry *prometheus.Registry
	acks     *prometheus.HistogramVec
	apiCalls *prometheus.CounterVec
}

func newObservability() *observability {
	o := &observability{
		registry: prometheus.NewRegistry(),
		acks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "okrbot_ack_seconds",
			Help: "Time from reading an envelope off the socket to acking it, by envelope type. Slack allows 3 s.",
			// From a tenth of a millisecond to Slack's 3 s deadline.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}, []string{"type"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okrbot_slack_api_calls_total",
			Help: "Slack Web API calls, by method and result: ok, Slack's error name, rate_limited (429), http_5xx or network_error.",
		}, []string{"method", "result"}),
	}
	o.registry.MustRegister(o.acks, o.apiCalls, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return o
}

// onAck feeds the ack latency histogram (bot.Options.OnAck).
func (o *observability) onAck(kind string, wait time.Duration) {
	o.acks.WithLabelValues(kind).Observe(wait.Seconds())
}

// watch registers what the bot, the scheduler and the database count, read
// at each scrape.
func (o *observability) watch(b *bot.Bot, s *scheduler.Scheduler, db *storage.DB) {
	o.registry.MustRegister(&statsCollector{bot: b, sched: s, db: db})
}

// httpClient is the client every Web API call goes through, counted, each
// call bounded to 30 s (slack-go's own client has no bound).
func (o *observability) httpClient() *http.Client {
	return &http.Client{Transport: &countingTransport{next: http.DefaultTransport, calls: o.apiCalls, timeout: 30 * time.Second}}
}

// handler serves /metrics.
func (o *observability) handler() http.Handler {
	return promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{})
}

var (
	descConnected = prometheus.NewDesc("okrbot_connected", "Whether the Socket Mode connection is up.", nil, nil)
	descEnvelopes = prometheus.NewDesc("okrbot_envelopes_total", "Envelopes received from Slack, by type.", []string{"type"}, nil)
	descHandler   = prometheus.NewDesc("okrbot_handler_errors_total", "Handlers that failed or panicked.", nil, nil)
	descCheckins  = prometheus.NewDesc("okrbot_checkins_recorded_total", "Key-result check-ins recorded since start.", nil, nil)
	descRetries   = prometheus.NewDesc("okrbot_slack_retries_total", "Web API calls retried after a rate limit, a server error or a lost connection.", nil, nil)
	descLimited   = prometheus.NewDesc("okrbot_slack_rate_limited_total", "Web API calls of okrbot's messages that Slack answered with 429.", nil, nil)
	descAnalyses  = prometheus.NewDesc("okrbot_analyses_total", "Cycle analyses made; reads between two writes share one.", nil, nil)
	descSent      = prometheus.NewDesc("okrbot_messages_sent_total", "Scheduled messages delivered, by job.", []string{"job"}, nil)
	descRecovered = prometheus.NewDesc("okrbot_messages_recovered_total", "Messages found in Slack after an attempt without an answer, recorded instead of sent again.", nil, nil)
	descRefused   = prometheus.NewDesc("okrbot_messages_undeliverable_total", "Messages Slack refused for good (a deactivated person, a channel gone).", nil, nil)
	descGivenUp   = prometheus.NewDesc("okrbot_messages_given_up_total", "Messages still unsent when their time was over (a prompt's week).", nil, nil)
	descErrors    = prometheus.NewDesc("okrbot_delivery_errors_total", "Delivery attempts that failed and were left for a retry.", nil, nil)
	descPending   = prometheus.NewDesc("okrbot_ledger_pending", "Deliveries claimed and not yet recorded as sent or failed.", nil, nil)
	descHeap      = prometheus.NewDesc("okrbot_heap_bytes", "Bytes of live and not yet collected objects on the Go heap.", nil, nil)
	descMemory    = prometheus.NewDesc("okrbot_memory_bytes", "All memory the Go runtime has mapped.", nil, nil)
)

// statsCollector turns the bot's and the scheduler's counters into
// metrics at each scrape.
type statsCollector struct {
	bot   *bot.Bot
	sched *scheduler.Scheduler
	db    *storage.DB
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnected, descEnvelopes, descHandler, descCheckins, descRetries, descLimited, descAnalyses,
		descSent, descRecovered, descRefused, descGivenUp, descErrors, descPending, descHeap, descMemory} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }

	s := c.bot.Stats()
	connected := 0.0
	if s.Connected {
		connected = 1
	}
	gauge(descConnected, connected)
	for kind, n := range s.Envelopes {
		counter(descEnvelopes, n, kind)
	}
	counter(descHandler, s.HandlerErrors)
	counter(descCheckins, s.Checkins)
	counter(descRetries, s.SlackRetries)
	counter(descLimited, s.RateLimited)
	counter(descAnalyses, s.Analyses)

	sched := c.sched.Stats()
	for _, job := range []string{"checkin", "reminder", "nudge", "digest"} {
		counter(descSent, sched.Sent[job], job)
	}
	counter(descRecovered, sched.Recovered)
	counter(descRefused, sched.Undeliverable)
	counter(descGivenUp, sched.GivenUp)
	counter(descErrors, sched.Errors)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if pending, err := c.db.Pending(ctx); err == nil {
		gauge(descPending, float64(len(pending)))
	}
	mem := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(mem)
	gauge(descHeap, float64(mem[0].Value.Uint64()))
	gauge(descMemory, float64(mem[1].Value.Uint64()))
}

// countingTransport counts every Web API call by method and result. It
// reads Slack's answer to find its error name; answers are small, and the
// body is handed on unread.
//
// It also bounds each call, the answer's body included, to timeout. That
// bound is here and not http.Client.Timeout because the client enforces
// its Timeout through a transport it does not know, as this one, with a
// goroutine and a timer for every call (net/http, setRequestCancel); a
// context's deadline is a timer alone (BENCHMARKS.md, issue 11).
type countingTransport struct {
	next    http.RoundTripper
	calls   *prometheus.CounterVec
	timeout time.Duration
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		t.calls.WithLabelValues(method, "network_error").Inc()
		return resp, err
	}
	// The deadline holds until the caller has read the body and closed it.
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	result := "ok"
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		result = "rate_limited"
	case resp.StatusCode >= 500:
		result = "http_5xx"
	case resp.StatusCode != http.StatusOK:
		result = "http_" + strconv.Itoa(resp.StatusCode)
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"):
		body, readErr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if readErr != nil {
			// The caller gets the failure, not half an answer to decode.
			t.calls.WithLabelValues(method, "network_error").Inc()
			return nil, readErr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var answer struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &answer) == nil && !answer.OK && answer.Error != "" {
			result = answer.Error
		}
	}
	t.calls.WithLabelValues(method, result).Inc()
	return resp, err
}

// cancelOnClose ends a call's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
