package nestegg_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// These tests keep the architecture's rules, as tailscale's and
// cockroach's do: they read the source, so breaking a rule fails here
// before it can be merged.

// pkgFiles returns the non-test Go files of every package under the
// module root, by package directory ("payments", "web", "." for the root).
func pkgFiles(t *testing.T) map[string][]*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string][]*ast.File{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		out[dir] = append(out[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOnlyTheKernelMovesMoney: no package but the ledger and the movement
// kernel submits transfers. Every other package moves money through
// movement.Kernel, so that every movement passes the checkpoint, counts
// toward limits, joins the group commit and shows in statements.
func TestOnlyTheKernelMovesMoney(t *testing.T) {
	submit := map[string]bool{"Submit": true, "SubmitWith": true, "SubmitTx": true, "Do": true}
	allowed := map[string]bool{"ledger": true, "movement": true}
	var bad []string
	for dir, files := range pkgFiles(t) {
		if allowed[dir] {
			continue
		}
		for _, f := range files {
			ledgerName := ""
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/nestegg/nestegg/ledger" {
					ledgerName = "ledger"
					if imp.Name != nil {
						ledgerName = imp.Name.Name
					}
				}
			}
			if ledgerName == "" {
				continue // cannot hold a *ledger.Ledger it did not import… unless handed one
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if ok && submit[sel.Sel.Name] && looksLikeLedger(sel.X) {
					bad = append(bad, dir+": calls "+sel.Sel.Name+" on the ledger")
				}
				return true
			})
		}
	}
	slices.Sort(bad)
	for _, b := range bad {
		t.Error(b + " (money moves only through movement.Kernel)")
	}
}

// looksLikeLedger reports whether x names a ledger: a variable or field
// called ledger or l (the names the code gives a *ledger.Ledger).
func looksLikeLedger(x ast.Expr) bool {
	switch e := x.(type) {
	case *ast.Ident:
		return e.Name == "ledger" || e.Name == "l" || e.Name == "led"
	case *ast.SelectorExpr:
		return e.Sel.Name == "ledger" || e.Sel.Name == "Ledger" || e.Sel.Name == "l"
	case *ast.CallExpr: // k.Ledger().Submit(…)
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			return sel.Sel.Name == "Ledger"
		}
	}
	return false
}

// tableOwners names the one package that owns each table, by prefix or
// name (STYLE.md habit 12): only the owner queries it.
var tableOwners = []struct{ prefix, owner string }{
	{"ledger_", "ledger"},
	{"compliance_", "compliance"},
	{"movements", "movement"},
	{"funding_", "funding"},
	{"commerce_", "commerce"},
	{"payment", "payments"}, // payments, payment_requests, …
	{"refunds", "payments"},
	{"billing_", "billing"},
	{"savings_", "savings"},
	{"cards", "cards"}, {"card_", "cards"},
	{"operator_keys", "web"},
	{"idempotency_keys", "web"},
	{"users", "social"}, {"sessions", "social"}, {"login_", "social"}, {"api_tokens", "social"},
	{"posts", "social"}, {"post_", "social"}, {"likes", "social"}, {"follows", "social"},
	{"blocks", "social"}, {"notifications", "social"}, {"handle_claims", "social"}, {"staff_", "social"}, {"email_links", "social"},
	{"events", "events"}, {"webhook_", "events"},
	{"mail_", "mail"},
}

// sharedTables are the known exceptions, each with its reason. Adding one
// needs a reason as good.
var sharedTables = map[string]string{
	// The kernel writes the API's record of an Idempotency-Key inside the
	// movement's own transaction, so that the key and what it did commit
	// together (issue 10); web owns every read and the sweep.
	"movement idempotency_keys": "the record commits with the movement",
	// The payments feed hides blocked people in the query that pages the
	// payments (a payment's own check asks social).
	"payments blocks": "the feed's block filter is one query",
	// The payments feed filters by who follows whom in the same query that
	// pages the payments.
	"payments follows": "the followers-audience feed is one query",
	// serve --demo refuses a database that has members of its own.
	"demo users": "the demo's emptiness check",
}

var sqlTable = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)`)

func owner(table string) string {
	for _, o := range tableOwners {
		if table == o.prefix || strings.HasPrefix(table, o.prefix) {
			return o.owner
		}
	}
	return ""
}

// TestTablesHaveOneOwner: a package queries only the tables it owns; it
// asks the owner for the rest through Go. In particular compliance counts
// usage from its own table, never by reading payments.
func TestTablesHaveOneOwner(t *testing.T) {
	var bad []string
	for dir, files := range pkgFiles(t) {
		pkg := filepath.Base(dir)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				for _, m := range sqlTable.FindAllStringSubmatch(lit.Value, -1) {
					table := strings.ToLower(m[1])
					o := owner(table)
					if o == "" || o == pkg || sharedTables[pkg+" "+table] != "" {
						continue
					}
					bad = append(bad, pkg+" queries "+table+", owned by "+o)
				}
				return true
			})
		}
	}
	slices.Sort(bad)
	for _, b := range slices.Compact(bad) {
		t.Error(b)
	}
}
