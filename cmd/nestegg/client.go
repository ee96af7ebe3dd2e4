package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The CLI's side of the API: where it keeps its login, and how it calls
// the server with it. login, post and timeline use these.

// cliConfig is what `nestegg login` stores: the server and a personal API
// token for it.
type cliConfig struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

var errNotLoggedIn = errors.New("not logged in: run nestegg login first")

// configPath is $NESTEGG_CONFIG, else nestegg/config.json in the user's
// config directory, found as os.UserConfigDir does but through getenv so
// that tests can move it.
func configPath(getenv func(string) string) (string, error) {
	if p := getenv("NESTEGG_CONFIG"); p != "" {
		return p, nil
	}
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = getenv("AppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			dir = filepath.Join(h, "Library", "Application Support")
		}
	default:
		dir = getenv("XDG_CONFIG_HOME")
		if dir == "" || !filepath.IsAbs(dir) {
			dir = ""
			if h := getenv("HOME"); h != "" {
				dir = filepath.Join(h, ".config")
			}
		}
	}
	if dir == "" {
		return "", errors.New("cannot find a config directory: set NESTEGG_CONFIG or HOME")
	}
	return filepath.Join(dir, "nestegg", "config.json"), nil
}

func loadConfig(getenv func(string) string) (cliConfig, error) {
	p, err := configPath(getenv)
	if err != nil {
		return cliConfig{}, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return cliConfig{}, errNotLoggedIn
	}
	if err != nil {
		return cliConfig{}, err
	}
	var c cliConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return cliConfig{}, fmt.Errorf("%s: %w", p, err)
	}
	if c.URL == "" || c.Token == "" {
		return cliConfig{}, errNotLoggedIn
	}
	return c, nil
}

// saveConfig writes c readable by its owner only: the token is a password.
func saveConfig(getenv func(string) string, c cliConfig) (string, error) {
	p, err := configPath(getenv)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(c, "", "  ") // cannot fail: strings only
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return "", err
	}
	// WriteFile keeps the mode of a file that exists; make sure.
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// apiClient calls the API with a token.
type apiClient struct {
	url, token string
	http       *http.Client
}

func newAPIClient(url, token string) *apiClient {
	return &apiClient{url: strings.TrimRight(url, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// apiError is an error response in the API's one shape.
type apiError struct {
	Status int
	Body   struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Param   string `json:"param"`
	} `json:"error"`
	raw []byte
}

func (e *apiError) Error() string {
	if e.Body.Message == "" {
		return fmt.Sprintf("server answered %d: %s", e.Status, bytes.TrimSpace(e.raw))
	}
	return e.Body.Message
}

// do sends a JSON request (in nil: no body) and decodes a 2xx response into
// out (nil: ignore it). Other statuses are *apiError.
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	return c.doHeader(ctx, method, path, nil, in, out)
}

// doHeader is do with extra request headers (an Idempotency-Key).
func (c *apiClient) doHeader(ctx context.Context, method, path string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, body)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		e := &apiError{Status: resp.StatusCode, raw: b}
		json.Unmarshal(b, e) // a body not in the error shape is shown raw
		return e
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: bad response: %w", method, path, err)
		}
	}
	return nil
}

// signedIn returns a client for the stored login.
func signedIn(e *env) (*apiClient, error) {
	c, err := loadConfig(e.getenv)
	if err != nil {
		return nil, err
	}
	return newAPIClient(c.URL, c.Token), nil
}

// explain turns an API error from a signed-in call into advice.
func explain(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		return fmt.Errorf("the stored token was refused (%s): run nestegg login again", ae.Body.Message)
	}
	return err
}
