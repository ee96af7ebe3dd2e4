package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/store"
)

// runSettings is the operator's tooling for the business settings,
// straight on the database like nestegg admin: list, set, history. Every
// serve process on the database applies a change within a second or so;
// every change is in the audit log, by "operator (cli, $USER)", and in the
// settings' own history.
func runSettings(ctx context.Context, e *env, args []string) error {
	const text = `usage: nestegg settings list
       nestegg settings set KEY VALUE --reason R   (VALUE as list shows it: 250 bps, 0.30 dollars, 36h or 30d)
       nestegg settings history [KEY]
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
	fs := newFlags(e, "settings "+sub)
	dsn := databaseFlag(fs, e)
	var reason *string
	switch sub {
	case "list", "history":
	case "set":
		reason = fs.String("reason", "", "why, for the audit log and the settings' history (required)")
	default:
		return usage()
	}
	pos, err := parseMixed(fs, rest)
	if err != nil {
		return err
	}
	want := map[string]int{"list": 0, "history": 1, "set": 2}[sub]
	if len(pos) > want || sub == "set" && len(pos) != 2 {
		return usage()
	}
	db, err := store.Open(ctx, *dsn, store.Options{Logger: newLogger(e.stderr, slog.LevelWarn)})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	set, err := settings.New(db, settings.Options{})
	if err != nil {
		return err
	}
	if err := set.Refresh(ctx); err != nil {
		return err
	}
	switch sub {
	case "list":
		cur := set.Current()
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "KEY\tVALUE\tDEFAULT\tTITLE\n")
		for _, d := range settings.Catalog() {
			v := cur.Int(d.Key)
			mark := ""
			if v != d.Default {
				mark = " *"
			}
			fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\n", d.Key, d.Input(v), mark, d.Input(d.Default), d.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "version %d (* not the default)\n", cur.Version())
		return nil
	case "history":
		key := ""
		if len(pos) == 1 {
			if _, err := settings.Lookup(pos[0]); err != nil {
				return err
			}
			key = pos[0]
		}
		hist, err := set.History(ctx, key, 500)
		if err != nil {
			return err
		}
		for _, c := range hist {
			d, _ := settings.Lookup(c.Key)
			fmt.Fprintf(e.stdout, "v%-4d %s  %s: %s -> %s  by %s  %q\n", c.Version, c.At.Format("2006-01-02 15:04"), c.Key, d.Input(c.Previous), d.Input(c.Value), c.By, c.Reason)
		}
		return nil
	}
	d, err := settings.Lookup(pos[0])
	if err != nil {
		return err
	}
	v, err := d.Parse(pos[1])
	if err != nil {
		return err
	}
	why := strings.TrimSpace(*reason)
	if why == "" {
		fmt.Fprintln(e.stderr, "nestegg settings set: --reason is required (it goes in the audit log)")
		return errUsage
	}
	actor := "operator (cli)"
	if user := e.getenv("USER"); user != "" {
		actor = "operator (cli, " + user + ")"
	}
	// Recorded before it happens, like the console's actions, so that the
	// log never misses one; then the outcome.
	comp := compliance.New(db, compliance.DefaultConfig())
	act := compliance.StaffAction{ActorID: actor, Action: "set_setting", Subject: d.Key,
		Reference: "nestegg settings set " + d.Key + " " + d.Input(v), Reason: why, Outcome: "requested"}
	if err := comp.RecordStaffAction(ctx, act); err != nil {
		return err
	}
	c, err := set.Set(ctx, d.Key, v, 0, actor, why)
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
	fmt.Fprintf(e.stdout, "%s: %s -> %s (version %d); serve processes apply it within a second or so\n", d.Key, d.Input(c.Previous), d.Input(c.Value), c.Version)
	return nil
}
