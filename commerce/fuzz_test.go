package commerce_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
)

// FuzzParsePost checks the buy-hashtag reading of any text: it never
// panics, every tag it returns is the key (TagKey) of a hashtag the post
// shows (so a purchase can only come from what people see), keys are
// their own keys, confirmations are told apart, reading is deterministic,
// and a tag a merchant may declare is in its normal form.
func FuzzParsePost(f *testing.F) {
	for _, s := range []string{"#BuyNestMug", "I want one #BuyNestMug!", "#ConfirmK7Q2XM", "#confirmk7q2xm yes", "#Confirm0OIL11",
		"#BuyNestMug#BuyOther", "&#BuyNestMug", "#BuyNestMug https://x.example/#BuyNestMug", "#İstanbulBuy", "#_", "#123", "",
		"#ＢｕｙＮｅｓｔＭｕｇ", "#𝐁𝐮𝐲𝐍𝐞𝐬𝐭𝐌𝐮𝐠", "#BuyNestMug #Buyℕ𝕖𝕤𝕥", "#BuyNestM\u0430g", "#Buy℡", "#ﬁne"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := commerce.ParsePost(text)
		if q := commerce.ParsePost(text); len(q.Tags) != len(p.Tags) || q.Confirm != p.Confirm {
			t.Fatalf("ParsePost(%q) is not deterministic", text)
		}
		shown := map[string]bool{}
		for _, e := range social.Hashtags(text) {
			shown[commerce.TagKey(e.Value)] = true
		}
		seen := map[string]bool{}
		for _, tag := range p.Tags {
			if !shown[tag] {
				t.Fatalf("ParsePost(%q): tag %q is not a hashtag of the post", text, tag)
			}
			if commerce.TagKey(tag) != tag {
				t.Fatalf("ParsePost(%q): tag %q is not its own key (%q)", text, tag, commerce.TagKey(tag))
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
				if tag2, err := commerce.ValidBuyHashtag(tag); err == nil && commerce.TagKey(tag2) != tag {
					t.Fatalf("ValidBuyHashtag(%q) = %q, a different key", tag, tag2)
				}
			}
			for _, e := range social.Hashtags(text) {
				if tag, err := commerce.ValidBuyHashtag(e.Value); err == nil && !norm.NFKC.IsNormalString(tag) {
					t.Fatalf("ValidBuyHashtag(%q) accepted a tag not in NFKC", e.Value)
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
		if _, err := commerce.ValidBuyHashtag(tag); (err == nil) != ok {
			t.Errorf("ValidBuyHashtag(%q) = %v, want ok %v", tag, err, ok)
		}
	}
}

// TestBuyHashtagLookalikes (issue 11 item 11): tags written with
// full-width or mathematical letters, or with a Cyrillic or Greek letter
// among Latin ones, look like another shop's tag. A merchant may not
// declare one; posts written with compatibility letters match the tag
// they show (NFKC), and a Cyrillic 'а' matches nothing.
func TestBuyHashtagLookalikes(t *testing.T) {
	for _, c := range []struct {
		tag string
		ok  bool
		why string // a word of the refusal
	}{
		{"BuyNestMug", true, ""},
		{"ＢｕｙＮｅｓｔＭｕｇ", false, "ordinary"},                  // full-width
		{"𝐁𝐮𝐲𝐍𝐞𝐬𝐭𝐌𝐮𝐠", false, "ordinary"},                  // mathematical bold
		{"Buy𝙽estMug", false, "ordinary"},                  // one monospace N
		{"BuyNest\u2160", false, "hashtag"},                // a Roman numeral is no letter
		{"BuyNestMug\u00b2", false, "hashtag"},             // nor a superscript digit
		{"Buy\ufb01ne", false, "ordinary"},                 // the ligature ﬁ
		{"BuyNestM\u0430g", false, "alphabets"},            // Cyrillic а
		{"BuyNest\u039cug", false, "alphabets"},            // Greek capital Mu
		{"\u041a\u0443\u043f\u0438\u0442\u044c", true, ""}, // Купить: Cyrillic alone
		{"Café", true, ""},                                 // precomposed é is NFKC
		{"Cafe\u0301", false, "ordinary"},                  // decomposed é is not
		{"Buy抹茶ラテ", true, ""},                              // Latin, Han and Katakana
		{"Buy\uae40\uce58", true, ""},                      // Latin and Hangul
		{"ConfirmK7Q2XM", false, "confirmation"},
		{"Ｃｏｎｆｉｒｍ２３４５６７", false, "confirmation"}, // a confirmation once normalised
	} {
		tag, err := commerce.ValidBuyHashtag(c.tag)
		if (err == nil) != c.ok {
			t.Errorf("ValidBuyHashtag(%q) = %q, %v; want ok %v", c.tag, tag, err, c.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), c.why) {
			t.Errorf("ValidBuyHashtag(%q) = %v; want it to say %q", c.tag, err, c.why)
		}
	}
	for text, want := range map[string]string{
		"#ＢｕｙＮｅｓｔＭｕｇ": "buynestmug",
		"#𝐁𝐮𝐲𝐍𝐞𝐬𝐭𝐌𝐮𝐠": "buynestmug",
		"#BUYNESTMUG":      "buynestmug",
		"#BuyNestM\u0430g": "buynestm\u0430g",
		"#Buy\ufb01ne":     "buyfine",
		"#Ｃｏｎｆｉｒｍ２３４５６７": "",
	} {
		if got := strings.Join(commerce.ParsePost(text).Tags, ","); got != want {
			t.Errorf("ParsePost(%q).Tags = %q, want %q", text, got, want)
		}
	}
	if got := commerce.ParsePost("#Ｃｏｎｆｉｒｍ２３４５６７").Confirm; got != "234567" {
		t.Errorf("a full-width confirmation reads %q, want 234567", got)
	}
}
