package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestOperatorACHAndReconcile runs the operators' commands in-process on a
// fresh database: nothing to export, a sample return file for entries this
// platform never sent, and a clean reconciliation.
func TestOperatorACHAndReconcile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	getenv := func(k string) string { return "" }
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := cli("ach", "export", "--database", db); err != nil || !strings.Contains(out, "nothing to send") {
		t.Fatalf("ach export = %q, %v", out, err)
	}
	out, err := cli("ach", "import", "--database", db, "../../rails/testdata/return-R02-R03.ach")
	if err != nil || !strings.Contains(out, `"returns":2`) || !strings.Contains(out, "091000010000007") {
		t.Fatalf("ach import = %q, %v", out, err)
	}
	if out, err := cli("reconcile", "--database", db); err != nil || !strings.Contains(out, "everything matches") {
		t.Fatalf("reconcile = %q, %v", out, err)
	}
}
