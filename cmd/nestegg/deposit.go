package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/nestegg/nestegg/money"
)

// movement is the part of the API's Movement the CLI shows.
type movement struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Display      string `json:"display"`
	Fee          int64  `json:"fee"`
	FeeDisplay   string `json:"fee_display"`
	TotalDisplay string `json:"total_display"`
	Speed        string `json:"speed"`
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	Next         string `json:"next"`
}

type bankAccount struct {
	ID         string `json:"id"`
	HolderName string `json:"holder_name"`
	Masked     string `json:"account_number_masked"`
	Status     string `json:"status"`
}

// minorUnits reads a typed amount ("50", "$50", "12.34") as minor units
// of USD, the rails' asset.
func minorUnits(amount string) (money.Amount, error) {
	a, err := money.ParsePositive(amount, "USD")
	if err != nil {
		return money.Amount{}, fmt.Errorf("amount %q: %w", amount, err)
	}
	return a, nil
}

// defaultBank is the id given, or the member's only verified bank account.
func defaultBank(ctx context.Context, c *apiClient, id string) (string, error) {
	if id != "" {
		return id, nil
	}
	var list struct{ Data []bankAccount }
	if err := c.do(ctx, "GET", "/api/v1/bank-accounts", nil, &list); err != nil {
		return "", explain(err)
	}
	var found []bankAccount
	for _, b := range list.Data {
		if b.Status == "verified" {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("you have no verified bank account: link one with nestegg bank link, or on the web (Bank & cards)")
	case 1:
		return found[0].ID, nil
	}
	return "", fmt.Errorf("you have %d verified bank accounts: choose one with --bank (nestegg funding lists them)", len(found))
}

// runDeposit pulls money from a bank account: nestegg deposit 50 [--bank
// bnk_…]. It asks first unless --yes, and prints its Idempotency-Key.
func runDeposit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "deposit")
	bank := fs.String("bank", "", "bank account id (default: your only verified one)")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier deposit with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: nestegg deposit amount [--bank id] [--yes] [--idempotency-key key]")
		return errUsage
	}
	amt, err := minorUnits(pos[0])
	if err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	id, err := defaultBank(ctx, c, *bank)
	if err != nil {
		return err
	}
	if !*yes {
		ok, err := confirm(e, fmt.Sprintf("Deposit %s from bank account %s (no fee; spendable when the bank settles it)?", money.Format(amt), printable(id)))
		if err != nil || !ok {
			fmt.Fprintln(e.stdout, "Nothing moved.")
			return err
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var m movement
	in := map[string]any{"bank_account_id": id, "amount": amt.Minor}
	if err := c.doHeader(ctx, "POST", "/api/v1/deposits", http.Header{"Idempotency-Key": {k}}, in, &m); err != nil {
		return explain(err)
	}
	printMovement(e, m)
	return nil
}

func printMovement(e *env, m movement) {
	fmt.Fprintf(e.stdout, "%s %s: %s (%s)\n", printable(m.Kind), printable(m.Display), printable(m.Status), printable(m.ID))
	if m.Fee > 0 {
		fmt.Fprintf(e.stdout, "Fee %s, %s in all\n", printable(m.FeeDisplay), printable(m.TotalDisplay))
	}
	if m.Next != "" {
		fmt.Fprintln(e.stdout, printable(m.Next))
	}
}

// runFunding lists the member's bank accounts, cards and recent
// movements: nestegg funding.
func runFunding(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "funding")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var banks struct{ Data []bankAccount }
	var cards struct {
		Data []struct {
			ID, Brand string
			Masked    string `json:"number_masked"`
			ExpMonth  int    `json:"exp_month"`
			ExpYear   int    `json:"exp_year"`
		}
	}
	var moves struct{ Data []movement }
	for path, out := range map[string]any{"/api/v1/bank-accounts": &banks, "/api/v1/cards": &cards, "/api/v1/movements?" + url.Values{"limit": {"20"}}.Encode(): &moves} {
		if err := c.do(ctx, "GET", path, nil, out); err != nil {
			return explain(err)
		}
	}
	fmt.Fprintln(e.stdout, "Bank accounts:")
	for _, b := range banks.Data {
		fmt.Fprintf(e.stdout, "  %s  %s %s  %s\n", printable(b.ID), printable(b.HolderName), printable(b.Masked), printable(b.Status))
	}
	fmt.Fprintln(e.stdout, "Cards:")
	for _, cd := range cards.Data {
		fmt.Fprintf(e.stdout, "  %s  %s %s  exp %02d/%d\n", printable(cd.ID), printable(cd.Brand), printable(cd.Masked), cd.ExpMonth, cd.ExpYear)
	}
	fmt.Fprintln(e.stdout, "Movements:")
	for _, m := range moves.Data {
		fmt.Fprintf(e.stdout, "  %s  %-10s %10s  %s\n", printable(m.ID), printable(m.Kind), printable(m.Display), printable(m.Status))
	}
	return nil
}
