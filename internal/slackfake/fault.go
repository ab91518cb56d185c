package slackfake

import "time"

// Pseudo-methods SetFault accepts besides Web API method names.
const (
	// FaultEnvelope targets envelope delivery: a Fault with Drop set closes the
	// socket abruptly instead of delivering; the envelope goes out on the next
	// connection.
	FaultEnvelope = "envelope"
	// FaultResponseURL targets posts to response_url.
	FaultResponseURL = "response_url"
	// FaultUpload targets the file upload URL of files.getUploadURLExternal.
	FaultUpload = "upload"
)

// Fault is an injected failure for one method. Which calls it hits: the OnCall-th
// call (1-based) if OnCall is set, else every EveryNth-th call if EveryNth is set,
// else a Rate fraction of calls (seeded, so reproducible) if Rate is set, else
// every call; at most Count times if Count is set.
type Fault struct {
	// Status answers with this HTTP status instead of handling the call: 429 (with
	// Retry-After) or a 5xx. 0 handles the call normally after Delay.
	Status int
	// RetryAfter is the Retry-After of an injected 429, sent in whole seconds.
	// Default 1 s.
	RetryAfter time.Duration
	// Error answers HTTP 200 {"ok":false,"error":Error}, e.g. "internal_error".
	Error string
	// Delay holds the answer back this long (real time): a slow Slack.
	Delay time.Duration
	// Drop (FaultEnvelope only) drops the socket instead of delivering.
	Drop bool
	// Lost handles the call as usual, then drops the connection instead of
	// answering: Slack did it, but the app cannot know (a reset connection
	// or a timeout after the request arrived). Web API methods only.
	Lost bool
	// AnswerDelay handles the call as usual, then holds the answer back
	// this long (real time): a slow network after Slack acted, the window
	// in which an app that dies has done something it never learns of.
	// Web API methods only.
	AnswerDelay time.Duration

	OnCall   int
	EveryNth int
	Rate     float64
	Count    int
}

type faultState struct {
	f     Fault
	calls int
	fired int
}

// SetFault installs a fault for a Web API method or one of FaultEnvelope,
// FaultResponseURL and FaultUpload, replacing any earlier one; its call count
// starts from zero. A zero Fault removes it.
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, method)
		return
	}
	s.faults[method] = &faultState{f: f}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = make(map[string]*faultState)
}

// faultLocked counts a call to method and returns the fault to apply to it, if any.
func (s *Server) faultLocked(method string) *Fault {
	st := s.faults[method]
	if st == nil {
		return nil
	}
	st.calls++
	f := st.f
	if f.Count > 0 && st.fired >= f.Count {
		return nil
	}
	var hit bool
	switch {
	case f.OnCall > 0:
		hit = st.calls == f.OnCall
	case f.EveryNth > 0:
		hit = st.calls%f.EveryNth == 0
	case f.Rate > 0:
		hit = s.rng.Float64() < f.Rate
	default:
		hit = true
	}
	if !hit {
		return nil
	}
	st.fired++
	return &f
}
