package social

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Seeds beyond testdata/fuzz: the tricky cases of the table tests.
var fuzzSeeds = []string{
	"@bob hi #go https://go.dev", "bob@example.com", "@bob@example.com", "&#39;#x", "#123 #1st",
	"(https://en.wikipedia.org/wiki/Go_(language))", "https://x.com/@bob#frag", "@abcdefghijklmnop",
	"#日本語 @ñ @a_b", "\xff@bob\xfe#go", "@pay @bob $5 lunch #BuyNestMug",
}

var handleRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

// checkEntities asserts what holds of any text: entities are in order, do
// not overlap, lie inside the text and say what they are.
func checkEntities(t *testing.T, text string, es []Entity) {
	t.Helper()
	end := 0
	for _, e := range es {
		if e.Start < end || e.End <= e.Start || e.End > len(text) {
			t.Fatalf("Entities(%q): bad span %+v after %d", text, e, end)
		}
		end = e.End
		raw := text[e.Start:e.End]
		switch e.Kind {
		case TokenMention:
			if raw != "@"+e.Value || !handleRE.MatchString(e.Value) {
				t.Fatalf("Entities(%q): bad mention %+v (%q)", text, e, raw)
			}
			if e.Start > 0 {
				r, _ := utf8.DecodeLastRuneInString(text[:e.Start])
				if isWordRune(r) || strings.ContainsRune("!#$%&*@", r) {
					t.Fatalf("Entities(%q): mention %+v follows %q", text, e, r)
				}
			}
			if e.End < len(text) {
				r, _ := utf8.DecodeRuneInString(text[e.End:])
				if isWordRune(r) || r == '@' {
					t.Fatalf("Entities(%q): mention %+v is followed by %q", text, e, r)
				}
			}
		case TokenHashtag:
			if raw != "#"+e.Value || e.Value == "" || utf8.RuneCountInString(e.Value) > MaxHashtagLen {
				t.Fatalf("Entities(%q): bad hashtag %+v (%q)", text, e, raw)
			}
			letter := false
			for _, r := range e.Value {
				if !isWordRune(r) {
					t.Fatalf("Entities(%q): hashtag %+v has %q", text, e, r)
				}
				letter = letter || unicode.IsLetter(r)
			}
			if !letter {
				t.Fatalf("Entities(%q): hashtag %+v without a letter", text, e)
			}
		case TokenURL:
			if raw != e.Value || !validURL(e.Value) || strings.ContainsFunc(e.Value, unicode.IsSpace) {
				t.Fatalf("Entities(%q): bad URL %+v", text, e)
			}
		default:
			t.Fatalf("Entities(%q): kind %q", text, e.Kind)
		}
	}
	var b strings.Builder
	for _, tok := range Tokenize(text) {
		if tok.Text == "" {
			t.Fatalf("Tokenize(%q): empty token %+v", text, tok)
		}
		b.WriteString(tok.Text)
	}
	if b.String() != text {
		t.Fatalf("Tokenize(%q) joins to %q", text, b.String())
	}
}

func FuzzMentions(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ms := Mentions(text)
		for _, m := range ms {
			if m.Kind != TokenMention {
				t.Fatalf("Mentions(%q) returned %+v", text, m)
			}
		}
		checkEntities(t, text, Entities(text))
		// A mention of a valid handle is found again in a fresh sentence.
		for _, m := range ms {
			again := Mentions("hi " + text[m.Start:m.End] + " !")
			if len(again) != 1 || again[0].Value != m.Value {
				t.Fatalf("Mentions(%q) found %q, but not in isolation: %+v", text, m.Value, again)
			}
		}
	})
}

func FuzzHashtags(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		hs := Hashtags(text)
		checkEntities(t, text, hs)
		for _, h := range hs {
			// The stored key must open its hashtag page, and looking it
			// up again must give the same key.
			key := HashtagKey(h.Value)
			if !validTagKey(key) {
				t.Fatalf("hashtag %q has key %q, which its page refuses", h.Value, key)
			}
			if HashtagKey(key) != key {
				t.Fatalf("HashtagKey(%q) = %q, but HashtagKey(%q) = %q", h.Value, key, key, HashtagKey(key))
			}
			if HashtagKey("#"+h.Value) != key {
				t.Fatalf("HashtagKey ignores '#' inconsistently for %q", h.Value)
			}
		}
	})
}

func FuzzHandle(f *testing.F) {
	for _, s := range []string{"bob", "Bob_99", "", "abcdefghijklmnop", "josé", "a b", "@bob", "_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		err := ValidateHandle(h)
		if (err == nil) != handleRE.MatchString(h) {
			t.Fatalf("ValidateHandle(%q) = %v, regexp says %v", h, err, handleRE.MatchString(h))
		}
		if err != nil {
			return
		}
		// Every valid handle can be mentioned.
		ms := Mentions("hey @" + h + ", hi")
		if len(ms) != 1 || ms[0].Value != h || ms[0].Start != 4 {
			t.Fatalf("Mentions of valid handle %q = %+v", h, ms)
		}
		if IsReserved(h) != IsReserved(strings.ToUpper(h)) {
			t.Fatalf("IsReserved(%q) depends on case", h)
		}
	})
}
