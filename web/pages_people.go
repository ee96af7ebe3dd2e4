package web

import (
	"net/http"
	"net/url"
	"path"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// profilePage is the data of profile.html.
type profilePage struct {
	Base
	Profile social.Profile
	Self    bool
	Replies bool // the "Posts and replies" tab
	Cards   []postCard
	Older   string
	// Tiers are a creator's subscription tiers; Subscribed the one the
	// viewer has.
	Tiers      []planCard
	Subscribed string
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	p, err := s.social.Profile(ctx, pc.myID(), r.PathValue("handle"))
	if err != nil {
		return err
	}
	replies := r.URL.Query().Get("tab") == "replies"
	tl, err := s.social.ProfileTimeline(ctx, pc.myID(), p.ID, social.Page{Cursor: r.URL.Query().Get("cursor")}, replies)
	if err != nil {
		return err
	}
	d := &profilePage{
		Base: pc.base(p.DisplayName + " (@" + p.Handle + ")"), Profile: p, Self: pc.me != nil && pc.me.ID == p.ID,
		Replies: replies, Cards: pc.cards(tl), Older: olderURL(r, tl.Next),
	}
	if err := s.profileTiers(pc, d); err != nil {
		return err
	}
	return s.render(pc, "profile", d)
}

// relationSubmit follows, unfollows, blocks or unblocks the profile's
// owner, as the path's last segment says, and says what that means.
func (s *Server) relationSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	u, err := s.social.UserByHandle(ctx, r.PathValue("handle"))
	if err != nil {
		return err
	}
	at := "@" + u.Handle
	var flash string
	switch path.Base(r.URL.Path) {
	case "follow":
		err = s.social.Follow(ctx, pc.me.ID, u.ID)
		flash = "You now follow " + at + ". Their posts will appear on your home timeline."
	case "unfollow":
		err = s.social.Unfollow(ctx, pc.me.ID, u.ID)
		flash = "You no longer follow " + at + "."
	case "block":
		err = s.social.Block(ctx, pc.me.ID, u.ID)
		flash = "You blocked " + at + ". They can't follow you, reply to you or mention you, and you won't see each other's posts in threads or hashtags."
	case "unblock":
		err = s.social.Unblock(ctx, pc.me.ID, u.ID)
		flash = "You unblocked " + at + ". Follow them again if you want their posts back on your timeline."
	}
	if err != nil {
		return err
	}
	return s.seeOther(pc, nextPath(r, "/u/"+url.PathEscape(u.Handle)), flash)
}

// searchPage is the data of search.html.
type searchPage struct {
	Base
	Query   string
	Error   string
	Results []social.User
	Done    bool // a search ran (so "nobody found" can be said)
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	d := &searchPage{Query: r.URL.Query().Get("q")}
	status := http.StatusOK
	if d.Query != "" {
		res, err := s.social.SearchUsers(r.Context(), d.Query, 30)
		switch {
		case err != nil && userError(err):
			d.Error, status = nestegg.ErrorMessage(err), http.StatusUnprocessableEntity
		case err != nil:
			return err
		default:
			d.Results, d.Done = res, true
		}
	}
	d.Base = pc.base("Search people")
	s.renderStatus(pc, status, "search", d)
	return nil
}

// notificationsPage is the data of notifications.html.
type notificationsPage struct {
	Base
	Items []notification
	Older string
}

type notification struct {
	social.Notification
	Card *postCard
}

// notificationsPage shows a page of notifications and marks those shown
// read: seeing them is reading them. They are listed as they were (unread
// ones highlighted) while the nav count drops at once.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	np, err := s.social.Notifications(ctx, pc.me.ID, social.Page{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	var unread []string
	d := &notificationsPage{Older: olderURL(r, np.Next)}
	for _, n := range np.Notifications {
		if !n.Read {
			unread = append(unread, n.ID)
		}
		it := notification{Notification: n}
		if n.Post != nil {
			c := pc.card(*n.Post, nil, r.URL.RequestURI())
			it.Card = &c
		}
		d.Items = append(d.Items, it)
	}
	if len(unread) > 0 {
		if err := s.social.MarkRead(ctx, pc.me.ID, unread...); err != nil {
			return err
		}
	}
	d.Base = pc.base("Notifications")
	return s.render(pc, "notifications", d)
}
