package social

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// clock is a test clock that moves 1ms forward at every reading, so that
// every event has its own time, and jumps with Advance.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tinyArgon2 makes hashing cost microseconds in tests.
var tinyArgon2 = Argon2{Time: 1, MemoryKiB: 64, Threads: 1}

const testPassword = "correct horse battery"

func newTestService(t testing.TB, db *store.DB, opts Options) (*Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if opts.Clock == nil {
		opts.Clock = c.Now
	}
	if opts.Argon2 == (Argon2{}) {
		opts.Argon2 = tinyArgon2
	}
	return New(db, opts), c
}

func signup(t testing.TB, s *Service, handle string) Account {
	t.Helper()
	a, err := s.Signup(context.Background(), SignupInput{
		Handle: handle, DisplayName: handle + " Example", Email: handle + "@example.com", Password: testPassword,
	})
	if err != nil {
		t.Fatalf("Signup(%s): %v", handle, err)
	}
	return a
}

func post(t testing.TB, s *Service, authorID, body string) Post {
	t.Helper()
	p, err := s.CreatePost(context.Background(), authorID, NewPost{Body: body})
	if err != nil {
		t.Fatalf("CreatePost(%q): %v", body, err)
	}
	return p
}

func reply(t testing.TB, s *Service, authorID, to, body string) Post {
	t.Helper()
	p, err := s.CreatePost(context.Background(), authorID, NewPost{Body: body, ReplyToID: to})
	if err != nil {
		t.Fatalf("CreatePost(reply to %s, %q): %v", to, body, err)
	}
	return p
}

func login(t testing.TB, s *Service, handle string) Session {
	t.Helper()
	sess, err := s.Login(context.Background(), Credentials{Handle: handle, Password: testPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login(%s): %v", handle, err)
	}
	return sess
}

// wantErr fails unless err has the code (and, when param is not "", the
// param).
func wantErr(t testing.TB, what string, err error, code nestegg.Code, param string) {
	t.Helper()
	if !nestegg.Match(&nestegg.Error{Code: code, Param: param}, err) {
		t.Fatalf("%s = %v (%s, param %q), want %s (param %q)", what, err, nestegg.ErrorCode(err), nestegg.ErrorParam(err), code, param)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ptr[T any](v T) *T { return &v }

// ids returns the ids of timeline entries (the repost id for reposts).
func ids(tl Timeline) []string {
	out := []string{}
	for _, e := range tl.Entries {
		if e.RepostID != "" {
			out = append(out, e.RepostID)
		} else {
			out = append(out, e.Post.ID)
		}
	}
	return out
}
