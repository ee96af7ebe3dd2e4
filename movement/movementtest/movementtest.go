// Package movementtest runs the book auditor from tests.
package movementtest

import (
	"context"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/movement"
)

// Audit runs the book auditor (movement.Kernel.Audit) and fails t with
// every problem it finds. Domain tests call it at the end of every money
// test, on both databases (see each package's test helpers).
func Audit(t testing.TB, k *movement.Kernel) {
	t.Helper()
	problems, err := k.Audit(context.Background())
	if err != nil {
		t.Fatalf("book auditor: %v", err)
	}
	if len(problems) > 0 {
		t.Errorf("book auditor found %d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
}
