package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

// runACH is the operators' ACH tool, working on the database directly:
//
//	nestegg ach export [--out FILE]   write (and transmit) the origination file
//	nestegg ach import FILE...        apply NACHA return files
func runACH(ctx context.Context, e *env, args []string) error {
	const usage = "usage: nestegg ach export [--out FILE] | nestegg ach import FILE..."
	if wantsHelp(args) {
		fmt.Fprintln(e.stdout, usage)
		return flag.ErrHelp
	}
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		fmt.Fprintln(e.stderr, usage)
		return errUsage
	}
	fs := newFlags(e, "ach "+args[0])
	dsn := databaseFlag(fs, e)
	out := fs.String("out", "", "export: also write the file here ('-' for stdout)")
	files, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	if args[0] == "export" && len(files) > 0 {
		fmt.Fprintf(e.stderr, "nestegg ach export: unexpected argument %q\n", files[0])
		return errUsage
	}
	f, closer, err := operatorFunding(ctx, e, *dsn)
	if err != nil {
		return err
	}
	defer closer()
	switch args[0] {
	case "export":
		af, err := f.ExportACH(ctx)
		if err != nil {
			return err
		}
		if af.ID == "" {
			fmt.Fprintln(e.stdout, "nothing to send")
			return nil
		}
		fmt.Fprintf(e.stdout, "%s: %d entries, debits %s, credits %s, effective %s\n", af.Name, af.Entries,
			f.Money(af.TotalDebit), f.Money(af.TotalCredit), af.Effective.Format("2006-01-02"))
		switch *out {
		case "":
		case "-":
			_, err = e.stdout.Write(af.Data)
		default:
			err = os.WriteFile(*out, af.Data, 0o600)
		}
		return err
	case "import":
		if len(files) == 0 {
			fmt.Fprintln(e.stderr, "usage: nestegg ach import FILE...")
			return errUsage
		}
		for _, name := range files {
			data, err := readFileOrStdin(e, name)
			if err != nil {
				return err
			}
			res, err := f.ImportReturns(ctx, data)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			b, _ := json.Marshal(res)
			fmt.Fprintf(e.stdout, "%s: %s\n", name, b)
		}
		return nil
	}
	fmt.Fprintf(e.stderr, "nestegg ach: unknown command %q\n", args[0])
	return errUsage
}

func readFileOrStdin(e *env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(e.stdin, 64<<20))
	}
	return os.ReadFile(name)
}
