package social

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
)

// MaxSearchLen is the longest search query, in runes.
const MaxSearchLen = 50

// likeEscaper makes a query match literally inside LIKE … ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// searchSQL finds people by the start of their handle or display name:
// each is a range ($1 <= column < $2) that an index serves (users'
// handle_lower and name_lower indexes, on both databases), so a search
// never reads the whole table. The LIKE ($3) only rechecks the rows the
// ranges found, for collations where a range is wider than a prefix.
const searchSQL = `SELECT %s FROM users u
	WHERE ((u.handle_lower >= $1 AND u.handle_lower < $2) OR (u.name_lower >= $1 AND u.name_lower < $2))
		AND (u.handle_lower LIKE $3 ESCAPE '\' OR u.name_lower LIKE $3 ESCAPE '\')
	ORDER BY CASE WHEN u.handle_lower = $1 THEN 0 WHEN u.handle_lower LIKE $3 ESCAPE '\' THEN 1 ELSE 2 END, u.handle_lower
	LIMIT $4`

// SearchUsers finds people whose handle or display name starts with
// query, ignoring case (a leading '@' is ignored). An exact handle comes
// first, then handles starting with the query, then names starting with
// it, each group by handle. limit is 1 to 100, 0 meaning 20. The caller
// decides who may search (web asks for a signed-in member). Errors:
// Invalid (Param "q" for an empty or too long query, "limit").
func (s *Service) SearchUsers(ctx context.Context, query string, limit int) ([]User, error) {
	q := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(query), "@"))
	if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > MaxSearchLen {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "q", "search for 1 to %d characters", MaxSearchLen)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit must be between 1 and %d", MaxLimit)
	}
	// Both columns are stored lower-cased, so the comparisons behave the
	// same on SQLite and PostgreSQL. Every string starting with q sorts
	// at or after q and before q followed by the last code point.
	rows, err := s.db.Reader().QueryContext(ctx, fmt.Sprintf(searchSQL, userCols("u")), q, q+"\U0010FFFF", likeEscaper.Replace(q)+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var us userScan
		if err := rows.Scan(us.dest()...); err != nil {
			return nil, fmt.Errorf("search users: %w", err)
		}
		out = append(out, us.user())
	}
	return out, rows.Err()
}
