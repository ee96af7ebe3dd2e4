// Package demo seeds a small, believable community — neighbours, a
// creator, a coffee shop — so that someone trying Nestegg for the first
// time (`nestegg serve --demo`) lands on a living site instead of an empty
// one. It goes through package social like any client would, so the demo
// data obeys every rule real data does.
package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Password is every demo member's password. The demo is for trying
// Nestegg on a laptop; a database seeded with it must never face the
// internet.
const Password = "nestegg-demo"

// emailDomain marks the demo's own accounts (.example is reserved, so no
// real address can collide with them).
const emailDomain = "@demo.nestegg.example"

// Options configure Seed.
type Options struct {
	// Now is the seeding's "now"; posts are spread over the three days
	// before it. Default time.Now.
	Now func() time.Time
	// Argon2 sets password hashing cost for the demo accounts (tests make
	// it tiny); zero fields take social's defaults.
	Argon2 social.Argon2
	// PayHandle is the platform's pay handle (default "pay").
	PayHandle string
}

// Result says what Seed did and how to log in.
type Result struct {
	Seeded   bool     // false when the demo community was already there
	Handles  []string // every demo member, in the order of the cast
	Password string
}

// ErrNotEmpty is the code of the error Seed returns for a database that
// has accounts of its own: the demo never mixes its people into real data.
const ErrNotEmpty = nestegg.Conflict

// Seed fills an empty database with the demo community. It is idempotent:
// on a database that already holds the demo (and perhaps people who signed
// up to try it) it changes nothing and returns Seeded false. It refuses, with
// ErrNotEmpty, a database that has accounts but not the demo's, and one
// where an earlier seeding stopped half-way.
func Seed(ctx context.Context, db *store.DB, opts Options) (Result, error) {
	res := Result{Password: Password}
	for _, m := range cast {
		res.Handles = append(res.Handles, m.handle)
	}
	var all, ours int
	err := db.Reader().QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN email_lower LIKE $1 THEN 1 END) FROM users`,
		"%"+emailDomain).Scan(&all, &ours)
	if err != nil {
		return res, fmt.Errorf("demo: count accounts: %w", db.Translate(err))
	}
	switch {
	case ours == len(cast):
		return res, nil
	case ours > 0:
		return res, nestegg.Errorf(ErrNotEmpty, "demo: this database holds part of the demo community (%d of %d members); seed an empty database instead", ours, len(cast))
	case all > 0:
		return res, nestegg.Errorf(ErrNotEmpty, "demo: this database already has %d accounts; --demo seeds only an empty database", all)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	clk := &clock{}
	soc := social.New(db, social.Options{Clock: clk.Now, Argon2: opts.Argon2, PayHandle: opts.PayHandle})
	if err := seed(ctx, soc, clk, opts.Now()); err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	res.Seeded = true
	return res, nil
}

// clock is the seeding's clock: set to each event's moment, and ticking a
// millisecond per reading so that events set to one moment still order.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func seed(ctx context.Context, soc *social.Service, clk *clock, now time.Time) error {
	start := now.Add(-80 * time.Hour)
	ids := map[string]string{} // handle -> user id
	for i, m := range cast {
		clk.set(start.Add(time.Duration(i) * time.Minute))
		a, err := soc.Signup(ctx, social.SignupInput{
			Handle: m.handle, DisplayName: m.name, Email: m.handle + emailDomain, Password: Password, Kind: m.kind,
		})
		if err != nil {
			return fmt.Errorf("sign up @%s: %w", m.handle, err)
		}
		bio, link := m.bio, m.link
		if _, err := soc.UpdateProfile(ctx, a.ID, social.ProfileUpdate{Bio: &bio, Link: &link}); err != nil {
			return fmt.Errorf("profile of @%s: %w", m.handle, err)
		}
		ids[m.handle] = a.ID
	}
	clk.set(start.Add(time.Hour))
	for _, f := range follows {
		for _, whom := range f.whom {
			if err := soc.Follow(ctx, ids[f.who], ids[whom]); err != nil {
				return fmt.Errorf("@%s follows @%s: %w", f.who, whom, err)
			}
		}
	}
	posts := map[string]string{} // script key -> post id
	for _, p := range script {
		clk.set(now.Add(-time.Duration(p.hoursAgo * float64(time.Hour))))
		np := social.NewPost{Body: p.body}
		if p.replyTo != "" {
			np.ReplyToID = posts[p.replyTo]
		}
		post, err := soc.CreatePost(ctx, ids[p.author], np)
		if err != nil {
			return fmt.Errorf("post %q by @%s: %w", p.key, p.author, err)
		}
		posts[p.key] = post.ID
		// Reactions come a little after the post they react to.
		clk.set(now.Add(-time.Duration((p.hoursAgo - 0.2) * float64(time.Hour))))
		for _, h := range p.likes {
			if err := soc.Like(ctx, ids[h], post.ID); err != nil {
				return fmt.Errorf("@%s likes %q: %w", h, p.key, err)
			}
		}
		for _, h := range p.reposts {
			if err := soc.Repost(ctx, ids[h], post.ID); err != nil {
				return fmt.Errorf("@%s reposts %q: %w", h, p.key, err)
			}
		}
	}
	return nil
}
