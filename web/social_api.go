package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// The JSON shapes of the social API. They are built from social's types
// here, in one place, so that what an API client sees of an account is
// decided once: userJSON is public, accountJSON only ever goes to its owner.

type userJSON struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
	Link        string `json:"link"`
	Initials    string `json:"initials"`
	Kind        string `json:"kind"`
	Verified    bool   `json:"verified"`
	// Official is the label staff grant; Organization the organization
	// tier's badge; AffiliateOf the handle of the organization whose mark
	// the account shows ("" for none).
	Official     bool      `json:"official"`
	Organization bool      `json:"organization"`
	AffiliateOf  string    `json:"affiliate_of"`
	CreatedAt    time.Time `json:"created_at"`
}

func jsonUser(u social.User) userJSON {
	return userJSON{
		ID: u.ID, Handle: u.Handle, DisplayName: u.DisplayName, Bio: u.Bio, Link: u.Link,
		Initials: u.Initials, Kind: string(u.Kind), Verified: u.Verified, CreatedAt: u.CreatedAt,
		Official: u.Official, Organization: u.Organization, AffiliateOf: u.AffiliateOf,
	}
}

func jsonUsers(us []social.User) []userJSON {
	out := make([]userJSON, 0, len(us))
	for _, u := range us {
		out = append(out, jsonUser(u))
	}
	return out
}

// accountJSON is a user with what only its owner sees.
type accountJSON struct {
	userJSON
	Email       string `json:"email"`
	StaffRole   string `json:"staff_role"`
	TOTPEnabled bool   `json:"totp_enabled"`
	// EmailVerified: a link sent to the address was used; receipts and
	// summaries go only to a verified address.
	EmailVerified bool      `json:"email_verified"`
	WeeklySummary bool      `json:"weekly_summary"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func jsonAccount(a social.Account) accountJSON {
	return accountJSON{userJSON: jsonUser(a.User), Email: a.Email, StaffRole: string(a.StaffRole),
		TOTPEnabled: a.TOTPEnabled, EmailVerified: a.EmailVerified, WeeklySummary: a.WeeklySummary, UpdatedAt: a.UpdatedAt}
}

type relationshipJSON struct {
	Following  bool `json:"following"`
	FollowedBy bool `json:"followed_by"`
	Blocking   bool `json:"blocking"`
	BlockedBy  bool `json:"blocked_by"`
}

type profileJSON struct {
	userJSON
	FollowersCount int              `json:"followers_count"`
	FollowingCount int              `json:"following_count"`
	PostsCount     int              `json:"posts_count"`
	Relationship   relationshipJSON `json:"relationship"`
}

func jsonProfile(p social.Profile) profileJSON {
	r := p.Relationship
	return profileJSON{
		userJSON: jsonUser(p.User), FollowersCount: p.Followers, FollowingCount: p.Following, PostsCount: p.Posts,
		Relationship: relationshipJSON{Following: r.Following, FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy},
	}
}

// entityJSON is a mention, hashtag or URL in a post's text. Start and End
// are byte offsets into the UTF-8 text: text[start:end] is the entity as
// written, with its '@' or '#'.
type entityJSON struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Value string `json:"value"`
}

type postJSON struct {
	ID            string       `json:"id"`
	Author        userJSON     `json:"author"`
	Text          string       `json:"text"`
	Entities      []entityJSON `json:"entities"`
	ReplyToID     string       `json:"reply_to_id"`
	ReplyToHandle string       `json:"reply_to_handle"`
	RootID        string       `json:"root_id"`
	CreatedAt     time.Time    `json:"created_at"`
	LikeCount     int64        `json:"like_count"`
	RepostCount   int64        `json:"repost_count"`
	ReplyCount    int64        `json:"reply_count"`
	Liked         bool         `json:"liked"`
	Reposted      bool         `json:"reposted"`
	Subscribers   bool         `json:"subscribers_only"`
	Locked        bool         `json:"locked"`
}

func jsonPost(p social.Post) postJSON {
	es := social.Entities(p.Body)
	ents := make([]entityJSON, 0, len(es))
	for _, e := range es {
		ents = append(ents, entityJSON{Type: string(e.Kind), Start: e.Start, End: e.End, Value: e.Value})
	}
	return postJSON{
		ID: p.ID, Author: jsonUser(p.Author), Text: p.Body, Entities: ents,
		ReplyToID: p.ReplyToID, ReplyToHandle: p.ReplyToHandle, RootID: p.RootID, CreatedAt: p.CreatedAt,
		LikeCount: p.Likes, RepostCount: p.Reposts, ReplyCount: p.Replies, Liked: p.Liked, Reposted: p.Reposted,
		Subscribers: p.SubscribersOnly, Locked: p.Locked,
	}
}

func jsonPosts(ps []social.Post) []postJSON {
	out := make([]postJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, jsonPost(p))
	}
	return out
}

// entryJSON is a line of a timeline: a post, or someone's repost of one.
type entryJSON struct {
	Post       postJSON  `json:"post"`
	RepostID   string    `json:"repost_id,omitempty"`
	RepostedBy *userJSON `json:"reposted_by,omitempty"`
	At         time.Time `json:"at"`
}

// apiList is the envelope of every list: cursor pagination.
type apiList[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

func jsonTimeline(t social.Timeline) apiList[entryJSON] {
	out := apiList[entryJSON]{Data: make([]entryJSON, 0, len(t.Entries)), NextCursor: t.Next, HasMore: t.Next != ""}
	for _, e := range t.Entries {
		ej := entryJSON{Post: jsonPost(e.Post), RepostID: e.RepostID, At: e.At}
		if e.RepostedBy != nil {
			u := jsonUser(*e.RepostedBy)
			ej.RepostedBy = &u
		}
		out.Data = append(out.Data, ej)
	}
	return out
}

type notificationJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Actor     *userJSON `json:"actor"`
	Post      *postJSON `json:"post"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

func jsonNotification(n social.Notification) notificationJSON {
	out := notificationJSON{ID: n.ID, Kind: string(n.Kind), Text: n.Text, CreatedAt: n.CreatedAt, Read: n.Read}
	if n.Actor != nil {
		u := jsonUser(*n.Actor)
		out.Actor = &u
	}
	if n.Post != nil {
		p := jsonPost(*n.Post)
		out.Post = &p
	}
	return out
}

type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Secret     string     `json:"secret,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func jsonToken(t social.APIToken) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Secret: t.Secret, CreatedAt: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		out.LastUsedAt = &t.LastUsedAt
	}
	return out
}

// apiQuery checks that r's query has only the allowed parameters, so that a
// misspelt one is a 400 rather than silently ignored.
func apiQuery(r *http.Request, allowed ...string) error {
	for name := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || name == a
		}
		if !ok {
			return nestegg.ParamErrorf(nestegg.Invalid, name, "unknown query parameter %q", name)
		}
	}
	return nil
}

// apiPageQuery reads ?cursor= and ?limit= (1 to social.MaxLimit), allowing the
// extra parameters named.
func apiPageQuery(r *http.Request, extra ...string) (social.Page, error) {
	if err := apiQuery(r, append(extra, "cursor", "limit")...); err != nil {
		return social.Page{}, err
	}
	limit, err := apiLimitQuery(r)
	return social.Page{Cursor: r.URL.Query().Get("cursor"), Limit: limit}, err
}

// apiLimitQuery reads ?limit=, 1 to social.MaxLimit; 0 when absent (the
// default).
func apiLimitQuery(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > social.MaxLimit {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit must be an integer from 1 to %d", social.MaxLimit)
	}
	return n, nil
}

// apiBoolQuery reads a true/false query parameter; absent is false.
func apiBoolQuery(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, nestegg.ParamErrorf(nestegg.Invalid, name, "%s must be true or false", name)
}

// apiViewer is the signed-in member's id on AuthOptionalMember routes, "" for
// nobody.
func apiViewer(r *http.Request) string {
	a, _ := Member(r.Context())
	return a.ID
}

// apiMe is the signed-in member on AuthMember routes. The route table
// guarantees one; a route wrongly marked otherwise fails closed.
func apiMe(r *http.Request) (social.Account, error) {
	a, ok := Member(r.Context())
	if !ok {
		return social.Account{}, errSignIn
	}
	return a, nil
}

// apiUserByHandle resolves a path's {handle}.
func (s *Server) apiUserByHandle(r *http.Request) (social.User, error) {
	return s.social.UserByHandle(r.Context(), r.PathValue("handle"))
}

// apiRenameParam shows social's name for an input field as the API's
// (social's "body" is the API's "text").
func apiRenameParam(err error, names map[string]string) error {
	if to, ok := names[nestegg.ErrorParam(err)]; ok {
		return &nestegg.Error{Param: to, Err: err}
	}
	return err
}

func apiNoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
