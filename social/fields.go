package social

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/nestegg/nestegg"
)

// Limits on profile fields and posts, in runes unless noted.
const (
	MaxDisplayName = 50
	MaxBio         = 160
	MaxLink        = 200 // bytes
	MaxEmail       = 254 // bytes
	MinPassword    = 10
	MaxPassword    = 256 // bytes: argon2 takes any length, but a megabyte password is an attack
	MaxPostLen     = 280
	MaxTokenName   = 50
)

// cleanText trims, normalizes line endings and Unicode (NFC, so that "é"
// typed two ways counts and matches once), and refuses invalid UTF-8 and
// control characters other than newline (when multiline) and tab.
func cleanText(param, s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "text is not valid UTF-8")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = norm.NFC.String(strings.TrimSpace(s))
	for _, r := range s {
		if r == '\n' && multiline || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", nestegg.ParamErrorf(nestegg.Invalid, param, "text contains a control character")
		}
	}
	return s, nil
}

func cleanDisplayName(s string) (string, error) {
	s, err := cleanText("display_name", s, false)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "display_name", "enter a name")
	}
	if utf8.RuneCountInString(s) > MaxDisplayName {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "display_name", "a name has at most %d characters", MaxDisplayName)
	}
	return s, nil
}

func cleanBio(s string) (string, error) {
	s, err := cleanText("bio", s, true)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > MaxBio {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "bio", "a bio has at most %d characters", MaxBio)
	}
	return s, nil
}

// cleanLink accepts "" (no link) or an absolute http or https URL.
func cleanLink(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxLink {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "link", "a link has at most %d characters", MaxLink)
	}
	if !validURL(s) || strings.ContainsAny(s, " \t\n\"<>`") {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "link", "a link must be a full http:// or https:// address")
	}
	return s, nil
}

func cleanEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "email", "enter an email address")
	}
	a, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || len(s) > MaxEmail || a.Name != "" || a.Address != s || at < 1 || at == len(s)-1 {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "email", "enter an email address like name@example.com")
	}
	return s, nil
}

func checkPassword(param, p string) error {
	if utf8.RuneCountInString(p) < MinPassword {
		return nestegg.ParamErrorf(nestegg.Invalid, param, "a password has at least %d characters", MinPassword)
	}
	if len(p) > MaxPassword {
		return nestegg.ParamErrorf(nestegg.Invalid, param, "a password has at most %d bytes", MaxPassword)
	}
	return nil
}

// cleanPost normalizes a post's text and checks its length: 1 to 280
// characters, counted in Unicode code points after NFC normalization (not
// bytes: "日本" is two characters).
// limit, when not nil, is the author's own longest post (a perk); it is
// asked only for posts longer than MaxPostLen.
func cleanPost(s string, limit func() (int, error)) (string, error) {
	s, err := cleanText("body", s, true)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "body", "write something first")
	}
	if n := utf8.RuneCountInString(s); n > MaxPostLen {
		max := 0
		if limit != nil {
			if max, err = limit(); err != nil {
				return "", err
			}
		}
		if n > max {
			if max <= MaxPostLen {
				return "", nestegg.ParamErrorf(nestegg.Invalid, "body", "a post has at most %d characters (this one has %d); Premium plans allow longer posts", MaxPostLen, n)
			}
			return "", nestegg.ParamErrorf(nestegg.Invalid, "body", "your plan allows posts of at most %d characters (this one has %d)", max, n)
		}
	}
	return s, nil
}

// Initials returns the letters an avatar shows for a name: the first letter
// of its first and last words, upper-cased ("Ada Lovelace" → "AL", "bob" →
// "B"). Words without a letter or digit are skipped; a name without any
// gives "".
func Initials(name string) string {
	var firsts []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				firsts = append(firsts, unicode.ToUpper(r))
				break
			}
		}
	}
	switch len(firsts) {
	case 0:
		return ""
	case 1:
		return string(firsts[0])
	}
	return string([]rune{firsts[0], firsts[len(firsts)-1]})
}

// Kind is what an account is for.
type Kind string

// The account kinds.
const (
	Member   Kind = "member"
	Creator  Kind = "creator"  // receives tips, coins and subscriptions
	Business Kind = "business" // a merchant profile: products, orders
)

func (k Kind) valid() bool { return k == Member || k == Creator || k == Business }

// Role is a staff role. Most accounts have none (""). What each role may
// use is the web package's route table (docs/STAFF.md); social only keeps
// who holds which.
type Role string

// The staff roles.
const (
	NoRole     Role = ""
	Admin      Role = "admin"      // everything, and assigns roles
	Support    Role = "support"    // members, disputes, refunds, check reviews
	Compliance Role = "compliance" // members, KYC, the audit log
	Finance    Role = "finance"    // members, reconciliation, refunds
	Moderator  Role = "moderator"  // check reviews and (later) reports
)

// Roles lists every staff role, in the order pages show them.
func Roles() []Role { return []Role{Admin, Support, Compliance, Finance, Moderator} }

func (r Role) valid() bool {
	return r == NoRole || r == Admin || r == Support || r == Compliance || r == Finance || r == Moderator
}
