package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCountingTransport_NamesEachResult: a call is counted under its Web
// API method with ok, Slack's error name, rate_limited, http_5xx or
// network_error, and the caller still reads the whole answer.
func TestCountingTransport_NamesEachResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/chat.postMessage":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write([]byte(`{"ok":true,"ts":"1.2"}`))
		case "/api/conversations.open":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write([]byte(`{"ok":false,"error":"user_not_found"}`))
		case "/api/views.open":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/api/users.list":
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	o := newObservability()
	client := o.httpClient()
	for _, method := range []string{"chat.postMessage", "conversations.open", "views.open", "users.list"} {
		resp, err := client.Post(srv.URL+"/api/"+method, "application/x-www-form-urlencoded", strings.NewReader("x=1"))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if method == "chat.postMessage" && string(body) != `{"ok":true,"ts":"1.2"}` {
			t.Fatalf("the caller read %q", body)
		}
	}
	srv.Close()
	if _, err := client.Post(srv.URL+"/api/auth.test", "", nil); err == nil {
		t.Fatal("a call to a closed server succeeded")
	}
	for _, c := range []struct{ method, result string }{
		{"chat.postMessage", "ok"}, {"conversations.open", "user_not_found"}, {"views.open", "rate_limited"},
		{"users.list", "http_5xx"}, {"auth.test", "network_error"},
	} {
		if n := testutil.ToFloat64(o.apiCalls.WithLabelValues(c.method, c.result)); n != 1 {
			t.Errorf("%s %s counted %v times, want 1", c.method, c.result, n)
		}
	}
}

// TestCountingTransport_BoundsEachCall: a call whose answer never comes,
// or stops halfway through its body, fails once the transport's bound has
// passed. The first two are counted as network errors; an answer that is
// not JSON is handed on unread, so its caller meets the bound. The test
// server holds each answer until the test ends, so only the bound can end
// the call.
func TestCountingTransport_BoundsEachCall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/views.open": // headers and half a JSON answer
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write([]byte(`{"ok":tr`))
			w.(http.Flusher).Flush()
		case "/api/files.upload": // headers and half of another answer
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(`half`))
			w.(http.Flusher).Flush()
		}
		select { // chat.postMessage: nothing at all
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	o := newObservability()
	client := &http.Client{Transport: &countingTransport{next: http.DefaultTransport, calls: o.apiCalls, timeout: 50 * time.Millisecond}}
	for _, method := range []string{"chat.postMessage", "views.open", "files.upload"} {
		resp, err := client.Post(srv.URL+"/api/"+method, "application/x-www-form-urlencoded", strings.NewReader("x=1"))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want the call's deadline", method, err)
		}
	}
	for _, method := range []string{"chat.postMessage", "views.open"} {
		if n := testutil.ToFloat64(o.apiCalls.WithLabelValues(method, "network_error")); n != 1 {
			t.Errorf("%s network_error counted %v times, want 1", method, n)
		}
	}
}
