package web

import (
	"context"
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// Posts, reactions, timelines, people, follows and blocks, notifications
// and search. Who may do what is social.Service's decision: handlers pass
// the signed-in member as the actor (never an id from the request) and
// social refuses what is not theirs (Forbidden for public things such as
// another's post, NotFound for private ones).

type postRequest struct {
	Text        string `json:"text"`
	ReplyTo     string `json:"reply_to"`
	Subscribers bool   `json:"subscribers_only"`
}

func (s *Server) apiCreatePost(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req postRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	p, err := s.social.CreatePost(r.Context(), a.ID, social.NewPost{Body: req.Text, ReplyToID: req.ReplyTo, SubscribersOnly: req.Subscribers})
	if err != nil {
		return apiRenameParam(err, map[string]string{"body": "text", "reply_to_id": "reply_to"})
	}
	return writeJSON(w, http.StatusCreated, jsonPost(p))
}

// threadJSON is a post in its conversation.
type threadJSON struct {
	Post              postJSON   `json:"post"`
	Ancestors         []postJSON `json:"ancestors"`
	Replies           []postJSON `json:"replies"`
	RepliesNextCursor string     `json:"replies_next_cursor"`
	RepliesHasMore    bool       `json:"replies_has_more"`
}

// apiGetPost returns a post with its ancestors and first replies; ?limit= sets
// how many replies.
func (s *Server) apiGetPost(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	th, err := s.social.Thread(r.Context(), apiViewer(r), r.PathValue("id"), page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, threadJSON{
		Post: jsonPost(th.Post), Ancestors: jsonPosts(th.Ancestors), Replies: jsonPosts(th.Replies),
		RepliesNextCursor: th.Next, RepliesHasMore: th.Next != "",
	})
}

// apiPostReplies pages through a post's replies, oldest first.
func (s *Server) apiPostReplies(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	if _, err := s.social.Post(r.Context(), apiViewer(r), r.PathValue("id")); err != nil {
		return err
	}
	ps, next, err := s.social.Replies(r.Context(), apiViewer(r), r.PathValue("id"), page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[postJSON]{Data: jsonPosts(ps), NextCursor: next, HasMore: next != ""})
}

// apiPostAction adapts a social method acting on a post for the caller.
func (s *Server) apiPostAction(act func(s *social.Service, ctx context.Context, userID, postID string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		a, err := apiMe(r)
		if err != nil {
			return err
		}
		if err := act(s.social, r.Context(), a.ID, r.PathValue("id")); err != nil {
			return err
		}
		return apiNoContent(w)
	}
}

// apiUserAction adapts a social method the caller applies to another user
// (follow, block), named by the path's {handle}.
func (s *Server) apiUserAction(act func(s *social.Service, ctx context.Context, actorID, otherID string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		a, err := apiMe(r)
		if err != nil {
			return err
		}
		u, err := s.apiUserByHandle(r)
		if err != nil {
			return err
		}
		if err := act(s.social, r.Context(), a.ID, u.ID); err != nil {
			return err
		}
		return apiNoContent(w)
	}
}

func (s *Server) apiHomeTimeline(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	t, err := s.social.HomeTimeline(r.Context(), a.ID, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonTimeline(t))
}

func (s *Server) apiGetProfile(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	p, err := s.social.Profile(r.Context(), apiViewer(r), r.PathValue("handle"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonProfile(p))
}

// apiUserPosts is a profile's timeline; ?replies=true includes replies.
func (s *Server) apiUserPosts(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	page, err := apiPageQuery(r, "replies")
	if err != nil {
		return err
	}
	withReplies, err := apiBoolQuery(r, "replies")
	if err != nil {
		return err
	}
	u, err := s.apiUserByHandle(r)
	if err != nil {
		return err
	}
	t, err := s.social.ProfileTimeline(r.Context(), apiViewer(r), u.ID, page, withReplies)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonTimeline(t))
}

func (s *Server) apiHashtagPosts(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	t, err := s.social.HashtagTimeline(r.Context(), apiViewer(r), r.PathValue("tag"), page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonTimeline(t))
}

// notificationList is a page of notifications with the unread count.
type notificationList struct {
	apiList[notificationJSON]
	Unread int `json:"unread"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	np, err := s.social.Notifications(r.Context(), a.ID, page)
	if err != nil {
		return err
	}
	unread, err := s.social.UnreadCount(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := notificationList{apiList: apiList[notificationJSON]{
		Data: make([]notificationJSON, 0, len(np.Notifications)), NextCursor: np.Next, HasMore: np.Next != ""}, Unread: unread}
	for _, n := range np.Notifications {
		out.Data = append(out.Data, jsonNotification(n))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiMarkRead marks the caller's notifications read: those in ids, or all
// when ids is empty. Ids of others' notifications are ignored.
func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if len(req.IDs) > 1000 {
		return nestegg.ParamErrorf(nestegg.Invalid, "ids", "mark at most 1000 notifications at once, or send none to mark all")
	}
	if err := s.social.MarkRead(r.Context(), a.ID, req.IDs...); err != nil {
		return err
	}
	return apiNoContent(w)
}

func (s *Server) apiSearchUsers(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	if err := apiQuery(r, "q", "limit"); err != nil {
		return err
	}
	limit, err := apiLimitQuery(r)
	if err != nil {
		return err
	}
	us, err := s.social.SearchUsers(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[userJSON]{Data: jsonUsers(us)})
}
