package rails_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

var update = flag.Bool("update", false, "rewrite the sample files in testdata")

func TestCheckRouting(t *testing.T) {
	for _, tc := range []struct {
		rt string
		ok bool
	}{
		{"011000015", true}, {"091000019", true}, {"021000021", true}, {"121042882", true},
		{"011000016", false}, {"12345678", false}, {"0110000a5", false}, {"000000000", false}, {"", false},
	} {
		if err := rails.CheckRouting(tc.rt); (err == nil) != tc.ok {
			t.Errorf("CheckRouting(%q) = %v, want ok=%v", tc.rt, err, tc.ok)
		}
	}
}

func origination(t *testing.T, created time.Time) rails.Origination {
	t.Helper()
	return rails.Origination{
		Created: created, Effective: created.Add(24 * time.Hour), ODFI: "091000019",
		DestinationName: "NESTEGG ODFI", OriginName: "NESTEGG", CompanyName: "NESTEGG", CompanyID: "1234567890",
		Entries: []rails.Entry{
			{Seq: 1, Debit: true, Routing: "011000015", AccountNumber: "123456789", Name: "Alice Ample", ID: "dep1", Amount: 10000},
			{Seq: 2, Debit: true, Routing: "021000021", AccountNumber: "5550001", Name: "Rita Return", ID: "dep2", Amount: 2500},
			{Seq: 3, Debit: false, Routing: "121042882", AccountNumber: "987654321", Name: "Bob Builder", ID: "wdr1", Amount: 4000},
		},
	}
}

func TestNACHARoundTrip(t *testing.T) {
	created := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	data, err := rails.WriteNACHA(origination(t, created))
	if err != nil {
		t.Fatalf("WriteNACHA: %v", err)
	}
	p, err := rails.ReadNACHA(data)
	if err != nil {
		t.Fatalf("ReadNACHA: %v", err)
	}
	if p.TotalDebit != 12500 || p.TotalCredit != 4000 || len(p.Entries) != 3 {
		t.Fatalf("ReadNACHA = debit %d credit %d entries %d, want 12500 4000 3", p.TotalDebit, p.TotalCredit, len(p.Entries))
	}
	if e := p.Entries[0]; e.Trace != "091000010000001" || !e.Debit || e.AccountNumber != "123456789" || e.Routing != "011000015" {
		t.Errorf("first entry = %+v", e)
	}
	golden(t, "origination.ach", data)
}

func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != string(data) {
		t.Errorf("%s differs from the golden file (run with -update if intended)", name)
	}
}

func TestSandboxBankSettlesAndReturns(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b, err := rails.NewSandboxBank("", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	data, err := rails.WriteNACHA(origination(t, now))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Transmit(ctx, rails.File{Name: "f1.ach", Data: data}); err != nil {
		t.Fatal(err)
	}
	status := func() map[string]rails.Record {
		rs, err := b.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]rails.Record{}
		for _, r := range rs {
			m[r.Trace] = r
		}
		return m
	}
	if r := status()["091000010000002"]; r.Status != rails.RecordPending {
		t.Fatalf("before the effective date: %+v", r)
	}
	now = now.Add(48 * time.Hour)
	if r := status()["091000010000002"]; r.Status != rails.RecordSettled {
		t.Fatalf("after the effective date: %+v", r)
	}
	now = now.Add(48 * time.Hour)
	m := status()
	if r := m["091000010000002"]; r.Status != rails.RecordReturned || r.ReturnCode != "R01" {
		t.Fatalf("after the return window: %+v", r)
	}
	if r := m["091000010000001"]; r.Status != rails.RecordSettled {
		t.Fatalf("a good account: %+v", r)
	}
	files, err := b.ReturnFiles(ctx)
	if err != nil || len(files) != 1 {
		t.Fatalf("ReturnFiles = %d files, %v", len(files), err)
	}
	p, err := rails.ReadNACHA(files[0].Data)
	if err != nil {
		t.Fatalf("the return file does not parse: %v", err)
	}
	if len(p.Entries) != 1 || p.Entries[0].ReturnCode != "R01" || p.Entries[0].OriginalTrace != "091000010000002" {
		t.Fatalf("return entries = %+v", p.Entries)
	}
	golden(t, "return-R01.ach", files[0].Data)
}

// TestSampleReturnFiles reads every sample return file in testdata.
func TestSampleReturnFiles(t *testing.T) {
	want := map[string]string{"return-R01.ach": "R01", "return-R02-R03.ach": "R02"}
	for name, code := range want {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := rails.ReadNACHA(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Entries) == 0 || p.Entries[0].ReturnCode != code {
			t.Errorf("%s: entries %+v, want first code %s", name, p.Entries, code)
		}
	}
	if _, err := rails.ReadNACHA([]byte("not a file")); !nestegg.Is(err, nestegg.Invalid) {
		t.Errorf("ReadNACHA(garbage) = %v, want invalid", err)
	}
}

func TestSampleReturnFileR02R03(t *testing.T) {
	created := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	rs := []rails.Return{
		{Code: "R02", Original: rails.ParsedEntry{Trace: "091000010000007", Debit: true, Routing: "011000015", AccountNumber: "4440002", Name: "Closed Account", ID: "dep7", Amount: 1500}},
		{Code: "R03", Original: rails.ParsedEntry{Trace: "091000010000008", Debit: true, Routing: "011000015", AccountNumber: "4440003", Name: "No Account", ID: "dep8", Amount: 700}},
	}
	data, err := rails.WriteReturns(created, "091000019", rails.SandboxRDFI, rs)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "return-R02-R03.ach", data)
}

func TestSandboxInstant(t *testing.T) {
	ctx := context.Background()
	b, _ := rails.NewSandboxBank(t.TempDir(), nil)
	r, err := b.Instant(ctx, rails.InstantCredit{ID: "w1", Routing: "011000015", AccountNumber: "123456789", Amount: 500})
	if err != nil || r.Status != rails.RecordSettled || r.AccountLast4 != "6789" {
		t.Fatalf("Instant = %+v, %v", r, err)
	}
	r, err = b.Instant(ctx, rails.InstantCredit{ID: "w2", Routing: "011000015", AccountNumber: "4440002", Amount: 500})
	if err != nil || r.Status != rails.RecordReturned || r.ReturnCode != "R02" {
		t.Fatalf("Instant to a closed account = %+v, %v", r, err)
	}
	rs, err := b.Records(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("Records = %d, %v", len(rs), err)
	}
	f, _ := rails.NewFileBank(t.TempDir(), t.TempDir(), nil)
	if _, err := f.Instant(ctx, rails.InstantCredit{ID: "x"}); !nestegg.Is(err, nestegg.Unavailable) {
		t.Errorf("FileBank.Instant = %v, want unavailable", err)
	}
}
