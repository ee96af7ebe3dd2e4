package commerce

import (
	"strings"

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
	// Tags are the distinct hashtag keys (lower-cased, without '#') other
	// than confirmations, in order: candidates for live buy hashtags.
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
			key := social.HashtagKey(e.Value)
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

// ValidBuyHashtag checks a buy hashtag a merchant declares: it must read as
// one hashtag in a post, and must not look like a confirmation. It returns
// the tag without '#'.
func ValidBuyHashtag(tag string) (string, bool) {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
	es := social.Hashtags("#" + tag)
	if len(es) != 1 || es[0].Value != tag {
		return "", false
	}
	if _, isConfirm := confirmCode(social.HashtagKey(tag)); isConfirm {
		return "", false
	}
	return tag, true
}
