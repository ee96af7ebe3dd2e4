package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

func TestReadBuild(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-03T15:43:20Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name          string
		bi            *debug.BuildInfo
		ver, rev, day string
		want          build
	}{
		{"no build info", nil, "", "", "", build{Version: "dev", Commit: "unknown", Date: "unknown"}},
		{"a git checkout", vcs, "", "", "", build{Version: "dev", Commit: "0123abcd", Modified: true, Date: "2026-12-03T15:43:20Z", GoVersion: "go1.27.3"}},
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "v1.2.3"}}, "", "", "",
			build{Version: "v1.2.3", Commit: "unknown", Date: "unknown", GoVersion: "go1.27.3"}},
		{"a release (ldflags)", vcs, "v1.2.3", "feedface", "2026-12-04T00:00:00Z",
			build{Version: "v1.2.3", Commit: "feedface", Date: "2026-12-04T00:00:00Z", GoVersion: "go1.27.3"}},
	} {
		if got := readBuild(tc.bi, tc.ver, tc.rev, tc.day); got != tc.want {
			t.Errorf("%s: readBuild = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
	binaryOut  []byte
)

// nesteggBinary builds cmd/nestegg as a user would, in this checkout with
// VCS stamping on (whatever GOFLAGS says), once per test run.
func nesteggBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nestegg-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "nestegg")
		cmd := exec.Command("go", "build", "-buildvcs=true", "-o", binaryPath, ".")
		binaryOut, binaryErr = cmd.CombinedOutput()
	})
	if binaryErr != nil {
		t.Fatalf("go build: %v\n%s", binaryErr, binaryOut)
	}
	return binaryPath
}

// TestVersionShowsCommit: a binary built in a git checkout says which
// commit it is, from runtime/debug's build info.
func TestVersionShowsCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v (this test runs in a git checkout)", err)
	}
	out, err := exec.Command(nesteggBinary(t), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("nestegg version: %v\n%s", err, out)
	}
	if want := "commit: " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("nestegg version printed\n%s\nwant a line %q", out, want)
	}
	if !strings.Contains(string(out), "date:   20") {
		t.Errorf("nestegg version printed no date:\n%s", out)
	}

	// In-process (a test binary records no VCS), it still prints its three lines.
	var buf strings.Builder
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &buf, &buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nestegg ", "commit: ", "date: "} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("version printed %q, want %q", buf.String(), want)
		}
	}
}
