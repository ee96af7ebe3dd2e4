package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// runCard adds and removes cards, as the web's Bank & cards page does:
//
//	nestegg card add --exp 12/30 [--card-stdin]   reads "NUMBER CVC" from stdin
//	nestegg card remove crd_…
//
// The number and CVC are read from stdin, never from a flag, and go only
// to the sandbox processor's tokenization endpoint; Nestegg links the
// token. Nothing of them is printed. A server with a real processor
// tokenizes in the member's browser, so there cards are added on the web.
func runCard(ctx context.Context, e *env, args []string) error {
	const usage = `usage: nestegg card add --exp MM/YY [--card-stdin] | nestegg card remove id   (cards that top up your wallet)
       your debit card: nestegg card issue | show | freeze | unfreeze | reveal | transactions
       nestegg card limits [--per-purchase 100] [--daily 250] [--block 7995,6011] [--online on|off] [--atm on|off]
       nestegg card simulate --merchant "Bean There Café" --amount 4.50 [--category 5812] [--channel online]   (sandbox)
       nestegg card capture iauth_… [--amount 5.25]   (sandbox)`
	if wantsHelp(args) {
		fmt.Fprintln(e.stdout, usage)
		return flag.ErrHelp
	}
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "add":
		return runCardAdd(ctx, e, args[1:])
	case "remove":
		return runCardRemove(ctx, e, args[1:])
	case "issue", "show", "freeze", "unfreeze", "reveal", "transactions", "limits", "simulate", "capture":
		return runDebitCard(ctx, e, args[0], args[1:])
	}
	fmt.Fprintf(e.stderr, "nestegg card: unknown command %q\n%s\n", args[0], usage)
	return errUsage
}

func runCardAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "card add")
	exp := fs.String("exp", "", "the expiry date, MM/YY or MM/YYYY")
	quiet := fs.Bool("card-stdin", false, "read \"NUMBER CVC\" from stdin without prompting")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *exp == "" {
		fmt.Fprintln(e.stderr, "nestegg card add: --exp is required (the number and CVC are read from stdin)")
		return errUsage
	}
	month, year, err := parseExpiry(*exp)
	if err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprint(e.stderr, "Card number and CVC: ")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no card number on stdin")
	}
	// The last field is the CVC; the ones before it the number, which may
	// be typed in groups ("4242 4242 4242 4242 123").
	f := strings.Fields(line)
	if len(f) < 2 {
		return errors.New("stdin should hold the card number and the CVC on one line, separated by a space")
	}
	var tok struct {
		Token string `json:"token"`
	}
	in := map[string]any{"number": strings.Join(f[:len(f)-1], ""), "cvc": f[len(f)-1], "exp_month": month, "exp_year": year}
	if err := c.do(ctx, "POST", "/api/v1/sandbox/cards/tokens", in, &tok); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return errors.New("this server's card processor tokenizes cards itself: add cards in the web app (Bank & cards), where the processor tokenizes them")
		}
		return explain(err)
	}
	var card struct {
		ID       string `json:"id"`
		Brand    string `json:"brand"`
		Masked   string `json:"number_masked"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
	}
	if err := c.do(ctx, "POST", "/api/v1/cards", map[string]string{"token": tok.Token}, &card); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Added card %s %s, exp %02d/%d (%s).\n", printable(card.Brand), printable(card.Masked), card.ExpMonth, card.ExpYear, printable(card.ID))
	fmt.Fprintf(e.stdout, "Top up with: nestegg topup AMOUNT --card %s\n", printable(card.ID))
	return nil
}

// parseExpiry reads MM/YY or MM/YYYY.
func parseExpiry(s string) (month, year int, err error) {
	m, y, ok := strings.Cut(strings.TrimSpace(s), "/")
	month, err1 := strconv.Atoi(m)
	year, err2 := strconv.Atoi(y)
	if !ok || err1 != nil || err2 != nil || month < 1 || month > 12 || (len(y) != 2 && len(y) != 4) {
		return 0, 0, fmt.Errorf("--exp %q: give the expiry date as MM/YY, such as 12/30", s)
	}
	if len(y) == 2 {
		year += 2000
	}
	return month, year, nil
}

func runCardRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "card remove")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: nestegg card remove id")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/api/v1/cards/"+url.PathEscape(pos[0]), nil, nil); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Removed card %s.\n", printable(pos[0]))
	return nil
}
