package main

import (
	"context"
	"fmt"
	"strings"
)

// runPost publishes a post as the logged-in member: nestegg post "text".
func runPost(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "post")
	replyTo := fs.String("reply-to", "", "id of the post this answers")
	words, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	text := strings.Join(words, " ")
	if strings.TrimSpace(text) == "" {
		fmt.Fprintln(e.stderr, `usage: nestegg post [--reply-to id] "text"`)
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var p struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", "/api/v1/posts", map[string]string{"text": text, "reply_to": *replyTo}, &p); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Posted %s\n", p.ID)
	return nil
}
