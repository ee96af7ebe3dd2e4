package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"time"
)

var monthRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`)

// runStatement prints the logged-in member's statement for a month (UTC):
// the opening balance, every line, the closing balance; with --csv, the
// server's CSV file, to stdout or --out.
func runStatement(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "statement")
	asCSV := fs.Bool("csv", false, "the CSV file instead (amounts as plain decimals)")
	out := fs.String("out", "", "with --csv: write the file here instead of to stdout")
	asset := fs.String("asset", "", "the wallet's asset (USD, COIN); default the server's first")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || !monthRE.MatchString(pos[0]) {
		fmt.Fprintln(e.stderr, "usage: nestegg statement YYYY-MM [--csv [--out FILE]] [--asset USD]")
		return errUsage
	}
	if *out != "" && !*asCSV {
		fmt.Fprintln(e.stderr, "nestegg statement: --out needs --csv")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	q := ""
	if *asset != "" {
		q = "?" + url.Values{"asset": {*asset}}.Encode()
	}
	path := "/api/v1/wallet/statements/" + pos[0]
	if *asCSV {
		b, err := c.download(ctx, path+".csv"+q)
		if err != nil {
			return explain(err)
		}
		if *out == "" {
			_, err = e.stdout.Write(b)
			return err
		}
		if err := os.WriteFile(*out, b, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Wrote the statement for %s to %s.\n", pos[0], printable(*out))
		return nil
	}
	var m struct {
		Asset          string     `json:"asset"`
		Start          time.Time  `json:"start"`
		OpeningDisplay string     `json:"opening_display"`
		ClosingDisplay string     `json:"closing_display"`
		Lines          []stmtLine `json:"lines"`
	}
	if err := c.do(ctx, "GET", path+q, nil, &m); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Statement for %s (%s wallet, UTC)\n", m.Start.UTC().Format("January 2006"), printable(m.Asset))
	fmt.Fprintf(e.stdout, "Opening balance  %s\n", printable(m.OpeningDisplay))
	for _, l := range m.Lines {
		fmt.Fprintln(e.stdout, l)
	}
	if len(m.Lines) == 0 {
		fmt.Fprintln(e.stdout, "No money moved this month.")
	}
	fmt.Fprintf(e.stdout, "Closing balance  %s\n", printable(m.ClosingDisplay))
	return nil
}

// download GETs path and returns the body as it is (a CSV file); an error
// status is an *apiError, as do's.
func (c *apiClient) download(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.url+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		e := &apiError{Status: resp.StatusCode, raw: bytes.TrimSpace(b)}
		json.Unmarshal(b, e) // a body not in the error shape is shown raw
		return nil, e
	}
	return b, nil
}
