package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// runBank links, verifies and removes bank accounts, as the web's Bank &
// cards page does:
//
//	nestegg bank link --routing 110000000 [--holder NAME] [--savings] [--account-stdin]
//	nestegg bank verify bnk_… AMOUNT1 AMOUNT2
//	nestegg bank remove bnk_…
//
// The account number is read from stdin, never from a flag, so it stays
// out of shell history and ps; only its mask is ever printed.
func runBank(ctx context.Context, e *env, args []string) error {
	const usage = "usage: nestegg bank link --routing number [--holder name] [--savings] [--account-stdin] | nestegg bank verify id amount1 amount2 | nestegg bank remove id"
	if wantsHelp(args) {
		fmt.Fprintln(e.stdout, usage)
		return flag.ErrHelp
	}
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "link":
		return runBankLink(ctx, e, args[1:])
	case "verify":
		return runBankVerify(ctx, e, args[1:])
	case "remove":
		return runBankRemove(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "nestegg bank: unknown command %q\n%s\n", args[0], usage)
	return errUsage
}

func runBankLink(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bank link")
	routing := fs.String("routing", "", "the bank's 9-digit routing number")
	holder := fs.String("holder", "", "the account holder's name (default: your display name)")
	savings := fs.Bool("savings", false, "a savings account (default: checking)")
	quiet := fs.Bool("account-stdin", false, "read the account number from stdin without prompting")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *routing == "" {
		fmt.Fprintln(e.stderr, "nestegg bank link: --routing is required (the account number is read from stdin)")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if *holder == "" {
		var me struct {
			DisplayName string `json:"display_name"`
		}
		if err := c.do(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
			return explain(err)
		}
		*holder = me.DisplayName
	}
	if !*quiet {
		fmt.Fprint(e.stderr, "Account number: ")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no account number on stdin")
	}
	number := strings.Join(strings.Fields(line), "")
	kind := "checking"
	if *savings {
		kind = "savings"
	}
	var b bankAccount
	in := map[string]string{"holder_name": *holder, "routing_number": *routing, "account_number": number, "account_type": kind}
	if err := c.do(ctx, "POST", "/api/v1/bank-accounts", in, &b); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Linked bank account %s (%s): %s\n", printable(b.Masked), printable(b.ID), printable(b.Status))
	fmt.Fprintf(e.stdout, "Verify with: nestegg bank verify %s <amount1> <amount2> once the two small deposits (under $1 each) arrive.\n", printable(b.ID))
	return nil
}

func runBankVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bank verify")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		fmt.Fprintln(e.stderr, "usage: nestegg bank verify id amount1 amount2 (each deposit in cents, such as 32, or as money, such as 0.32)")
		return errUsage
	}
	var amounts [2]int64
	for i, s := range pos[1:] {
		if amounts[i], err = microCents(s); err != nil {
			return err
		}
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var b bankAccount
	in := map[string]any{"amounts": amounts[:]}
	if err := c.do(ctx, "POST", "/api/v1/bank-accounts/"+url.PathEscape(pos[0])+"/verify", in, &b); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Verified bank account %s (%s). You can deposit from it and withdraw to it now.\n", printable(b.Masked), printable(b.ID))
	return nil
}

// microCents reads a micro-deposit as the member typed it: cents ("32",
// "32c", "32¢", as the web form takes them) or money ("0.32", "$0.32",
// read as deposit reads amounts). Micro-deposits are 1 to 99 cents.
func microCents(s string) (int64, error) {
	var n int64
	if strings.ContainsAny(s, ".$") {
		a, err := minorUnits(s)
		if err != nil {
			return 0, err
		}
		n = a.Minor
	} else {
		v := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "¢"), "c")
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, fmt.Errorf("amount %q: enter each deposit in cents, such as 32, or as money, such as 0.32", s)
		}
	}
	if n <= 0 || n > 99 {
		return 0, fmt.Errorf("amount %q: each small deposit is under $1 (1 to 99 cents)", s)
	}
	return n, nil
}

func runBankRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bank remove")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: nestegg bank remove id")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/api/v1/bank-accounts/"+url.PathEscape(pos[0]), nil, nil); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Removed bank account %s.\n", printable(pos[0]))
	return nil
}
