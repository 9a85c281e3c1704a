package ghfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Request is one request the server answered.
type Request struct {
	Method string
	// Path and Query as sent, e.g. /repos/o/r/issues/7/comments and
	// page=2&per_page=100.
	Path, Query string
	// Body is the comment body sent by a create or an edit.
	Body string
}

// Comment is a stored issue comment.
type Comment struct {
	ID    int64  `json:"id"`
	Body  string `json:"body"`
	Issue int    `json:"-"`
}

// Server is the fake API; its URL is the API root (GITHUB_API_URL).
type Server struct {
	*httptest.Server
	// Repository (OWNER/NAME) and Token the server accepts.
	Repository, Token string
	// PageSize caps per_page, so tests reach pagination with few comments.
	PageSize int

	mu       sync.Mutex
	fail     int
	comments []*Comment
	nextID   int64
	requests []Request
}

// New starts a server for repository that accepts token.
func New(repository, token string) *Server {
	s := &Server{Repository: repository, Token: token, PageSize: 100, nextID: 1000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Fail makes every later request answer status: 401, 403, 404, or 429
// for a primary rate limit (GitHub's 403 with no requests remaining).
func (s *Server) Fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = status
}

// Add stores a comment on issue (or pull request) n and returns its id.
func (s *Server) Add(n int, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(n, body).ID
}

func (s *Server) add(n int, body string) *Comment {
	s.nextID++
	c := &Comment{ID: s.nextID, Body: body, Issue: n}
	s.comments = append(s.comments, c)
	return c
}

// Comments returns the comments of issue n, oldest first.
func (s *Server) Comments(n int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Issue == n {
			out = append(out, *c)
		}
	}
	return out
}

// Requests returns every request so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

var (
	listOrCreate = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$`)
	edit         = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var in struct {
		Body string `json:"body"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &in)
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: in.Body})
	if s.refuse(w, r) {
		return
	}
	if m := listOrCreate.FindStringSubmatch(r.URL.Path); m != nil && m[1] == s.Repository {
		n, _ := strconv.Atoi(m[2])
		switch r.Method {
		case http.MethodGet:
			s.list(w, r, n)
			return
		case http.MethodPost:
			reply(w, http.StatusCreated, s.view(s.add(n, in.Body)))
			return
		}
	}
	if m := edit.FindStringSubmatch(r.URL.Path); m != nil && m[1] == s.Repository && r.Method == http.MethodPatch {
		id, _ := strconv.ParseInt(m[2], 10, 64)
		for _, c := range s.comments {
			if c.ID == id {
				c.Body = in.Body
				reply(w, http.StatusOK, s.view(c))
				return
			}
		}
	}
	reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

// refuse answers the injected failure or a missing or wrong token.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case s.fail == http.StatusTooManyRequests:
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Unix(), 10))
		reply(w, http.StatusForbidden, map[string]string{"message": "API rate limit exceeded for installation ID 1."})
	case s.fail != 0:
		reply(w, s.fail, map[string]string{"message": http.StatusText(s.fail)})
	case r.Header.Get("Authorization") != "Bearer "+s.Token:
		reply(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
	default:
		return false
	}
	return true
}

// list answers one page of issue n's comments with a Link header to the
// next, as GitHub paginates.
func (s *Server) list(w http.ResponseWriter, r *http.Request, n int) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	size, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if size <= 0 || size > s.PageSize {
		size = s.PageSize
	}
	var all []*Comment
	for _, c := range s.comments {
		if c.Issue == n {
			all = append(all, c)
		}
	}
	from := min((page-1)*size, len(all))
	to := min(from+size, len(all))
	out := []map[string]any{}
	for _, c := range all[from:to] {
		out = append(out, s.view(c))
	}
	if to < len(all) {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&per_page=%d>; rel="next"`, s.URL, r.URL.Path, page+1, size))
	}
	reply(w, http.StatusOK, out)
}

func (s *Server) view(c *Comment) map[string]any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"html_url": fmt.Sprintf("https://github.test/%s/pull/%d#issuecomment-%d", s.Repository, c.Issue, c.ID),
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
