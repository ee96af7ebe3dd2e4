package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Set at link time by a release build (goreleaser's default ldflags):
// -X main.version=v1.2.3 -X main.commit=… -X main.date=…. When empty, what
// the Go toolchain recorded in the binary is used instead.
var (
	version = ""
	commit  = ""
	date    = ""
)

// build is what a binary knows of where it came from.
type build struct {
	Version   string // v1.2.3, a pseudo-version, or "dev"
	Commit    string // the VCS revision, or "unknown"
	Modified  bool   // the tree had uncommitted changes
	Date      string // the build date of a release, else the commit's time, else "unknown"
	GoVersion string
}

// buildInfo reads the link-time values, then runtime/debug's build info.
func buildInfo() build {
	bi, _ := debug.ReadBuildInfo()
	return readBuild(bi, version, commit, date)
}

// readBuild prefers the link-time values and falls back on bi (which may
// be nil): `go install …@v1.2.3` records the module version; a build in a
// git checkout (with -buildvcs, the default) records vcs.revision, vcs.time
// and vcs.modified.
func readBuild(bi *debug.BuildInfo, ver, rev, when string) build {
	b := build{Version: ver, Commit: rev, Date: when}
	var vcsTime string
	if bi != nil {
		b.GoVersion = bi.GoVersion
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				b.Modified = rev == "" && s.Value == "true"
			}
		}
	}
	if b.Date == "" {
		b.Date = vcsTime
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// commitLabel is the commit as shown and exported: "+dirty" marks a build
// from a tree with uncommitted changes.
func (b build) commitLabel() string {
	if b.Modified {
		return b.Commit + "+dirty"
	}
	return b.Commit
}

func runVersion(ctx context.Context, e *env, args []string) error {
	if err := parse(newFlags(e, "version"), args); err != nil {
		return err
	}
	b := buildInfo()
	fmt.Fprintln(e.stdout, "nestegg", b.Version)
	fmt.Fprintln(e.stdout, "commit:", b.commitLabel())
	fmt.Fprintln(e.stdout, "date:  ", b.Date)
	if b.GoVersion != "" {
		fmt.Fprintln(e.stdout, "go:    ", b.GoVersion)
	}
	return nil
}
