package social

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// enableTOTP turns two-factor on for userID and returns its secret.
func enableTOTP(t *testing.T, s *Service, clk *clock, userID string) string {
	t.Helper()
	ctx := context.Background()
	en, err := s.EnrollTOTP(ctx, userID)
	must(t, "EnrollTOTP", err)
	must(t, "ConfirmTOTP", s.ConfirmTOTP(ctx, userID, totpCode(t, en.Secret, clk)))
	clk.Advance(30 * time.Second) // the confirming code is spent
	return en.Secret
}

func totpCode(t *testing.T, secret string, clk *clock) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, clk.Now())
	must(t, "GenerateCode", err)
	return c
}

// wrongCodes returns n codes none of which is valid now (nor a step either
// side), as a guesser would try them.
func wrongCodes(t *testing.T, secret string, clk *clock, n int) []string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, err := totp.GenerateCode(secret, clk.Now().Add(d))
		must(t, "GenerateCode", err)
		valid[c] = true
	}
	var out []string
	for i := 0; len(out) < n; i++ {
		if c := fmt.Sprintf("%06d", i); !valid[c] {
			out = append(out, c)
		}
	}
	return out
}

func challengeFor(t *testing.T, s *Service, handle, ip string) string {
	t.Helper()
	_, err := s.Login(context.Background(), Credentials{Handle: handle, Password: testPassword, IP: ip})
	var sf *SecondFactorRequired
	if !errors.As(err, &sf) {
		t.Fatalf("Login(%s) = %v, want a second-factor challenge", handle, err)
	}
	return sf.Challenge
}

// TestChallengeCodeCap grinds one login challenge with wrong codes from
// 200 addresses at once, then sends the right code: a challenge takes
// ChallengeMaxCodes codes and then none, whatever the addresses and even
// when the account's own budget is far away.
func TestChallengeCodeCap(t *testing.T) {
	for _, opts := range []Options{{}, {LoginMaxFailures: 1000, AccountMaxFailures: 1000}} {
		t.Run(fmt.Sprintf("account budget %d", opts.AccountMaxFailures), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				s, clk := newTestService(t, db, opts)
				ada := signup(t, s, "ada")
				secret := enableTOTP(t, s, clk, ada.ID)
				ch := challengeFor(t, s, "ada", "192.0.2.1")

				var mu sync.Mutex
				evaluated := 0
				var wg sync.WaitGroup
				for i, code := range wrongCodes(t, secret, clk, 199) {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := s.CompleteLogin(ctx, SecondFactor{Challenge: ch, Code: code, IP: fmt.Sprintf("198.51.%d.%d", i/200, i%200)})
						if err == nil {
							t.Errorf("wrong code %s accepted", code)
							return
						}
						if nestegg.ErrorParam(err) == "code" {
							mu.Lock()
							evaluated++
							mu.Unlock()
						} else if !nestegg.Is(err, nestegg.Unauthenticated) && !nestegg.Is(err, nestegg.RateLimited) {
							t.Errorf("wrong code = %v", err)
						}
					}()
				}
				wg.Wait()
				if evaluated > ChallengeMaxCodes {
					t.Fatalf("%d codes evaluated on one challenge, want at most %d", evaluated, ChallengeMaxCodes)
				}
				// The 200th guess is the right code, from a fresh address:
				// the challenge is dead all the same.
				_, err := s.CompleteLogin(ctx, SecondFactor{Challenge: ch, Code: totpCode(t, secret, clk), IP: "203.0.113.200"})
				if err == nil {
					t.Fatal("the right code on a ground-down challenge started a session")
				}
				if !nestegg.Is(err, nestegg.Unauthenticated) && !nestegg.Is(err, nestegg.RateLimited) {
					t.Fatalf("right code on a dead challenge = %v", err)
				}
				// The owner starts again with the password and gets in.
				ch = challengeFor(t, s, "ada", "203.0.113.5")
				if _, err := s.CompleteLogin(ctx, SecondFactor{Challenge: ch, Code: totpCode(t, secret, clk), IP: "203.0.113.5"}); err != nil {
					t.Fatalf("fresh challenge: %v", err)
				}
			})
		})
	}
}

// TestAccountBudget guesses one account's password from a new address each
// time: the account's budget runs out regardless, the right password is
// refused until the back-off has passed, and each lockout in a row lasts
// twice the one before.
func TestAccountBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		signup(t, s, "ada")
		ip := 0
		try := func(password string) error {
			ip++
			_, err := s.Login(ctx, Credentials{Handle: "ada", Password: password, IP: fmt.Sprintf("198.51.100.%d", ip)})
			return err
		}
		guess := func(n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				wantErr(t, fmt.Sprintf("guess %d", i+1), try("guess"), nestegg.Unauthenticated, "")
			}
		}
		guess(10)
		for i := 0; i < 190; i++ {
			wantErr(t, "guess after the budget", try("guess"), nestegg.RateLimited, "")
		}
		wantErr(t, "right password while locked", try(testPassword), nestegg.RateLimited, "")
		clk.Advance(14 * time.Minute)
		wantErr(t, "right password before the back-off ends", try(testPassword), nestegg.RateLimited, "")
		clk.Advance(2 * time.Minute)
		guess(10) // a fresh budget, and a second lockout in a row
		clk.Advance(16 * time.Minute)
		wantErr(t, "right password within the doubled back-off", try(testPassword), nestegg.RateLimited, "")
		clk.Advance(15 * time.Minute)
		must(t, "right password after the back-off", try(testPassword))
		// The success forgot the lockouts: the next one is short again.
		guess(10)
		clk.Advance(16 * time.Minute)
		must(t, "right password after a first lockout", try(testPassword))

		// The code of a one-step login counts too: a guesser who has the
		// password gets no more tries at the code than at the password.
		ada, _ := s.Account(ctx, mustLogin(t, s, "ada").UserID)
		secret := enableTOTP(t, s, clk, ada.ID)
		for i, code := range wrongCodes(t, secret, clk, 30) {
			ip++
			_, err := s.Login(ctx, Credentials{Handle: "ada", Password: testPassword, Code: code, IP: fmt.Sprintf("198.51.100.%d", ip)})
			want := nestegg.Unauthenticated
			if i >= 10 {
				want = nestegg.RateLimited
			}
			wantErr(t, fmt.Sprintf("code guess %d", i+1), err, want, "")
		}
		_, err := s.Login(ctx, Credentials{Handle: "ada", Password: testPassword, Code: totpCode(t, secret, clk), IP: "203.0.113.1"})
		wantErr(t, "right code while locked", err, nestegg.RateLimited, "")
	})
}

func mustLogin(t *testing.T, s *Service, handle string) Session {
	t.Helper()
	return login(t, s, handle)
}

// openTwice opens the database at dsn twice, as two serve processes would,
// and migrates it once.
func openTwice(t *testing.T, dsn string) (*store.DB, *store.DB) {
	t.Helper()
	ctx := context.Background()
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, dsn, store.Options{})
		must(t, "store.Open", err)
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	must(t, "Migrate", dbs[0].Migrate(ctx))
	return dbs[0], dbs[1]
}

// TestParallelGuessesReserved sends 150 wrong passwords at once through two
// services sharing one database: each attempt is reserved before its
// password is evaluated, so no more than the limit are evaluated, and the
// account stays locked for the right password afterwards.
func TestParallelGuessesReserved(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db1, db2 := openTwice(t, dsn)
		s1, clk := newTestService(t, db1, Options{})
		s2 := New(db2, Options{Clock: clk.Now, Argon2: tinyArgon2})
		ada := signup(t, s1, "ada")
		signup(t, s1, "bob")

		burst := func(what string, limit int, attempt func(i int) error) {
			t.Helper()
			var mu sync.Mutex
			evaluated, refused := 0, 0
			var wg sync.WaitGroup
			for i := 0; i < 150; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := attempt(i)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case nestegg.Is(err, nestegg.Unauthenticated):
						evaluated++
					case nestegg.Is(err, nestegg.RateLimited):
						refused++
					default:
						t.Errorf("%s: attempt %d = %v", what, i, err)
					}
				}()
			}
			wg.Wait()
			if evaluated > limit || evaluated+refused != 150 {
				t.Fatalf("%s: %d evaluated, %d refused; want at most %d evaluated", what, evaluated, refused, limit)
			}
		}
		svc := func(i int) *Service {
			if i%2 == 0 {
				return s1
			}
			return s2
		}
		burst("one address", 5, func(i int) error {
			_, err := svc(i).Login(ctx, Credentials{Handle: "ada", Password: fmt.Sprintf("guess %d", i), IP: "198.51.100.7"})
			return err
		})
		_, err := s2.Login(ctx, Credentials{Handle: "ada", Password: testPassword, IP: "198.51.100.7"})
		wantErr(t, "right password from the locked address", err, nestegg.RateLimited, "")

		burst("150 addresses", 10, func(i int) error {
			_, err := svc(i).Login(ctx, Credentials{Handle: "bob", Password: fmt.Sprintf("guess %d", i), IP: fmt.Sprintf("198.51.100.%d", i)})
			return err
		})
		_, err = s1.Login(ctx, Credentials{Handle: "bob", Password: testPassword, IP: "203.0.113.9"})
		wantErr(t, "right password on a locked account", err, nestegg.RateLimited, "")

		// The current password asked before a sensitive change, from a
		// stolen session.
		burst("current password", 5, func(i int) error {
			return svc(i).ChangePassword(ctx, ada.ID, fmt.Sprintf("guess %d", i), "new password 1", "")
		})
		wantErr(t, "right current password while locked", s1.ChangePassword(ctx, ada.ID, testPassword, "new password 1", ""), nestegg.RateLimited, "")
		clk.Advance(16 * time.Minute)
		must(t, "ChangePassword after the lockout", s2.ChangePassword(ctx, ada.ID, testPassword, "new password 1", ""))
	})
}

// TestGuardsPurged checks that counters are forgotten once they no longer
// matter, and kept while a lockout could still double.
func TestGuardsPurged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		for i := 0; i < 5; i++ {
			s.Login(ctx, Credentials{Handle: "ghost", Password: "guess", IP: "198.51.100.7"})
		}
		count := func() int {
			var n int
			must(t, "count", db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM login_guards").Scan(&n))
			return n
		}
		must(t, "PurgeExpired", s.PurgeExpired(ctx))
		if n := count(); n != 2 {
			t.Fatalf("%d guards after purge, want 2", n)
		}
		clk.Advance(2 * time.Hour) // the unlocked account counter is stale; the lockout is remembered
		must(t, "PurgeExpired", s.PurgeExpired(ctx))
		if n := count(); n != 1 {
			t.Fatalf("%d guards after two hours, want 1", n)
		}
		clk.Advance(24 * time.Hour)
		must(t, "PurgeExpired", s.PurgeExpired(ctx))
		if n := count(); n != 0 {
			t.Fatalf("%d guards after a day, want 0", n)
		}
	})
}
