package social

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// NotificationKind says what a notification is about. The social kinds are
// below; other domains may define their own (e.g. "payment_received"): any
// kind of 1 to 40 lower-case letters, digits, '_' and '.' is accepted.
type NotificationKind string

// The social notification kinds, and Generic for a message that is all
// in Text.
const (
	NotifyMention NotificationKind = "mention" // Actor mentioned the user in Post
	NotifyReply   NotificationKind = "reply"   // Actor replied with Post
	NotifyFollow  NotificationKind = "follow"  // Actor followed the user
	NotifyLike    NotificationKind = "like"    // Actor liked Post
	NotifyRepost  NotificationKind = "repost"  // Actor reposted Post
	NotifyGeneric NotificationKind = "generic" // Text says it all
)

// MaxNotificationText is the length limit of Notification.Text, in runes.
const MaxNotificationText = 500

func (k NotificationKind) valid() bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Notification tells a user that something happened. Actor and Post are nil
// when the notification has none (or the post was deleted since).
type Notification struct {
	ID        string
	Kind      NotificationKind
	Actor     *User
	Post      *Post
	Text      string
	CreatedAt time.Time
	Read      bool
}

// NotificationPage is one page of notifications, newest first; Next is the
// cursor of the following page, "" at the end.
type NotificationPage struct {
	Notifications []Notification
	Next          string
}

// Notify adds a notification for userID inside tx, so that it commits with
// the event it reports: a post, a follow, or another domain's transaction (a
// payment received). actorID and postID may be "". Nothing is added when
// actorID is userID (nobody is told what they did themselves) or when
// userID and actorID have blocked each other. Any trusted code may call it;
// it performs no permission check of its own. Errors: Invalid for a bad
// kind (see NotificationKind) or a text over MaxNotificationText runes.
func (s *Service) Notify(ctx context.Context, tx *sql.Tx, userID string, kind NotificationKind, actorID, postID, text string) error {
	if !kind.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "kind", "bad notification kind %q", kind)
	}
	if utf8.RuneCountInString(text) > MaxNotificationText {
		return nestegg.ParamErrorf(nestegg.Invalid, "text", "a notification has at most %d characters", MaxNotificationText)
	}
	if userID == actorID {
		return nil
	}
	if blocked, err := blockedEither(ctx, tx, userID, actorID); err != nil || blocked {
		return err
	}
	return s.NotifyChecked(ctx, tx, userID, kind, actorID, postID, text)
}

// NotifyChecked is Notify for a caller that has just found, with BlockedEither,
// that userID and actorID have not blocked each other (a payment refused
// otherwise): it does not read the blocks again. Errors: as Notify's.
func (s *Service) NotifyChecked(ctx context.Context, tx *sql.Tx, userID string, kind NotificationKind, actorID, postID, text string) error {
	if !kind.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "kind", "bad notification kind %q", kind)
	}
	if utf8.RuneCountInString(text) > MaxNotificationText {
		return nestegg.ParamErrorf(nestegg.Invalid, "text", "a notification has at most %d characters", MaxNotificationText)
	}
	if userID == actorID {
		return nil
	}
	// Nothing reads a notification back in the transaction that writes it:
	// in a batch of movements it is inserted with the batch's others.
	return store.Insert(ctx, tx, s.db.Dialect, "notifications", notificationColumns, "",
		newID("ntf"), userID, string(kind), nullable(actorID), nullable(postID), text, nanos(s.now()))
}

var notificationColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "user_id", Type: "TEXT"}, {Name: "kind", Type: "TEXT"},
	{Name: "actor_id", Type: "TEXT"}, {Name: "post_id", Type: "TEXT"}, {Name: "text", Type: "TEXT"}, {Name: "created_at", Type: "BIGINT"}}

// notifyOnce is Notify unless the same actor already caused the same kind
// of notification about the same post: like, unlike, like notifies once.
func (s *Service) notifyOnce(ctx context.Context, tx *sql.Tx, userID string, kind NotificationKind, actorID, postID string) error {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE user_id = $1 AND post_id = $2 AND kind = $3 AND actor_id = $4",
		userID, postID, string(kind), actorID).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	return s.Notify(ctx, tx, userID, kind, actorID, postID, "")
}

// Notifications returns a page of userID's notifications, newest first.
// Only userID may call it. Errors: Invalid (Param "cursor" or "limit").
func (s *Service) Notifications(ctx context.Context, userID string, page Page) (NotificationPage, error) {
	c, limit, err := parsePage(page, newest)
	if err != nil {
		return NotificationPage{}, err
	}
	r := s.db.Reader()
	rows, err := r.QueryContext(ctx, `SELECT n.id, n.kind, n.actor_id, n.post_id, n.text, n.created_at, n.read_at FROM notifications n
		WHERE n.user_id = $1 AND (n.created_at, n.id) < ($2, $3)
		ORDER BY n.created_at DESC, n.id DESC LIMIT $4`, userID, c.At, c.ID, limit+1)
	if err != nil {
		return NotificationPage{}, fmt.Errorf("notifications: %w", err)
	}
	type row struct {
		n             Notification
		actor, post   string
		created, read int64
	}
	var list []row
	for rows.Next() {
		var x row
		var actor, post sql.NullString
		if err := rows.Scan(&x.n.ID, &x.n.Kind, &actor, &post, &x.n.Text, &x.created, &x.read); err != nil {
			rows.Close()
			return NotificationPage{}, fmt.Errorf("notifications: %w", err)
		}
		x.actor, x.post = actor.String, post.String
		list = append(list, x)
	}
	if err := rows.Close(); err != nil {
		return NotificationPage{}, fmt.Errorf("notifications: %w", err)
	}
	var out NotificationPage
	if len(list) > limit {
		list = list[:limit]
		out.Next = nestegg.Cursor{At: list[limit-1].created, ID: list[limit-1].n.ID}.String()
	}
	var actorIDs, postIDs []string
	for _, x := range list {
		if x.actor != "" {
			actorIDs = append(actorIDs, x.actor)
		}
		if x.post != "" {
			postIDs = append(postIDs, x.post)
		}
	}
	actors, err := usersByID(ctx, r, actorIDs)
	if err != nil {
		return NotificationPage{}, err
	}
	posts, err := s.hydrate(ctx, r, userID, postIDs)
	if err != nil {
		return NotificationPage{}, err
	}
	for _, x := range list {
		n := x.n
		n.CreatedAt, n.Read = fromNanos(x.created), x.read != 0
		if u, ok := actors[x.actor]; ok {
			n.Actor = &u
		}
		if p, ok := posts[x.post]; ok {
			n.Post = &p.Post
		}
		out.Notifications = append(out.Notifications, n)
	}
	return out, nil
}

// MarkRead marks userID's notifications read: those named by ids, or all
// when there are none. Ids of notifications that are not userID's are
// ignored. Only userID may call it. Errors: only database failures.
func (s *Service) MarkRead(ctx context.Context, userID string, ids ...string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		now := nanos(s.now())
		if len(ids) == 0 {
			_, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0", now, userID)
			return err
		}
		for len(ids) > 0 {
			batch := ids[:min(len(ids), 500)]
			ids = ids[len(batch):]
			args := []any{now, userID}
			for _, id := range batch {
				args = append(args, id)
			}
			_, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0 AND id IN ("+store.List(3, len(batch))+")", args...)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// UnreadCount returns how many of userID's notifications are unread. Only
// userID may call it. Errors: only database failures.
func (s *Service) UnreadCount(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at = 0", userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread count: %w", err)
	}
	return n, nil
}

// usersByID loads users by id; ids naming nobody are absent from the map.
func usersByID(ctx context.Context, q store.Querier, ids []string) (map[string]User, error) {
	out := make(map[string]User, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT "+userCols("u")+" FROM users u WHERE u.id IN ("+store.List(1, len(batch))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		for rows.Next() {
			var us userScan
			if err := rows.Scan(us.dest()...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load users: %w", err)
			}
			out[us.u.ID] = us.user()
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
	}
	return out, nil
}
