package web

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP metrics, labelled by route ("POST /api/v1/transfers")
// and status code.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics registers the HTTP metrics and nestegg_build_info on reg.
func newMetrics(reg prometheus.Registerer, version, commit, date string) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nestegg_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nestegg_http_request_duration_seconds",
			Help:    "HTTP request durations, by route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "nestegg_build_info",
		Help:        "Always 1: the running binary's version, commit and build date (the commit's time when the build recorded no date).",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "date": date},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.duration, build)
	return m
}

// routeMetrics caches one route's metric children per status code, so the
// hot path does an array index and an atomic load instead of a label lookup.
type routeMetrics struct {
	m     *metrics
	label string
	codes [600]atomic.Pointer[codeMetrics]
}

type codeMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// route returns label's metrics. Its series are created on first use
// (children): a fresh server's /metrics lists only what was served, not
// every route × status.
func (m *metrics) route(label string) *routeMetrics {
	return &routeMetrics{m: m, label: label}
}

func (rm *routeMetrics) children(code int) *codeMetrics {
	if c := rm.codes[code].Load(); c != nil {
		return c
	}
	// Two requests may race here; both get the same children from the vec.
	l := strconv.Itoa(code)
	c := &codeMetrics{
		requests: rm.m.requests.WithLabelValues(rm.label, l),
		duration: rm.m.duration.WithLabelValues(rm.label, l),
	}
	rm.codes[code].Store(c)
	return c
}

func (rm *routeMetrics) observe(code int, d time.Duration) {
	if code < 100 || code >= len(rm.codes) {
		code = 599
	}
	c := rm.children(code)
	c.requests.Inc()
	c.duration.Observe(d.Seconds())
}
