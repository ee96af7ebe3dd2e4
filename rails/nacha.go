package rails

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/moov-io/ach"

	"github.com/nestegg/nestegg"
)

// Entry is one ACH entry to originate.
type Entry struct {
	// Seq numbers the entry within the file's ODFI (1 to 9,999,999); the
	// trace number is the ODFI's first eight digits and Seq.
	Seq     int
	Debit   bool // pull from the member's account (a deposit)
	Savings bool
	Routing string
	// AccountNumber is the full number: NACHA files are the one place it
	// is written out.
	AccountNumber string
	Name          string
	// ID is the platform's reference for the entry (up to 15 characters).
	ID     string
	Amount int64
}

// Trace returns the trace number an entry gets in a file from odfi.
func Trace(odfi string, seq int) string { return odfi[:8] + fmt.Sprintf("%07d", seq) }

// Origination is one day's origination file: a PPD batch of debits and a
// PPD batch of credits, whichever are non-empty.
type Origination struct {
	Created   time.Time
	Effective time.Time // the entries' effective (settlement) date
	// ODFI is the 9-digit routing number of the platform's bank.
	ODFI            string
	DestinationName string
	OriginName      string
	CompanyName     string
	CompanyID       string // 10 characters, as the ODFI assigned
	// FileIDModifier tells apart the files of one day (A–Z, then 0–9):
	// a bank rejects a second file with the same origin, date and
	// modifier as a duplicate. Default "A".
	FileIDModifier string
	Entries        []Entry
}

// WriteNACHA writes the origination file with moov-io/ach, validated.
// Errors: Invalid when there are no entries or a field is bad.
func WriteNACHA(o Origination) ([]byte, error) {
	if len(o.Entries) == 0 {
		return nil, nestegg.Errorf(nestegg.Invalid, "an ACH file needs at least one entry")
	}
	fh := ach.NewFileHeader()
	fh.ImmediateDestination = o.ODFI
	fh.ImmediateOrigin = o.ODFI
	fh.FileCreationDate = o.Created.UTC().Format("060102")
	fh.FileCreationTime = o.Created.UTC().Format("1504")
	fh.ImmediateDestinationName = o.DestinationName
	fh.ImmediateOriginName = o.OriginName
	if o.FileIDModifier != "" {
		fh.FileIDModifier = o.FileIDModifier
	}
	f := ach.NewFile()
	f.SetHeader(fh)
	batchNo := 0
	for _, debit := range []bool{true, false} {
		var es []Entry
		for _, e := range o.Entries {
			if e.Debit == debit {
				es = append(es, e)
			}
		}
		if len(es) == 0 {
			continue
		}
		batchNo++
		bh := ach.NewBatchHeader()
		bh.ServiceClassCode = ach.CreditsOnly
		bh.CompanyEntryDescription = "PAYOUT"
		if debit {
			bh.ServiceClassCode = ach.DebitsOnly
			bh.CompanyEntryDescription = "DEPOSIT"
		}
		bh.CompanyName = o.CompanyName
		bh.CompanyIdentification = o.CompanyID
		bh.StandardEntryClassCode = ach.PPD
		bh.EffectiveEntryDate = o.Effective.UTC().Format("060102")
		bh.ODFIIdentification = o.ODFI[:8]
		bh.BatchNumber = batchNo
		b := ach.NewBatchPPD(bh)
		for _, e := range es {
			if err := CheckRouting(e.Routing); err != nil {
				return nil, err
			}
			ed := ach.NewEntryDetail()
			ed.TransactionCode = transactionCode(e.Debit, e.Savings)
			ed.SetRDFI(e.Routing)
			ed.DFIAccountNumber = e.AccountNumber
			ed.Amount = int(e.Amount)
			ed.IdentificationNumber = e.ID
			ed.IndividualName = e.Name
			ed.SetTraceNumber(o.ODFI[:8], e.Seq)
			b.AddEntry(ed)
		}
		if err := b.Create(); err != nil {
			return nil, nestegg.Errorf(nestegg.Invalid, "ACH batch: %v", err)
		}
		f.AddBatch(b)
	}
	if err := f.Create(); err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "ACH file: %v", err)
	}
	if err := f.Validate(); err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "ACH file: %v", err)
	}
	var buf bytes.Buffer
	if err := ach.NewWriter(&buf).Write(f); err != nil {
		return nil, fmt.Errorf("write ACH file: %w", err)
	}
	return buf.Bytes(), nil
}

func transactionCode(debit, savings bool) int {
	switch {
	case debit && savings:
		return ach.SavingsDebit
	case debit:
		return ach.CheckingDebit
	case savings:
		return ach.SavingsCredit
	}
	return ach.CheckingCredit
}

// ParsedEntry is an entry read back from a NACHA file.
type ParsedEntry struct {
	Trace         string
	Debit         bool
	Routing       string
	AccountNumber string
	ID            string
	Name          string
	Amount        int64
	Effective     time.Time
	// Return holds the return code and the original entry's trace when
	// the entry is a return.
	ReturnCode    string
	OriginalTrace string
}

// Parsed is a NACHA file read back: its entries and the file control's
// totals.
type Parsed struct {
	Entries     []ParsedEntry
	TotalDebit  int64
	TotalCredit int64
}

// ReadNACHA parses and validates a NACHA file (origination or return) with
// moov-io/ach. Errors: Invalid naming what is wrong with the file.
func ReadNACHA(data []byte) (Parsed, error) {
	f, err := ach.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		return Parsed{}, nestegg.Errorf(nestegg.Invalid, "not a valid NACHA file: %v", err)
	}
	p := Parsed{TotalDebit: int64(f.Control.TotalDebitEntryDollarAmountInFile), TotalCredit: int64(f.Control.TotalCreditEntryDollarAmountInFile)}
	for _, b := range f.Batches {
		eff, _ := time.Parse("060102", b.GetHeader().EffectiveEntryDate)
		for _, ed := range b.GetEntries() {
			pe := ParsedEntry{
				Trace: ed.TraceNumberField(), Routing: ed.RDFIIdentification + ed.CheckDigit,
				AccountNumber: strings.TrimSpace(ed.DFIAccountNumber), ID: strings.TrimSpace(ed.IdentificationNumber),
				Name: strings.TrimSpace(ed.IndividualName), Amount: int64(ed.Amount), Effective: eff,
			}
			switch ed.TransactionCode {
			case ach.CheckingDebit, ach.SavingsDebit, ach.CheckingReturnNOCDebit, ach.SavingsReturnNOCDebit:
				pe.Debit = true
			}
			if a := ed.Addenda99; a != nil {
				pe.ReturnCode = strings.TrimSpace(a.ReturnCode)
				pe.OriginalTrace = strings.TrimSpace(a.OriginalTrace)
			}
			p.Entries = append(p.Entries, pe)
		}
	}
	return p, nil
}

// Return is one entry of a return file: the original entry, sent back.
type Return struct {
	Original ParsedEntry
	Code     string // R01, R02, R03 …
}

// WriteReturns writes the return file a receiving bank (rdfi, 9 digits)
// sends back to the ODFI for the given original entries, with moov-io/ach.
// The sandbox bank uses it; so do the sample files in testdata.
func WriteReturns(created time.Time, odfi, rdfi string, rs []Return) ([]byte, error) {
	if len(rs) == 0 {
		return nil, nestegg.Errorf(nestegg.Invalid, "a return file needs at least one return")
	}
	fh := ach.NewFileHeader()
	fh.ImmediateDestination = odfi
	fh.ImmediateOrigin = rdfi
	fh.FileCreationDate = created.UTC().Format("060102")
	fh.FileCreationTime = created.UTC().Format("1504")
	fh.ImmediateDestinationName = "NESTEGG ODFI"
	fh.ImmediateOriginName = "RECEIVING BANK"
	bh := ach.NewBatchHeader()
	bh.ServiceClassCode = ach.MixedDebitsAndCredits
	bh.CompanyName = "NESTEGG"
	bh.CompanyIdentification = "NESTEGG001"
	bh.StandardEntryClassCode = ach.PPD
	bh.CompanyEntryDescription = "RETURN"
	bh.EffectiveEntryDate = created.UTC().Format("060102")
	bh.ODFIIdentification = rdfi[:8]
	b := ach.NewBatchPPD(bh)
	for i, r := range rs {
		ed := ach.NewEntryDetail()
		ed.TransactionCode = ach.CheckingReturnNOCCredit
		if r.Original.Debit {
			ed.TransactionCode = ach.CheckingReturnNOCDebit
		}
		ed.SetRDFI(odfi)
		ed.DFIAccountNumber = r.Original.AccountNumber
		ed.Amount = int(r.Original.Amount)
		ed.IdentificationNumber = r.Original.ID
		ed.IndividualName = r.Original.Name
		ed.SetTraceNumber(rdfi[:8], i+1)
		a := ach.NewAddenda99()
		a.ReturnCode = r.Code
		a.OriginalTrace = r.Original.Trace
		a.OriginalDFI = r.Original.Routing[:8]
		a.SetValidation(&ach.ValidateOpts{CustomReturnCodes: true})
		ed.Addenda99 = a
		ed.Category = ach.CategoryReturn
		ed.AddendaRecordIndicator = 1
		b.AddEntry(ed)
	}
	if err := b.Create(); err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "return batch: %v", err)
	}
	f := ach.NewFile()
	f.SetHeader(fh)
	f.AddBatch(b)
	if err := f.Create(); err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "return file: %v", err)
	}
	var buf bytes.Buffer
	if err := ach.NewWriter(&buf).Write(f); err != nil {
		return nil, fmt.Errorf("write return file: %w", err)
	}
	return buf.Bytes(), nil
}

// seqOf returns the sequence part of a trace number.
func seqOf(trace string) int {
	if len(trace) != 15 {
		return 0
	}
	n, _ := strconv.Atoi(trace[8:])
	return n
}
