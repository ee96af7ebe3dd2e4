package social

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg"
)

func TestValidateHandle(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"a", true},
		{"Bob_99", true},
		{"_", true},
		{"abcdefghijklmno", true},   // 15
		{"abcdefghijklmnop", false}, // 16
		{"", false},
		{"a-b", false},
		{"a.b", false},
		{"a b", false},
		{"@bob", false},
		{"josé", false},
		{"bob\x00", false},
		{"ＢＯＢ", false}, // full-width letters look like ASCII but are not
	}
	for _, tt := range tests {
		err := ValidateHandle(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateHandle(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && (!nestegg.Is(err, nestegg.Invalid) || nestegg.ErrorParam(err) != "handle") {
			t.Errorf("ValidateHandle(%q) = %v, want invalid with param handle", tt.in, err)
		}
	}
}

func TestIsReserved(t *testing.T) {
	for _, h := range []string{"admin", "ADMIN", "Support", "root", "nestegg", "api", "www", "help", "settings", "login", "logout", "signup", "about", "pay"} {
		if !IsReserved(h) {
			t.Errorf("IsReserved(%q) = false, want true", h)
		}
	}
	for _, h := range []string{"bob", "admins_fan", "payton"} {
		if IsReserved(h) {
			t.Errorf("IsReserved(%q) = true, want false", h)
		}
	}
}

// values returns Value of each entity, with its start offset.
type found struct {
	Value string
	Start int
}

func values(es []Entity) []found {
	out := []found{}
	for _, e := range es {
		out = append(out, found{e.Value, e.Start})
	}
	return out
}

func TestMentions(t *testing.T) {
	tests := []struct {
		in   string
		want []found
	}{
		{"@bob hi", []found{{"bob", 0}}},
		{"hi @bob", []found{{"bob", 3}}},
		{"@pay @bob $5 lunch", []found{{"pay", 0}, {"bob", 5}}},
		{"(@bob), @carol; @dave.", []found{{"bob", 1}, {"carol", 8}, {"dave", 16}}},
		{"@bob's idea", []found{{"bob", 0}}},
		{"@Bob_99!", []found{{"Bob_99", 0}}},
		{"@abcdefghijklmno", []found{{"abcdefghijklmno", 0}}},
		{"@abcdefghijklmnop", []found{}}, // 16 characters: nobody
		{"mail bob@example.com", []found{}},
		{"@bob@example.com", []found{}},
		{"x@bob", []found{}},
		{"josé@bob", []found{}},
		{"@bobé", []found{}},
		{"@@bob", []found{}},
		{"#@bob !@bob $@bob", []found{}},
		{"@", []found{}},
		{"@ bob", []found{}},
		{"@bob://x", []found{}},
		{"see https://x.com/@bob now", []found{}},
		{"line\n@bob", []found{{"bob", 5}}},
		{"«@bob»", []found{{"bob", 2}}},
		{"@a@b", []found{}},
		{"@bob-smith", []found{{"bob", 0}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, values(Mentions(tt.in))); diff != "" {
			t.Errorf("Mentions(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestHashtags(t *testing.T) {
	long := strings.Repeat("a", MaxHashtagLen)
	tests := []struct {
		in   string
		want []found
	}{
		{"#go", []found{{"go", 0}}},
		{"I like #Go and #rust.", []found{{"Go", 7}, {"rust", 15}}},
		{"#123", []found{}},
		{"#1st", []found{{"1st", 0}}},
		{"#_", []found{}},
		{"#_go_", []found{{"_go_", 0}}},
		{"#1_2", []found{}},
		{"a#b", []found{}},
		{"it&#39;s", []found{}},
		{"#café", []found{{"café", 0}}},
		{"#日本語 ok", []found{{"日本語", 0}}},
		{"#foo#bar", []found{}},
		{"#foo-bar", []found{{"foo", 0}}},
		{"#BuyNestMug", []found{{"BuyNestMug", 0}}},
		{"#" + long, []found{{long, 0}}},
		{"#" + long + "a", []found{}},
		{"https://x.com/#frag #real", []found{{"real", 20}}},
		{"#", []found{}},
		{"# go", []found{}},
		{"#️⃣", []found{}},
		{"(#go)", []found{{"go", 1}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, values(Hashtags(tt.in))); diff != "" {
			t.Errorf("Hashtags(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestURLs(t *testing.T) {
	tests := []struct {
		in   string
		want []found
	}{
		{"see https://example.com.", []found{{"https://example.com", 4}}},
		{"HTTP://EXAMPLE.COM/a?b=c#d", []found{{"HTTP://EXAMPLE.COM/a?b=c#d", 0}}},
		{"(https://en.wikipedia.org/wiki/Go_(language))", []found{{"https://en.wikipedia.org/wiki/Go_(language)", 1}}},
		{"(https://example.com)", []found{{"https://example.com", 1}}},
		{"https://bank.com@evil.example", []found{}},
		{"javascript:alert(1)", []found{}},
		{"xhttps://a.com", []found{}},
		{"https://", []found{}},
		{"https://a.com/\"onmouseover=x", []found{{"https://a.com/", 0}}},
		{"a https://a.com b http://b.org", []found{{"https://a.com", 2}, {"http://b.org", 18}}},
	}
	for _, tt := range tests {
		var got []Entity
		for _, e := range Entities(tt.in) {
			if e.Kind == TokenURL {
				got = append(got, e)
			}
		}
		if diff := cmp.Diff(tt.want, values(got)); diff != "" {
			t.Errorf("URLs of %q mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestTokenize(t *testing.T) {
	in := "hi @bob, #Go <b> at https://go.dev!"
	want := []Token{
		{Kind: TokenText, Text: "hi "},
		{Kind: TokenMention, Text: "@bob", Value: "bob"},
		{Kind: TokenText, Text: ", "},
		{Kind: TokenHashtag, Text: "#Go", Value: "Go"},
		{Kind: TokenText, Text: " <b> at "},
		{Kind: TokenURL, Text: "https://go.dev", Value: "https://go.dev"},
		{Kind: TokenText, Text: "!"},
	}
	if diff := cmp.Diff(want, Tokenize(in)); diff != "" {
		t.Errorf("Tokenize(%q) mismatch (-want +got):\n%s", in, diff)
	}
	if got := Tokenize(""); len(got) != 0 {
		t.Errorf("Tokenize(\"\") = %v, want none", got)
	}
}

func TestHashtagKey(t *testing.T) {
	for in, want := range map[string]string{"#Go": "go", "GO": "go", "Cafe\u0301": "café", "#ÉTÉ": "été"} {
		if got := HashtagKey(in); got != want {
			t.Errorf("HashtagKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{
		"Ada Lovelace": "AL", "bob": "B", "Jean-Luc de la Picard": "JP", "  ": "", "🙂 ana": "A",
		"李小龙": "李", "élodie martin": "ÉM", "The Nest Café": "TC",
	} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanPost(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"hello", "hello", false},
		{"  hi \r\n there  ", "hi \n there", false},
		{"", "", true},
		{"   \n ", "", true},
		{strings.Repeat("x", 280), strings.Repeat("x", 280), false},
		{strings.Repeat("x", 281), "", true},
		{strings.Repeat("日", 280), strings.Repeat("日", 280), false},       // 840 bytes, 280 characters
		{strings.Repeat("e\u0301", 280), strings.Repeat("é", 280), false}, // NFC makes 560 code points 280
		{"bad \xff", "", true},
		{"bell \a", "", true},
	}
	for _, tt := range tests {
		got, err := cleanPost(tt.in, nil)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("cleanPost(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && nestegg.ErrorParam(err) != "body" {
			t.Errorf("cleanPost(%q) error param = %q, want body", tt.in, nestegg.ErrorParam(err))
		}
	}
}

func TestCleanFields(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(string) (string, error)
		in   string
		ok   bool
	}{
		{"link", cleanLink, "", true},
		{"link", cleanLink, "https://example.com/me", true},
		{"link", cleanLink, "http://example.com", true},
		{"link", cleanLink, "javascript:alert(1)", false},
		{"link", cleanLink, "ftp://example.com", false},
		{"link", cleanLink, "example.com", false},
		{"link", cleanLink, "https://a@b.com", false},
		{"link", cleanLink, "https://" + strings.Repeat("a", 200) + ".com", false},
		{"email", cleanEmail, "ada@example.com", true},
		{"email", cleanEmail, "Ada <ada@example.com>", false},
		{"email", cleanEmail, "ada", false},
		{"email", cleanEmail, "", false},
		{"bio", cleanBio, strings.Repeat("b", 160), true},
		{"bio", cleanBio, strings.Repeat("b", 161), false},
		{"display_name", cleanDisplayName, "Ada", true},
		{"display_name", cleanDisplayName, " ", false},
		{"display_name", cleanDisplayName, "a\nb", false},
		{"display_name", cleanDisplayName, strings.Repeat("n", 51), false},
	} {
		_, err := tt.fn(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("clean %s(%q) = %v, want ok=%v", tt.name, tt.in, err, tt.ok)
		}
		if err != nil && nestegg.ErrorParam(err) != tt.name {
			t.Errorf("clean %s(%q) param = %q", tt.name, tt.in, nestegg.ErrorParam(err))
		}
	}
}
