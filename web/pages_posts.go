package web

import (
	"net/http"
	"net/url"
	"path"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// postCard is one post as a card: the post, who reposted it (on
// timelines), and what its buttons need.
type postCard struct {
	social.Post
	RepostedBy *social.User
	Mine       bool // the viewer wrote it: show Delete
	SignedIn   bool // show Like, Repost and Reply as buttons
	Focus      bool // the post a thread page is about
	CSRF, Next string
	Money      *postMoney // Tip button, payment badge, earnings (pages_pay_posts.go)
	Offer      *offerCard // price, stock and Buy button of an offer post (pages_shop.go)
}

func (pc *pageCtx) card(p social.Post, by *social.User, next string) postCard {
	c := postCard{Post: p, RepostedBy: by, Mine: pc.me != nil && p.Author.ID == pc.me.ID,
		SignedIn: pc.me != nil, CSRF: pc.csrf(), Next: next}
	c.Money = pc.postMoney(p, c.Mine)
	c.Offer = pc.postOffer(p, next)
	return c
}

// cards turns a timeline page into cards. A post that several people
// reposted (or that appears both posted and reposted) is shown once, at
// its newest appearance: a page of the same post five times reads as noise.
func (pc *pageCtx) cards(tl social.Timeline) []postCard {
	next := pc.r.URL.RequestURI()
	out := make([]postCard, 0, len(tl.Entries))
	seen := make(map[string]bool, len(tl.Entries))
	for _, e := range tl.Entries {
		if seen[e.Post.ID] {
			continue
		}
		seen[e.Post.ID] = true
		out = append(out, pc.card(e.Post, e.RepostedBy, next))
	}
	return out
}

// olderURL is the "Older posts" link: this page with the next cursor.
func olderURL(r *http.Request, next string) string {
	if next == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", next)
	return r.URL.Path + "?" + q.Encode()
}

// composer is the post form: what was typed and what was wrong with it.
type composer struct {
	Body, Error, ReplyTo string
	CSRF, Next           string
	Oob                  bool // replaces the page's composer from an htmx answer
	Creator              bool // offer "Subscribers only"
}

// timelinePage is the data of home.html and tag.html.
type timelinePage struct {
	Base
	Heading  string
	Composer composer
	Cards    []postCard
	Older    string
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if pc.me == nil {
		return s.render(pc, "welcome", &struct{ Base }{pc.base("Welcome")})
	}
	return s.showHome(pc, http.StatusOK, composer{})
}

func (s *Server) showHome(pc *pageCtx, status int, c composer) error {
	r := pc.r
	tl, err := s.social.HomeTimeline(r.Context(), pc.me.ID, social.Page{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	b := pc.base("Home")
	c.CSRF, c.Next, c.Creator = b.CSRF, "/", pc.me.Kind == social.Creator
	s.renderStatus(pc, status, "home", &timelinePage{Base: b, Heading: "Home", Composer: c, Cards: pc.cards(tl), Older: olderURL(r, tl.Next)})
	return nil
}

// composeSubmit publishes a post or a reply. With htmx the new card is
// returned for the timeline (and a fresh composer out of band); without,
// the browser is redirected back. A refused post is shown again in its
// form with the reason.
func (s *Server) composeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	c := composer{Body: r.PostFormValue("body"), ReplyTo: r.PostFormValue("reply_to"), Creator: pc.me.Kind == social.Creator}
	p, err := s.social.CreatePost(r.Context(), pc.me.ID, social.NewPost{Body: c.Body, ReplyToID: c.ReplyTo,
		SubscribersOnly: r.PostFormValue("subscribers_only") == "on"})
	htmx := r.Header.Get("HX-Request") == "true"
	if err != nil {
		if !userError(err) {
			return err
		}
		c.Error = nestegg.ErrorMessage(err)
		if c.ReplyTo != "" {
			return s.showPost(pc, c.ReplyTo, http.StatusUnprocessableEntity, c)
		}
		if htmx {
			c.CSRF, c.Next = pc.csrf(), "/"
			w.Header().Set("HX-Retarget", "#composer")
			w.Header().Set("HX-Reswap", "outerHTML")
			return s.renderPartial(pc, "home", "composer", c)
		}
		return s.showHome(pc, http.StatusUnprocessableEntity, c)
	}
	if htmx && c.ReplyTo == "" {
		return s.renderPartial(pc, "home", "posted", &struct {
			Card     postCard
			Composer composer
		}{pc.card(p, nil, "/"), composer{CSRF: pc.csrf(), Next: "/", Oob: true}})
	}
	if c.ReplyTo != "" {
		return s.seeOther(pc, "/posts/"+url.PathEscape(c.ReplyTo), "Your reply is posted.")
	}
	return s.seeOther(pc, nextPath(r, "/"), "Posted. Your followers will see it on their home timelines.")
}

// threadPage is the data of post.html.
type threadPage struct {
	Base
	Ancestors []postCard
	Post      postCard
	Replies   []postCard
	More      string
	Reply     composer
}

func (s *Server) postPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showPost(pc, r.PathValue("id"), http.StatusOK, composer{})
}

func (s *Server) showPost(pc *pageCtx, id string, status int, reply composer) error {
	r := pc.r
	th, err := s.social.Thread(r.Context(), pc.myID(), id, social.Page{})
	if err != nil {
		return err
	}
	if cur := r.URL.Query().Get("cursor"); cur != "" && r.Method == http.MethodGet {
		if th.Replies, th.Next, err = s.social.Replies(r.Context(), pc.myID(), id, social.Page{Cursor: cur}); err != nil {
			return err
		}
	}
	here := "/posts/" + url.PathEscape(th.Post.ID)
	b := pc.base(th.Post.Author.DisplayName + ": “" + shorten(th.Post.Body, 40) + "”")
	d := &threadPage{Base: b, Post: pc.card(th.Post, nil, here), More: olderURL(r, th.Next)}
	d.Post.Focus = true
	for _, a := range th.Ancestors {
		d.Ancestors = append(d.Ancestors, pc.card(a, nil, here))
	}
	for _, p := range th.Replies {
		d.Replies = append(d.Replies, pc.card(p, nil, here))
	}
	reply.ReplyTo, reply.CSRF, reply.Next = th.Post.ID, b.CSRF, here
	d.Reply = reply
	if d.More != "" {
		d.More = here + "?cursor=" + url.QueryEscape(th.Next)
	}
	s.renderStatus(pc, status, "post", d)
	return nil
}

// shorten cuts s to at most n runes, with an ellipsis when it did.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// postAction likes, unlikes, reposts or unreposts, as the path's last
// segment says. With htmx only the card's action bar is sent back.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	id := r.PathValue("id")
	ctx, me := r.Context(), pc.me.ID
	var err error
	switch path.Base(r.URL.Path) {
	case "like":
		err = s.social.Like(ctx, me, id)
	case "unlike":
		err = s.social.Unlike(ctx, me, id)
	case "repost":
		err = s.social.Repost(ctx, me, id)
	case "unrepost":
		err = s.social.Unrepost(ctx, me, id)
	}
	if err != nil {
		return err
	}
	next := nextPath(r, "/posts/"+url.PathEscape(id))
	if r.Header.Get("HX-Request") == "true" {
		p, err := s.social.Post(r.Context(), pc.me.ID, id)
		if err != nil {
			return err
		}
		return s.renderPartial(pc, "home", "actions", pc.card(p, nil, next))
	}
	return s.seeOther(pc, next, "")
}

func (s *Server) deleteSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	id := r.PathValue("id")
	if err := s.social.DeletePost(r.Context(), pc.me.ID, id); err != nil {
		return err
	}
	next := nextPath(r, "/")
	if next == "/posts/"+url.PathEscape(id) {
		next = "/u/" + url.PathEscape(pc.me.Handle)
	}
	return s.seeOther(pc, next, "Your post was deleted.")
}

func (s *Server) tagPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	tag := r.PathValue("tag")
	tl, err := s.social.HashtagTimeline(r.Context(), pc.myID(), tag, social.Page{Cursor: r.URL.Query().Get("cursor")})
	if nestegg.ErrorParam(err) == "tag" {
		return nestegg.Errorf(nestegg.NotFound, "#%s is not a hashtag.", tag)
	}
	if err != nil {
		return err
	}
	return s.render(pc, "tag", &timelinePage{Base: pc.base("#" + tag), Heading: "#" + tag, Cards: pc.cards(tl), Older: olderURL(r, tl.Next)})
}
