package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserSignupPostFollow drives Debian's Chromium through the web
// app as two people would: alice signs up and posts, bob signs up in his
// own browser profile, follows alice from her profile, and sees her next
// post on his home timeline. Screenshots of each step go to the test
// artifacts directory ($NESTEGG_TEST_ARTIFACTS, else testartifacts/ at the
// repository root).
func TestBrowserSignupPostFollow(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		shots := artifactsDir(t, "browser-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		alice := b.tab(t)
		bob := b.tab(t) // a second browser context: its own cookies

		alice.signup(site.url, "alice", "Alice Liddell")
		alice.shot(shots, "01-alice-signed-up")
		alice.compose("hello from alice #nestegg")
		alice.waitText("#timeline", "hello from alice #nestegg")
		alice.shot(shots, "02-alice-posted")
		if v, _ := chromedp.Run(alice.ctx, chromedp.Evaluate[string]("typeof htmx")); v != "object" {
			t.Errorf("htmx did not load: typeof htmx = %q", v)
		}

		bob.signup(site.url, "bob", "Bob Builder")
		bob.shot(shots, "03-bob-signed-up")
		bob.navigate(site.url + "/u/alice")
		bob.waitText("main", "hello from alice")
		bob.submit(`form[action="/u/alice/follow"] button`)
		bob.waitText(".flash", "You now follow @alice")
		bob.shot(shots, "04-bob-follows-alice")

		alice.navigate(site.url + "/")
		alice.compose("second post from alice, for my followers")
		alice.waitText("#timeline", "second post from alice")
		alice.shot(shots, "05-alice-posts-again")

		bob.navigate(site.url + "/")
		bob.waitText("#timeline", "second post from alice, for my followers")
		bob.waitText("#timeline", "hello from alice #nestegg")
		bob.shot(shots, "06-bob-home-timeline")

		// Liking goes through htmx: the button changes without a reload.
		bob.click(`#timeline article .actions form[action$="/like"] button`)
		bob.waitText("#timeline article .actions", "Liked")
		bob.shot(shots, "07-bob-liked")

		alice.navigate(site.url + "/notifications")
		alice.waitText("main", "followed you")
		alice.waitText("main", "liked your post")
		alice.shot(shots, "08-alice-notifications")

		b.checkErrors(t)
	})
}

// needChromium returns Chromium's path. Under CI=true a missing Chromium
// fails the test: the browser tests are part of what CI proves. Elsewhere
// it skips.
func needChromium(t *testing.T) string {
	t.Helper()
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but chromium is not installed (apt-get install chromium; .ci/run does it)")
		}
		t.Skip("chromium not installed; skipping the browser test")
	}
	return chromium
}

func findChromium() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactsDir is where a test saves files for people to look at.
func artifactsDir(t *testing.T, name string) string {
	t.Helper()
	root := os.Getenv("NESTEGG_TEST_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "testartifacts")
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	return dir
}

// browser is one headless Chromium; each tab gets its own browser context
// (like a separate profile), so two people can be signed in at once.
type browser struct {
	alloc context.Context
	root  context.Context

	mu     sync.Mutex
	errors []string // JavaScript exceptions and console errors on any page
}

func newBrowser(t *testing.T, path string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(900, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	// One deadline for the whole browser: a hung page fails the test
	// instead of hanging it.
	base, cancelBase := context.WithTimeout(context.Background(), 2*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	b := &browser{alloc: alloc}
	root, cancelRoot := chromedp.NewContext(alloc, chromedp.WithListener(b.listen))
	if err := chromedp.Do(root); err != nil { // starts the browser
		cancelRoot()
		cancelAlloc()
		cancelBase()
		t.Fatalf("start chromium: %v", err)
	}
	b.root = root
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
		cancelBase()
	})
	return b
}

func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
		}
	}
}

func (b *browser) checkErrors(t *testing.T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("browser: %s", e)
	}
}

// tab is one page in its own browser context.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b *browser) tab(t *testing.T) *tab {
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext(), chromedp.WithListener(b.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(900, 1000)); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return &tab{t: t, ctx: ctx}
}

func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.do("navigate "+url, chromedp.Navigate(url))
}

// submit clicks a button that submits a plain form and waits for the page
// the form leads to.
func (tb *tab) submit(button string) {
	tb.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible)); err != nil {
		tb.t.Fatalf("submit %s: %v", button, err)
	}
}

// click clicks without waiting for a page load (htmx buttons).
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// waitText waits until the element's text contains want.
func (tb *tab) waitText(sel, want string) {
	tb.t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		// Errors are retried: htmx may swap the node out while it is read.
		txt, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			last = err.Error()
			continue
		}
		if last = txt; strings.Contains(txt, want) {
			return
		}
	}
	tb.t.Fatalf("%s never showed %q; it shows:\n%s", sel, want, last)
}

func (tb *tab) signup(base, handle, name string) {
	tb.t.Helper()
	tb.navigate(base + "/")
	tb.submitLink(`a[href="/signup"].button`)
	tb.do("fill sign-up form",
		chromedp.SendKeys(chromedp.CSS("#f-handle"), handle),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), name),
		chromedp.SendKeys(chromedp.CSS("#f-email"), handle+"@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.SendKeys(chromedp.CSS("#f-password2"), pagePassword),
	)
	tb.submit(`form[action="/signup"] button`)
	tb.waitText(".flash", "Welcome to Nestegg, @"+handle)
}

// submitLink follows a link and waits for its page.
func (tb *tab) submitLink(sel string) {
	tb.t.Helper()
	tb.submit(sel)
}

// compose writes a post in the home composer and sends it.
func (tb *tab) compose(body string) {
	tb.t.Helper()
	tb.do("compose", chromedp.SendKeys(chromedp.CSS("#composer textarea"), body), chromedp.Click(chromedp.CSS("#composer button"), chromedp.NodeVisible))
}

// shot saves a PNG of the whole page.
func (tb *tab) shot(dir, name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	tb.t.Logf("screenshot %s", p)
}
