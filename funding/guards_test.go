package funding_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func (e *env) link(user, account string) (funding.BankAccount, error) {
	return e.f.LinkBank(e.ctx, user, funding.BankInput{HolderName: "Alice Ample", RoutingNumber: "011000015", AccountNumber: account})
}

func (e *env) mustLink(user, account string) funding.BankAccount {
	e.t.Helper()
	b, err := e.link(user, account)
	if err != nil {
		e.t.Fatalf("LinkBank(%s, %s): %v", user, account, err)
	}
	return b
}

func (e *env) export() {
	e.t.Helper()
	if _, err := e.f.ExportACH(e.ctx); err != nil {
		e.t.Fatalf("ExportACH: %v", err)
	}
}

func (e *env) micro(user, bankID string) [2]int64 {
	e.t.Helper()
	m, err := e.f.SandboxMicroDeposits(e.ctx, user, bankID)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestVerifyOnlyOnceSent: the amounts are refused until the micro-deposits
// have gone out in an ACH file (nobody can have read them before), and
// asking early costs no attempt.
func TestVerifyOnlyOnceSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.mustLink("usr_a", "123456789")
		m := e.micro("usr_a", b.ID)
		if _, err := e.f.VerifyBank(e.ctx, "usr_a", b.ID, m[0], m[1]); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("VerifyBank before the micro-deposits were sent = %v, want conflict", err)
		}
		if got, _ := e.f.BankAccount(e.ctx, "usr_a", b.ID); got.Status != funding.BankPending || got.AttemptsLeft != funding.MaxVerifyAttempts {
			t.Fatalf("after verifying early: %+v, want pending with every attempt left", got)
		}
		e.export()
		if got, err := e.f.VerifyBank(e.ctx, "usr_a", b.ID, m[0], m[1]); err != nil || got.Status != funding.BankVerified {
			t.Fatalf("VerifyBank once sent = %+v, %v", got, err)
		}
		// A right answer costs no attempt: a joint account's other
		// holder has them all.
		b2 := e.mustLink("usr_b", "123456789")
		if b2.AttemptsLeft != funding.MaxVerifyAttempts {
			t.Fatalf("the other holder's link has %d attempts, want %d", b2.AttemptsLeft, funding.MaxVerifyAttempts)
		}
	})
}

// TestRelinkGivesNoNewGuesses: the guesses belong to the bank account,
// not to the link: removing a link and making it again, or linking the
// account as another member, gives none back until the window has passed.
func TestRelinkGivesNoNewGuesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const victim = "987654321"
		b := e.mustLink("usr_mallory", victim)
		e.export()
		for i := 0; i < 2; i++ {
			if _, err := e.f.VerifyBank(e.ctx, "usr_mallory", b.ID, 100, 100); !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("wrong amounts = %v, want invalid", err)
			}
		}
		if err := e.f.RemoveBank(e.ctx, "usr_mallory", b.ID); err != nil {
			t.Fatal(err)
		}
		b = e.mustLink("usr_mallory", victim)
		if b.AttemptsLeft != 1 {
			t.Fatalf("a relinked account has %d attempts, want the 1 left", b.AttemptsLeft)
		}
		e.export()
		if _, err := e.f.VerifyBank(e.ctx, "usr_mallory", b.ID, 100, 100); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("last wrong amounts = %v, want invalid", err)
		}
		if got, _ := e.f.BankAccount(e.ctx, "usr_mallory", b.ID); got.Status != funding.BankFailed {
			t.Fatalf("after the last attempt the link is %s, want failed", got.Status)
		}
		if err := e.f.RemoveBank(e.ctx, "usr_mallory", b.ID); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"usr_mallory", "usr_trudy"} {
			if _, err := e.link(user, victim); !nestegg.Is(err, nestegg.RateLimited) {
				t.Fatalf("%s linking the account again = %v, want rate limited", user, err)
			}
		}
		// The window passes: the account may be tried again.
		e.clock.Advance(31 * 24 * time.Hour)
		b = e.mustLink("usr_alice", victim)
		if b.AttemptsLeft != funding.MaxVerifyAttempts {
			t.Fatalf("after the window: %d attempts, want %d", b.AttemptsLeft, funding.MaxVerifyAttempts)
		}
		e.export()
		m := e.micro("usr_alice", b.ID)
		if got, err := e.f.VerifyBank(e.ctx, "usr_alice", b.ID, m[0], m[1]); err != nil || got.Status != funding.BankVerified {
			t.Fatalf("VerifyBank after the window = %+v, %v", got, err)
		}
	})
}

// TestParallelGuessesCapped: 100 guesses at once, spread over links of one
// account by several members, get the account's 3 guesses and no more;
// then even the right amounts are refused.
func TestParallelGuessesCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const account = "555444333"
		var links []funding.BankAccount
		var users []string
		for i := range 4 {
			u := fmt.Sprintf("usr_%d", i)
			links, users = append(links, e.mustLink(u, account)), append(users, u)
		}
		e.export()
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[nestegg.Code]int{}
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.f.VerifyBank(e.ctx, users[i%4], links[i%4].ID, 100, 100)
				mu.Lock()
				codes[nestegg.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[nestegg.Invalid] != funding.MaxVerifyAttempts || codes[nestegg.Invalid]+codes[nestegg.RateLimited]+codes[nestegg.Conflict] != 100 {
			t.Fatalf("100 parallel guesses: %v; want %d evaluated (invalid), the rest refused", codes, funding.MaxVerifyAttempts)
		}
		for i, b := range links {
			m := e.micro(users[i], b.ID)
			if _, err := e.f.VerifyBank(e.ctx, users[i], b.ID, m[0], m[1]); err == nil {
				t.Fatalf("the right amounts after the cap verified %s", b.ID)
			}
			if got, _ := e.f.BankAccount(e.ctx, users[i], b.ID); got.Status != funding.BankFailed {
				t.Fatalf("link %s is %s after the cap, want failed", b.ID, got.Status)
			}
		}
	})
}

// TestLinkCaps: a member has at most 5 links waiting for verification and
// makes at most 10 links a day (removed ones count), also when asking
// many at once.
func TestLinkCaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		acct := func(i int) string { return fmt.Sprintf("7000%05d", i) }
		var ids []string
		for i := range 5 {
			ids = append(ids, e.mustLink("usr_a", acct(i)).ID)
		}
		if _, err := e.link("usr_a", acct(5)); !nestegg.Is(err, nestegg.RateLimited) {
			t.Fatalf("a sixth pending link = %v, want rate limited", err)
		}
		for i := 5; i < 10; i++ {
			if err := e.f.RemoveBank(e.ctx, "usr_a", ids[0]); err != nil {
				t.Fatal(err)
			}
			ids = append(ids[1:], e.mustLink("usr_a", acct(i)).ID)
		}
		if err := e.f.RemoveBank(e.ctx, "usr_a", ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.link("usr_a", acct(10)); !nestegg.Is(err, nestegg.RateLimited) {
			t.Fatalf("an eleventh link in a day = %v, want rate limited", err)
		}
		e.clock.Advance(24 * time.Hour)
		e.mustLink("usr_a", acct(10))

		// 20 at once: 5 pass.
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[nestegg.Code]int{}
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.link("usr_b", acct(100+i))
				mu.Lock()
				codes[nestegg.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[""] != 5 || codes[nestegg.RateLimited] != 15 {
			t.Fatalf("20 links at once: %v; want 5 made, 15 rate limited", codes)
		}
	})
}
