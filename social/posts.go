package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// MaxMentions is how many distinct people one post can mention (and so
// notify): enough for a conversation, too few for spam.
const MaxMentions = 20

// Post is a post as a viewer sees it. Liked and Reposted say what the viewer
// did; they are false for a viewer who is not logged in.
type Post struct {
	ID             string
	Author         User
	Body           string // NFC-normalized; render it with Tokenize
	ReplyToID      string // "" for a post that starts a thread
	ReplyToUserID  string // author of the post replied to
	ReplyToHandle  string // that author's handle, for "replying to @…"
	RootID         string // the post that started the thread (ID itself for a top-level post)
	CreatedAt      time.Time
	Likes, Reposts int64
	Replies        int64
	Liked          bool
	Reposted       bool
	// SubscribersOnly: the author (a creator) wrote it for their
	// subscribers. Locked: this viewer may not read it — Body is empty and
	// pages show a teaser with a Subscribe button instead.
	SubscribersOnly bool
	Locked          bool
}

// NewPost is what an author writes.
type NewPost struct {
	Body      string
	ReplyToID string // the post this answers, or ""
	// SubscribersOnly locks the post to the author's subscribers (see
	// SetSubscriberCheck); its hashtags are not indexed, so that a tag page
	// does not tell what it is about.
	SubscribersOnly bool
}

// CreatePost publishes a post by authorID: at most 280 characters (or the
// longer length the author's plan allows, SetPostLimit), counted in code
// points after NFC normalization. Mentions of existing people and
// hashtags are stored; the people mentioned and the author of the post
// replied to are notified (unless blocks forbid it), then the PostHook runs,
// all in one transaction. Only the author may call it.
//
// Errors: Invalid (Param "body") for an empty or too long post; NotFound
// (Param "reply_to_id") when the post replied to does not exist; Forbidden
// when the author of that post and authorID have blocked each other (either
// way); NotFound when authorID has no account; whatever the PostHook
// returns.
func (s *Service) CreatePost(ctx context.Context, authorID string, in NewPost) (Post, error) {
	body, err := cleanPost(in.Body, func() (int, error) {
		if l := s.postLen.Load(); l != nil {
			return (*l)(ctx, authorID)
		}
		return 0, nil
	})
	if err != nil {
		return Post{}, err
	}
	var mentioned []string // distinct lower-cased handles, in order
	seen := map[string]bool{}
	var tags []string
	seenTag := map[string]bool{}
	for _, e := range Entities(body) {
		if in.SubscribersOnly && e.Kind == TokenHashtag {
			continue
		}
		switch e.Kind {
		case TokenMention:
			if k := strings.ToLower(e.Value); !seen[k] && len(mentioned) < MaxMentions {
				seen[k] = true
				mentioned = append(mentioned, k)
			}
		case TokenHashtag:
			if k := HashtagKey(e.Value); !seenTag[k] {
				seenTag[k] = true
				tags = append(tags, k)
			}
		}
	}
	var p Post
	command := s.IsPayCommand(body)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		author, err := s.account(ctx, tx, authorID)
		if err != nil {
			return err
		}
		p = Post{ID: newID("pst"), Author: author.User, Body: body, CreatedAt: now, SubscribersOnly: in.SubscribersOnly}
		p.RootID = p.ID
		if in.ReplyToID != "" {
			var parentAuthor, root, handle string
			err := tx.QueryRowContext(ctx, `SELECT p.author_id, p.root_id, u.handle FROM posts p JOIN users u ON u.id = p.author_id
				WHERE p.id = $1 AND p.repost_of_id IS NULL`, in.ReplyToID).Scan(&parentAuthor, &root, &handle)
			if errors.Is(err, sql.ErrNoRows) {
				return nestegg.ParamErrorf(nestegg.NotFound, "reply_to_id", "the post you are replying to is gone")
			}
			if err != nil {
				return err
			}
			if blocked, err := blockedEither(ctx, tx, authorID, parentAuthor); err != nil {
				return err
			} else if blocked {
				return nestegg.Errorf(nestegg.Forbidden, "you can't reply to @%s", handle)
			}
			p.ReplyToID, p.ReplyToUserID, p.ReplyToHandle, p.RootID = in.ReplyToID, parentAuthor, handle, root
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO posts (id, author_id, body, reply_to_id, reply_to_user_id, root_id, created_at, locked)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.ID, authorID, body, nullable(p.ReplyToID), nullable(p.ReplyToUserID), p.RootID, nanos(now), lockedInt(in.SubscribersOnly))
		if err != nil {
			return err
		}
		if p.ReplyToID != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE posts SET reply_count = reply_count + 1 WHERE id = $1", p.ReplyToID); err != nil {
				return err
			}
			// A payment command notifies nobody until its author confirms
			// it: the payment's own notification says what moved.
			if !command {
				if err := s.Notify(ctx, tx, p.ReplyToUserID, NotifyReply, authorID, p.ID, ""); err != nil {
					return err
				}
			}
		}
		if err := insertTags(ctx, tx, p.ID, tags, now); err != nil {
			return err
		}
		if err := s.insertMentions(ctx, tx, p, mentioned, !command, now); err != nil {
			return err
		}
		if h := s.onPost.Load(); h != nil {
			return (*h)(ctx, tx, p)
		}
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("post: %w", err)
	}
	return p, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func insertTags(ctx context.Context, tx *sql.Tx, postID string, tags []string, now time.Time) error {
	if len(tags) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(tags))
	for _, t := range tags {
		args = append(args, postID, t, nanos(now))
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO post_hashtags (post_id, tag, created_at) VALUES "+store.Placeholders(1, len(tags), 3), args...)
	return err
}

// insertMentions stores the mentions of people who exist and, when notify
// is set, notifies them, except the author, the author of the post replied
// to (who got a reply notification), and anyone blocked either way.
func (s *Service) insertMentions(ctx context.Context, tx *sql.Tx, p Post, handles []string, notify bool, now time.Time) error {
	if len(handles) == 0 {
		return nil
	}
	users, err := s.UsersByHandle(ctx, tx, handles...)
	if err != nil {
		return err
	}
	var args []any
	var tell []string
	for _, h := range handles {
		u, ok := users[h]
		if !ok {
			continue
		}
		args = append(args, p.ID, u.ID, nanos(now))
		if u.ID != p.ReplyToUserID && notify {
			tell = append(tell, u.ID)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO post_mentions (post_id, user_id, created_at) VALUES "+store.Placeholders(1, len(args)/3, 3), args...); err != nil {
		return err
	}
	for _, id := range tell {
		if err := s.Notify(ctx, tx, id, NotifyMention, p.Author.ID, p.ID, ""); err != nil {
			return err
		}
	}
	return nil
}

// DeletePost deletes a post with its likes, reposts, hashtags, mentions and
// the notifications about it. Replies to it stay, answering a deleted post.
// Only the author may call it. Errors: NotFound when the post does not exist;
// Forbidden when it is someone else's (posts are public, so saying that it
// exists hides nothing).
func (s *Service) DeletePost(ctx context.Context, userID, postID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var author string
		var replyTo sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT author_id, reply_to_id FROM posts WHERE id = $1 AND repost_of_id IS NULL", postID).Scan(&author, &replyTo)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("post")
		}
		if err != nil {
			return err
		}
		if author != userID {
			return nestegg.Errorf(nestegg.Forbidden, "you can only delete your own posts")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM posts WHERE id = $1", postID); err != nil {
			return err
		}
		if replyTo.Valid {
			_, err = tx.ExecContext(ctx, "UPDATE posts SET reply_count = reply_count - 1 WHERE id = $1 AND reply_count > 0", replyTo.String)
		}
		return err
	})
}

// Post returns one post as viewerID ("" for nobody logged in) sees it.
// Anyone may call it. Errors: NotFound.
func (s *Service) Post(ctx context.Context, viewerID, postID string) (Post, error) {
	m, err := s.hydrate(ctx, s.db.Reader(), viewerID, []string{postID})
	if err != nil {
		return Post{}, err
	}
	p, ok := m[postID]
	if !ok || p.isRepost {
		return Post{}, notFound("post")
	}
	return p.Post, nil
}

// target loads a post someone acts on (likes, reposts) and refuses when
// its author and the actor have blocked each other.
func target(ctx context.Context, tx *sql.Tx, actorID, postID string) (author string, err error) {
	err = tx.QueryRowContext(ctx, "SELECT author_id FROM posts WHERE id = $1 AND repost_of_id IS NULL", postID).Scan(&author)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("post")
	}
	if err != nil {
		return "", err
	}
	blocked, err := blockedEither(ctx, tx, actorID, author)
	if err != nil {
		return "", err
	}
	if blocked {
		return "", nestegg.Errorf(nestegg.Forbidden, "you can't interact with this account")
	}
	return author, nil
}

// Like records that userID likes a post; liking twice is the same as once.
// The author is notified the first time. Only userID may call it.
// Errors: NotFound, Forbidden when the author and userID have blocked each
// other.
func (s *Service) Like(ctx context.Context, userID, postID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		author, err := target(ctx, tx, userID, postID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (post_id, user_id) DO NOTHING",
			postID, userID, nanos(s.now()))
		if n, err := affected(res, err); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE posts SET like_count = like_count + 1 WHERE id = $1", postID); err != nil {
			return err
		}
		return s.notifyOnce(ctx, tx, author, NotifyLike, userID, postID)
	})
}

// Unlike withdraws userID's like; unliking what is not liked does nothing.
// Only userID may call it. Errors: only database failures.
func (s *Service) Unlike(ctx context.Context, userID, postID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM likes WHERE post_id = $1 AND user_id = $2", postID, userID)
		if n, err := affected(res, err); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE posts SET like_count = like_count - 1 WHERE id = $1 AND like_count > 0", postID)
		return err
	})
}

// Repost shares a post to userID's followers; reposting twice is the same
// as once. The author is notified the first time. Only userID may call it.
// Errors: NotFound, Forbidden when the author and userID have blocked each
// other.
func (s *Service) Repost(ctx context.Context, userID, postID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		author, err := target(ctx, tx, userID, postID)
		if err != nil {
			return err
		}
		id := newID("rpt")
		res, err := tx.ExecContext(ctx, `INSERT INTO posts (id, author_id, body, root_id, repost_of_id, created_at) VALUES ($1, $2, '', $1, $3, $4)
			ON CONFLICT (repost_of_id, author_id) DO NOTHING`, id, userID, postID, nanos(s.now()))
		if n, err := affected(res, err); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE posts SET repost_count = repost_count + 1 WHERE id = $1", postID); err != nil {
			return err
		}
		return s.notifyOnce(ctx, tx, author, NotifyRepost, userID, postID)
	})
}

// Unrepost withdraws userID's repost; undoing what was not done does
// nothing. Only userID may call it. Errors: only database failures.
func (s *Service) Unrepost(ctx context.Context, userID, postID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM posts WHERE repost_of_id = $1 AND author_id = $2", postID, userID)
		if n, err := affected(res, err); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE posts SET repost_count = repost_count - 1 WHERE id = $1 AND repost_count > 0", postID)
		return err
	})
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// BlockedEither reports whether a has blocked b or b has blocked a, read
// through q (a transaction of the caller's), or the reader when q is nil.
// For other domains that refuse what a block forbids (a payment). Errors:
// database failures only.
func (s *Service) BlockedEither(ctx context.Context, q store.Querier, a, b string) (bool, error) {
	if q == nil {
		q = s.db.Reader()
	}
	return blockedEither(ctx, q, a, b)
}

// blockedEither reports whether a has blocked b or b has blocked a.
func blockedEither(ctx context.Context, q store.Querier, a, b string) (bool, error) {
	if a == "" || b == "" || a == b {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)`, a, b).Scan(&n)
	return n > 0, err
}

func lockedInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
