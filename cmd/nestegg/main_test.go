package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test start `nestegg serve` as a child process of the test
// binary (NESTEGG_TEST_CHILD=serve), so that it can be killed with SIGKILL
// and started again, as a crash would.
func TestMain(m *testing.M) {
	if os.Getenv("NESTEGG_TEST_CHILD") == "serve" {
		args := append([]string{"serve"}, strings.Fields(os.Getenv("NESTEGG_TEST_CHILD_ARGS"))...)
		if err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if binaryPath != "" { // built by nesteggBinary, shared by the tests
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// child is `nestegg serve` in a process of its own.
type child struct {
	url string
	cmd *exec.Cmd
}

// startChild runs serve on dsn in a child process and waits until it
// listens. The child is killed when the test ends, if it still runs.
func startChild(t *testing.T, dsn string, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NESTEGG_TEST_CHILD=serve",
		"NESTEGG_TEST_CHILD_ARGS=--addr 127.0.0.1:0 --database "+dsn+" --log-level error")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(func() { c.kill() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "nestegg listening on "); ok {
				lines <- u
			}
		}
	}()
	select {
	case c.url = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start within 60s\n%s", stderr.String())
	}
	return c
}

// kill sends SIGKILL: nothing in the process runs after it.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Kill()
	c.cmd.Wait()
}
