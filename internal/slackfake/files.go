package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// File is a file uploaded through files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal (docs/slack-platform.md, "What slack-go puts on the wire").
type File struct {
	ID        string
	Name      string
	Title     string
	Length    int    // as declared to files.getUploadURLExternal
	Content   []byte // as uploaded
	Uploaded  bool
	Completed bool
	Channels  []string
}

type fileRec struct {
	File
	key string
}

func (f *fileRec) json() map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "title": f.Title, "size": len(f.Content)}
}

// Files returns every file whose upload was started, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, id := range s.ws.fileOrder {
		f := s.ws.files[id].File
		f.Content = slices.Clone(f.Content)
		f.Channels = slices.Clone(f.Channels)
		out = append(out, f)
	}
	return out
}

func (s *Server) apiGetUploadURL(r *apiReq) apiResult {
	if e := s.needScope("files:write"); e != nil {
		return scopeFail(e)
	}
	name := r.p.str("filename")
	length, err := strconv.Atoi(r.p.str("length"))
	if name == "" || err != nil || length <= 0 {
		return fail("missing_argument", "filename %q and a positive length (%q) are required", name, r.p.str("length"))
	}
	f := &fileRec{File: File{ID: "F" + s.randID(10), Name: name, Title: name, Length: length}, key: s.randHex(40)}
	s.ws.files[f.ID] = f
	s.ws.fileOrder = append(s.ws.fileOrder, f.ID)
	// The upload URL shares the API URL's scheme and host: slack-go refuses to send
	// the token anywhere else (docs/slack-platform.md, "What slack-go puts on the wire", SG:misc.go ensureURLMayReceiveToken).
	return ok(map[string]any{"upload_url": s.base + "/upload/v1/" + f.key, "file_id": f.ID})
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	s.mu.Lock()
	flt := s.faultLocked(FaultUpload)
	s.mu.Unlock()
	if flt != nil {
		if !s.sleep(r.Context(), flt.Delay) {
			return
		}
		if s.answerFault(flt, func(status int, b map[string]any, h http.Header) { writeJSON(w, status, b, h) }) {
			return
		}
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var data []byte
	if mf, _, err := r.FormFile("file"); err == nil {
		data, _ = io.ReadAll(mf)
		_ = mf.Close()
	} else {
		data, _ = io.ReadAll(io.LimitReader(r.Body, 64<<20))
	}
	s.mu.Lock()
	var f *fileRec
	for _, cand := range s.ws.files {
		if cand.key == key {
			f = cand
		}
	}
	if f == nil {
		s.recordViolationLocked("upload", "file_not_found", "upload to an unknown upload URL")
		s.mu.Unlock()
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	f.Content, f.Uploaded = data, true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

func (s *Server) apiCompleteUpload(r *apiReq) apiResult {
	if e := s.needScope("files:write"); e != nil {
		return scopeFail(e)
	}
	raw, has, err := r.p.jsonArg("files")
	if err != nil || !has {
		return fail("invalid_arguments", "files must be a JSON array of {id, title}")
	}
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return fail("invalid_arguments", "files must be a non-empty JSON array of {id, title}")
	}
	var recs []*fileRec
	for _, item := range list {
		f := s.ws.files[item.ID]
		if f == nil || !f.Uploaded || f.Completed {
			return fail("file_not_found", "file %q was not uploaded (or was already completed)", item.ID)
		}
		recs = append(recs, f)
	}
	var c *channelRec
	if ch := r.p.str("channel_id"); ch != "" {
		var code string
		if c, code = s.resolveChannelLocked(ch, false); code != "" {
			return fail(code, "channel_id %q", ch)
		}
		if e := s.canPostLocked(c); e != nil {
			return apiResult{err: e}
		}
	}
	var ct content
	ct.text = r.p.str("initial_comment")
	if ct.text == "" && r.p.has("blocks") {
		var e *apiError
		if ct, e = s.parseContent(r.p, false); e != nil {
			return apiResult{err: e}
		}
	}
	out := make([]map[string]any, 0, len(recs))
	for i, f := range recs {
		if list[i].Title != "" {
			f.Title = list[i].Title
		}
		f.Completed = true
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	if c != nil {
		m := s.postLocked(c, ct, r.p.str("thread_ts"), "files.completeUploadExternal")
		for _, f := range recs {
			m.Files = append(m.Files, f.ID)
			f.Channels = append(f.Channels, c.ID)
		}
	}
	return ok(map[string]any{"files": out})
}
