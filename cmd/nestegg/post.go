package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
)

// runPost publishes a post as the logged-in member: nestegg post "text".
func runPost(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "post")
	replyTo := fs.String("reply-to", "", "id of the post this answers")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	text := strings.Join(fs.Args(), " ")
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
