package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// demoClock is the sandbox clock of `serve --demo` unless one is given:
// a deposit is spendable, and a linked bank can be verified, within
// seconds of asking.
const demoClock = 5 * time.Second

// demoRails refuses --demo unless the install is a sandbox: the demo
// gives its members opening balances, and a real rail would pay them out.
// Errors: Invalid.
func demoRails(plan railSet) error {
	if !plan.sandbox() {
		return nestegg.Errorf(nestegg.Invalid, "--demo runs only on the sandbox rails: its members' opening balances are not real money, and a real bank or card processor would pay them out")
	}
	return nil
}

// seedDemoMoney gives the demo's members their opening balances, backed
// by as much cash at the (sandbox) bank.
func seedDemoMoney(ctx context.Context, soc *social.Service, pay *payments.Service) error {
	_, err := demo.SeedMoney(ctx, soc, pay)
	return err
}

// seedDemo seeds the demo community for `serve --demo` (or finds it
// already there). A database with other people's accounts is refused
// before the server starts, so --demo can never pollute real data.
func seedDemo(ctx context.Context, db *store.DB, payHandle string) (*demo.Result, error) {
	res, err := demo.Seed(ctx, db, demo.Options{PayHandle: payHandle})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// printDemo tells a newcomer what to do next: where to go and who to be.
func printDemo(w io.Writer, res *demo.Result, url string) {
	if res.Seeded {
		fmt.Fprintln(w, "Seeded the demo community.")
	} else {
		fmt.Fprintln(w, "The demo community is already here.")
	}
	at := make([]string, len(res.Handles))
	for i, h := range res.Handles {
		at[i] = "@" + h
	}
	fmt.Fprintf(w, "Open %s/login and log in as any of %s\n", url, strings.Join(at, ", "))
	fmt.Fprintf(w, "with the demo password: %s\n", res.Password)
	fmt.Fprintln(w, "Try @maya (a neighbour), @priya (a creator) or @beanthere (the café), or sign up as yourself.")
}
