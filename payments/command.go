package payments

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// CommandKind is what a post command asks for.
type CommandKind string

// Command kinds.
const (
	CommandSend    CommandKind = "send"    // @pay @bob $5 lunch
	CommandRequest CommandKind = "request" // @pay request $20 from @bob tickets
	CommandSplit   CommandKind = "split"   // @pay split $60 with @bob @carol dinner
	CommandTip     CommandKind = "tip"     // @pay tip $2 (a reply: tips the replied-to post's author)
	// CommandInvalid is a post addressed to the pay handle that could not
	// be read: its intent fails at once, with the reason on the post.
	CommandInvalid CommandKind = "invalid"
)

// Command is a well-formed post command.
type Command struct {
	Kind    CommandKind
	Amount  money.Amount
	Handles []string // without '@', as written: one for send and request, one or more for split, none for tip
	Note    string   // the rest of the post, trimmed; may be ""
}

// ErrNotCommand is ParseCommand's answer for a post that does not address
// the pay handle: an ordinary post, which must never move money.
var ErrNotCommand = errors.New("not a payment command")

// Usage is the example shown to people whose command could not be read.
const Usage = "write @pay @bob $5 lunch, @pay request $20 from @bob tickets, @pay split $60 with @bob @carol, or reply @pay tip $2"

// ParseCommand reads a post as a payment command. Only a post whose first
// word is the pay handle (payHandle without '@', any case) is a command:
// "I owe @bob $5" and "thanks @pay" return ErrNotCommand. A post that
// starts with the pay handle but is not well formed returns a
// nestegg.Invalid error whose message says what is wrong, for the author.
// Amounts without a currency are in USD (see money.Parse for what amounts
// people may type; "5 USD" may be two words). The grammar:
//
//	@pay @handle AMOUNT [note]
//	@pay request AMOUNT from @handle [note]
//	@pay split AMOUNT with @handle... [note]
//	@pay tip AMOUNT [note]
//
// ParseCommand is pure; it does not know whether the handles exist.
func ParseCommand(text, payHandle string) (Command, error) {
	return parseCommand(text, payHandle, "USD")
}

// token is a whitespace-separated word of the post and where it ends.
type token struct {
	s   string
	end int
}

func parseCommand(text, payHandle, defaultAsset string) (Command, error) {
	c, _, err := parseSpan(text, payHandle, defaultAsset)
	return c, err
}

// parseSpan is parseCommand that also says where in text the amount is
// written (byte offsets, end exclusive; zero when not read).
func parseSpan(text, payHandle, defaultAsset string) (Command, [2]int, error) {
	c, p, err := parseWith(text, payHandle, defaultAsset)
	if p == nil {
		return c, [2]int{}, err
	}
	return c, p.span, err
}

func parseWith(text, payHandle, defaultAsset string) (Command, *cmdParser, error) {
	rest := strings.TrimLeftFunc(text, unicode.IsSpace)
	head, tail := cut(rest)
	if payHandle == "" || !strings.EqualFold(head, "@"+payHandle) {
		return Command{}, nil, ErrNotCommand
	}
	if !utf8.ValidString(text) {
		return Command{}, nil, bad("the post is not valid text")
	}
	p := &cmdParser{rest: tail, asset: defaultAsset, full: len(text)}
	word := p.peek()
	var c Command
	var err error
	switch {
	case word == "":
		return Command{}, p, bad("say what to do")
	case strings.HasPrefix(word, "@"):
		c.Kind = CommandSend
		if c.Handles, err = p.handles(1, 1); err == nil {
			c.Amount, err = p.amount()
		}
	case strings.EqualFold(word, "request"):
		p.next()
		c.Kind = CommandRequest
		if c.Amount, err = p.amount(); err == nil {
			if err = p.keyword("from", "who from? "); err == nil {
				c.Handles, err = p.handles(1, 1)
			}
		}
	case strings.EqualFold(word, "split"):
		p.next()
		c.Kind = CommandSplit
		if c.Amount, err = p.amount(); err == nil {
			if err = p.keyword("with", "split with whom? "); err == nil {
				c.Handles, err = p.handles(1, MaxSplit)
			}
		}
	case strings.EqualFold(word, "tip"):
		p.next()
		c.Kind = CommandTip
		c.Amount, err = p.amount()
	default:
		return Command{}, p, bad("start with @handle, request, split or tip")
	}
	if err != nil {
		return Command{}, p, err
	}
	c.Note = strings.TrimSpace(p.rest)
	return c, p, nil
}

func bad(reason string) error { return nestegg.Errorf(nestegg.Invalid, "%s", reason) }

// cut splits s, which starts with a non-space, into its first word and the
// rest.
func cut(s string) (string, string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

type cmdParser struct {
	rest  string
	asset string
	full  int    // the length of the text rest is a suffix of
	span  [2]int // where the amount was read
}

// at is the offset in the text of the next word.
func (p *cmdParser) at() int { return p.full - len(strings.TrimLeftFunc(p.rest, unicode.IsSpace)) }

func (p *cmdParser) peek() string {
	w, _ := cut(strings.TrimLeftFunc(p.rest, unicode.IsSpace))
	return w
}

func (p *cmdParser) next() string {
	w, r := cut(strings.TrimLeftFunc(p.rest, unicode.IsSpace))
	p.rest = r
	return w
}

func (p *cmdParser) keyword(kw, hint string) error {
	if !strings.EqualFold(p.peek(), kw) {
		return bad(hint + "write " + kw + " @handle")
	}
	p.next()
	return nil
}

// handles reads min to max @handles.
func (p *cmdParser) handles(min, max int) ([]string, error) {
	var out []string
	for strings.HasPrefix(p.peek(), "@") && len(out) < max+1 {
		w := p.next()
		h := w[1:]
		if social.ValidateHandle(h) != nil {
			return nil, bad("“" + shorten(w) + "” is not a handle")
		}
		out = append(out, h)
	}
	switch {
	case len(out) > max:
		return nil, bad("too many people")
	case len(out) < min:
		return nil, bad("who to? write @handle")
	}
	return out, nil
}

// amount reads an amount: one word ("$5", "5", "5USD") or a number and an
// upper-case asset code ("5 USD") when the two read together.
func (p *cmdParser) amount() (money.Amount, error) {
	w := p.peek()
	if w == "" || strings.HasPrefix(w, "@") {
		return money.Amount{}, bad("amount missing")
	}
	start := p.at()
	p.next()
	p.span = [2]int{start, p.full - len(p.rest)}
	a, err := money.ParsePositive(w, p.asset)
	if code := p.peek(); isCode(code) {
		if two, err2 := money.ParsePositive(w+" "+code, p.asset); err2 == nil {
			p.next()
			p.span[1] = p.full - len(p.rest)
			return two, nil
		}
	}
	if err != nil {
		return money.Amount{}, bad(nestegg.ErrorMessage(err))
	}
	return a, nil
}

func isCode(w string) bool {
	if len(w) < 3 || len(w) > 4 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// hiddenAmount stands for an amount others may not see.
const hiddenAmount = "•••"

// MaskAmount returns text, a post addressed to payHandle, with its amount
// replaced by "•••", for people the payment's audience leaves out. A
// command that could not be read has every word with a digit in it after
// the pay handle replaced, since its amount cannot be told apart. Text
// that is no command comes back unchanged.
func MaskAmount(text, payHandle string) string {
	_, p, err := parseWith(text, payHandle, "USD")
	switch {
	case errors.Is(err, ErrNotCommand):
		return text
	case err == nil && p.span[1] > p.span[0]:
		return text[:p.span[0]] + hiddenAmount + text[p.span[1]:]
	}
	// Unreadable: hide every word with a digit, keeping the rest as written.
	var b strings.Builder
	first := true
	for len(text) > 0 {
		i := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		w, rest := cut(text[i:])
		if !first && strings.ContainsFunc(w, unicode.IsDigit) {
			w = hiddenAmount
		}
		b.WriteString(w)
		text, first = rest, false
	}
	return b.String()
}

// viewPost is the social.PostView that New installs: a post command's
// amount is shown to its author only. The payment it makes is private
// (Audience Private: its payee learns of it when it is made, through the
// payment's own notification), so neither the payee nor anyone else sees
// the amount on the post, confirmed or not.
func (s *Service) viewPost(viewerID string, p *social.Post) {
	if viewerID != "" && viewerID == p.Author.ID {
		return
	}
	if s.social.IsPayCommand(p.Body) {
		p.Body = MaskAmount(p.Body, s.payHandle)
	}
}

// Text writes the command as a post addressed to payHandle; ParseCommand
// reads it back to the same command.
func (c Command) Text(payHandle string) string {
	var b strings.Builder
	b.WriteString("@" + payHandle + " ")
	amount := money.FormatPlain(c.Amount.Minor, c.Amount.Asset.Scale) + " " + c.Amount.Asset.Code
	at := func(hs []string) string { return "@" + strings.Join(hs, " @") }
	switch c.Kind {
	case CommandSend:
		b.WriteString(at(c.Handles) + " " + amount)
	case CommandRequest:
		b.WriteString("request " + amount + " from " + at(c.Handles))
	case CommandSplit:
		b.WriteString("split " + amount + " with " + at(c.Handles))
	case CommandTip:
		b.WriteString("tip " + amount)
	}
	if c.Note != "" {
		b.WriteString(" " + c.Note)
	}
	return b.String()
}
