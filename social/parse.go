package social

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/nestegg/nestegg"
)

// Limits on what people write.
const (
	MaxHandleLen  = 15  // bytes, all ASCII
	MaxHashtagLen = 100 // runes, without the '#'
)

// builtinReserved are handles nobody may sign up with, whatever the
// operator's settings: they name the platform, its staff or its pages, or
// would let someone pass for them. The configured pay handle and
// Options.Reserved are added per Service.
var builtinReserved = map[string]bool{
	"about": true, "abuse": true, "account": true, "accounts": true, "admin": true,
	"administrator": true, "api": true, "app": true, "assets": true, "auth": true,
	"billing": true, "blog": true, "compliance": true, "contact": true, "dev": true,
	"developer": true, "developers": true, "docs": true, "explore": true, "faq": true,
	"feed": true, "help": true, "home": true, "info": true, "legal": true, "login": true,
	"logout": true, "me": true, "messages": true, "mod": true, "moderator": true,
	"nestegg": true, "news": true, "notifications": true, "null": true, "official": true,
	"operator": true, "pay": true, "payments": true, "postmaster": true, "privacy": true,
	"register": true, "root": true, "search": true, "security": true, "settings": true,
	"signin": true, "signout": true, "signup": true, "staff": true, "static": true,
	"status": true, "support": true, "system": true, "terms": true, "timeline": true,
	"undefined": true, "wallet": true, "webmaster": true, "www": true,
}

// ValidateHandle checks a handle's syntax: 1 to 15 of A–Z, a–z, 0–9 and _.
// It does not check reservation or availability (see Service.CheckHandle).
// The error has code nestegg.Invalid and Param "handle".
func ValidateHandle(h string) error {
	if h == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "handle", "choose a handle")
	}
	if len(h) > MaxHandleLen {
		return nestegg.ParamErrorf(nestegg.Invalid, "handle", "a handle has at most %d characters", MaxHandleLen)
	}
	for i := 0; i < len(h); i++ {
		if !isHandleByte(h[i]) {
			return nestegg.ParamErrorf(nestegg.Invalid, "handle", "a handle may contain only letters A–Z, digits and underscores")
		}
	}
	return nil
}

// IsReserved reports whether h, in any case, is one of the handles reserved
// on every Nestegg (admin, support, pay, www …). A Service also reserves its
// configured pay handle and Options.Reserved.
func IsReserved(h string) bool { return builtinReserved[strings.ToLower(h)] }

// HashtagKey is the form in which hashtags are stored and looked up:
// NFC-normalized and lower-cased, without the '#'. Hashtag pages are
// therefore case-insensitive.
func HashtagKey(tag string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimPrefix(tag, "#")))
}

// validTagKey reports whether key could be the HashtagKey of a hashtag.
// Lower-casing can lengthen a tag (İ becomes i and a combining dot), so
// the length allowance is generous.
func validTagKey(key string) bool {
	if key == "" || utf8.RuneCountInString(key) > 3*MaxHashtagLen {
		return false
	}
	letter := false
	for _, r := range key {
		if !isWordRune(r) {
			return false
		}
		letter = letter || unicode.IsLetter(r)
	}
	return letter && !unicode.IsMark([]rune(key)[0])
}

func isHandleByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isWordRune reports whether r would continue a word: a letter, a mark, a
// digit or an underscore in any script.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// TokenKind says what a piece of post text is.
type TokenKind string

// The kinds of text in a post.
const (
	TokenText    TokenKind = "text"
	TokenMention TokenKind = "mention"
	TokenHashtag TokenKind = "hashtag"
	TokenURL     TokenKind = "url"
)

// Entity is a mention, hashtag or URL found in post text. Start and End are
// byte offsets: text[Start:End] is the entity as written, including its '@'
// or '#'. Value is the handle without '@', the tag without '#' (as written;
// see HashtagKey), or the URL.
type Entity struct {
	Kind       TokenKind
	Start, End int
	Value      string
}

// Token is one piece of post text for rendering. Concatenating the Text of
// the tokens Tokenize returns gives back the input exactly. Text is raw: the
// renderer must escape it. For a mention Value is the handle, for a hashtag
// the tag, for a URL the address (always http or https); empty for text.
type Token struct {
	Kind  TokenKind
	Text  string
	Value string
}

// Entities returns the URLs, mentions and hashtags of text, in order and not
// overlapping. The rules follow Twitter's:
//
//   - A URL starts with http:// or https:// (any case) at the start of the
//     text or after a character that is not part of a word, runs to the next
//     space, and loses trailing punctuation (and an unbalanced ')' or ']').
//     Mentions and hashtags inside a URL are part of the URL.
//   - A mention is '@' and a valid handle, at the start or after a character
//     that is neither part of a word nor one of !#$%&*@, and not followed by
//     a word character, '@' or "://". So bob@example.com is an email
//     address, not a mention, and a run of 16 handle characters mentions no
//     one.
//   - A hashtag is '#' and 1 to 100 letters, marks, digits or underscores of
//     any script, with at least one letter and not starting with a mark (so
//     neither "#123" nor the keycap emoji "#️⃣" is a tag), at the start or after a character that is
//     neither part of a word nor '&' (so "&#39;" is not a hashtag), and not
//     followed by '#' or "://".
func Entities(text string) []Entity {
	var out []Entity
	from := 0
	for _, u := range urls(text) {
		out = append(out, mentionsAndTags(text, from, u.Start)...)
		out = append(out, u)
		from = u.End
	}
	return append(out, mentionsAndTags(text, from, len(text))...)
}

// Mentions returns the mentions in text (see Entities for the rules), in
// order. The same handle may appear more than once.
func Mentions(text string) []Entity { return filter(Entities(text), TokenMention) }

// Hashtags returns the hashtags in text (see Entities for the rules), in
// order. The same tag may appear more than once.
func Hashtags(text string) []Entity { return filter(Entities(text), TokenHashtag) }

// Tokenize splits text into text, mention, hashtag and URL tokens so that a
// renderer can escape every piece and link the entities.
func Tokenize(text string) []Token {
	var out []Token
	at := 0
	for _, e := range Entities(text) {
		if e.Start > at {
			out = append(out, Token{Kind: TokenText, Text: text[at:e.Start]})
		}
		out = append(out, Token{Kind: e.Kind, Text: text[e.Start:e.End], Value: e.Value})
		at = e.End
	}
	if at < len(text) {
		out = append(out, Token{Kind: TokenText, Text: text[at:]})
	}
	return out
}

func filter(es []Entity, k TokenKind) []Entity {
	out := es[:0]
	for _, e := range es {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// precededByWord reports whether the rune before text[i] is a word rune or
// one of extra.
func precededBy(text string, i int, extra string) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r) || strings.ContainsRune(extra, r)
}

// mentionsAndTags scans text[from:to] for mentions and hashtags. Lookbehind
// and lookahead see the whole text.
func mentionsAndTags(text string, from, to int) []Entity {
	var out []Entity
	for i := from; i < to; {
		switch text[i] {
		case '@':
			if e, ok := mentionAt(text, i, to); ok {
				out = append(out, e)
				i = e.End
				continue
			}
		case '#':
			if e, ok := hashtagAt(text, i, to); ok {
				out = append(out, e)
				i = e.End
				continue
			}
		}
		i++
	}
	return out
}

func mentionAt(text string, i, to int) (Entity, bool) {
	if precededBy(text, i, "!#$%&*@") {
		return Entity{}, false
	}
	j := i + 1
	for j < to && isHandleByte(text[j]) {
		j++
	}
	if n := j - i - 1; n == 0 || n > MaxHandleLen {
		return Entity{}, false
	}
	if j < len(text) {
		r, _ := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) || r == '@' || strings.HasPrefix(text[j:], "://") {
			return Entity{}, false
		}
	}
	return Entity{Kind: TokenMention, Start: i, End: j, Value: text[i+1 : j]}, true
}

func hashtagAt(text string, i, to int) (Entity, bool) {
	if precededBy(text, i, "&") {
		return Entity{}, false
	}
	j, n, letter := i+1, 0, false
	for j < to {
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError && size <= 1 || !isWordRune(r) || n == 0 && unicode.IsMark(r) {
			break
		}
		letter = letter || unicode.IsLetter(r)
		j += size
		n++
	}
	if n == 0 || n > MaxHashtagLen || !letter {
		return Entity{}, false
	}
	if j < len(text) {
		r, _ := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) || r == '#' || strings.HasPrefix(text[j:], "://") {
			return Entity{}, false
		}
	}
	return Entity{Kind: TokenHashtag, Start: i, End: j, Value: text[i+1 : j]}, true
}

// urls finds the http and https URLs in text.
func urls(text string) []Entity {
	var out []Entity
	for i := 0; i < len(text); {
		k := strings.IndexAny(text[i:], "hH")
		if k < 0 {
			break
		}
		i += k
		if e, ok := urlAt(text, i); ok {
			out = append(out, e)
			i = e.End
			continue
		}
		i++
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func urlAt(text string, i int) (Entity, bool) {
	rest := text[i:]
	if !hasPrefixFold(rest, "http://") && !hasPrefixFold(rest, "https://") {
		return Entity{}, false
	}
	if precededBy(text, i, "@#$/.:") {
		return Entity{}, false
	}
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError && size <= 1 || unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>\"`", r) {
			break
		}
		j += size
	}
	// Trailing punctuation belongs to the sentence, not the URL; a closing
	// bracket belongs to the URL only when the URL opened it.
	for j > i {
		c := text[j-1]
		if strings.IndexByte(".,;:!?'*", c) >= 0 ||
			c == ')' && strings.Count(text[i:j], "(") < strings.Count(text[i:j], ")") ||
			c == ']' && strings.Count(text[i:j], "[") < strings.Count(text[i:j], "]") {
			j--
			continue
		}
		break
	}
	raw := text[i:j]
	if !validURL(raw) {
		return Entity{}, false
	}
	return Entity{Kind: TokenURL, Start: i, End: j, Value: raw}, true
}

// validURL accepts absolute http and https URLs with a plausible host and no
// user information (https://bank.com@evil.example is a classic lure).
func validURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return false
	}
	host := u.Hostname()
	if host == "" || len(host) > 253 {
		return false
	}
	for _, r := range host {
		if !(isWordRune(r) || r == '-' || r == '.' || r == ':' || r == '[' || r == ']') {
			return false
		}
	}
	return true
}
