package nestegg

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// Page asks for one page of a list: Cursor is "" for the first page, else
// the Next of the previous page; Limit is 1 to MaxLimit, 0 meaning
// DefaultLimit. Every list in Nestegg pages this way.
type Page struct {
	Cursor string
	Limit  int
}

// Paging limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Cursor is a position in a list ordered by (At, ID), newest first: the
// last item of a page. Extra carries one more value a list needs to resume
// (a running balance), 0 when unused.
type Cursor struct {
	At    int64
	ID    string
	Extra int64
}

// String encodes c for a client to send back.
func (c Cursor) String() string {
	s := strconv.FormatInt(c.At, 10) + "|" + c.ID
	if c.Extra != 0 {
		s += "|" + strconv.FormatInt(c.Extra, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// Start is where a first page starts: after every real position.
var Start = Cursor{At: math.MaxInt64, ID: "\U0010FFFF"}

// maxCursorID is the longest id a cursor may carry.
const maxCursorID = 128

// ParsePage checks p and returns where the page starts and how many items it
// holds. Errors: Invalid (Param "limit" or "cursor").
func ParsePage(p Page) (Cursor, int, error) {
	limit := p.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return Cursor{}, 0, ParamErrorf(Invalid, "limit", "limit must be between 1 and %d", MaxLimit)
	}
	if p.Cursor == "" {
		return Start, limit, nil
	}
	bad := ParamErrorf(Invalid, "cursor", "bad cursor; use the one the previous page returned")
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return Cursor{}, 0, bad
	}
	parts := strings.Split(string(raw), "|")
	// Ids are short, but some are made of two (a webhook delivery's is its
	// event's and its endpoint's, about 80 bytes): 64 refused their pages.
	if len(parts) < 2 || len(parts) > 3 || parts[1] == "" || len(parts[1]) > maxCursorID {
		return Cursor{}, 0, bad
	}
	c := Cursor{ID: parts[1]}
	if c.At, err = strconv.ParseInt(parts[0], 10, 64); err != nil {
		return Cursor{}, 0, bad
	}
	if len(parts) == 3 {
		if c.Extra, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
			return Cursor{}, 0, bad
		}
	}
	return c, limit, nil
}
