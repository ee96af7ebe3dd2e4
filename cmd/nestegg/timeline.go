package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

type timelinePage struct {
	Data []struct {
		Post struct {
			ID     string `json:"id"`
			Author struct {
				Handle      string `json:"handle"`
				DisplayName string `json:"display_name"`
			} `json:"author"`
			Text          string    `json:"text"`
			ReplyToHandle string    `json:"reply_to_handle"`
			CreatedAt     time.Time `json:"created_at"`
			LikeCount     int64     `json:"like_count"`
			ReplyCount    int64     `json:"reply_count"`
		} `json:"post"`
		RepostedBy *struct {
			Handle string `json:"handle"`
		} `json:"reposted_by"`
	} `json:"data"`
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

// runTimeline prints the logged-in member's home timeline, newest first.
func runTimeline(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "timeline")
	limit := fs.Int("limit", 20, "how many entries (1 to 100)")
	cursor := fs.String("cursor", "", "continue from where a previous page ended")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *limit < 1 || *limit > 100 {
		fmt.Fprintln(e.stderr, "nestegg timeline: --limit must be from 1 to 100")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	if *cursor != "" {
		q.Set("cursor", *cursor)
	}
	var page timelinePage
	if err := c.do(ctx, "GET", "/api/v1/timeline?"+q.Encode(), nil, &page); err != nil {
		return explain(err)
	}
	if len(page.Data) == 0 && *cursor == "" {
		fmt.Fprintln(e.stdout, "Your timeline is empty: post something, or follow people.")
	}
	for _, en := range page.Data {
		p := en.Post
		if en.RepostedBy != nil {
			fmt.Fprintf(e.stdout, "  reposted by @%s\n", printable(en.RepostedBy.Handle))
		}
		fmt.Fprintf(e.stdout, "%s (@%s) · %s · %s\n", printable(p.Author.DisplayName), printable(p.Author.Handle), p.CreatedAt.Local().Format("2006-01-02 15:04"), printable(p.ID))
		if p.ReplyToHandle != "" {
			fmt.Fprintf(e.stdout, "  replying to @%s\n", printable(p.ReplyToHandle))
		}
		for _, line := range strings.Split(printable(p.Text), "\n") {
			fmt.Fprintf(e.stdout, "  %s\n", line)
		}
		fmt.Fprintf(e.stdout, "  %d replies · %d likes\n\n", p.ReplyCount, p.LikeCount)
	}
	if page.HasMore {
		fmt.Fprintf(e.stdout, "more: nestegg timeline --cursor %s\n", printable(page.NextCursor))
	}
	return nil
}

// printable drops control characters (but newlines) from text a server
// sent, so that nobody's post can drive the terminal with escape sequences.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return -1
		}
		return r
	}, s)
}
