package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at link time: -ldflags "-X main.version=v1.2.3".
var version = ""

// buildVersion is version, or else what the Go toolchain recorded.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(ctx context.Context, e *env, args []string) error {
	if err := parse(newFlags(e, "version"), args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "nestegg", buildVersion())
	return nil
}
