package events

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nestegg/nestegg"
)

// TestMembersCannotReachPrivateAddresses: a member's endpoint may not name
// a private, loopback or link-local address, nor use plain http; and the
// delivery client refuses a connection that would reach one, whatever the
// name resolved to (the check runs on the address dialled).
func TestMembersCannotReachPrivateAddresses(t *testing.T) {
	s := &Service{opt: Options{}}
	for _, u := range []string{"http://example.com/hook", "https://127.0.0.1/hook", "https://10.1.2.3/", "https://[::1]/",
		"https://169.254.169.254/latest/meta-data", "https://localhost/hook", "https://db.internal/", "ftp://example.com/", "https://user:pw@example.com/", "not a url"} {
		if _, err := s.checkURL("usr_a", u); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("checkURL(member, %q) = %v, want Invalid", u, err)
		}
	}
	if _, err := s.checkURL("usr_a", "https://hooks.example.com/nestegg"); err != nil {
		t.Errorf("a public https endpoint: %v", err)
	}
	if _, err := s.checkURL(Operator, "http://10.0.0.5:8080/hooks"); err != nil {
		t.Errorf("the operator's own service: %v", err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := newClient(false).Get(srv.URL)
	var blocked *blockedAddr
	if !errors.As(err, &blocked) {
		t.Fatalf("the members' client reached %s: %v", srv.URL, err)
	}
	if resp, err := newClient(true).Get(srv.URL); err != nil {
		t.Fatalf("the operator's client: %v", err)
	} else {
		resp.Body.Close()
	}
}
