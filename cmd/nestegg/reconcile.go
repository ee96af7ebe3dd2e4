package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// runReconcile prints the reconciliation of the ledger's clearing accounts
// with the rails' records and fails when anything disagrees, so that cron
// can alert on it.
func runReconcile(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reconcile")
	dsn := databaseFlag(fs, e)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, closer, err := operatorFunding(ctx, e, *dsn)
	if err != nil {
		return err
	}
	defer closer()
	rep, err := f.Reconcile(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "reconciliation at %s: %d movements checked\n", rep.At.Format("2006-01-02 15:04:05 MST"), rep.Checked)
		fmt.Fprintf(e.stdout, "bank clearing: pending debits %s, pending credits %s; card clearing: posted %s\n",
			f.Money(rep.BankClearing.DebitsPending), f.Money(rep.BankClearing.CreditsPending), f.Money(rep.CardClearing.DebitsPosted-rep.CardClearing.CreditsPosted))
		for _, m := range rep.Mismatches {
			fmt.Fprintf(e.stdout, "MISMATCH %s %s: expected %s, found %s\n", m.Check, m.Reference, m.Want, m.Got)
		}
	}
	if !rep.OK() {
		return errors.New(fmt.Sprint(len(rep.Mismatches), " mismatches"))
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, "everything matches")
	}
	return nil
}
