package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/store"
)

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
