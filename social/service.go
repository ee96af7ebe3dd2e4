package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/nestegg/nestegg/store"
)

// PostHook runs inside the transaction that creates a post, after the post,
// its mentions and hashtags are written and before the transaction commits.
// An error aborts the post and is returned to the caller of CreatePost.
// It must only use tx (and the Service's tx-taking helpers) so that it
// commits or rolls back with the post, and it may run more than once for the
// same post when the database asks for a retry.
type PostHook func(ctx context.Context, tx *sql.Tx, p Post) error

// PostView adjusts a post as viewerID ("" for nobody) is shown it, on
// every path that reads posts (one post, timelines, threads,
// notifications). It must not fail or block: it rewrites p in memory.
// Payments installs one so that the amount of a payment command (a post
// addressed to the pay handle) reaches only whom the payment's audience
// allows.
type PostView func(viewerID string, p *Post)

// Argon2 holds argon2id parameters for password hashing.
type Argon2 struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 is memory-hard enough for production (64 MiB, one pass, two
// lanes: above OWASP's minimum and close to RFC 9106's second
// recommendation) while staying near 100 ms on a small server.
var DefaultArgon2 = Argon2{Time: 1, MemoryKiB: 64 * 1024, Threads: 2}

// Options configure a Service. The zero value gives production defaults.
type Options struct {
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// PayHandle is the platform's pay handle, reserved for payments in posts
	// ("@pay @bob $5"). Default "pay".
	PayHandle string
	// AutoApproveCheck lets a member with the paid verified check change
	// their display name without losing the check; by default the check is
	// hidden until staff approve the new name (ReviewCheck).
	AutoApproveCheck bool
	// Reserved lists more handles nobody may sign up with.
	Reserved []string
	// Argon2 sets password hashing cost; zero fields take DefaultArgon2's.
	// Tests use tiny values (MemoryKiB 64). Stored hashes keep their own
	// parameters and are upgraded at the next login when these change.
	Argon2 Argon2
	// MaxConcurrentHashes caps password hashes in progress at once, each
	// holding Argon2.MemoryKiB of memory; default runtime.NumCPU().
	MaxConcurrentHashes int
	// MaxHashQueue caps the password checks waiting for one of those
	// slots, and HashWait how long one waits: beyond either, a login,
	// sign-up or password check is refused at once as Unavailable with a
	// HashBusy cause (a 503 with Retry-After), for a known handle and an
	// unknown one alike. Defaults 4 × MaxConcurrentHashes and 2 seconds.
	MaxHashQueue int
	HashWait     time.Duration
	// LoginMaxFailures login attempts for one account from one IP address
	// within LoginWindow lock that pair out; AccountMaxFailures attempts
	// for one account from anywhere lock the account out (rotating
	// addresses buys nothing). A lockout lasts LoginWindow, doubled for
	// each lockout before it in a row, at most LoginMaxLockout; a success
	// clears the counts. The current password asked before a sensitive
	// change has its own LoginMaxFailures. Defaults 5, 10, 15 minutes and
	// 24 hours.
	LoginMaxFailures   int
	AccountMaxFailures int
	LoginWindow        time.Duration
	LoginMaxLockout    time.Duration
	// SessionTTL is how long a session lives without use; each use in the
	// second half of its life renews it. Default 30 days.
	SessionTTL time.Duration
	// TOTPIssuer names the site in authenticator apps; default "Nestegg".
	TOTPIssuer string
	// OnPost, if set, runs in every post's transaction (see PostHook).
	// It can also be set later with Service.SetPostHook.
	OnPost PostHook
}

// Service is the social network: accounts, sessions, tokens, posts,
// follows, timelines and notifications. It is safe for concurrent use.
//
// Methods that act for someone take that person's user id (the "actor",
// established by the caller from a session or token) and check themselves
// that the actor may do what is asked. Reads of public things (profiles,
// posts, timelines) take a viewer id, which may be "" for someone not
// logged in.
type Service struct {
	db       *store.DB
	clock    func() time.Time
	pay      string
	reserved map[string]bool
	argon    Argon2
	hashSem  chan struct{}
	hashWait time.Duration
	maxQueue int64
	queued   atomic.Int64 // password checks waiting for a hashSem slot
	maxFail  int          // per account and address
	acctFail int          // per account
	window   time.Duration
	maxLock  time.Duration
	ttl      time.Duration
	issuer   string
	autoOK   bool // Options.AutoApproveCheck
	onPost   atomic.Pointer[PostHook]
	view     atomic.Pointer[PostView]
	subs     atomic.Pointer[SubscriberCheck]
	postLen  atomic.Pointer[PostLimit]
}

// New returns a Service storing its data in db, which must be migrated.
func New(db *store.DB, opts Options) *Service {
	s := &Service{
		db:       db,
		clock:    opts.Clock,
		pay:      strings.ToLower(opts.PayHandle),
		reserved: map[string]bool{},
		argon:    opts.Argon2,
		maxFail:  opts.LoginMaxFailures,
		acctFail: opts.AccountMaxFailures,
		window:   opts.LoginWindow,
		maxLock:  opts.LoginMaxLockout,
		ttl:      opts.SessionTTL,
		issuer:   opts.TOTPIssuer,
		autoOK:   opts.AutoApproveCheck,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.pay == "" {
		s.pay = "pay"
	}
	s.reserved[s.pay] = true
	for _, h := range opts.Reserved {
		s.reserved[strings.ToLower(h)] = true
	}
	if s.argon.Time == 0 {
		s.argon.Time = DefaultArgon2.Time
	}
	if s.argon.MemoryKiB == 0 {
		s.argon.MemoryKiB = DefaultArgon2.MemoryKiB
	}
	if s.argon.Threads == 0 {
		s.argon.Threads = DefaultArgon2.Threads
	}
	n := opts.MaxConcurrentHashes
	if n <= 0 {
		n = runtime.NumCPU()
	}
	s.hashSem = make(chan struct{}, n)
	s.maxQueue = int64(opts.MaxHashQueue)
	if s.maxQueue <= 0 {
		s.maxQueue = 4 * int64(n)
	}
	if s.hashWait = opts.HashWait; s.hashWait <= 0 {
		s.hashWait = 2 * time.Second
	}
	if s.maxFail <= 0 {
		s.maxFail = 5
	}
	if s.acctFail <= 0 {
		s.acctFail = 10
	}
	if s.window <= 0 {
		s.window = 15 * time.Minute
	}
	if s.maxLock <= 0 {
		s.maxLock = 24 * time.Hour
	}
	s.maxLock = max(s.maxLock, s.window)
	if s.ttl <= 0 {
		s.ttl = 30 * 24 * time.Hour
	}
	if s.issuer == "" {
		s.issuer = "Nestegg"
	}
	if opts.OnPost != nil {
		s.SetPostHook(opts.OnPost)
	}
	return s
}

// SetPostHook installs (or, with nil, removes) the hook run in every post's
// transaction, replacing Options.OnPost. It is for wiring: a payments
// service built after this one registers itself here.
func (s *Service) SetPostHook(h PostHook) {
	if h == nil {
		s.onPost.Store(nil)
		return
	}
	s.onPost.Store(&h)
}

// SetPostView installs (or, with nil, removes) the PostView applied to
// every post read. It is for wiring: payments.New registers itself here.
func (s *Service) SetPostView(v PostView) {
	if v == nil {
		s.view.Store(nil)
		return
	}
	s.view.Store(&v)
}

// IsPayCommand reports whether body addresses the pay handle: its first
// word is "@" and the pay handle, in any case. Such a post is a payment
// command (package payments reads it), never an ordinary mention.
func (s *Service) IsPayCommand(body string) bool {
	f := strings.Fields(body)
	return s.pay != "" && len(f) > 0 && strings.HasPrefix(f[0], "@") && strings.EqualFold(f[0][1:], s.pay)
}

// PayHandle returns the platform's pay handle, lower-cased, without '@'.
// Anyone may call it; it cannot fail.
func (s *Service) PayHandle() string { return s.pay }

func (s *Service) now() time.Time { return s.clock().UTC() }

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// newID returns a new id with the given type prefix ("usr", "pst" …).
// UUIDv7 keeps ids roughly time-ordered, which index pages like.
func newID(prefix string) string {
	return prefix + "_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns 32 random bytes in lower-case base32 (52 characters):
// safe in URLs, cookies and a double-click selection.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return strings.ToLower(b32.EncodeToString(b[:]))
}

// hashSecret is how session tokens, API tokens and login challenges are
// stored: they are 256-bit random, so a plain SHA-256 is enough and lets
// the database find them by hash.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
