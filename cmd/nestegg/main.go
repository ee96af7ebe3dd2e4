// Command nestegg is Nestegg's one binary: `nestegg serve` runs the API, and
// the other subcommands are tools around it. main only wires the process
// (signals, os.Args, the environment) to run, which tests call in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "nestegg:", err)
		}
		os.Exit(2)
	}
}

// env is what a subcommand may touch of the outside world: its streams and
// the environment, never os.* directly, so tests can run it in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// flagSets, when set (by tests), collects every FlagSet newFlags makes.
	flagSets *[]*flag.FlagSet
}

// command is a subcommand. Each lives in its own file; add new ones to
// commands.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is the subcommand table, in the order help lists them.
func commands() []command {
	return []command{
		{"serve", "run the API server", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"bench", "load a running server with transfers and verify its books", runBench},
		{"login", "log in to a server and store an API token for the commands below", runLogin},
		{"post", "publish a post: nestegg post \"text\"", runPost},
		{"timeline", "show your home timeline", runTimeline},
		{"send", "send money: nestegg send @bob 5 --note lunch", runSend},
		{"request", "ask for money: nestegg request @bob 20 --note tickets", runRequest},
		{"redpacket", "red packets: nestegg redpacket send 20 --shares 5 --to @bob,@carol | open rpk_… | show rpk_… | list", runRedPacket},
		{"groupgift", "group gifts, all or nothing: nestegg groupgift start @bob 30 --title T --in 72h | pledge gft_… 10 | withdraw pld_… | show gft_…", runGroupGift},
		{"savings", "your savings and their interest: nestegg savings [open | in 50 | out 20 | history | summary 2027 [--csv]]", runSavings},
		{"plans", "what you may subscribe to: nestegg plans [--creator @handle | --organization]", runPlans},
		{"subscribe", "subscribe, or change plan: nestegg subscribe PLAN_ID [--card crd_…] (shows the charge first)", runSubscribe},
		{"subscriptions", "your subscriptions: nestegg subscriptions [cancel | resume | pay SUB_ID]", runSubscriptions},
		{"earnings", "creators: your subscription earnings over 30 and 365 days", runEarnings},
		{"balance", "show your balances and limits", runBalance},
		{"history", "your statement: every movement of your wallet, newest first, with the balance", runHistory},
		{"statement", "a month of your wallet: nestegg statement 2026-12 [--csv [--out FILE]]", runStatement},
		{"buy", "buy from an offer with your wallet: nestegg buy ofr_… (or --purchase pin_… to confirm)", runBuy},
		{"qr", "in-store QR: nestegg qr code 4.50 --note latte | takings | refund qrp_… | pay URL [AMOUNT] [--tip 1] [--card crd_…]", runQR},
		{"orders", "list your orders, newest first (--sold: your shop's)", runOrders},
		{"bank", "link, verify or remove a bank account: nestegg bank link --routing 110000000 (number on stdin)", runBank},
		{"card", "add or remove a card: nestegg card add --exp 12/30 (number and CVC on stdin)", runCard},
		{"deposit", "add money from your bank: nestegg deposit 50 [--bank bnk_…]", runDeposit},
		{"withdraw", "send money to your bank: nestegg withdraw 20 [--instant] (shows the fee first)", runWithdraw},
		{"topup", "add money from a card: nestegg topup 10 --card crd_… (shows the fee first)", runTopUp},
		{"funding", "list your bank accounts, cards and money in and out", runFunding},
		{"ach", "operators: nestegg ach export [--out FILE] | nestegg ach import FILE...", runACH},
		{"reconcile", "operators: compare the clearing accounts with the rails' records", runReconcile},
		{"admin", "operators: staff: nestegg admin create-user | promote @h --role R | demote @h | staff", runAdmin},
		{"settings", "operators: the business settings (fees, coin prices, limits): nestegg settings list | set KEY VALUE --reason R | history [KEY]", runSettings},
		{"operator-key", "operators: nestegg operator-key list | create --name N | rotate ID | revoke ID", runOperatorKey},
		{"version", "print the version", runVersion},
		{"help", "show this help", runHelp},
	}
}

// errUsage reports a usage error whose message has already been printed.
var errUsage = errors.New("usage")

// run runs the subcommand named by args[0] until it finishes or ctx is
// cancelled (SIGINT/SIGTERM), and returns its error.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}, args)
}

func runEnv(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printUsage(e.stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printUsage(e.stdout)
		return nil
	case "help":
		// nestegg help serve is nestegg serve -h; help bank link, bank link -h.
		if len(args) > 1 {
			return runEnv(ctx, e, append(append([]string{}, args[1:]...), "-h"))
		}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	fmt.Fprintf(e.stderr, "nestegg: unknown command %q\n\n", args[0])
	printUsage(e.stderr)
	return errUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: nestegg <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'nestegg <command> -h' or 'nestegg help <command>' for a command's flags.\nEvery flag is also NESTEGG_<NAME> in the environment, or a line of --config-file: see docs/CONFIG.md.")
}

func runHelp(ctx context.Context, e *env, args []string) error {
	printUsage(e.stdout)
	return nil
}
