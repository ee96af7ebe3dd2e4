package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg/money"
)

// payment is the part of the API's Payment the CLI shows.
type payment struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	Display   string     `json:"display"`
	HoldUntil *time.Time `json:"hold_until"`
}

// runSend pays a member: nestegg send @bob 5 --note lunch. It asks before
// sending unless --yes, and sends with an Idempotency-Key that it prints
// first, so that a send whose answer was lost can be retried with
// --idempotency-key and never pays twice.
func runSend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "send")
	note := fs.String("note", "", "what it is for")
	asset := fs.String("asset", "", "asset of a bare number (default the server's, USD)")
	audience := fs.String("audience", "private", "who sees it in the payments feed: private, followers or public")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier send with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fmt.Fprintln(e.stderr, "usage: nestegg send @handle amount [--note text] [--audience private|followers|public] [--yes] [--idempotency-key key]")
		return errUsage
	}
	to, amount := "@"+strings.TrimPrefix(pos[0], "@"), pos[1]
	shown, err := showAmount(amount, *asset)
	if err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if !*yes {
		ok, err := confirm(e, fmt.Sprintf("Send %s to %s?", shown, printable(to)))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(e.stdout, "Not sent.")
			return nil
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var p payment
	in := map[string]string{"to": to, "amount": amount, "asset": *asset, "note": *note, "audience": *audience}
	if err := c.doHeader(ctx, "POST", "/api/v1/payments", http.Header{"Idempotency-Key": {k}}, in, &p); err != nil {
		return explain(err)
	}
	if p.Status == "held" && p.HoldUntil != nil {
		fmt.Fprintf(e.stdout, "Held %s to %s until %s (%s): it moves then unless you cancel it.\n",
			printable(p.Display), printable(to), p.HoldUntil.Local().Format("2006-01-02 15:04"), printable(p.ID))
		return nil
	}
	fmt.Fprintf(e.stdout, "Sent %s to %s (%s)\n", printable(p.Display), printable(to), printable(p.ID))
	return nil
}

// showAmount reads an amount as the server will, to show it before asking.
func showAmount(amount, asset string) (string, error) {
	def := asset
	if def == "" {
		def = "USD"
	}
	a, err := money.ParsePositive(amount, def)
	if err != nil {
		return "", fmt.Errorf("amount %q: %w", amount, err)
	}
	return money.Format(a), nil
}

// confirm asks question on stdout and reads a yes from stdin.
func confirm(e *env, question string) (bool, error) {
	fmt.Fprintf(e.stdout, "%s [y/N] ", question)
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, nil // no answer is no
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// idempotencyKey is key, or a new random one; either way it is printed,
// so that a retry can reuse it.
func idempotencyKey(e *env, key string) (string, error) {
	if key == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		key = "cli-" + hex.EncodeToString(b[:])
	}
	fmt.Fprintf(e.stderr, "Idempotency-Key: %s (if the answer is lost, retry with --idempotency-key %s)\n", key, key)
	return key, nil
}
