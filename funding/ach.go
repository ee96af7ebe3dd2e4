package funding

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// ACHFile is an origination file as the operator sees it.
type ACHFile struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Effective   time.Time `json:"effective_date"`
	Entries     int       `json:"entries"`
	TotalDebit  int64     `json:"total_debit"`
	TotalCredit int64     `json:"total_credit"`
	Transmitted bool      `json:"transmitted"`
	CreatedAt   time.Time `json:"created_at"`
	// Data is the NACHA text; only ExportACH and ACHFileData return it.
	Data []byte `json:"-"`
}

// ExportACH gathers every ACH entry waiting (deposits, standard
// withdrawals, micro-deposits) into one origination file of PPD batches,
// written with moov-io/ach, marks them submitted, stores the file and
// transmits it to the bank. Files that failed to transmit earlier are
// sent again first. With nothing waiting it returns a zero ACHFile and no
// error. Safe to run in several processes at once (every serve exports
// when it starts): each entry goes in exactly one file, and no two files
// or entries share a number (nor two of a day's first 36 files a File ID
// Modifier). Errors: Unavailable when the bank did not take the file (it
// is sent again next time). Only operators may call it (serve runs it
// daily).
func (s *Service) ExportACH(ctx context.Context) (ACHFile, error) {
	if err := s.retransmit(ctx); err != nil {
		return ACHFile{}, err
	}
	var f ACHFile
	now := s.now()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		f = ACHFile{}
		// The entries are claimed: locked until this file commits
		// (PostgreSQL), and those another export holds skipped, so that
		// two exports at once write disjoint files rather than one file
		// twice. SQLite has one writer.
		lock := ""
		if s.db.Dialect == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, method_id, amount FROM funding_movements
			WHERE status = 'pending' AND (kind IN ('deposit', 'micro_deposit') OR (kind = 'withdrawal' AND speed = 'standard'))
			ORDER BY created_at, id LIMIT 9000`+lock)
		if err != nil {
			return err
		}
		type item struct {
			id, kind, bank string
			amount         int64
		}
		var items []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.id, &it.kind, &it.bank, &it.amount); err != nil {
				rows.Close()
				return err
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(items) == 0 {
			return err
		}
		// Numbers come from counters taken under their row's lock, never
		// from MAX()+1, which two exports at once would both read.
		fileNo, err := nextSequence(ctx, tx, "ach_file:"+now.Format("20060102"), 1)
		if err != nil {
			return err
		}
		// After the day's 36th file the modifiers come round again: the
		// files' creation times (to the minute) still tell them apart,
		// and money waiting a day for a free modifier would be worse.
		mod := (fileNo - 1) % int64(len(fileModifiers))
		last, err := nextSequence(ctx, tx, "ach_trace", int64(len(items)))
		if err != nil {
			return err
		}
		seq := last - int64(len(items))
		// Entries take effect the next day: the bank settles them then.
		eff := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
		o := rails.Origination{Created: now, Effective: eff, ODFI: s.cfg.ODFI, DestinationName: "NESTEGG ODFI",
			OriginName: s.cfg.CompanyName, CompanyName: s.cfg.CompanyName, CompanyID: s.cfg.CompanyID, FileIDModifier: fileModifiers[mod : mod+1]}
		f = ACHFile{ID: nestegg.NewID("ach"), Effective: eff, CreatedAt: now}
		f.Name = fmt.Sprintf("nestegg-%s-%s.ach", now.Format("20060102-150405"), f.ID[len(f.ID)-6:])
		for _, it := range items {
			routing, number, name, savings, err := s.accountNumber(ctx, tx, it.bank)
			if err != nil {
				return err
			}
			seq++
			// A trace number has seven digits for the entry: after
			// 9,999,999 entries they start again.
			n := int((seq-1)%9_999_999 + 1)
			debit := it.kind == string(KindDeposit)
			o.Entries = append(o.Entries, rails.Entry{Seq: n, Debit: debit, Savings: savings, Routing: routing,
				AccountNumber: number, Name: name, ID: it.id[len(it.id)-15:], Amount: it.amount})
			if debit {
				f.TotalDebit += it.amount
			} else {
				f.TotalCredit += it.amount
			}
			r, err := tx.ExecContext(ctx, "UPDATE funding_movements SET status = 'submitted', seq = $1, trace = $2, file_id = $3, updated_at = $4 WHERE id = $5 AND status = 'pending'",
				seq, rails.Trace(s.cfg.ODFI, n), f.ID, now.UnixNano(), it.id)
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return nestegg.Errorf(nestegg.Conflict, "ACH export: entry %s changed while the file was written; export again", it.id)
			}
		}
		f.Entries = len(o.Entries)
		if f.Data, err = rails.WriteNACHA(o); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO funding_ach_files (id, name, effective, entries, total_debit, total_credit, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.Name, eff.UnixNano(), f.Entries, f.TotalDebit, f.TotalCredit, string(f.Data), now.UnixNano())
		return err
	})
	if err != nil || f.ID == "" {
		return ACHFile{}, err
	}
	if err := s.transmit(ctx, f); err != nil {
		return f, err
	}
	f.Transmitted = true
	return f, nil
}

// fileModifiers are the File ID Modifiers of a day's files, in order.
const fileModifiers = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// nextSequence takes n numbers from the counter name inside tx and
// returns the last: the numbers are last-n+1 … last. The counter's row
// stays locked until tx ends, so no other transaction, in any process,
// gets the same numbers.
func nextSequence(ctx context.Context, tx *sql.Tx, name string, n int64) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO funding_sequences (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = funding_sequences.value + $2 RETURNING value`, name, n).Scan(&last)
	return last, err
}

func (s *Service) transmit(ctx context.Context, f ACHFile) error {
	if err := s.bank.Transmit(ctx, rails.File{Name: f.Name, Data: f.Data}); err != nil {
		return &nestegg.Error{Code: nestegg.Unavailable, Message: "the ACH file is saved but the bank did not take it; it will be sent again", Err: err}
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE funding_ach_files SET transmitted_at = $1 WHERE id = $2", s.now().UnixNano(), f.ID)
		return err
	})
}

func (s *Service) retransmit(ctx context.Context) error {
	files, err := s.ACHFiles(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Transmitted {
			continue
		}
		if f, err = s.ACHFileData(ctx, f.ID); err != nil {
			return err
		}
		if err := s.transmit(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// ACHFiles lists the origination files, newest first (without data).
func (s *Service) ACHFiles(ctx context.Context) ([]ACHFile, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, name, effective, entries, total_debit, total_credit, transmitted_at, created_at FROM funding_ach_files ORDER BY created_at DESC, id DESC LIMIT 500")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ACHFile{}
	for rows.Next() {
		var f ACHFile
		var eff, tr, at int64
		if err := rows.Scan(&f.ID, &f.Name, &eff, &f.Entries, &f.TotalDebit, &f.TotalCredit, &tr, &at); err != nil {
			return nil, err
		}
		f.Effective, f.Transmitted, f.CreatedAt = time.Unix(0, eff).UTC(), tr != 0, time.Unix(0, at).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// ACHFileData returns a file with its NACHA text, by id or name.
// Errors: NotFound.
func (s *Service) ACHFileData(ctx context.Context, idOrName string) (ACHFile, error) {
	var f ACHFile
	var eff, tr, at int64
	var data string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id, name, effective, entries, total_debit, total_credit, transmitted_at, created_at, data FROM funding_ach_files WHERE id = $1 OR name = $1", idOrName).
		Scan(&f.ID, &f.Name, &eff, &f.Entries, &f.TotalDebit, &f.TotalCredit, &tr, &at, &data)
	if err == sql.ErrNoRows {
		return ACHFile{}, nestegg.ParamErrorf(nestegg.NotFound, "file", "no ACH file %q", idOrName)
	}
	if err != nil {
		return ACHFile{}, err
	}
	f.Effective, f.Transmitted, f.CreatedAt, f.Data = time.Unix(0, eff).UTC(), tr != 0, time.Unix(0, at).UTC(), []byte(data)
	return f, nil
}

// ImportResult says what a return file did.
type ImportResult struct {
	Returns int `json:"returns"` // return entries in the file
	Applied int `json:"applied"` // movements that changed
	// Unknown lists traces of returns for entries Nestegg never sent.
	Unknown []string `json:"unknown"`
}

// ImportReturns reads a NACHA return file (with moov-io/ach) and applies
// each return to the movement whose trace number it names. Importing the
// same file again changes nothing. Errors: Invalid for a file that does
// not parse. Only operators may call it.
func (s *Service) ImportReturns(ctx context.Context, data []byte) (ImportResult, error) {
	p, err := rails.ReadNACHA(data)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Unknown: []string{}}
	for _, e := range p.Entries {
		if e.ReturnCode == "" {
			continue
		}
		res.Returns++
		var id string
		var st string
		err := s.db.Reader().QueryRowContext(ctx, "SELECT id, status FROM funding_movements WHERE trace = $1 ORDER BY created_at DESC, id DESC LIMIT 1", e.OriginalTrace).Scan(&id, &st)
		if err == sql.ErrNoRows {
			res.Unknown = append(res.Unknown, e.OriginalTrace)
			continue
		}
		if err != nil {
			return res, err
		}
		if Status(st) == StatusReturned {
			continue
		}
		if err := s.finish(ctx, id, rails.Record{Status: rails.RecordReturned, ReturnCode: e.ReturnCode}, ""); err != nil {
			return res, fmt.Errorf("return of %s: %w", e.OriginalTrace, err)
		}
		res.Applied++
	}
	return res, nil
}

// SyncResult counts what Sync changed.
type SyncResult struct {
	Settled, Returned, TopUps int
}

// Sync asks the rails what became of every movement under way and applies
// it: ACH entries settled or returned (also after settling), instant
// payouts the rail did not answer, card charges paid out by the
// processor, and 3-D Secure charges abandoned for an hour. Safe to run in
// several processes at once; serve runs it every few seconds.
func (s *Service) Sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	recs, err := s.bank.Records(ctx)
	if err != nil {
		return res, fmt.Errorf("sync: bank records: %w", err)
	}
	byTrace := make(map[string]rails.Record, len(recs))
	for _, r := range recs {
		byTrace[r.Trace] = r
	}
	// Settled entries stay watched for 60 days: the longest return window.
	since := s.now().Add(-60 * 24 * time.Hour).UnixNano()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, user_id, kind, speed, status, trace FROM funding_movements
		WHERE kind <> 'topup' AND (status IN ('pending', 'submitted') OR (status = 'settled' AND created_at > $1))`, since)
	if err != nil {
		return res, err
	}
	type open struct{ id, user, kind, speed, status, trace string }
	var due []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.user, &o.kind, &o.speed, &o.status, &o.trace); err != nil {
			rows.Close()
			return res, err
		}
		due = append(due, o)
	}
	rows.Close()
	for _, o := range due {
		if o.speed == string(Instant) && o.status == string(StatusPending) {
			if err := s.payInstant(ctx, o.user, o.id); err != nil && !nestegg.Is(err, nestegg.Unavailable) {
				return res, err
			}
			continue
		}
		trace := o.trace
		if o.speed == string(Instant) {
			trace = "rtp_" + o.id
		}
		r, ok := byTrace[trace]
		if !ok || trace == "" {
			continue
		}
		if (r.Status == rails.RecordSettled && o.status != string(StatusSettled)) || r.Status == rails.RecordReturned {
			if err := s.finish(ctx, o.id, r, ""); err != nil {
				return res, err
			}
			if r.Status == rails.RecordSettled {
				res.Settled++
			} else {
				res.Returned++
			}
		}
	}
	if last, now := s.polled.Load(), s.now(); s.cfg.CardPollInterval > 0 && last != 0 && now.Sub(time.Unix(0, last)) < s.cfg.CardPollInterval {
		return res, nil
	}
	s.polled.Store(s.now().UnixNano())
	n, err := s.syncTopUps(ctx)
	res.TopUps = n
	return res, err
}
