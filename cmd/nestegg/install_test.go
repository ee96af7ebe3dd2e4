package main

import (
	"archive/zip"
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// moduleRoot is the checkout's root, where go.mod is.
const moduleRoot = "../.."

// TestGoInstallFromProxy builds the module as `go install` sees it: from a
// module proxy (a file:// one made from this checkout, at v0.0.0-test),
// with no replace directive to help. The dependencies come from the
// module cache, served as a second file:// proxy, into a fresh module cache.
func TestGoInstallFromProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module from scratch")
	}
	const mod, ver = "github.com/nestegg/nestegg", "v0.0.0-test"
	tmp := t.TempDir()
	at := filepath.Join(tmp, "proxy", mod, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(moduleRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(gomod), "\nreplace ") {
		t.Errorf("go.mod has a replace directive, which go install …@version refuses")
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(at, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("list", ver+"\n")
	write(ver+".info", `{"Version":"`+ver+`","Time":"2026-12-01T00:00:00Z"}`)
	write(ver+".mod", string(gomod))

	// The zip holds what git would check out (and new files not ignored).
	files, err := exec.Command("git", "-C", moduleRoot, "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	zf, err := os.Create(filepath.Join(at, ver+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, name := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		data, err := os.ReadFile(filepath.Join(moduleRoot, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(mod + "@" + ver + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	gobin, modcache := filepath.Join(tmp, "bin"), filepath.Join(tmp, "modcache")
	t.Cleanup(func() {
		// The module cache is read-only: go clean removes it.
		c := exec.Command(filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go"), "clean", "-modcache")
		c.Env = append(os.Environ(), "GOMODCACHE="+modcache, "GOTOOLCHAIN=local")
		c.Run()
	})
	// -trimpath, as release builds use: compiled packages are then named
	// by module and version, not by this run's temporary module cache, so
	// the build cache serves them the next time this test runs instead of
	// compiling every dependency again (minutes: modernc.org/sqlite alone).
	cmd := exec.Command(filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go"), "install", "-trimpath", mod+"/cmd/nestegg@"+ver)
	cmd.Dir = tmp // outside any module, as a user's go install
	cmd.Env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(filepath.Join(tmp, "proxy"))+",file://"+filepath.ToSlash(filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")),
		"GOMODCACHE="+modcache, "GOBIN="+gobin, "GOSUMDB=off", "GOFLAGS=", "GOWORK=off",
		"GOTOOLCHAIN=local", "GONOPROXY=", "GOPRIVATE=", "GONOSUMDB=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go install %s/cmd/nestegg@%s: %v\n%s", mod, ver, err, out)
	}
	v, err := exec.Command(filepath.Join(gobin, "nestegg"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(v), "nestegg "+ver+"\n") {
		t.Fatalf("the installed nestegg version = %v\n%s", err, v)
	}
}

// TestBinaryWithExampleConfig: the built binary starts with the example
// configuration file the .deb and the image install (the command line
// overriding its address and database), answers /readyz, and stops cleanly
// on SIGTERM.
func TestBinaryWithExampleConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	conf := filepath.Join(moduleRoot, "packaging", "nestegg.conf")
	dir := t.TempDir()
	cmd := exec.Command(nesteggBinary(t), "serve", "--addr", "127.0.0.1:0", "--database", filepath.Join(dir, "nestegg.db"))
	cmd.Env = append(os.Environ(), "NESTEGG_CONFIG_FILE="+conf, "NESTEGG_OPERATOR_KEY=example-config-test-key-0123")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "nestegg listening on "); ok {
				urls <- u
			}
		}
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatalf("serve with %s did not listen within 60s\n%s", conf, stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /readyz = %d", resp.StatusCode)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(45 * time.Second):
		t.Errorf("serve did not stop within 45s of SIGTERM")
	}
	// log-level info came from the file: the start is logged.
	if !strings.Contains(stderr.String(), "serving") {
		t.Errorf("the file's log-level info was not applied; stderr:\n%s", stderr.String())
	}
}

// TestReleaseConfig checks what can be checked of the release
// configuration without goreleaser (its module takes longer to build than
// CI can give it): every file .goreleaser.yaml packs exists, the variables
// its ldflags set exist in the binary, the systemd unit passes
// systemd-analyze verify, and the package's script parses.
func TestReleaseConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cfg, err := os.ReadFile(filepath.Join(moduleRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	paths := regexp.MustCompile(`(?m)^\s*(?:- )?(?:src|main|postinstall):\s*(\S+)`).FindAllStringSubmatch(string(cfg), -1)
	// An archive's files: a list item that is a path.
	paths = append(paths, regexp.MustCompile(`(?m)^\s+- ((?:[\w.*-]+/)*[\w*-]+\.(?:md|conf|env|service)|LICENSE)\s*$`).FindAllStringSubmatch(string(cfg), -1)...)
	if len(paths) < 8 {
		t.Fatalf("found %d paths in .goreleaser.yaml; has its layout changed?", len(paths))
	}
	for _, m := range paths {
		if got, _ := filepath.Glob(filepath.Join(moduleRoot, m[1])); len(got) == 0 {
			t.Errorf(".goreleaser.yaml names %s, which does not exist", m[1])
		}
	}
	bin := nesteggBinary(t)
	syms, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	for _, m := range regexp.MustCompile(`-X (main\.\w+)=`).FindAllStringSubmatch(string(cfg), -1) {
		if !regexp.MustCompile(`(?m) ` + regexp.QuoteMeta(m[1]) + `$`).Match(syms) {
			t.Errorf(".goreleaser.yaml's ldflags set %s, which the binary does not have", m[1])
		}
	}
	// The image builds with go.mod's toolchain, from files that exist.
	gomod, _ := os.ReadFile(filepath.Join(moduleRoot, "go.mod"))
	docker, err := os.ReadFile(filepath.Join(moduleRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^toolchain go(\S+)`).FindSubmatch(gomod); m == nil || !strings.Contains(string(docker), "FROM golang:"+string(m[1])+"-") {
		t.Errorf("the Dockerfile does not build with go.mod's toolchain (%s)", m)
	}
	for _, m := range regexp.MustCompile(`(?m)^COPY (packaging/\S+)`).FindAllStringSubmatch(string(docker), -1) {
		if _, err := os.Stat(filepath.Join(moduleRoot, m[1])); err != nil {
			t.Errorf("the Dockerfile copies %s: %v", m[1], err)
		}
	}
	if out, err := exec.Command("sh", "-n", filepath.Join(moduleRoot, "packaging", "postinstall.sh")).CombinedOutput(); err != nil {
		t.Errorf("packaging/postinstall.sh: %v\n%s", err, out)
	}

	// The unit, with ExecStart pointing at the binary just built.
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no systemd-analyze to verify packaging/nestegg.service with (CI must check the unit)")
		}
		t.Skip("no systemd-analyze to verify packaging/nestegg.service with")
	}
	unit, err := os.ReadFile(filepath.Join(moduleRoot, "packaging", "nestegg.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "ExecStart=/usr/bin/nestegg serve") {
		t.Fatalf("nestegg.service does not start /usr/bin/nestegg serve (the .deb's bindir)")
	}
	tmp := filepath.Join(t.TempDir(), "nestegg.service")
	os.WriteFile(tmp, []byte(strings.ReplaceAll(string(unit), "/usr/bin/nestegg", bin)), 0o644)
	out, err := exec.Command(analyze, "verify", tmp).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify nestegg.service: %v\n%s", err, out)
	}
}
