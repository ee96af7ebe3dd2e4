package funding_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestExportOnceAcrossProcesses runs ExportACH in two services (two
// ledgers, as two serve processes have) at once, round after round, while
// entries keep coming: every entry is in exactly one file, no trace number
// is given twice, the day's files have distinct File ID Modifiers, and the
// books reconcile.
func TestExportOnceAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f2 := e.secondService()
		var banks []string
		var users []string
		for i := range 4 {
			u := fmt.Sprintf("usr_%d", i)
			banks, users = append(banks, e.verifiedBank(u, fmt.Sprintf("12345%04d", i))), append(users, u)
		}
		deposits := 0
		for round := range 12 {
			for i := range 6 {
				e.deposit(users[i%4], banks[i%4], 1_00, fmt.Sprintf("d%d-%d", round, i))
				deposits++
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, f := range []*funding.Service{e.f, f2, e.f, f2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.ExportACH(e.ctx)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("ExportACH: %v", err)
				}
			}
			e.clock.Advance(time.Minute)
		}
		files, err := e.f.ACHFiles(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		inFiles := map[string]int{}      // trace → entries carrying it
		modifiers := map[string]string{} // day + modifier → file
		for _, af := range files {
			af, err := e.f.ACHFileData(e.ctx, af.ID)
			if err != nil {
				t.Fatal(err)
			}
			p, err := rails.ReadNACHA(af.Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range p.Entries {
				inFiles[en.Trace]++
			}
			header := strings.SplitN(string(af.Data), "\n", 2)[0]
			day := af.CreatedAt.Format("20060102") + header[33:34]
			if other, ok := modifiers[day]; ok {
				t.Errorf("files %s and %s of one day share File ID Modifier %s", other, af.Name, header[33:34])
			}
			modifiers[day] = af.Name
		}
		ms := 0
		for _, u := range users {
			mvs, err := e.f.Movements(e.ctx, u, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mvs {
				ms++
				if m.Status != funding.StatusSubmitted || inFiles[m.Trace] != 1 {
					t.Errorf("deposit %s is %s with trace %q in %d file entries; want submitted, in one", m.ID, m.Status, m.Trace, inFiles[m.Trace])
				}
			}
		}
		entries := 0
		for _, n := range inFiles {
			entries += n
		}
		// Each member's two micro-deposits went in files too.
		if ms != deposits || entries != deposits+2*len(users) {
			t.Fatalf("%d deposits made, %d listed, %d entries in files; want %d entries", deposits, ms, entries, deposits+2*len(users))
		}
		e.reconciled()
	})
}

// TestReconcileFlagsTraceTwice: a file the bank got twice (under another
// name) moves every entry in it twice; reconciliation says so.
func TestReconcileFlagsTraceTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		e.deposit("usr_a", bank, 10_00, "d1")
		f, err := e.f.ExportACH(e.ctx)
		if err != nil || f.Entries != 1 {
			t.Fatalf("ExportACH = %+v, %v", f, err)
		}
		e.reconciled()
		if err := e.bank.Transmit(e.ctx, rails.File{Name: "again-" + f.Name, Data: f.Data}); err != nil {
			t.Fatal(err)
		}
		rep, err := e.f.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		twice := 0
		for _, m := range rep.Mismatches {
			if m.Check == "trace_seen_twice" {
				twice++
			}
		}
		if twice != 1 {
			t.Fatalf("Reconcile = %+v; want the deposit's trace seen twice", rep.Mismatches)
		}
	})
}
