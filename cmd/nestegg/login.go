package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// runLogin logs in to a server making a personal API token named for this
// machine, and stores it (with the URL) for the other client commands. The
// password is read from stdin, never from a flag, so it stays out of shell
// history and ps.
func runLogin(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "login")
	server := fs.String("url", "http://127.0.0.1:8080", "the Nestegg server")
	handle := fs.String("handle", "", "your handle (or email)")
	code := fs.String("code", "", "the code from your authenticator app, if two-factor is on")
	quiet := fs.Bool("password-stdin", false, "read the password from stdin without prompting")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *handle == "" {
		fmt.Fprintln(e.stderr, "nestegg login: --handle is required")
		return errUsage
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url must be an http:// or https:// URL, got %q", *server)
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintln(e.stderr, "warning: sending your password over plain http; use https for a remote server")
	}
	if !*quiet {
		fmt.Fprint(e.stderr, "Password: ")
	}
	password, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && password == "" {
		return errors.New("no password on stdin")
	}
	password = strings.TrimRight(password, "\r\n")

	c := newAPIClient(*server, "")
	host, _ := os.Hostname()
	if host == "" {
		host = "this machine"
	}
	// One request makes the token from the credentials: no session, and
	// a two-factor code is used once.
	var res struct {
		APIToken struct {
			Secret string `json:"secret"`
		} `json:"api_token"`
		Account struct {
			Handle string `json:"handle"`
		} `json:"account"`
	}
	err = c.do(ctx, "POST", "/api/v1/login", map[string]string{"handle": *handle, "password": password, "code": *code, "token_name": "cli on " + host}, &res)
	var ae *apiError
	if errors.As(err, &ae) && ae.Body.Param == "code" && *code == "" {
		return errors.New("this account has two-factor on: run nestegg login again with --code <code from your app>")
	}
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	path, err := saveConfig(e.getenv, cliConfig{URL: c.url, Token: res.APIToken.Secret})
	if err != nil {
		return fmt.Errorf("save the token: %w", err)
	}
	fmt.Fprintf(e.stdout, "Logged in to %s as @%s. Token saved in %s.\n", c.url, res.Account.Handle, path)
	return nil
}
