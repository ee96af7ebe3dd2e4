package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// redPacket is the part of the API's RedPacket the CLI shows.
type redPacket struct {
	ID      string `json:"id"`
	Sender  string `json:"sender"`
	Display string `json:"display"`
	Shares  int    `json:"shares"`
	Opened  int    `json:"opened"`
	Status  string `json:"status"`
	Opens   []struct {
		Handle  string `json:"handle"`
		Display string `json:"display"`
	} `json:"opens"`
	Mine *struct {
		Display string `json:"display"`
	} `json:"mine"`
}

// runRedPacket sends, opens and shows red packets:
//
//	nestegg redpacket send 20 --shares 5 --to @bob,@carol [--even] [--message text]
//	nestegg redpacket send 20 --shares 5 --post pst_…
//	nestegg redpacket open rpk_…
//	nestegg redpacket show rpk_…
//	nestegg redpacket list
func runRedPacket(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "redpacket")
	shares := fs.Int("shares", 1, "how many people can open it")
	to := fs.String("to", "", "handles it is for, separated by commas")
	post := fs.String("post", "", "or the post whose readers may open it")
	even := fs.Bool("even", false, "split evenly instead of at random")
	message := fs.String("message", "", "a message on the packet")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier send with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	usage := func() error {
		fmt.Fprintln(e.stderr, "usage: nestegg redpacket send AMOUNT --shares N (--to @a,@b | --post pst_…) [--even] [--message text] | open ID | show ID | list")
		return errUsage
	}
	if len(pos) != 2 && !(len(pos) == 1 && pos[0] == "list") {
		return usage()
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var p redPacket
	switch pos[0] {
	case "send":
		shown, err := showAmount(pos[1], "")
		if err != nil {
			return err
		}
		if !*yes {
			ok, err := confirm(e, fmt.Sprintf("Send a %s red packet in %d shares?", shown, *shares))
			if err != nil || !ok {
				fmt.Fprintln(e.stdout, "Not sent.")
				return err
			}
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		split := "random"
		if *even {
			split = "even"
		}
		in := map[string]any{"amount": pos[1], "shares": *shares, "split": split, "message": *message, "post_id": *post}
		if *to != "" {
			in["to"] = strings.Split(*to, ",")
		}
		if err := c.doHeader(ctx, "POST", "/api/v1/red-packets", http.Header{"Idempotency-Key": {k}}, in, &p); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Sent a %s red packet in %d shares (%s)\n", printable(p.Display), p.Shares, printable(p.ID))
	case "open":
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		if err := c.doHeader(ctx, "POST", "/api/v1/red-packets/"+url.PathEscape(pos[1])+"/open", http.Header{"Idempotency-Key": {k}}, nil, &p); err != nil {
			return explain(err)
		}
		if p.Mine != nil {
			fmt.Fprintf(e.stdout, "You got %s from @%s's red packet\n", printable(p.Mine.Display), printable(p.Sender))
		}
	case "show":
		if err := c.do(ctx, "GET", "/api/v1/red-packets/"+url.PathEscape(pos[1]), nil, &p); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "%s red packet from @%s: %d of %d opened (%s)\n", printable(p.Display), printable(p.Sender), p.Opened, p.Shares, printable(p.Status))
		for _, o := range p.Opens {
			fmt.Fprintf(e.stdout, "  @%s  %s\n", printable(o.Handle), printable(o.Display))
		}
	case "list":
		var list struct{ Data []redPacket }
		if err := c.do(ctx, "GET", "/api/v1/red-packets", nil, &list); err != nil {
			return explain(err)
		}
		if len(list.Data) == 0 {
			fmt.Fprintln(e.stdout, "You have sent no red packets.")
		}
		for _, p := range list.Data {
			fmt.Fprintf(e.stdout, "%s  %s  %d of %d opened  %s\n", printable(p.ID), printable(p.Display), p.Opened, p.Shares, printable(p.Status))
		}
	default:
		return usage()
	}
	return nil
}
