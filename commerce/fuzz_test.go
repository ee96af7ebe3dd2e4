package commerce_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
)

// FuzzParsePost checks the buy-hashtag reading of any text: it never
// panics, every tag it returns is a hashtag the post shows (so a purchase
// can only come from what people see), confirmations are told apart, and
// reading is deterministic.
func FuzzParsePost(f *testing.F) {
	for _, s := range []string{"#BuyNestMug", "I want one #BuyNestMug!", "#ConfirmK7Q2XM", "#confirmk7q2xm yes", "#Confirm0OIL11",
		"#BuyNestMug#BuyOther", "&#BuyNestMug", "#BuyNestMug https://x.example/#BuyNestMug", "#İstanbulBuy", "#_", "#123", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := commerce.ParsePost(text)
		if q := commerce.ParsePost(text); len(q.Tags) != len(p.Tags) || q.Confirm != p.Confirm {
			t.Fatalf("ParsePost(%q) is not deterministic", text)
		}
		shown := map[string]bool{}
		for _, e := range social.Hashtags(text) {
			shown[social.HashtagKey(e.Value)] = true
		}
		seen := map[string]bool{}
		for _, tag := range p.Tags {
			if !shown[tag] {
				t.Fatalf("ParsePost(%q): tag %q is not a hashtag of the post", text, tag)
			}
			if seen[tag] {
				t.Fatalf("ParsePost(%q): tag %q twice", text, tag)
			}
			seen[tag] = true
			if commerce.ParsePost("#"+tag).Confirm != "" {
				t.Fatalf("ParsePost(%q): confirmation %q returned as a buy tag", text, tag)
			}
		}
		if p.Confirm != "" {
			if len(p.Confirm) != 6 || strings.ToUpper(p.Confirm) != p.Confirm || !shown["confirm"+strings.ToLower(p.Confirm)] {
				t.Fatalf("ParsePost(%q): bad confirmation %q", text, p.Confirm)
			}
		}
		if utf8.ValidString(text) {
			for _, tag := range p.Tags {
				if tag2, ok := commerce.ValidBuyHashtag(tag); ok && social.HashtagKey(tag2) != tag {
					t.Fatalf("ValidBuyHashtag(%q) = %q, a different key", tag, tag2)
				}
			}
		}
	})
}

// FuzzGift checks gift-handle reading: a gift is found only when the post
// mentions a gift handle and someone else who is not one, both really
// mentioned; mentions are distinct and lower-cased.
func FuzzGift(f *testing.F) {
	for _, s := range []string{"@giftacoffee @friend", "@friend enjoy @GiftACoffee", "@giftacoffee", "@giftacoffee @giftatea",
		"@giftacoffee @giftacoffee @bob", "email me@giftacoffee.com @bob", "@@giftacoffee @bob", "@bob @carol", ""} {
		f.Add(s)
	}
	isGift := func(h string) bool { return strings.HasPrefix(h, "gift") }
	f.Fuzz(func(t *testing.T, text string) {
		p := commerce.ParsePost(text)
		mentioned := map[string]bool{}
		for _, e := range social.Mentions(text) {
			mentioned[strings.ToLower(e.Value)] = true
		}
		seen := map[string]bool{}
		for _, m := range p.Mentions {
			if m != strings.ToLower(m) || !mentioned[m] || seen[m] {
				t.Fatalf("ParsePost(%q): bad mentions %q", text, p.Mentions)
			}
			seen[m] = true
		}
		handle, friend, ok := p.Gift(isGift)
		if !ok {
			if handle != "" && friend != "" {
				t.Fatalf("Gift(%q) = %q, %q, not ok", text, handle, friend)
			}
			return
		}
		if !isGift(handle) || isGift(friend) || handle == friend || !mentioned[handle] || !mentioned[friend] {
			t.Fatalf("Gift(%q) = %q, %q", text, handle, friend)
		}
	})
}

// TestParsePost pins down the readings the fuzz targets only bound.
func TestParsePost(t *testing.T) {
	for _, c := range []struct {
		text, tags, confirm, gift string
	}{
		{"I want one #BuyNestMug", "buynestmug", "", ""},
		{"#BuyNestMug #buynestmug", "buynestmug", "", ""},
		{"yes #ConfirmK7Q2XM", "", "K7Q2XM", ""},
		{"#confirmk7q2xm", "", "K7Q2XM", ""},
		{"#ConfirmK7Q2X0", "confirmk7q2x0", "", ""}, // 0 is not in the alphabet
		{"@giftacoffee @fay", "", "", "giftacoffee>fay"},
		{"@fay @GiftACoffee", "", "", "giftacoffee>fay"},
		{"@giftacoffee alone", "", "", ""},
		{"I owe @bob $5", "", "", ""},
		{"&#BuyNestMug", "", "", ""},
	} {
		p := commerce.ParsePost(c.text)
		h, f, ok := p.Gift(func(h string) bool { return h == "giftacoffee" })
		gift := ""
		if ok {
			gift = h + ">" + f
		}
		if got := strings.Join(p.Tags, ","); got != c.tags || p.Confirm != c.confirm || gift != c.gift {
			t.Errorf("ParsePost(%q) = tags %q confirm %q gift %q, want %q %q %q", c.text, got, p.Confirm, gift, c.tags, c.confirm, c.gift)
		}
	}
	for tag, ok := range map[string]bool{"BuyNestMug": true, "#BuyNestMug": true, "Buy Nest": false, "ConfirmABCDEF": false, "": false, "123": false} {
		if _, got := commerce.ValidBuyHashtag(tag); got != ok {
			t.Errorf("ValidBuyHashtag(%q) = %v, want %v", tag, got, ok)
		}
	}
}
