package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
)

// runOperatorKey manages operator API keys straight in the database, so it
// works when every key is lost: list, create, rotate, revoke. Keys are
// never deleted; a revoked key stops working within a second in every
// serve process (docs/SECURITY.md, "Operator keys").
func runOperatorKey(ctx context.Context, e *env, args []string) error {
	const text = "usage: nestegg operator-key list | create [--name NAME] | rotate ID | revoke ID  [--database DSN]"
	usage := func() error {
		fmt.Fprintln(e.stderr, text)
		return errUsage
	}
	if wantsHelp(args) {
		fmt.Fprintln(e.stdout, text)
		return flag.ErrHelp
	}
	if len(args) == 0 {
		return usage()
	}
	sub, rest := args[0], args[1:]
	fs := newFlags(e, "operator-key "+sub)
	dsn := databaseFlag(fs, e)
	name := fs.String("name", "", "what the key is for (create)")
	var id string
	switch sub {
	case "rotate", "revoke":
		if wantsHelp(rest) {
			return parse(fs, []string{"-h"})
		}
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return usage()
		}
		id, rest = rest[0], rest[1:]
	case "list", "create":
	default:
		return usage()
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn, store.Options{Logger: newLogger(e.stderr, slog.LevelWarn)})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	now := time.Now()
	switch sub {
	case "list":
		keys, err := web.ListOperatorKeys(ctx, db)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "active"
			if !k.Active {
				state = "revoked " + k.RevokedAt.Format(time.RFC3339) + " by " + k.RevokedBy
				if k.ReplacedBy != "" {
					state += ", replaced by " + k.ReplacedBy
				}
			}
			fmt.Fprintf(e.stdout, "%s  %-20q  created %s by %s  %s\n", k.ID, k.Name, k.CreatedAt.Format(time.RFC3339), k.CreatedBy, state)
		}
		return nil
	case "create":
		secret, k, err := web.CreateOperatorKey(ctx, db, *name, "cli", now)
		if err != nil {
			return err
		}
		return printNewKey(e, secret, k)
	case "rotate":
		secret, k, err := web.RotateOperatorKey(ctx, db, id, "cli", now)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", id)
		return printNewKey(e, secret, k)
	default: // revoke
		if _, err := web.RevokeOperatorKey(ctx, db, id, "cli", now); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s: it stops working within a second on every server\n", id)
		return nil
	}
}

func printNewKey(e *env, secret string, k web.OperatorKey) error {
	fmt.Fprintf(e.stdout, "operator key %s: %s\n", k.ID, secret)
	fmt.Fprintln(e.stdout, "This operator API key is shown once and will not be shown again: store it now.")
	return nil
}
