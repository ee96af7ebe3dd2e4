package revenue

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/nestegg/nestegg/money"
)

// WriteCSV writes the report as CSV: a header, one row per bucket, then a
// "total" row. Amounts are decimal in the report's asset ("12.34"), never
// floats; the take rate is in basis points. The stream columns of a row
// add up to its revenue, and the rows to the total.
func (r Report) WriteCSV(w io.Writer) error {
	a, err := money.Lookup(r.Asset)
	if err != nil {
		return err
	}
	amt := func(v int64) string { return money.FormatPlain(v, a.Scale) }
	cw := csv.NewWriter(w)
	head := []string{"period_start", "period_end"}
	for _, s := range Streams() {
		head = append(head, string(s))
	}
	head = append(head, "revenue", "payment_volume", "payments", "take_rate_bps", "active_payers", "new_members")
	if err := cw.Write(head); err != nil {
		return err
	}
	row := func(label string, b Bucket) error {
		rec := []string{label, b.End.Format("2006-01-02")}
		if label == "" {
			rec[0] = b.Start.Format("2006-01-02")
		}
		for _, s := range Streams() {
			rec = append(rec, amt(b.ByStream[s]))
		}
		rec = append(rec, amt(b.Revenue), amt(b.Volume), strconv.FormatInt(b.Payments, 10), strconv.FormatInt(b.TakeRateBps, 10),
			strconv.FormatInt(b.ActivePayers, 10), strconv.FormatInt(b.NewMembers, 10))
		return cw.Write(rec)
	}
	for _, b := range r.Buckets {
		if err := row("", b); err != nil {
			return err
		}
	}
	if err := row("total", r.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
