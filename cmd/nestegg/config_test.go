package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/CONFIG.md's flag tables from the flags")

// groups are the commands whose first argument is a subcommand, with their
// subcommands. TestEveryCommandHelp fails for a group not listed here.
var groups = map[string][]string{
	"bank":         {"link", "verify", "remove"},
	"card":         {"add", "remove", "issue", "show", "freeze", "unfreeze", "reveal", "transactions", "limits", "simulate", "capture"},
	"ach":          {"export", "import"},
	"operator-key": {"list", "create", "rotate", "revoke"},
	"admin":        {"create-user", "promote", "demote", "staff"},
	"settings":     {"list", "set", "history"},
}

// helpOf runs args with -h and returns what it printed and the FlagSets
// the command made.
func helpOf(t *testing.T, args ...string) (string, []*flag.FlagSet) {
	t.Helper()
	var out, errOut strings.Builder
	var sets []*flag.FlagSet
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, flagSets: &sets}
	if err := runEnv(context.Background(), e, append(args, "-h")); err != nil {
		t.Fatalf("nestegg %s -h = %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	if out.Len() == 0 {
		t.Fatalf("nestegg %s -h printed nothing on stdout (stderr: %s)", strings.Join(args, " "), errOut.String())
	}
	return out.String(), sets
}

// everyFlagSet is each command's and subcommand's flags, by name.
func everyFlagSet(t *testing.T) []*flag.FlagSet {
	var all []*flag.FlagSet
	for _, c := range commands() {
		if c.name == "help" {
			continue
		}
		_, sets := helpOf(t, c.name)
		if len(sets) > 0 {
			all = append(all, sets[len(sets)-1])
			continue
		}
		subs, ok := groups[c.name]
		if !ok {
			t.Fatalf("nestegg %s -h made no FlagSet: if it takes subcommands, list them in groups", c.name)
		}
		for _, sub := range subs {
			_, sets := helpOf(t, c.name, sub)
			if len(sets) == 0 {
				t.Fatalf("nestegg %s %s -h made no FlagSet", c.name, sub)
			}
			all = append(all, sets[len(sets)-1])
		}
	}
	return all
}

// TestEveryCommandHelp: -h, --help and help <command> work for every
// command and subcommand, and a command's help lists each flag with its
// environment variable.
func TestEveryCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"help"}} {
		var out, errOut strings.Builder
		if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "serve") {
			t.Errorf("nestegg %s = %v, printed\n%s%s", args[0], err, out.String(), errOut.String())
		}
	}
	for _, fs := range everyFlagSet(t) {
		args := strings.Fields(strings.TrimPrefix(fs.Name(), "nestegg "))
		out, _ := helpOf(t, args...)
		var viaHelpOut strings.Builder
		if err := run(context.Background(), append([]string{"help"}, args...), func(string) string { return "" }, nil, &viaHelpOut, &viaHelpOut); err != nil || viaHelpOut.String() != out {
			t.Errorf("nestegg help %s = %v, printed\n%s\nwant what -h printed:\n%s", strings.Join(args, " "), err, viaHelpOut.String(), out)
		}
		fs.VisitAll(func(f *flag.Flag) {
			want := "--" + f.Name
			if !strings.Contains(out, want) {
				t.Errorf("%s -h lacks %s", fs.Name(), want)
			}
			if isSetting(fs, f.Name) && !strings.Contains(out, envName(f.Name)) {
				t.Errorf("%s -h lacks %s", fs.Name(), envName(f.Name))
			}
		})
	}
	for group, subs := range groups {
		for _, help := range []string{"-h", "--help", "help"} {
			var out, errOut strings.Builder
			err := run(context.Background(), []string{group, help}, func(string) string { return "" }, nil, &out, &errOut)
			if err != nil {
				t.Errorf("nestegg %s %s = %v (%s)", group, help, err, errOut.String())
			}
			for _, sub := range subs {
				if !strings.Contains(out.String(), sub) {
					t.Errorf("nestegg %s %s does not name %s:\n%s", group, help, sub, out.String())
				}
			}
		}
	}
}

// TestSettingsPrecedence: the command line wins over the environment, which
// wins over the configuration file, which wins over the default; serve's
// file may not carry a name serve does not know, the others' may.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nestegg.conf")
	if err := os.WriteFile(file, []byte("# a comment\nlog-level warn\npay-handle fromfile\nshop-fee-bps 25 # trailing comment\naddr 127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := func(args []string, environ map[string]string) (map[string]string, error) {
		var out, errOut strings.Builder
		var sets []*flag.FlagSet
		e := &env{getenv: func(k string) string { return environ[k] }, stdout: &out, stderr: &errOut, flagSets: &sets}
		fs := newFlags(e, "serve")
		for _, name := range []string{"log-level", "pay-handle", "shop-fee-bps", "addr", "debug-addr"} {
			fs.String(name, "default", "")
		}
		err := parse(fs, args)
		got := map[string]string{}
		fs.VisitAll(func(f *flag.Flag) { got[f.Name] = f.Value.String() })
		return got, err
	}
	for _, tc := range []struct {
		name    string
		args    []string
		environ map[string]string
		want    map[string]string
	}{
		{"defaults", nil, nil, map[string]string{"log-level": "default", "pay-handle": "default", "shop-fee-bps": "default", "addr": "default"}},
		{"file", []string{"--config-file", file}, nil, map[string]string{"log-level": "warn", "pay-handle": "fromfile", "shop-fee-bps": "25", "addr": "127.0.0.1:1", "debug-addr": "default"}},
		{"file named by the environment", nil, map[string]string{"NESTEGG_CONFIG_FILE": file}, map[string]string{"log-level": "warn", "addr": "127.0.0.1:1"}},
		{"environment over file", []string{"--config-file", file}, map[string]string{"NESTEGG_LOG_LEVEL": "error", "NESTEGG_DEBUG_ADDR": "127.0.0.1:6060"},
			map[string]string{"log-level": "error", "pay-handle": "fromfile", "debug-addr": "127.0.0.1:6060"}},
		{"flag over environment over file", []string{"--config-file", file, "--log-level", "debug"}, map[string]string{"NESTEGG_LOG_LEVEL": "error", "NESTEGG_PAY_HANDLE": "fromenv"},
			map[string]string{"log-level": "debug", "pay-handle": "fromenv", "shop-fee-bps": "25"}},
	} {
		got, err := flags(tc.args, tc.environ)
		if err != nil {
			t.Errorf("%s: parse = %v", tc.name, err)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: --%s = %q, want %q", tc.name, k, got[k], v)
			}
		}
	}

	// A name serve does not know is an error in serve's file (a typo), and
	// ignored by the other commands, which share the file.
	bad := filepath.Join(dir, "typo.conf")
	os.WriteFile(bad, []byte("adr 127.0.0.1:1\n"), 0o600)
	if _, err := flags([]string{"--config-file", bad}, nil); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Errorf("serve with an unknown name in its file = %v, want an error naming it", err)
	}
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"version", "--config-file", file}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Errorf("version with serve's file = %v", err)
	}
	// A missing file is an error, not the defaults.
	if _, err := flags([]string{"--config-file", filepath.Join(dir, "nope.conf")}, nil); err == nil {
		t.Errorf("a missing --config-file was accepted")
	}
	// Flags for one action only are never taken from the environment or a file.
	yes := filepath.Join(dir, "yes.conf")
	os.WriteFile(yes, []byte("yes\n"), 0o600)
	e := &env{getenv: environ{"NESTEGG_YES": "true", "NESTEGG_IDEMPOTENCY_KEY": "k"}.get, stdout: &out, stderr: &errOut}
	fs := newFlags(e, "send")
	y := fs.Bool("yes", false, "")
	key := fs.String("idempotency-key", "", "")
	if err := parse(fs, nil); err != nil || *y || *key != "" {
		t.Errorf("send took --yes=%v --idempotency-key=%q from the environment (%v)", *y, *key, err)
	}
	if err := parse(fs, []string{"--config-file", yes}); err == nil || *y {
		t.Errorf("send took --yes from a file: %v, %v", *y, err)
	}
	// A bad value in the environment names the variable.
	e = &env{getenv: environ{"NESTEGG_SHOP_FEE_BPS": "lots"}.get, stdout: &out, stderr: &errOut}
	fs = newFlags(e, "serve")
	fs.Int64("shop-fee-bps", 0, "")
	if err := parse(fs, nil); err == nil || !strings.Contains(err.Error(), "NESTEGG_SHOP_FEE_BPS") {
		t.Errorf("a bad NESTEGG_SHOP_FEE_BPS = %v, want an error naming it", err)
	}
}

type environ map[string]string

func (m environ) get(k string) string { return m[k] }

const (
	docBegin = "<!-- flags: generated by `go test ./cmd/nestegg -run TestConfigDoc -update` from the flags; do not edit by hand -->\n"
	docEnd   = "<!-- end of flags -->\n"
)

// configDoc is the flag tables of docs/CONFIG.md.
func configDoc(sets []*flag.FlagSet) string {
	var b strings.Builder
	for _, fs := range sets {
		var rows []string
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "config-file" {
				return
			}
			_, usage := flag.UnquoteUsage(f)
			env := "`" + envName(f.Name) + "`"
			if !isSetting(fs, f.Name) {
				env = "(command line only)"
			}
			def := defaultOf(f)
			if def != "" {
				def = "`" + def + "`"
			}
			rows = append(rows, fmt.Sprintf("| `--%s` | %s | %s | %s |", f.Name, env, def, strings.ReplaceAll(usage, "|", `\|`)))
		})
		if len(rows) == 0 {
			continue
		}
		sort.Strings(rows)
		fmt.Fprintf(&b, "\n### %s\n\n| flag | environment | default | what it sets |\n|---|---|---|---|\n%s\n", fs.Name(), strings.Join(rows, "\n"))
	}
	return b.String()
}

// TestConfigDoc keeps docs/CONFIG.md equal to the flags, and makes it name
// every environment variable the commands read directly.
func TestConfigDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "CONFIG.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, docBegin), strings.Index(s, docEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", path, docBegin, docEnd)
	}
	want := configDoc(everyFlagSet(t)) + "\n"
	if got := s[i+len(docBegin) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(s[:i+len(docBegin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("docs/CONFIG.md's flag tables differ from the flags: run go test ./cmd/nestegg -run TestConfigDoc -update")
		}
	}
	// The variables read directly (secrets and the rails' settings).
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`getenv\("(NESTEGG_[A-Z0-9_]+)"\)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if !strings.Contains(s, "`"+m[1]+"`") {
				t.Errorf("docs/CONFIG.md does not name %s (read in %s)", m[1], f)
			}
		}
	}
}

// TestActionsNotSettings: with every NESTEGG_<NAME> set and a configuration
// file naming every flag, a command other than serve takes only the shared
// settings from them; who is paid, how much, the tip, the card and every
// other flag of the action keep their defaults unless typed.
func TestActionsNotSettings(t *testing.T) {
	shared := map[string]bool{"url": true, "key": true, "database": true, "json": true, "log-level": true, "sandbox-clock": true}
	file := filepath.Join(t.TempDir(), "nestegg.conf")
	checked := 0
	for _, orig := range everyFlagSet(t) {
		if orig.Name() == "nestegg serve" {
			continue
		}
		var lines []string
		environ := map[string]string{}
		orig.VisitAll(func(f *flag.Flag) {
			if f.Name != "config-file" && !cmdLineOnly[f.Name] {
				lines = append(lines, f.Name+" fromfile")
			}
			environ[envName(f.Name)] = "fromenv"
		})
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, viaFile := range []bool{false, true} {
			vars := environ
			if viaFile {
				vars = map[string]string{}
			}
			var out strings.Builder
			e := &env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &out}
			fs := newFlags(e, strings.TrimPrefix(orig.Name(), "nestegg "))
			orig.VisitAll(func(f *flag.Flag) {
				if f.Name != "config-file" {
					fs.String(f.Name, "default", "")
				}
			})
			if err := parse(fs, []string{"--config-file", file}); err != nil {
				t.Fatalf("%s: parse = %v\n%s", orig.Name(), err, out.String())
			}
			fs.VisitAll(func(f *flag.Flag) {
				if f.Name == "config-file" {
					return
				}
				checked++
				want := "default"
				switch {
				case shared[f.Name] && viaFile:
					want = "fromfile"
				case shared[f.Name]:
					want = "fromenv"
				}
				if got := f.Value.String(); got != want {
					t.Errorf("%s --%s = %q (from the file: %v), want %q", orig.Name(), f.Name, got, viaFile, want)
				}
			})
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d flags", checked)
	}
}
