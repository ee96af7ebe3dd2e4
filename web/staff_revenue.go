package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/revenue"
	"github.com/nestegg/nestegg/settings"
)

// The revenue dashboard (package revenue): what the platform earned, by
// stream, from the ledger's revenue accounts; the charts are SVG drawn
// here, no script.

// revenueQuery reads ?from=YYYY-MM-DD&to=YYYY-MM-DD (to included) and
// ?unit=day|week|month; default the last 30 days by day.
func (s *Server) revenueQuery(r *http.Request) (from, to time.Time, unit revenue.Unit, err error) {
	q := r.URL.Query()
	today := s.clock().UTC().Truncate(24 * time.Hour)
	to, from, unit = today.AddDate(0, 0, 1), today.AddDate(0, 0, -29), revenue.Unit(q.Get("unit"))
	if unit == "" {
		unit = revenue.Day
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &from, 0}, {"to", &to, 1}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		d, perr := time.Parse(time.DateOnly, v)
		if perr != nil {
			return from, to, unit, nestegg.ParamErrorf(nestegg.Invalid, f.name, "%s is a date, YYYY-MM-DD", f.name)
		}
		*f.dst = d.AddDate(0, 0, f.add)
	}
	return from, to, unit, nil
}

func (s *Server) revenueReport(r *http.Request) (revenue.Report, error) {
	if s.revenue == nil {
		return revenue.Report{}, nestegg.Errorf(nestegg.Unavailable, "the revenue dashboard is not configured on this server")
	}
	from, to, unit, err := s.revenueQuery(r)
	if err != nil {
		return revenue.Report{}, err
	}
	var target int64
	if s.settings != nil {
		target = s.settings.Current().Int(settings.RevenueTarget)
	}
	return s.revenue.Report(r.Context(), settings.Asset, from, to, unit, target)
}

type staffRevenuePage struct {
	Base
	R                   revenue.Report
	From, To, Unit, CSV string
	Streams             []streamRow
	Kinds               []kindRow
	Revenue, Volume     chart
	Members             chart
	Goal                goalBar
	Subs                string // subscription revenue recognized: the recurring part
	Error               string
}

type streamRow struct {
	Name   revenue.Stream
	Class  string
	Amount string
}

type kindRow struct {
	Label, Amount string
}

// chart is a bar chart as SVG shapes, in a viewBox of W × H.
type chart struct {
	W, H   int
	Bars   []bar
	Labels []axisLabel
	Max    string
}

type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

type axisLabel struct {
	X    int
	Text string
}

type goalBar struct {
	Target, Projected string
	Pct               int64 // projection as a percent of the target, capped at 100 for the bar
	PctText           string
	W                 int // the projection bar's width in a 300-wide box
}

func (s *Server) staffRevenuePage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	d := &staffRevenuePage{Base: pc.base("Revenue")}
	from, to, unit, err := s.revenueQuery(r)
	if err == nil {
		d.From, d.To, d.Unit = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), string(unit)
		d.R, err = s.revenueReport(r)
	}
	if err != nil {
		if !nestegg.Is(err, nestegg.Invalid) {
			return err
		}
		d.Error = nestegg.ErrorMessage(err)
		s.renderStatus(pc, http.StatusBadRequest, "staff_revenue", d)
		return nil
	}
	d.CSV = "/staff/revenue.csv?" + r.URL.RawQuery
	fmtA := func(v int64) string {
		a, _ := money.Lookup(d.R.Asset)
		return money.Format(money.Amount{Asset: a, Minor: v})
	}
	for i, st := range revenue.Streams() {
		d.Streams = append(d.Streams, streamRow{st, "s" + strconv.Itoa(i), fmtA(d.R.Total.ByStream[st])})
	}
	for _, in := range movement.Kinds() {
		if v := d.R.Total.VolumeByKind[in.Kind]; v != 0 {
			d.Kinds = append(d.Kinds, kindRow{in.Label, fmtA(v)})
		}
	}
	d.Subs = fmtA(d.R.Total.ByStream[revenue.Subscriptions])
	d.Revenue = stackedChart(d.R, fmtA)
	d.Volume = simpleChart(d.R, func(b revenue.Bucket) int64 { return b.Volume }, "vol", fmtA)
	d.Members = simpleChart(d.R, func(b revenue.Bucket) int64 { return b.ActivePayers }, "pay", func(v int64) string { return strconv.FormatInt(v, 10) })
	if t := d.R.Target; t > 0 {
		pct := d.R.ProjectedYear * 100 / t
		d.Goal = goalBar{Target: fmtA(t), Projected: fmtA(d.R.ProjectedYear), Pct: pct, PctText: strconv.FormatInt(pct, 10) + "%", W: int(min(pct, 100) * 3)}
	} else {
		d.Goal = goalBar{Projected: fmtA(d.R.ProjectedYear)}
	}
	return s.render(pc, "staff_revenue", d)
}

const chartW, chartH, chartPad = 600, 160, 20

// bucketLabel is a bucket's label under its bar.
func bucketLabel(b revenue.Bucket, u revenue.Unit) string {
	if u == revenue.Month {
		return b.Start.Format("Jan 2006")
	}
	return b.Start.Format("2 Jan")
}

// columns lays n bars across the chart: each bar's x and width.
func columns(n int) (step, width int) {
	if n == 0 {
		return 0, 0
	}
	step = chartW / n
	return step, max(1, step*3/4)
}

// labels puts at most about eight labels under the bars.
func labels(r revenue.Report, step int) []axisLabel {
	var out []axisLabel
	every := max(1, (len(r.Buckets)+7)/8)
	for i, b := range r.Buckets {
		if i%every == 0 {
			out = append(out, axisLabel{X: i*step + step/2, Text: bucketLabel(b, r.Unit)})
		}
	}
	return out
}

// stackedChart draws each bucket's revenue stacked by stream (a negative
// net, a refund month, draws nothing for that stream).
func stackedChart(r revenue.Report, fmtA func(int64) string) chart {
	c := chart{W: chartW, H: chartH + chartPad}
	var top int64
	for _, b := range r.Buckets {
		var pos int64
		for _, v := range b.ByStream {
			pos += max(0, v)
		}
		top = max(top, pos)
	}
	step, width := columns(len(r.Buckets))
	for i, b := range r.Buckets {
		y := chartH
		for j, st := range revenue.Streams() {
			v := b.ByStream[st]
			if v <= 0 || top == 0 {
				continue
			}
			h := int(v * chartH / top)
			if h == 0 {
				continue
			}
			y -= h
			c.Bars = append(c.Bars, bar{X: i*step + (step-width)/2, Y: y, W: width, H: h, Class: "s" + strconv.Itoa(j),
				Title: bucketLabel(b, r.Unit) + ": " + string(st) + " " + fmtA(v)})
		}
	}
	c.Labels, c.Max = labels(r, step), fmtA(top)
	return c
}

func simpleChart(r revenue.Report, val func(revenue.Bucket) int64, class string, f func(int64) string) chart {
	c := chart{W: chartW, H: chartH + chartPad}
	var top int64
	for _, b := range r.Buckets {
		top = max(top, val(b))
	}
	step, width := columns(len(r.Buckets))
	for i, b := range r.Buckets {
		v := val(b)
		if v <= 0 || top == 0 {
			continue
		}
		h := max(1, int(v*chartH/top))
		c.Bars = append(c.Bars, bar{X: i*step + (step-width)/2, Y: chartH - h, W: width, H: h, Class: class, Title: bucketLabel(b, r.Unit) + ": " + f(v)})
	}
	c.Labels, c.Max = labels(r, step), f(top)
	return c
}

// staffRevenueCSV is the dashboard's period as CSV.
func (s *Server) staffRevenueCSV(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	rep, err := s.revenueReport(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="revenue-`+rep.From.Format(time.DateOnly)+`-`+rep.To.AddDate(0, 0, -1).Format(time.DateOnly)+`.csv"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// apiStaffRevenue is the dashboard as JSON (format=csv: the CSV export).
func (s *Server) apiStaffRevenue(w http.ResponseWriter, r *http.Request, _ []byte) error {
	rep, err := s.revenueReport(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		var buf bytes.Buffer
		if err := rep.WriteCSV(&buf); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write(buf.Bytes())
		return nil
	}
	type bucketJSON struct {
		Start        string           `json:"start"`
		End          string           `json:"end"`
		ByStream     map[string]int64 `json:"revenue_by_stream"`
		Revenue      int64            `json:"revenue"`
		Volume       int64            `json:"payment_volume"`
		VolumeByKind map[string]int64 `json:"volume_by_kind"`
		Payments     int64            `json:"payments"`
		TakeRateBps  int64            `json:"take_rate_bps"`
		ActivePayers int64            `json:"active_payers"`
		NewMembers   int64            `json:"new_members"`
	}
	conv := func(b revenue.Bucket) bucketJSON {
		out := bucketJSON{b.Start.Format(time.DateOnly), b.End.Format(time.DateOnly), map[string]int64{}, b.Revenue, b.Volume, map[string]int64{},
			b.Payments, b.TakeRateBps, b.ActivePayers, b.NewMembers}
		for st, v := range b.ByStream {
			out.ByStream[string(st)] = v
		}
		for k, v := range b.VolumeByKind {
			out.VolumeByKind[string(k)] = v
		}
		return out
	}
	buckets := []bucketJSON{}
	for _, b := range rep.Buckets {
		buckets = append(buckets, conv(b))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"asset": rep.Asset, "unit": rep.Unit, "from": rep.From.Format(time.DateOnly),
		"to": rep.To.Format(time.DateOnly), "buckets": buckets, "total": conv(rep.Total), "projected_year": rep.ProjectedYear, "target": rep.Target})
}
