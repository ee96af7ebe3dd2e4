package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/nestegg/nestegg/funding"
)

// fundingAuthzCases are the funding routes' authorization cases; see
// authzCases. The owner's bank accounts, cards and movements are made in
// the domain; a stranger naming them gets 404 and changes nothing.
var fundingAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"POST /api/v1/bank-accounts": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/bank-accounts", nobody: s401, stranger: s201, owner: s201, never: []string{testAccount},
			body: fmt.Sprintf(`{"holder_name":"Me","routing_number":%q,"account_number":%q}`, testRouting, testAccount)}
	},
	"GET /api/v1/bank-accounts": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.verifiedBank(t, w.owner.id)
		return authzCase{path: "/api/v1/bank-accounts", nobody: s401, stranger: s200, owner: s200, private: []string{b.ID}, never: []string{testAccount}}
	},
	"GET /api/v1/bank-accounts/{id}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.verifiedBank(t, w.owner.id)
		return authzCase{path: "/api/v1/bank-accounts/" + b.ID, nobody: s401, stranger: s404, owner: s200, private: []string{b.Masked}, never: []string{testAccount}}
	},
	"DELETE /api/v1/bank-accounts/{id}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.verifiedBank(t, w.owner.id)
		return authzCase{path: "/api/v1/bank-accounts/" + b.ID, nobody: s401, stranger: s404, owner: s204,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if _, err := e.funds.BankAccount(context.Background(), w.owner.id, b.ID); err != nil {
					t.Errorf("after a stranger's DELETE the owner's bank account is gone: %v", err)
				}
			}}
	},
	"POST /api/v1/bank-accounts/{id}/verify": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.pendingBank(t, w.owner.id)
		m, err := e.funds.SandboxMicroDeposits(context.Background(), w.owner.id, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.funds.ExportACH(context.Background()); err != nil {
			t.Fatal(err)
		}
		return authzCase{path: "/api/v1/bank-accounts/" + b.ID + "/verify", body: fmt.Sprintf(`{"amounts":[%d,%d]}`, m[0], m[1]),
			nobody: s401, stranger: s404, owner: s200,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if got, _ := e.funds.BankAccount(context.Background(), w.owner.id, b.ID); got.Status != funding.BankPending {
					t.Errorf("after a stranger's verify the owner's bank account is %s", got.Status)
				}
			}}
	},
	"GET /api/v1/sandbox/bank-accounts/{id}/micro-deposits": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.pendingBank(t, w.owner.id)
		return authzCase{path: "/api/v1/sandbox/bank-accounts/" + b.ID + "/micro-deposits", nobody: s401, stranger: s404, owner: s200}
	},
	"POST /api/v1/sandbox/cards/tokens": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/sandbox/cards/tokens", nobody: s401, stranger: s201, owner: s201, never: []string{cardOK, `"987"`},
			body: fmt.Sprintf(`{"number":%q,"exp_month":%d,"exp_year":%d,"cvc":%q}`, cardOK, testExpMonth, testExpYear, testCVC)}
	},
	"POST /api/v1/cards": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		// A token links only for the member it was issued to.
		tok := e.tokenizeAs(t, w.owner.token, cardOK)
		return authzCase{path: "/api/v1/cards", body: fmt.Sprintf(`{"token":%q}`, tok), nobody: s401, stranger: s400, owner: s201, never: []string{tok}}
	},
	"GET /api/v1/cards": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := e.linkedCard(t, w.owner.id, cardOK)
		return authzCase{path: "/api/v1/cards", nobody: s401, stranger: s200, owner: s200, private: []string{c.ID}}
	},
	"DELETE /api/v1/cards/{id}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := e.linkedCard(t, w.owner.id, cardOK)
		return authzCase{path: "/api/v1/cards/" + c.ID, nobody: s401, stranger: s404, owner: s204,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if cs, _ := e.funds.Cards(context.Background(), w.owner.id); len(cs) != 1 {
					t.Errorf("after a stranger's DELETE the owner has %d cards", len(cs))
				}
			}}
	},
	"POST /api/v1/deposits": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.verifiedBank(t, w.owner.id)
		return authzCase{path: "/api/v1/deposits", body: fmt.Sprintf(`{"bank_account_id":%q,"amount":5000}`, b.ID),
			nobody: s401, stranger: s404, owner: s201, after: noMovements}
	},
	"GET /api/v1/deposits":      ownerMovements("/api/v1/deposits", funding.KindDeposit),
	"GET /api/v1/deposits/{id}": ownerMovement("/api/v1/deposits/", funding.KindDeposit),
	"GET /api/v1/withdrawals/quote": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/withdrawals/quote?amount=2000", nobody: s401, stranger: s200, owner: s200}
	},
	"POST /api/v1/withdrawals": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		b := e.verifiedBank(t, w.owner.id)
		e.fundWallet(t, w.owner.id, 100_00)
		return authzCase{path: "/api/v1/withdrawals", body: fmt.Sprintf(`{"bank_account_id":%q,"amount":2000,"speed":"instant","fee":30}`, b.ID),
			nobody: s401, stranger: s404, owner: s201, after: noMovements}
	},
	"GET /api/v1/withdrawals":      ownerMovements("/api/v1/withdrawals", funding.KindWithdrawal),
	"GET /api/v1/withdrawals/{id}": ownerMovement("/api/v1/withdrawals/", funding.KindWithdrawal),
	"GET /api/v1/topups/quote": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/topups/quote?amount=1000", nobody: s401, stranger: s200, owner: s200}
	},
	"POST /api/v1/topups": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := e.linkedCard(t, w.owner.id, cardOK)
		return authzCase{path: "/api/v1/topups", body: fmt.Sprintf(`{"card_id":%q,"amount":1000}`, c.ID),
			nobody: s401, stranger: s404, owner: s201, after: noMovements}
	},
	"GET /api/v1/topups":      ownerMovements("/api/v1/topups", funding.KindTopUp),
	"GET /api/v1/topups/{id}": ownerMovement("/api/v1/topups/", funding.KindTopUp),
	"POST /api/v1/topups/{id}/confirm": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := e.linkedCard(t, w.owner.id, card3DS)
		m, err := e.funds.TopUp(context.Background(), w.owner.id, funding.TopUpInput{CardID: c.ID, Amount: usd(1000), IdempotencyKey: "authz"})
		if err != nil || m.Status != funding.StatusRequiresAction {
			t.Fatalf("TopUp = %+v, %v", m, err)
		}
		return authzCase{path: "/api/v1/topups/" + m.ID + "/confirm", nobody: s401, stranger: s404, owner: s200,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if got, _ := e.funds.Movement(context.Background(), w.owner.id, m.ID); got.Status != funding.StatusRequiresAction {
					t.Errorf("after a stranger's confirm the top-up is %s", got.Status)
				}
			}}
	},
	"GET /api/v1/movements":      ownerMovements("/api/v1/movements", funding.KindDeposit),
	"GET /api/v1/movements/{id}": ownerMovement("/api/v1/movements/", funding.KindTopUp),

	"GET /api/v1/operator/reconciliation": operatorOnly("/api/v1/operator/reconciliation", ""),
	"POST /api/v1/operator/ach/export":    operatorOnly("/api/v1/operator/ach/export", ""),
	"POST /api/v1/operator/ach/returns":   operatorOnly("/api/v1/operator/ach/returns", `{"file":"x"}`),
}

// noMovements checks that a stranger's request started no movement of
// the owner's.
func noMovements(t *testing.T, e *apiEnv, w *authzWorld) {
	if ms, _ := e.funds.Movements(context.Background(), w.owner.id, 0); len(ms) != 0 {
		t.Errorf("after a stranger's request the owner has movements: %+v", ms)
	}
}

// ownerMovement makes a movement of kind for the owner in the domain.
func (e *apiEnv) ownerMovement(t *testing.T, w *authzWorld, kind funding.Kind) funding.Movement {
	t.Helper()
	ctx := context.Background()
	var m funding.Movement
	var err error
	switch kind {
	case funding.KindDeposit:
		b := e.verifiedBank(t, w.owner.id)
		m, err = e.funds.Deposit(ctx, w.owner.id, funding.DepositInput{BankAccountID: b.ID, Amount: usd(5000), IdempotencyKey: "authz"})
	case funding.KindWithdrawal:
		b := e.verifiedBank(t, w.owner.id)
		e.fundWallet(t, w.owner.id, 100_00)
		m, err = e.funds.Withdraw(ctx, w.owner.id, funding.WithdrawInput{BankAccountID: b.ID, Amount: usd(2000), IdempotencyKey: "authz"})
	case funding.KindTopUp:
		c := e.linkedCard(t, w.owner.id, cardOK)
		m, err = e.funds.TopUp(ctx, w.owner.id, funding.TopUpInput{CardID: c.ID, Amount: usd(1000), IdempotencyKey: "authz"})
	}
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return m
}

func ownerMovements(path string, kind funding.Kind) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		m := e.ownerMovement(t, w, kind)
		return authzCase{path: path, nobody: s401, stranger: s200, owner: s200, private: []string{m.ID}}
	}
}

func ownerMovement(prefix string, kind funding.Kind) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		m := e.ownerMovement(t, w, kind)
		return authzCase{path: prefix + m.ID, nobody: s401, stranger: s404, owner: s200}
	}
}

// tokenize makes a sandbox card token, for a new member.
func (e *apiEnv) tokenize(t testing.TB, number string) string {
	t.Helper()
	return e.tokenizeAs(t, e.memberToken(t), number)
}

// tokenizeAs makes a sandbox card token for the member with API token api.
func (e *apiEnv) tokenizeAs(t testing.TB, api, number string) string {
	t.Helper()
	var tok struct{ Token string }
	w := e.as(api, http.MethodPost, "/api/v1/sandbox/cards/tokens",
		fmt.Sprintf(`{"number":%q,"exp_month":%d,"exp_year":%d,"cvc":%q}`, number, testExpMonth, testExpYear, testCVC))
	if w.Code != http.StatusCreated {
		t.Fatalf("tokenize = %d %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	return tok.Token
}
