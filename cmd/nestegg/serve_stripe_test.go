package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestServeStripeMode starts serve on Stripe (stripe-mock) with a webhook
// secret and a publishable key: /webhooks/stripe is there and refuses an
// event signed with another secret (401) and takes one signed with the
// endpoint's (200), and nothing of the secrets reaches the log.
func TestServeStripeMode(t *testing.T) {
	mock := os.Getenv("NESTEGG_TEST_STRIPE_MOCK")
	if mock == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but NESTEGG_TEST_STRIPE_MOCK is not set")
		}
		t.Skip("NESTEGG_TEST_STRIPE_MOCK not set")
	}
	const secret = "whsec_serve_test"
	s := startServer(t, storetest.SQLitePath(t), map[string]string{"NESTEGG_STRIPE_KEY": "sk_test_123", "NESTEGG_STRIPE_URL": mock,
		"NESTEGG_STRIPE_WEBHOOK_SECRET": secret, "NESTEGG_STRIPE_PUBLISHABLE_KEY": "pk_test_123", "NESTEGG_PUBLIC_URL": "https://nestegg.example"})
	body := []byte(`{"id":"evt_serve_1","object":"event","type":"customer.created","api_version":"2024-06-20","data":{"object":{"id":"cus_1","object":"customer"}}}`)
	post := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/webhooks/stripe", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Stripe-Signature", sig)
		res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Logf("%s", b)
		}
		return res.StatusCode
	}
	if got := post(webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_other"}).Header); got != http.StatusUnauthorized {
		t.Errorf("an event signed with another secret = %d, want 401", got)
	}
	if got := post(webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret}).Header); got != http.StatusOK {
		t.Errorf("an event signed with the endpoint's secret = %d, want 200\n%s", got, s.stderr.String())
	}
	s.stop(t)
	for _, leak := range []string{secret, "sk_test_123"} {
		if strings.Contains(s.stderr.String()+s.stdout.String(), leak) {
			t.Errorf("serve printed %q", leak)
		}
	}
}
