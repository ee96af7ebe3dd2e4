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

// SearchUsers finds people whose handle or display name contains query,
// ignoring case (a leading '@' is ignored). An exact handle comes first,
// then handles starting with the query, then names starting with it, then
// the other matches, each group by handle. limit is 1 to 100, 0 meaning 20.
// Anyone may call it. Errors: Invalid (Param "q" for an empty or too long
// query, "limit").
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
	esc := likeEscaper.Replace(q)
	// Both columns are stored lower-cased, so LIKE behaves the same on
	// SQLite (case-insensitive for ASCII) and PostgreSQL (case-sensitive).
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+userCols("u")+` FROM users u
		WHERE u.handle_lower LIKE $1 ESCAPE '\' OR u.name_lower LIKE $1 ESCAPE '\'
		ORDER BY CASE WHEN u.handle_lower = $2 THEN 0
			WHEN u.handle_lower LIKE $3 ESCAPE '\' THEN 1
			WHEN u.name_lower LIKE $3 ESCAPE '\' THEN 2 ELSE 3 END, u.handle_lower
		LIMIT $4`, "%"+esc+"%", q, esc+"%", limit)
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
