package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
)

// Idempotency says whether a POST route honours the Idempotency-Key header.
type Idempotency int

// Idempotency levels of a route.
const (
	// IdempotencyNone: the header is ignored (GET routes, health).
	IdempotencyNone Idempotency = iota
	// IdempotencyOptional: a key, when sent, makes the request replayable.
	IdempotencyOptional
	// IdempotencyRequired: a POST without a key is rejected (money moves).
	IdempotencyRequired
	// IdempotencyInLedger is IdempotencyRequired for routes whose handler
	// submits to the ledger through submit: the key is looked up and its
	// response stored inside the ledger's batch commit (a keyed
	// ledger.Rider), so a hot transfer route costs no query of its own for
	// the key; only a replay reads the stored response.
	IdempotencyInLedger
)

// required reports whether a POST must carry an Idempotency-Key.
func (i Idempotency) required() bool { return i == IdempotencyRequired || i == IdempotencyInLedger }

const headerIdempotencyKey = "Idempotency-Key"

// idempotency implements the Idempotency-Key semantics:
//
//   - a replay with the same body returns the stored status and body, with
//     the header Idempotent-Replayed: true;
//   - the same key with another body is 422 idempotency_mismatch;
//   - the same key while the first request runs (in this process) is 409
//     in_flight. Across processes only the stored records are shared; the
//     business ids (transfer ids) are idempotent themselves, so two
//     processes racing on one key still move money once.
//
// Responses with status < 500 are stored; a 5xx may be retried with the same
// key. Records are kept for the TTL (24h by default) and deleted by a sweep
// about hourly; a record stays valid until the sweep removes it.
type idempotency struct {
	db  *store.DB
	log *slog.Logger

	mu       sync.Mutex
	inflight map[idemKey][sha256.Size]byte // key -> hash of the running request

	writer *recordWriter

	prepare sync.Once
	find    *sql.Stmt // prepared lookup; nil if preparing failed
}

const findRecord = "SELECT request_hash, status, response, movement_id FROM idempotency_keys WHERE principal = $1 AND idem_key = $2"

type idemKey struct{ principal, key string }

func newIdempotency(db *store.DB, clock func() time.Time, ttl time.Duration, log *slog.Logger) *idempotency {
	return &idempotency{
		db:       db,
		log:      log,
		inflight: make(map[idemKey][sha256.Size]byte),
		writer:   newRecordWriter(db, clock, ttl, log),
	}
}

func (id *idempotency) close() error {
	if id.find != nil {
		id.find.Close()
	}
	return id.writer.close()
}

// validIdempotencyKey: 1 to 255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestHash identifies a request's content: method, path with query, body.
func requestHash(r *http.Request, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.RequestURI()))
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// claim marks k as running with hash; the returned func releases it.
func (id *idempotency) claim(k idemKey, hash [sha256.Size]byte) (func(), error) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if running, ok := id.inflight[k]; ok {
		if running != hash {
			return nil, errMismatch
		}
		return nil, nestegg.ParamErrorf(nestegg.InFlight, headerIdempotencyKey,
			"a request with this Idempotency-Key is still being processed; retry later")
	}
	id.inflight[k] = hash
	return func() {
		id.mu.Lock()
		delete(id.inflight, k)
		id.mu.Unlock()
	}, nil
}

var errMismatch = nestegg.ParamErrorf(nestegg.IdempotencyMismatch, headerIdempotencyKey,
	"this Idempotency-Key was used with a different request; use a new key")

// stored is a saved response — or, with movementID set and status 0, the
// movement the key's request made, written in that movement's own
// transaction (movement.Record): its answer is the request run again,
// which the kernel answers with the movement, never running it twice.
type stored struct {
	hash       string
	status     int
	response   string
	movementID string
}

// made reports whether the record points at a movement rather than holding
// a response.
func (st stored) made() bool { return st.status == 0 && st.movementID != "" }

// errNotReplay says a lookup found no stored response for the key.
var errNotReplay = errors.New("no stored response")

// errInFlightElsewhere: the ledger saw the key taken but its response is not
// readable yet — another process's request with it is committing now.
var errInFlightElsewhere = nestegg.Errorf(nestegg.InFlight, "a request with this Idempotency-Key is being processed; retry shortly")

func (id *idempotency) lookup(ctx context.Context, k idemKey) (stored, bool, error) {
	// Every idempotent POST asks this, so it runs as a prepared statement.
	id.prepare.Do(func() { id.find, _ = id.db.PrepareRead(context.Background(), findRecord) })
	var row *sql.Row
	if id.find != nil {
		row = id.find.QueryRowContext(ctx, k.principal, k.key)
	} else {
		row = id.db.Reader().QueryRowContext(ctx, findRecord, k.principal, k.key)
	}
	var st stored
	err := row.Scan(&st.hash, &st.status, &st.response, &st.movementID)
	if errors.Is(err, sql.ErrNoRows) {
		return stored{}, false, nil
	}
	if err != nil {
		return stored{}, false, &nestegg.Error{Code: nestegg.Unavailable, Op: "idempotency lookup",
			Message: "cannot check the Idempotency-Key right now; retry with the same key", Err: err}
	}
	return st, true, nil
}

// serveIdempotent runs an idempotent POST route (see idempotency).
func (s *Server) serveIdempotent(rt *route, w http.ResponseWriter, r *http.Request, body []byte) error {
	key := r.Header.Get(headerIdempotencyKey)
	if key == "" {
		if rt.Idempotency.required() {
			return nestegg.ParamErrorf(nestegg.Invalid, headerIdempotencyKey,
				"this endpoint requires an Idempotency-Key header")
		}
		return rt.handler(w, r, body)
	}
	if !validIdempotencyKey(key) {
		return nestegg.ParamErrorf(nestegg.Invalid, headerIdempotencyKey,
			"Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	p, _ := PrincipalFrom(r.Context())
	k := idemKey{principal: p.String(), key: key}
	hash := requestHash(r, body)
	release, err := s.idem.claim(k, hash)
	if err != nil {
		return err
	}
	// Released only after the record is written, so that there is no moment
	// when a retry finds neither a running request nor a stored response.
	defer release()
	if s.testHook != nil {
		s.testHook(r)
	}
	hexHash := hex.EncodeToString(hash[:])
	// rerun answers a key whose request made a movement: the handler runs
	// again and the kernel replays the movement instead of making another.
	// Nothing is stored from it, so it writes straight to w.
	rerun := func() error {
		w.Header().Set("Idempotent-Replayed", "true")
		return rt.handler(w, r, body)
	}
	replay := func() error {
		prev, found, err := s.idem.lookup(r.Context(), k)
		switch {
		case err != nil:
			return err
		case !found:
			return errNotReplay
		case prev.hash != hexHash:
			return errMismatch
		case prev.made():
			return rerun()
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, prev.status, []byte(prev.response))
		return nil
	}
	if rt.Idempotency != IdempotencyInLedger {
		if err := replay(); err != errNotReplay {
			return err
		}
	}

	cw := &captureWriter{header: w.Header(), rec: &record{key: k, hash: hexHash}}
	// A movement the handler makes stores the key's record in its own
	// transaction (see movement.Record); otherwise it is stored below.
	mrec := &movement.Record{Principal: k.principal, Key: k.key, Hash: hexHash, Render: func(err error) (int, string) {
		status, b := errorResponse(err)
		out, _ := json.Marshal(b) // cannot fail: strings only
		return status, string(out)
	}}
	r = r.WithContext(movement.WithRecord(r.Context(), mrec))
	err = rt.handler(cw, r, body)
	if err != nil && (rt.Idempotency == IdempotencyInLedger || (!mrec.Stored() && store.IsUniqueViolation(err))) {
		// The key was not looked up in advance, or another process recorded
		// it while this request ran: answer from what is stored — where a
		// key already used with another body must still answer 422.
		if rerr := replay(); rerr != errNotReplay {
			return rerr
		}
		if errors.Is(err, ledger.ErrRiderExists) {
			return errInFlightElsewhere
		}
	}
	if err != nil {
		s.writeError(cw, r, err)
	}
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if cw.status < 500 && !cw.stored && !mrec.Stored() {
		// The work is done: record it even if the client has gone away.
		ctx := context.WithoutCancel(r.Context())
		rec := cw.rec
		rec.status, rec.response = cw.status, cw.buf.String()
		if err := s.idem.writer.write(ctx, rec); err != nil {
			// The response is still true; a retry will find the business id
			// (a transfer's "exists") instead of the stored response.
			s.log.LogAttrs(ctx, slog.LevelError, "idempotency record not stored",
				slog.String("request_id", w.Header().Get(headerRequestID)),
				slog.String("error", err.Error()))
		}
	}
	w.WriteHeader(cw.status)
	w.Write(cw.buf.Bytes())
	return nil
}

// captureWriter buffers a response so it can be stored before it is sent.
// Headers go straight to the real response. Handlers that commit through the
// ledger store the record with their transfers (see Server.submit) and set
// stored.
type captureWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
	rec    *record // the key and request hash; the writer fills in the rest
	stored bool
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(p)
}
