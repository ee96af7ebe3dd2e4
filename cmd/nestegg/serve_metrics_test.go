package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestServeMetricsAddr: with --metrics-addr, /metrics is answered there,
// without the operator key, and no longer on the public listener, where
// even the operator key finds nothing.
func TestServeMetricsAddr(t *testing.T) {
	const key = "metrics-test-operator-key-0123"
	s := startServer(t, storetest.SQLitePath(t), map[string]string{
		"NESTEGG_OPERATOR_KEY": key,
		"NESTEGG_METRICS_ADDR": "127.0.0.1:0",
	})
	metrics := strings.TrimSpace(s.stdout.waitPrefix(t, "metrics on ", s.done))
	c := &http.Client{}
	if code, err := call(t, c, "GET", s.url+"/healthz", "", "", nil); err != nil || code != 200 {
		t.Fatalf("GET /healthz = %d, %v", code, err)
	}
	if code, err := call(t, c, "GET", s.url+"/metrics", key, "", nil); err != nil || code != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public listener with the operator key = %d, %v; want 404", code, err)
	}
	res, err := c.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "nestegg_build_info") ||
		!strings.Contains(string(body), `nestegg_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Fatalf("GET %s = %d:\n%.2000s", metrics, res.StatusCode, body)
	}
	// The metrics listener serves metrics and nothing else.
	if code, err := call(t, c, "GET", strings.TrimSuffix(metrics, "/metrics")+"/healthz", "", "", nil); err != nil || code != http.StatusNotFound {
		t.Fatalf("GET /healthz on the metrics listener = %d, %v; want 404", code, err)
	}
}
