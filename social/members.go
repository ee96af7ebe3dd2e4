package social

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// MinMemberSearch is the shortest member search, in runes: the trigram
// indexes find substrings of three characters or more.
const MinMemberSearch = 3

// MemberPage is a page of members for staff, by handle; Next is the
// cursor of the next page, "" at the end.
type MemberPage struct {
	Members []Account
	Next    string
}

// SearchMembers finds members for staff: by id (a whole "usr_…"), or by
// any part of three characters or more of their handle, display name or
// email, ignoring case; "" lists everyone. Results are by handle, limit
// (1 to 100, 0 meaning 20) at a time after the cursor after. It answers
// from an index on both databases (SQLite's FTS5 trigram table, PostgreSQL's
// pg_trgm GIN index; TestMemberSearchUsesTheIndex checks the plans), never
// by reading the table. Only staff may call it (the caller checks the
// role). Errors: Invalid (Param "q" for a query of one or two characters
// or over MaxSearchLen, "limit").
func (s *Service) SearchMembers(ctx context.Context, query, after string, limit int) (MemberPage, error) {
	q := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(query), "@"))
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return MemberPage{}, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit must be between 1 and %d", MaxLimit)
	}
	n := utf8.RuneCountInString(q)
	if !utf8.ValidString(q) || n > MaxSearchLen || (n > 0 && n < MinMemberSearch && !strings.HasPrefix(q, "usr_")) {
		return MemberPage{}, nestegg.ParamErrorf(nestegg.Invalid, "q", "search for %d to %d characters, or a whole id", MinMemberSearch, MaxSearchLen)
	}
	query, args := s.memberSearchSQL(q, after, limit+1)
	rows, err := s.db.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return MemberPage{}, fmt.Errorf("search members: %w", err)
	}
	defer rows.Close()
	var out MemberPage
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return MemberPage{}, fmt.Errorf("search members: %w", err)
		}
		out.Members = append(out.Members, a)
	}
	if err := rows.Err(); err != nil {
		return MemberPage{}, fmt.Errorf("search members: %w", err)
	}
	if len(out.Members) > limit {
		out.Members = out.Members[:limit]
		out.Next = strings.ToLower(out.Members[limit-1].Handle)
	}
	return out, nil
}

// memberSearchSQL is SearchMembers' query for q (lower-cased), after the
// handle after, at most limit rows. Handles are unique, so the handle is
// the page's key.
func (s *Service) memberSearchSQL(q, after string, limit int) (string, []any) {
	cols := "SELECT " + userCols("u") + ", " + accountCols
	switch {
	case strings.HasPrefix(q, "usr_"):
		return cols + " FROM users u WHERE u.id = $1 AND u.handle_lower > $2 ORDER BY u.handle_lower LIMIT $3", []any{q, after, limit}
	case q == "":
		return cols + " FROM users u WHERE u.handle_lower > $1 ORDER BY u.handle_lower LIMIT $2", []any{after, limit}
	case s.db.Dialect == store.Postgres:
		return cols + ` FROM users u WHERE (u.handle_lower || ' ' || u.name_lower || ' ' || u.email_lower) LIKE $1 ESCAPE '\'
			AND u.handle_lower > $2 ORDER BY u.handle_lower LIMIT $3`, []any{"%" + likeEscaper.Replace(q) + "%", after, limit}
	default:
		// An FTS5 phrase: the query as one string, its quotes doubled.
		return cols + ` FROM users_search JOIN users u ON u.search_key = users_search.rowid
			WHERE users_search MATCH $1 AND u.handle_lower > $2 ORDER BY u.handle_lower LIMIT $3`,
			[]any{`"` + strings.ReplaceAll(q, `"`, `""`) + `"`, after, limit}
	}
}
