package commerce

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// confirmPrefix starts the hashtag that confirms a purchase intent by
// reply: #Confirm followed by the intent's code, e.g. #ConfirmK7Q2XM.
const confirmPrefix = "Confirm"

// codeAlphabet makes codes people can read aloud and type: no 0/O, 1/I/L.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// codeLen is the length of an intent's confirmation code. Codes are
// looked up per buyer, so six characters are plenty.
const codeLen = 6

// Parsed is what a post says to commerce. Posts are read with social's
// own tokenizer, so a hashtag or mention here is exactly one the post
// shows as such.
type Parsed struct {
	// Tags are the distinct hashtag keys (TagKey: NFKC, lower-cased,
	// without '#') other than confirmations, in order: candidates for live
	// buy hashtags.
	Tags []string
	// Confirm is the upper-cased code of the first #Confirm… hashtag, or "".
	Confirm string
	// Mentions are the distinct lower-cased handles, in order.
	Mentions []string
}

// ParsePost reads a post's text. It never fails: text that says nothing
// to commerce gives an empty Parsed.
func ParsePost(text string) Parsed {
	var p Parsed
	seen := map[string]bool{}
	for _, e := range social.Entities(text) {
		switch e.Kind {
		case social.TokenHashtag:
			key := TagKey(e.Value)
			if code, ok := confirmCode(key); ok {
				if p.Confirm == "" {
					p.Confirm = code
				}
				continue
			}
			if !seen["#"+key] {
				seen["#"+key] = true
				p.Tags = append(p.Tags, key)
			}
		case social.TokenMention:
			h := strings.ToLower(e.Value)
			if !seen["@"+h] {
				seen["@"+h] = true
				p.Mentions = append(p.Mentions, h)
			}
		}
	}
	return p
}

// confirmCode returns the code of a confirmation hashtag key.
func confirmCode(key string) (string, bool) {
	pre := strings.ToLower(confirmPrefix)
	if len(key) != len(pre)+codeLen || !strings.HasPrefix(key, pre) {
		return "", false
	}
	code := strings.ToUpper(key[len(pre):])
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(codeAlphabet, code[i]) < 0 {
			return "", false
		}
	}
	return code, true
}

// Gift finds a gift in the mentions: the first mention that isGift says
// is a merchant's gift handle, and the first other mention that is not a
// gift handle (the friend), in either order. ok is false when either is
// missing, so "@giftacoffee" alone or "@bob @carol" buys nothing.
func (p Parsed) Gift(isGift func(handle string) bool) (handle, friend string, ok bool) {
	for _, m := range p.Mentions {
		switch {
		case isGift(m):
			if handle == "" {
				handle = m
			}
		case friend == "":
			friend = m
		}
	}
	return handle, friend, handle != "" && friend != ""
}

// TagKey is the form in which buy hashtags are stored and matched: NFKC
// (compatibility) normalised and lower-cased, without '#'. social's own key
// (NFC) keeps full-width and mathematical letters apart from the letters
// they show, so "#ＢｕｙＮｅｓｔＭｕｇ" or "#𝐁𝐮𝐲𝐍𝐞𝐬𝐭𝐌𝐮𝐠" could be another
// shop's "#BuyNestMug"; under TagKey they are the same tag. TagKey of a
// key is the key.
func TagKey(tag string) string {
	k := strings.TrimPrefix(tag, "#")
	// Lower-casing may undo normalisation (and normalising may make capitals,
	// as ℡ does): repeat until both hold, which takes one or two rounds.
	for i := 0; i < 4; i++ {
		next := norm.NFKC.String(strings.ToLower(norm.NFKC.String(k)))
		if next == k {
			break
		}
		k = next
	}
	return k
}

// ValidBuyHashtag checks a buy hashtag a merchant declares and returns it
// without '#'. It must read as one hashtag in a post, not look like a
// confirmation, be written in its normal form (NFKC: no full-width or
// mathematical letters standing for plain ones), and not mix scripts that
// look alike (a Cyrillic 'а' among Latin letters): such a tag could pass
// for another shop's. Errors: Invalid (Param "hashtag") saying which.
func ValidBuyHashtag(tag string) (string, error) {
	raw := tag
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
	es := social.Hashtags("#" + tag)
	if len(es) != 1 || es[0].Value != tag {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "hashtag", "%q is not a hashtag (letters, digits and _)", raw)
	}
	if _, isConfirm := confirmCode(TagKey(tag)); isConfirm {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "hashtag", "a buy hashtag may not look like a confirmation (#%s…)", confirmPrefix)
	}
	if !norm.NFKC.IsNormalString(tag) {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "hashtag", "write #%s with ordinary letters and digits (not full-width or styled ones): #%s", tag, norm.NFKC.String(tag))
	}
	if !oneScript(tag) {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "hashtag", "#%s mixes alphabets (Latin with Cyrillic or Greek, say); use letters of one", tag)
	}
	return tag, nil
}

// oneScript reports whether the letters of s belong to one script, or to
// one of the mixes that writing systems need and whose letters are not
// taken for each other: Latin with Han and the Japanese kana, with Han
// and Bopomofo, or with Han and Hangul (Unicode TS #39's "highly
// restrictive" level). Digits, '_' and marks belong to every script.
func oneScript(s string) bool {
	seen := map[string]bool{}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		if sc := scriptOf(r); sc != "" && sc != "Common" && sc != "Inherited" {
			seen[sc] = true
		}
	}
	if len(seen) <= 1 {
		return true
	}
	for _, mix := range [][]string{{"Latin", "Han", "Hiragana", "Katakana"}, {"Latin", "Han", "Bopomofo"}, {"Latin", "Han", "Hangul"}} {
		n := 0
		for _, sc := range mix {
			if seen[sc] {
				n++
			}
		}
		if n == len(seen) {
			return true
		}
	}
	return false
}

// scriptOf is the name of r's script ("" for none known).
func scriptOf(r rune) string {
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return ""
}
