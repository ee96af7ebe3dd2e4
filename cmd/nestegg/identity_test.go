package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
)

func TestLicensedRegions(t *testing.T) {
	for in, want := range map[string][]string{"US": {"US"}, "us-ca, US-NY": {"US-CA", "US-NY"}, "*": nil, "GB,US": {"GB", "US"}} {
		got, err := licensedRegions(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("licensedRegions(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"USA", "US-", "US,,CA", "U$", "US-CALIF"} {
		if _, err := licensedRegions(bad); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("licensedRegions(%q) = %v, want Invalid", bad, err)
		}
	}
}

func FuzzLicensedRegions(f *testing.F) {
	for _, s := range []string{"US", "US-CA,US-NY", "*", "", "us-ca, gb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := licensedRegions(s)
		if err != nil {
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("licensedRegions(%q) = %v, want Invalid or nil", s, err)
			}
			return
		}
		for _, r := range got {
			if !regionRE.MatchString(r) || r != strings.ToUpper(r) {
				t.Fatalf("licensedRegions(%q) gave %q", s, r)
			}
		}
	})
}
