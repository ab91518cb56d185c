package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// withoutViewEcho carries the bot's Web API calls and drops the view that
// Slack sends back in the answer to views.publish, views.open,
// views.update and views.push
// (https://docs.slack.dev/reference/methods/views.publish, "Response").
// slack-go decodes that copy block by block, and the bot never reads it:
// at 10,000 objectives, decoding it was 30% of an App Home publish's CPU
// (BENCHMARKS.md, issue 11). What tells whether the call worked (ok,
// error, warning, response_metadata) is passed on unchanged, so slack-go
// reports errors as before.
type withoutViewEcho struct {
	next *http.Client
}

func (c withoutViewEcho) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || !echoesView(req.URL.Path) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var answer struct {
		OK               bool            `json:"ok"`
		Error            string          `json:"error,omitempty"`
		Warning          string          `json:"warning,omitempty"`
		ResponseMetadata json.RawMessage `json:"response_metadata,omitempty"`
	}
	if json.Unmarshal(body, &answer) == nil {
		if trimmed, err := json.Marshal(answer); err == nil {
			body = trimmed
		}
	}
	// A body that does not read as an answer goes on as it came, for
	// slack-go to report.
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

func echoesView(path string) bool {
	for _, method := range []string{"views.publish", "views.open", "views.update", "views.push"} {
		if strings.HasSuffix(path, "/"+method) {
			return true
		}
	}
	return false
}
