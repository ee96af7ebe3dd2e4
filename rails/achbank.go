package rails

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nestegg/nestegg"
)

// fileStore keeps named files in a directory, or in memory when dir is
// empty (tests). The sandboxes keep their state in one so that it outlives
// a restart of serve.
type fileStore struct {
	mu  sync.Mutex
	dir string
	mem map[string][]byte
}

func newFileStore(dir string) (*fileStore, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("rails state: %w", err)
		}
	}
	return &fileStore{dir: dir, mem: map[string][]byte{}}, nil
}

func validName(name string) bool {
	return name != "" && len(name) <= 128 && !strings.ContainsAny(name, `/\`) && !strings.HasPrefix(name, ".")
}

// put stores data under name unless a file of that name exists.
func (s *fileStore) put(name string, data []byte) error {
	if !validName(name) {
		return nestegg.Errorf(nestegg.Invalid, "bad file name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		if _, ok := s.mem[name]; !ok {
			s.mem[name] = append([]byte(nil), data...)
		}
		return nil
	}
	p := filepath.Join(s.dir, name)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("rails state: %w", err)
	}
	return os.Rename(tmp, p)
}

// all returns every stored file whose name has the prefix, by name.
func (s *fileStore) all(prefix string) ([]File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	if s.dir == "" {
		for n, d := range s.mem {
			if strings.HasPrefix(n, prefix) {
				out = append(out, File{Name: n, Data: d})
			}
		}
	} else {
		ents, err := os.ReadDir(s.dir)
		if err != nil {
			return nil, fmt.Errorf("rails state: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || !strings.HasPrefix(e.Name(), prefix) || strings.HasSuffix(e.Name(), ".tmp") {
				continue
			}
			d, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("rails state: %w", err)
			}
			out = append(out, File{Name: e.Name(), Data: d})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// records turns origination files and the returns known for them into the
// bank's records as of now: an entry is returned when a return names its
// trace, else settled once it takes effect: on its effective date, or
// when settles (non-nil for a sandbox on a short clock) says.
func records(origs []File, returns map[string]string, now time.Time, settles func(file string, e ParsedEntry) time.Time) ([]Record, error) {
	var out []Record
	for _, f := range origs {
		p, err := ReadNACHA(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		for _, e := range p.Entries {
			eff := e.Effective
			if settles != nil {
				eff = settles(f.Name, e)
			}
			r := Record{Trace: e.Trace, Amount: e.Amount, Debit: e.Debit, Routing: e.Routing,
				AccountLast4: Last4(e.AccountNumber), Status: RecordPending, Effective: eff, File: f.Name}
			if code, ok := returns[e.Trace]; ok {
				r.Status, r.ReturnCode = RecordReturned, code
			} else if !now.Before(eff) {
				r.Status = RecordSettled
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// FileBank is the real bank rail for an ODFI reached by file exchange:
// Transmit drops the day's origination file in Outbox, for the operator
// (or a cron job) to upload to the bank; the bank's return files are put
// in Inbox. It has no instant payments.
type FileBank struct {
	out, in *fileStore
	clock   func() time.Time
}

// NewFileBank returns a FileBank on two directories, created if missing.
func NewFileBank(outbox, inbox string, clock func() time.Time) (*FileBank, error) {
	if outbox == "" || inbox == "" {
		return nil, nestegg.Errorf(nestegg.Invalid, "the file bank needs an outbox and an inbox directory")
	}
	o, err := newFileStore(outbox)
	if err != nil {
		return nil, err
	}
	i, err := newFileStore(inbox)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	return &FileBank{out: o, in: i, clock: clock}, nil
}

// Transmit writes f to the outbox.
func (b *FileBank) Transmit(ctx context.Context, f File) error { return b.out.put(f.Name, f.Data) }

// Records reads the outbox and the return files in the inbox.
func (b *FileBank) Records(ctx context.Context) ([]Record, error) {
	origs, err := b.out.all("")
	if err != nil {
		return nil, err
	}
	rets, err := b.in.all("")
	if err != nil {
		return nil, err
	}
	returns := map[string]string{}
	for _, f := range rets {
		p, err := ReadNACHA(f.Data)
		if err != nil {
			return nil, fmt.Errorf("return file %s: %w", f.Name, err)
		}
		for _, e := range p.Entries {
			if e.ReturnCode != "" {
				returns[e.OriginalTrace] = e.ReturnCode
			}
		}
	}
	return records(origs, returns, b.clock(), nil)
}

// Instant is not offered over file exchange: Unavailable.
func (b *FileBank) Instant(ctx context.Context, c InstantCredit) (Record, error) {
	return Record{}, nestegg.Errorf(nestegg.Unavailable, "instant payouts are not offered by this bank")
}

// SandboxBank simulates the partner bank, deterministically by the rules
// in the package doc. It keeps the files it was sent, and its instant
// payments, in a directory (or in memory when dir is "").
type SandboxBank struct {
	st    *fileStore
	clock func() time.Time
	opts  sandboxOptions
}

// SandboxRDFI is the routing number the sandbox's return files come from.
const SandboxRDFI = "011000015"

// NewSandboxBank returns the sandbox bank keeping its state in dir, on
// the real schedule unless an option (SettleAfter) says otherwise.
func NewSandboxBank(dir string, clock func() time.Time, opts ...SandboxOption) (*SandboxBank, error) {
	st, err := newFileStore(dir)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	return &SandboxBank{st: st, clock: clock, opts: sandboxOpts(opts)}, nil
}

// settles says when an entry of the file takes effect at this bank: on
// its effective date, or on a short clock SettleAfter after the file was
// received (files received before the clock was set keep their date).
func (b *SandboxBank) settles(recv map[string]time.Time) func(file string, e ParsedEntry) time.Time {
	return func(file string, e ParsedEntry) time.Time {
		if at, ok := recv[file]; ok {
			return at.Add(b.opts.settleAfter)
		}
		return e.Effective
	}
}

// returnDelay is how long after taking effect a returning entry comes
// back.
func (b *SandboxBank) returnDelay() time.Duration {
	if b.opts.settleAfter > 0 {
		return b.opts.settleAfter
	}
	return ReturnDelay
}

// sandboxReturn is the return code the sandbox gives an account number.
func sandboxReturn(account string) string {
	switch {
	case strings.HasSuffix(account, "0001"):
		return "R01"
	case strings.HasSuffix(account, "0002"):
		return "R02"
	case strings.HasSuffix(account, "0003"):
		return "R03"
	}
	return ""
}

// ReturnDelay is how long after its effective date the sandbox returns an
// entry: after it settled, as real returns arrive.
const ReturnDelay = 48 * time.Hour

// Transmit keeps f; it must be a valid NACHA file.
func (b *SandboxBank) Transmit(ctx context.Context, f File) error {
	if _, err := ReadNACHA(f.Data); err != nil {
		return err
	}
	// The time of receipt first: a file is never seen without it.
	if err := b.noteReceived(f.Name); err != nil {
		return err
	}
	return b.st.put("orig-"+f.Name, f.Data)
}

// Records reports every entry it was sent, and its instant payments.
func (b *SandboxBank) Records(ctx context.Context) ([]Record, error) {
	rets, err := b.ReturnFiles(ctx)
	if err != nil {
		return nil, err
	}
	returns := map[string]string{}
	for _, f := range rets {
		p, err := ReadNACHA(f.Data)
		if err != nil {
			return nil, err
		}
		for _, e := range p.Entries {
			returns[e.OriginalTrace] = e.ReturnCode
		}
	}
	origs, err := b.st.all("orig-")
	if err != nil {
		return nil, err
	}
	for i := range origs {
		origs[i].Name = strings.TrimPrefix(origs[i].Name, "orig-")
	}
	recv, err := b.receivedAt()
	if err != nil {
		return nil, err
	}
	out, err := records(origs, returns, b.clock(), b.settles(recv))
	if err != nil {
		return nil, err
	}
	inst, err := b.st.all("instant-")
	if err != nil {
		return nil, err
	}
	for _, f := range inst {
		var r Record
		if err := json.Unmarshal(f.Data, &r); err != nil {
			return nil, fmt.Errorf("sandbox instant %s: %w", f.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ReturnFiles returns, for each origination file, the NACHA return file
// the sandbox has produced for it so far (none when nothing is returned
// yet). The same file comes back on every call; importing is idempotent.
func (b *SandboxBank) ReturnFiles(ctx context.Context) ([]File, error) {
	origs, err := b.st.all("orig-")
	if err != nil {
		return nil, err
	}
	recv, err := b.receivedAt()
	if err != nil {
		return nil, err
	}
	settles, delay := b.settles(recv), b.returnDelay()
	now := b.clock()
	var out []File
	for _, f := range origs {
		p, err := ReadNACHA(f.Data)
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(f.Name, "orig-")
		var rs []Return
		var odfi string
		var first time.Time
		for _, e := range p.Entries {
			odfi = e.Trace[:8]
			at := settles(name, e).Add(delay)
			if code := sandboxReturn(e.AccountNumber); code != "" && !now.Before(at) {
				if len(rs) == 0 {
					first = at
				}
				rs = append(rs, Return{Original: e, Code: code})
			}
		}
		if len(rs) == 0 {
			continue
		}
		// The ODFI's routing number is its 8 digits and a check digit.
		data, err := WriteReturns(first, withCheckDigit(odfi), SandboxRDFI, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: "return-" + name, Data: data})
	}
	return out, nil
}

// Instant pays at once, except to the sandbox's returning accounts, which
// are refused with their return code. Replays return the first record.
func (b *SandboxBank) Instant(ctx context.Context, c InstantCredit) (Record, error) {
	if err := CheckRouting(c.Routing); err != nil {
		return Record{}, err
	}
	if c.ID == "" || c.Amount <= 0 {
		return Record{}, nestegg.Errorf(nestegg.Invalid, "an instant credit needs an id and a positive amount")
	}
	name := "instant-" + c.ID
	if fs, err := b.st.all(name); err == nil && len(fs) > 0 {
		var r Record
		err := json.Unmarshal(fs[0].Data, &r)
		return r, err
	}
	r := Record{Trace: "rtp_" + c.ID, Amount: c.Amount, Routing: c.Routing, AccountLast4: Last4(c.AccountNumber),
		Status: RecordSettled, Effective: b.clock().UTC()}
	if code := sandboxReturn(c.AccountNumber); code != "" {
		r.Status, r.ReturnCode = RecordReturned, code
	}
	data, _ := json.Marshal(r)
	if err := b.st.put(name, data); err != nil {
		return Record{}, err
	}
	return r, nil
}

// withCheckDigit completes an 8-digit routing prefix with its ABA check
// digit.
func withCheckDigit(p string) string {
	w := [8]int{3, 7, 1, 3, 7, 1, 3, 7}
	sum := 0
	for i := 0; i < 8 && i < len(p); i++ {
		sum += int(p[i]-'0') * w[i]
	}
	return p + string(rune('0'+(10-sum%10)%10))
}
