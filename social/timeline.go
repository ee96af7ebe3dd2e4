package social

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Page asks for one page of a list: nestegg.Page, the one paging type.
type Page = nestegg.Page

// Paging limits, nestegg's.
const (
	DefaultLimit = nestegg.DefaultLimit
	MaxLimit     = nestegg.MaxLimit
)

// Entry is one line of a timeline: a post, or someone's repost of a post.
type Entry struct {
	Post       Post
	RepostID   string // set when this entry is a repost
	RepostedBy *User  // who reposted, when RepostID is set
	At         time.Time
}

// Timeline is one page of entries, newest first. Next is the cursor of the
// following page, "" at the end. Paging is by position, not offset: posts
// published while someone pages through never repeat or hide an entry.
type Timeline struct {
	Entries []Entry
	Next    string
}

// Thread is a post in its conversation: its ancestors (the thread's root
// first, up to 100), the post, and the first page of its direct replies,
// oldest first (continue with Replies and Next). When a parent has been
// deleted the ancestors stop there: Post.ReplyToID is set but names a post
// that is not Ancestors' last.
type Thread struct {
	Ancestors []Post
	Post      Post
	Replies   []Post
	Next      string
}

// parsePage validates a Page with nestegg.ParsePage; first is the cursor
// meaning "from the start" (newest or oldest, by the list's order).
func parsePage(p Page, first nestegg.Cursor) (nestegg.Cursor, int, error) {
	c, limit, err := nestegg.ParsePage(p)
	if err != nil || p.Cursor != "" {
		return c, limit, err
	}
	return first, limit, nil
}

var (
	newest = nestegg.Cursor{At: math.MaxInt64}
	oldest = nestegg.Cursor{At: math.MinInt64}
)

// notBlocked is a condition true when neither the user in parameter $v nor
// the author in column col has blocked the other.
func notBlocked(v, col string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = %[1]s AND b.blocked_id = %[2]s)
		OR (b.blocker_id = %[2]s AND b.blocked_id = %[1]s))`, v, col)
}

// repostNotBlocked hides reposts of authors blocked either way with $v.
func repostNotBlocked(v string) string {
	return "(p.repost_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM posts o JOIN blocks b ON " +
		fmt.Sprintf("(b.blocker_id = %[1]s AND b.blocked_id = o.author_id) OR (b.blocker_id = o.author_id AND b.blocked_id = %[1]s)", v) +
		" WHERE o.id = p.repost_of_id))"
}

// Keyset conditions on (p.created_at, p.id) against parameters $2, $3.
// Row values, unlike the equivalent ORs, become index range conditions on
// both databases.
const (
	before = "(p.created_at, p.id) < ($2, $3)"
	after  = "(p.created_at, p.id) > ($2, $3)"
)

// homeAuthors is the condition "p is by someone $1 follows, or by $1".
// The two planners want it written differently; both forms are valid on
// both databases and mean the same. SQLite turns the IN list into one
// range scan of posts(author_id, created_at, id) per author and sorts the
// matches; written with OR it would scan far more. PostgreSQL, given the
// OR, walks posts(created_at, id) backwards testing each author against a
// hashed set and stops at the page's end; given the IN list it joins
// against the follow list row by row, three times slower.
func homeAuthors(d store.Dialect) string {
	if d == store.Postgres {
		return "(p.author_id = $1 OR p.author_id IN (SELECT f.followee_id FROM follows f WHERE f.follower_id = $1))"
	}
	return "p.author_id IN (SELECT f.followee_id FROM follows f WHERE f.follower_id = $1 UNION ALL SELECT u.id FROM users u WHERE u.id = $1)"
}

// HomeTimeline returns viewerID's home: posts and reposts by the people
// viewerID follows and by viewerID, newest first. Reposts of people blocked
// either way are left out. Only viewerID may call it. Errors: Invalid
// (Param "cursor" or "limit").
func (s *Service) HomeTimeline(ctx context.Context, viewerID string, page Page) (Timeline, error) {
	q := `SELECT p.id, p.created_at, p.repost_of_id FROM posts p
		WHERE ` + homeAuthors(s.db.Dialect) + ` AND ` + before + ` AND ` + repostNotBlocked("$1") + `
		ORDER BY p.created_at DESC, p.id DESC LIMIT $4`
	return s.timeline(ctx, viewerID, page, q, viewerID)
}

// ProfileTimeline returns userID's posts and reposts, newest first, as
// viewerID ("" for nobody) sees them; replies are included only when
// withReplies is set (the "Replies" tab). Anyone may call it. Errors:
// Invalid (Param "cursor" or "limit").
func (s *Service) ProfileTimeline(ctx context.Context, viewerID, userID string, page Page, withReplies bool) (Timeline, error) {
	cond := ""
	if !withReplies {
		cond = " AND p.reply_to_id IS NULL"
	}
	q := `SELECT p.id, p.created_at, p.repost_of_id FROM posts p
		WHERE p.author_id = $1 AND ` + before + cond + ` AND ` + repostNotBlocked("$5") + `
		ORDER BY p.created_at DESC, p.id DESC LIMIT $4`
	return s.timeline(ctx, viewerID, page, q, userID, viewerID)
}

// HashtagTimeline returns the posts with a hashtag (any case, '#'
// optional), newest first, leaving out authors blocked either way with
// viewerID ("" for nobody). Anyone may call it. Errors: Invalid (Param
// "tag", "cursor" or "limit").
func (s *Service) HashtagTimeline(ctx context.Context, viewerID, tag string, page Page) (Timeline, error) {
	key := HashtagKey(strings.TrimSpace(tag))
	if !validTagKey(key) {
		return Timeline{}, nestegg.ParamErrorf(nestegg.Invalid, "tag", "not a hashtag")
	}
	q := `SELECT p.id, p.created_at, p.repost_of_id FROM post_hashtags h JOIN posts p ON p.id = h.post_id
		WHERE h.tag = $1 AND (h.created_at, h.post_id) < ($2, $3) AND ` + notBlocked("$5", "p.author_id") + `
		ORDER BY h.created_at DESC, h.post_id DESC LIMIT $4`
	return s.timeline(ctx, viewerID, page, q, key, viewerID)
}

// timeline runs a page query whose parameters are $1 (key), $2 and $3 (the
// cursor), $4 (limit+1) and optionally $5, and hydrates the entries.
func (s *Service) timeline(ctx context.Context, viewerID string, page Page, q, key string, extra ...any) (Timeline, error) {
	c, limit, err := parsePage(page, newest)
	if err != nil {
		return Timeline{}, err
	}
	r := s.db.Reader()
	rows, err := r.QueryContext(ctx, q, append([]any{key, c.At, c.ID, limit + 1}, extra...)...)
	if err != nil {
		return Timeline{}, fmt.Errorf("timeline: %w", err)
	}
	type row struct {
		id, repostOf string
		at           int64
	}
	var list []row
	for rows.Next() {
		var x row
		var rp sql.NullString
		if err := rows.Scan(&x.id, &x.at, &rp); err != nil {
			rows.Close()
			return Timeline{}, fmt.Errorf("timeline: %w", err)
		}
		x.repostOf = rp.String
		list = append(list, x)
	}
	if err := rows.Close(); err != nil {
		return Timeline{}, fmt.Errorf("timeline: %w", err)
	}
	var t Timeline
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		t.Next = nestegg.Cursor{At: last.at, ID: last.id}.String()
	}
	ids := make([]string, 0, 2*len(list))
	for _, x := range list {
		ids = append(ids, x.id)
		if x.repostOf != "" {
			ids = append(ids, x.repostOf)
		}
	}
	posts, err := s.hydrate(ctx, r, viewerID, ids)
	if err != nil {
		return Timeline{}, err
	}
	for _, x := range list {
		e := Entry{At: fromNanos(x.at)}
		if x.repostOf == "" {
			p, ok := posts[x.id]
			if !ok {
				continue // deleted since the page query
			}
			e.Post = p.Post
		} else {
			rp, ok1 := posts[x.id]
			p, ok2 := posts[x.repostOf]
			if !ok1 || !ok2 {
				continue
			}
			by := rp.Author
			e.Post, e.RepostID, e.RepostedBy = p.Post, x.id, &by
		}
		t.Entries = append(t.Entries, e)
	}
	return t, nil
}

// Thread returns a post with its ancestors and first page of replies as
// viewerID ("" for nobody) sees them. Anyone may call it. Errors: NotFound,
// Invalid (Param "limit").
func (s *Service) Thread(ctx context.Context, viewerID, postID string, replies Page) (Thread, error) {
	p, err := s.Post(ctx, viewerID, postID)
	if err != nil {
		return Thread{}, err
	}
	th := Thread{Post: p}
	replies.Cursor = ""
	th.Replies, th.Next, err = s.Replies(ctx, viewerID, postID, replies)
	if err != nil {
		return Thread{}, err
	}
	if p.ReplyToID == "" {
		return th, nil
	}
	r := s.db.Reader()
	rows, err := r.QueryContext(ctx, `WITH RECURSIVE anc (id, reply_to_id, depth) AS (
			SELECT id, reply_to_id, 0 FROM posts WHERE id = $1
			UNION ALL
			SELECT p.id, p.reply_to_id, anc.depth + 1 FROM posts p JOIN anc ON p.id = anc.reply_to_id WHERE anc.depth < 100
		) SELECT id FROM anc WHERE depth > 0 ORDER BY depth DESC`, postID)
	if err != nil {
		return Thread{}, fmt.Errorf("thread: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Thread{}, fmt.Errorf("thread: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return Thread{}, fmt.Errorf("thread: %w", err)
	}
	m, err := s.hydrate(ctx, r, viewerID, ids)
	if err != nil {
		return Thread{}, err
	}
	for _, id := range ids {
		if a, ok := m[id]; ok {
			th.Ancestors = append(th.Ancestors, a.Post)
		}
	}
	return th, nil
}

// Replies returns a page of the direct replies to a post, oldest first,
// leaving out authors blocked either way with viewerID ("" for nobody),
// and the cursor of the next page ("" at the end). Anyone may call it.
// Errors: Invalid (Param "cursor" or "limit").
func (s *Service) Replies(ctx context.Context, viewerID, postID string, page Page) ([]Post, string, error) {
	c, limit, err := parsePage(page, oldest)
	if err != nil {
		return nil, "", err
	}
	r := s.db.Reader()
	rows, err := r.QueryContext(ctx, `SELECT p.id, p.created_at FROM posts p WHERE p.reply_to_id = $1 AND `+after+` AND `+notBlocked("$5", "p.author_id")+`
		ORDER BY p.created_at, p.id LIMIT $4`, postID, c.At, c.ID, limit+1, viewerID)
	if err != nil {
		return nil, "", fmt.Errorf("replies: %w", err)
	}
	var ids []string
	var ats []int64
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("replies: %w", err)
		}
		ids, ats = append(ids, id), append(ats, at)
	}
	if err := rows.Close(); err != nil {
		return nil, "", fmt.Errorf("replies: %w", err)
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = nestegg.Cursor{At: ats[limit-1], ID: ids[limit-1]}.String()
	}
	m, err := s.hydrate(ctx, r, viewerID, ids)
	if err != nil {
		return nil, "", err
	}
	var out []Post
	for _, id := range ids {
		if p, ok := m[id]; ok {
			out = append(out, p.Post)
		}
	}
	return out, next, nil
}

type hydrated struct {
	Post
	isRepost bool
}

// hydrate loads posts (and repost rows) by id with their authors and what
// viewerID did to them.
func (s *Service) hydrate(ctx context.Context, q store.Querier, viewerID string, ids []string) (map[string]hydrated, error) {
	out := make(map[string]hydrated, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		args := []any{viewerID}
		for _, id := range batch {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, `SELECT p.id, p.body, p.reply_to_id, p.reply_to_user_id, COALESCE(r.handle, ''), p.root_id,
			p.repost_of_id IS NOT NULL, p.created_at, p.like_count, p.repost_count, p.reply_count, p.locked,
			EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1),
			EXISTS (SELECT 1 FROM posts x WHERE x.repost_of_id = p.id AND x.author_id = $1),
			`+userCols("a")+`
			FROM posts p JOIN users a ON a.id = p.author_id LEFT JOIN users r ON r.id = p.reply_to_user_id
			WHERE p.id IN (`+store.List(2, len(batch))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load posts: %w", err)
		}
		for rows.Next() {
			var h hydrated
			var replyTo, replyToUser sql.NullString
			var created int64
			var locked int
			var us userScan
			dest := append([]any{&h.ID, &h.Body, &replyTo, &replyToUser, &h.ReplyToHandle, &h.RootID, &h.isRepost, &created,
				&h.Likes, &h.Reposts, &h.Replies, &locked, &h.Liked, &h.Reposted}, us.dest()...)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load posts: %w", err)
			}
			h.ReplyToID, h.ReplyToUserID = replyTo.String, replyToUser.String
			h.CreatedAt = fromNanos(created)
			h.Author = us.user()
			h.SubscribersOnly = locked == 1
			if v := s.view.Load(); v != nil {
				(*v)(viewerID, &h.Post)
			}
			out[h.ID] = h
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("load posts: %w", err)
		}
	}
	s.lock(ctx, viewerID, out)
	return out, nil
}

// SubscriberCheck reports, for each creator in creatorIDs, whether
// viewerID may read that creator's subscribers-only posts now.
type SubscriberCheck func(ctx context.Context, viewerID string, creatorIDs []string) (map[string]bool, error)

// PostLimit says how long a post userID may write by a perk of their plan;
// 0 or less means the standard MaxPostLen.
type PostLimit func(ctx context.Context, userID string) (int, error)

// SetPostLimit installs the perk that lets some members write posts longer
// than MaxPostLen (package billing's Premium plans). It is asked only about
// posts longer than that.
func (s *Service) SetPostLimit(l PostLimit) {
	if l == nil {
		s.postLen.Store(nil)
		return
	}
	s.postLen.Store(&l)
}

// SetSubscriberCheck installs the check that unlocks subscribers-only
// posts (package billing's creator subscriptions). Without one, or when it
// fails, such posts stay locked to everyone but their author.
func (s *Service) SetSubscriberCheck(c SubscriberCheck) {
	if c == nil {
		s.subs.Store(nil)
		return
	}
	s.subs.Store(&c)
}

// lock withholds the body of every subscribers-only post viewerID may not
// read, on the one path every post is read through.
func (s *Service) lock(ctx context.Context, viewerID string, posts map[string]hydrated) {
	var creators []string
	seen := map[string]bool{}
	for _, h := range posts {
		if h.SubscribersOnly && h.Author.ID != viewerID && !seen[h.Author.ID] {
			seen[h.Author.ID] = true
			creators = append(creators, h.Author.ID)
		}
	}
	if len(creators) == 0 {
		return
	}
	var open map[string]bool
	if c := s.subs.Load(); c != nil && viewerID != "" {
		var err error
		if open, err = (*c)(ctx, viewerID, creators); err != nil {
			open = nil // fail closed
		}
	}
	for id, h := range posts {
		if h.SubscribersOnly && h.Author.ID != viewerID && !open[h.Author.ID] {
			h.Body, h.Locked = "", true
			posts[id] = h
		}
	}
}
