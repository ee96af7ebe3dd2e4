package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/peterbourgon/ff/v3"
)

// Every flag of every command is also a setting, read in this order:
//
//	the command line  >  NESTEGG_<NAME> in the environment  >  the --config-file  >  the default
//
// NAME is the flag's name in upper case with - as _ (--log-level is
// NESTEGG_LOG_LEVEL). The configuration file (--config-file, or
// NESTEGG_CONFIG_FILE) has one `name value` per line and # comments, read
// by peterbourgon/ff's plain parser. serve refuses a name it does not know
// (a typo would otherwise be ignored); the other commands take from the file
// the settings they have and ignore the rest, so that one file serves serve,
// migrate, operator-key, ach and reconcile. docs/CONFIG.md lists them all
// (TestConfigDoc keeps it equal to the flags).

// cmdLineOnly are flags that describe one action, never a setting: from the
// environment or a file they would replay one key for every command, or
// confirm payments on the member's behalf, or give a staff role with a
// reason nobody typed (nestegg admin promote).
var cmdLineOnly = map[string]bool{"idempotency-key": true, "yes": true, "role": true, "reason": true}

// sharedSettings are the flags of commands other than serve that are
// settings: where the server or the database is, who is asking, how to
// print. Every other flag of those commands describes the one action (who
// is paid, how much, from which card, which post, which day's file): a
// NESTEGG_TO or a "tip" line left in a file would otherwise send the next
// payment elsewhere, or add a tip nobody typed.
var sharedSettings = map[string]bool{"url": true, "key": true, "database": true, "json": true, "log-level": true, "sandbox-clock": true}

// isSetting reports whether fs's flag name is also read from the
// environment and the configuration file: every flag of serve but the
// command-line-only ones, and the shared settings of the other commands.
// (--config-file itself is read from the environment, never the file.)
func isSetting(fs *flag.FlagSet, name string) bool {
	if cmdLineOnly[name] {
		return false
	}
	return fs.Name() == "nestegg serve" || sharedSettings[name] || name == "config-file"
}

// envName is the environment variable that sets the flag name.
func envName(name string) string {
	return "NESTEGG_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// configFile is the --config-file flag's value. It carries the command's
// env, so that parse can read the environment through e.getenv.
type configFile struct {
	e    *env
	path string
}

func (c *configFile) String() string {
	if c == nil {
		return ""
	}
	return c.path
}

func (c *configFile) Set(s string) error { c.path = s; return nil }

// newFlags returns a FlagSet for a subcommand that reports errors to stderr
// and returns them instead of exiting, with --config-file.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("nestegg "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Var(&configFile{e: e}, "config-file", "read settings from this `file`: one a line, the flag's name then its value (addr 127.0.0.1:8080); # starts a comment")
	// parse prints the help, to stdout, and the hint after an error.
	fs.Usage = func() {}
	if e.flagSets != nil {
		*e.flagSets = append(*e.flagSets, fs)
	}
	return fs
}

// parse parses args, which may not have positional arguments, then the
// environment and the configuration file; it turns a flag error (already
// printed) into errUsage, and -h into flag.ErrHelp after printing the help.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return failed(fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return settle(fs)
}

// parseArgs is parse for a command whose positional arguments follow its
// flags: it returns them.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, failed(fs, err)
	}
	pos := fs.Args()
	return pos, settle(fs)
}

// parseMixed parses flags interleaved with positional arguments
// (`nestegg send @bob 5 --note lunch`), then the environment and the
// configuration file, and returns the positional arguments in order.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, failed(fs, err)
		}
		if fs.NArg() == 0 {
			return pos, settle(fs)
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// failed handles a parse error: -h prints the help to stdout and is
// flag.ErrHelp; anything else (already printed) gets a hint and is errUsage.
func failed(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		out := fs.Output()
		if cf := configOf(fs); cf != nil {
			out = cf.e.stdout
		}
		printFlags(out, fs)
		return flag.ErrHelp
	}
	fmt.Fprintf(fs.Output(), "Run '%s -h' for its flags.\n", fs.Name())
	return errUsage
}

func configOf(fs *flag.FlagSet) *configFile {
	if f := fs.Lookup("config-file"); f != nil {
		cf, _ := f.Value.(*configFile)
		return cf
	}
	return nil
}

// settle fills the flags the command line left unset: from the
// environment, then from the configuration file.
func settle(fs *flag.FlagSet) error {
	cf := configOf(fs)
	if cf == nil {
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] || !isSetting(fs, f.Name) {
			return
		}
		name := envName(f.Name)
		v := cf.e.getenv(name)
		if v == "" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s: %s=%q: %w", fs.Name(), name, v, serr)
		}
	})
	if err != nil || cf.path == "" {
		return err
	}
	// ff reads the file and sets what neither the command line nor the
	// environment set. Parsing no arguments leaves fs.Args() empty, which
	// parse, parseArgs and parseMixed have read already.
	opts := []ff.Option{
		ff.WithConfigFileVia(&cf.path),
		ff.WithConfigFileParser(func(r io.Reader, set func(name, value string) error) error {
			return ff.PlainParser(r, func(name, value string) error {
				name = strings.TrimLeft(name, "-")
				if cmdLineOnly[name] || name == "config-file" {
					return fmt.Errorf("%q is set on the command line only", name)
				}
				if fs.Lookup(name) != nil && !isSetting(fs, name) {
					// Another command's setting of the same name, or this
					// command's action: never taken from the file.
					return nil
				}
				return set(name, value)
			})
		}),
		ff.WithIgnoreUndefined(fs.Name() != "nestegg serve"),
	}
	if err := ff.Parse(fs, []string{}, opts...); err != nil {
		return fmt.Errorf("%s: --config-file %s: %w", fs.Name(), cf.path, err)
	}
	return nil
}

// printFlags is a command's help: each flag with its environment variable.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\nFlags (each also NESTEGG_<NAME> in the environment, or `name value` in --config-file;\nthe command line wins over the environment, which wins over the file):\n", fs.Name())
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		if !isSetting(fs, f.Name) {
			line += "  (command line only)"
		} else {
			line += "  (" + envName(f.Name) + ")"
		}
		fmt.Fprintln(w, line)
		fmt.Fprintf(w, "      %s", strings.ReplaceAll(usage, "\n", "\n      "))
		if d := defaultOf(f); d != "" {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

// defaultOf is f's default as help shows it, or "" for a zero value.
func defaultOf(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return ""
	}
	if _, ok := f.Value.(interface{ IsBoolFlag() bool }); ok {
		return f.DefValue
	}
	if strings.ContainsAny(f.DefValue, " \t") || f.DefValue == "" {
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// wantsHelp reports whether a command with subcommands was asked for help
// instead of a subcommand.
func wantsHelp(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}
