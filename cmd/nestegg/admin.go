package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// runAdmin is the operator's tooling for staff, straight on the database,
// so that the first admin can be made on a new install (after that, admins
// give roles in the console): create-user, promote, demote, staff. Every
// role change is in the audit log, by "operator (cli, $USER)".
func runAdmin(ctx context.Context, e *env, args []string) error {
	const text = `usage: nestegg admin create-user --handle H --email E [--name N]   (password on stdin)
       nestegg admin promote @handle --role admin|support|compliance|finance|moderator [--reason R]
       nestegg admin demote @handle [--reason R]
       nestegg admin staff
  each also takes --database DSN`
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
	fs := newFlags(e, "admin "+sub)
	dsn := databaseFlag(fs, e)
	var newHandle, email, name, role, reason *string
	var handle string
	switch sub {
	case "create-user":
		newHandle = fs.String("handle", "", "the new member's `handle`")
		email = fs.String("email", "", "the new member's `email`")
		name = fs.String("name", "", "the new member's display `name` (default the handle)")
	case "promote", "demote":
		if sub == "promote" {
			role = fs.String("role", "", "the staff `role`: admin, support, compliance, finance or moderator")
		}
		reason = fs.String("reason", "", "why, for the audit log")
		if wantsHelp(rest) {
			return parse(fs, []string{"-h"})
		}
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return usage()
		}
		handle, rest = strings.TrimPrefix(rest[0], "@"), rest[1:]
	case "staff":
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
	// The pay handle is serve's default; a different --pay-handle on serve
	// reserves its own.
	soc := social.New(db, social.Options{PayHandle: "pay"})
	switch sub {
	case "create-user":
		if *newHandle == "" || *email == "" {
			fmt.Fprintln(e.stderr, "nestegg admin create-user: --handle and --email are required")
			return usage()
		}
		password, err := readSecretLine(e)
		if err != nil {
			return err
		}
		if *name == "" {
			*name = strings.TrimPrefix(*newHandle, "@")
		}
		a, err := soc.Signup(ctx, social.SignupInput{Handle: *newHandle, DisplayName: *name, Email: *email, Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created @%s (%s)\n", a.Handle, a.ID)
		return nil
	case "staff":
		staff, err := soc.Staff(ctx)
		if err != nil {
			return err
		}
		for _, m := range staff {
			by := m.GrantedBy
			if by == "" {
				by = "the operator"
			}
			fmt.Fprintf(e.stdout, "@%-20s %-10s since %s by %s\n", m.Handle, m.Role, m.GrantedAt.Format("2006-01-02"), by)
		}
		return nil
	}
	r := social.NoRole
	if sub == "promote" {
		r = social.Role(*role)
	}
	if sub == "promote" && r == social.NoRole {
		fmt.Fprintln(e.stderr, "nestegg admin promote: --role is required")
		return errUsage
	}
	u, err := soc.UserByHandle(ctx, handle)
	if err != nil {
		return fmt.Errorf("@%s: %w", handle, err)
	}
	why := strings.TrimSpace(*reason)
	if why == "" {
		why = "nestegg admin " + sub + " on the command line"
	}
	// Recorded before it happens, like the console's actions, so that the
	// log never misses one; then the outcome.
	comp := compliance.New(db, compliance.DefaultConfig())
	actor := "operator (cli)"
	if user := e.getenv("USER"); user != "" {
		actor = "operator (cli, " + user + ")"
	}
	act := compliance.StaffAction{ActorID: actor, Action: "set_role", Subject: u.ID,
		Reference: "nestegg admin " + sub + " @" + u.Handle + " " + string(r), Reason: why, Outcome: "requested"}
	if err := comp.RecordStaffAction(ctx, act); err != nil {
		return err
	}
	err = soc.OperatorSetStaffRole(ctx, u.ID, r)
	act.Outcome = "done"
	if err != nil {
		act.Outcome = "failed"
	}
	if rerr := comp.RecordStaffAction(context.WithoutCancel(ctx), act); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	if r == social.NoRole {
		fmt.Fprintf(e.stdout, "@%s is no longer staff\n", u.Handle)
	} else {
		fmt.Fprintf(e.stdout, "@%s is now %s\n", u.Handle, r)
	}
	return nil
}

// readSecretLine reads one line from stdin (a password), never from a flag
// where ps and shell history would show it.
func readSecretLine(e *env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		return "", fmt.Errorf("the password on stdin is empty")
	}
	return line, nil
}
