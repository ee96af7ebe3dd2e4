package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/nestegg/nestegg"
)

// Relationship is how two people stand: seen from the viewer, toward other.
type Relationship struct {
	Following  bool // the viewer follows the other
	FollowedBy bool // the other follows the viewer
	Blocking   bool // the viewer blocked the other
	BlockedBy  bool // the other blocked the viewer
}

// Profile is a user's public page: the user, counts, and how the viewer
// stands toward them (all false for nobody logged in, or oneself).
type Profile struct {
	User
	Followers    int
	Following    int
	Posts        int // not counting reposts
	Relationship Relationship
}

// UserPage is one page of a list of people; Next is the cursor of the
// following page, "" at the end.
type UserPage struct {
	Users []User
	Next  string
}

func (s *Service) mustExist(ctx context.Context, tx *sql.Tx, userID string) error {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = $1", userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("user")
	}
	return err
}

// Follow makes followerID follow followeeID; following twice is the same as
// once. The followee is notified the first time. Only followerID may call
// it. Errors: Invalid when following oneself, NotFound when followeeID is
// nobody, Forbidden when either has blocked the other.
func (s *Service) Follow(ctx context.Context, followerID, followeeID string) error {
	if followerID == followeeID {
		return nestegg.Errorf(nestegg.Invalid, "you can't follow yourself")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, followeeID); err != nil {
			return err
		}
		if blocked, err := blockedEither(ctx, tx, followerID, followeeID); err != nil {
			return err
		} else if blocked {
			return nestegg.Errorf(nestegg.Forbidden, "you can't follow this account")
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (follower_id, followee_id) DO NOTHING",
			followerID, followeeID, nanos(s.now()))
		if n, err := affected(res, err); err != nil || n == 0 {
			return err
		}
		return s.notifyFollow(ctx, tx, followeeID, followerID)
	})
}

// notifyFollow notifies a new follow, unless this follower's follow was
// already notified (follow, unfollow, follow notifies once).
func (s *Service) notifyFollow(ctx context.Context, tx *sql.Tx, userID, actorID string) error {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = $2 AND actor_id = $3",
		userID, string(NotifyFollow), actorID).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	return s.Notify(ctx, tx, userID, NotifyFollow, actorID, "", "")
}

// Unfollow stops followerID following followeeID; it is fine if they did
// not. Only followerID may call it. Errors: only database failures.
func (s *Service) Unfollow(ctx context.Context, followerID, followeeID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2", followerID, followeeID)
		return err
	})
}

// Block blocks blockedID for blockerID, and removes follows both ways. From
// then on neither can follow, reply to, like or repost the other, mentions
// and other actions between them notify nobody, and each disappears from
// the other's hashtag pages, replies and reposts. Blocking twice is the same
// as once. Only blockerID may call it. Errors: Invalid when blocking
// oneself, NotFound when blockedID is nobody.
func (s *Service) Block(ctx context.Context, blockerID, blockedID string) error {
	if blockerID == blockedID {
		return nestegg.Errorf(nestegg.Invalid, "you can't block yourself")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, blockedID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
			blockerID, blockedID, nanos(s.now()))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM follows WHERE (follower_id = $1 AND followee_id = $2) OR (follower_id = $2 AND followee_id = $1)",
			blockerID, blockedID)
		return err
	})
}

// Unblock lifts blockerID's block of blockedID (follows are not restored).
// Only blockerID may call it. Errors: only database failures.
func (s *Service) Unblock(ctx context.Context, blockerID, blockedID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blockerID, blockedID)
		return err
	})
}

// Relationship says how viewerID stands toward otherID. Anyone may call it
// for themselves. Errors: only database failures.
func (s *Service) Relationship(ctx context.Context, viewerID, otherID string) (Relationship, error) {
	var r Relationship
	if viewerID == "" || viewerID == otherID {
		return r, nil
	}
	err := s.db.Reader().QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2),
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1)`, viewerID, otherID).
		Scan(&r.Following, &r.FollowedBy, &r.Blocking, &r.BlockedBy)
	if err != nil {
		return r, fmt.Errorf("relationship: %w", err)
	}
	return r, nil
}

// Profile returns the profile of the user with a handle (any case, '@'
// optional) as viewerID ("" for nobody) sees it. Anyone may call it.
// Errors: NotFound.
func (s *Service) Profile(ctx context.Context, viewerID, handle string) (Profile, error) {
	u, err := s.UserByHandle(ctx, handle)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{User: u}
	err = s.db.Reader().QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM follows WHERE followee_id = $1),
		(SELECT count(*) FROM follows WHERE follower_id = $1),
		(SELECT count(*) FROM posts WHERE author_id = $1 AND repost_of_id IS NULL)`, u.ID).
		Scan(&p.Followers, &p.Following, &p.Posts)
	if err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	p.Relationship, err = s.Relationship(ctx, viewerID, u.ID)
	return p, err
}

// Followers returns a page of the people who follow userID, most recent
// follow first. Anyone may call it. Errors: Invalid (Param "cursor" or
// "limit").
func (s *Service) Followers(ctx context.Context, userID string, page Page) (UserPage, error) {
	return s.userList(ctx, page, `SELECT f.follower_id, f.created_at FROM follows f WHERE f.followee_id = $1
		AND (f.created_at, f.follower_id) < ($2, $3) ORDER BY f.created_at DESC, f.follower_id DESC LIMIT $4`, userID)
}

// Following returns a page of the people userID follows, most recent follow
// first. Anyone may call it. Errors: Invalid (Param "cursor" or "limit").
func (s *Service) Following(ctx context.Context, userID string, page Page) (UserPage, error) {
	return s.userList(ctx, page, `SELECT f.followee_id, f.created_at FROM follows f WHERE f.follower_id = $1
		AND (f.created_at, f.followee_id) < ($2, $3) ORDER BY f.created_at DESC, f.followee_id DESC LIMIT $4`, userID)
}

// Blocked returns a page of the people userID has blocked, most recent
// first. Only userID may call it. Errors: Invalid (Param "cursor" or
// "limit").
func (s *Service) Blocked(ctx context.Context, userID string, page Page) (UserPage, error) {
	return s.userList(ctx, page, `SELECT b.blocked_id, b.created_at FROM blocks b WHERE b.blocker_id = $1
		AND (b.created_at, b.blocked_id) < ($2, $3) ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT $4`, userID)
}

// userList runs a query of (user id, time) with parameters $1 (key), $2
// and $3 (cursor), $4 (limit+1), and loads the users.
func (s *Service) userList(ctx context.Context, page Page, q, key string) (UserPage, error) {
	c, limit, err := parsePage(page, newest)
	if err != nil {
		return UserPage{}, err
	}
	r := s.db.Reader()
	rows, err := r.QueryContext(ctx, q, key, c.At, c.ID, limit+1)
	if err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	var ids []string
	var ats []int64
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return UserPage{}, fmt.Errorf("list users: %w", err)
		}
		ids, ats = append(ids, id), append(ats, at)
	}
	if err := rows.Close(); err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	var out UserPage
	if len(ids) > limit {
		ids = ids[:limit]
		out.Next = nestegg.Cursor{At: ats[limit-1], ID: ids[limit-1]}.String()
	}
	users, err := usersByID(ctx, r, ids)
	if err != nil {
		return UserPage{}, err
	}
	for _, id := range ids {
		if u, ok := users[id]; ok {
			out.Users = append(out.Users, u)
		}
	}
	return out, nil
}
