// Package social is Nestegg's social network: accounts and their
// credentials, profiles, posts, replies and threads, likes, reposts,
// follows and blocks, timelines, mentions, hashtags, notifications and
// people search. It decides; package store only persists. It knows nothing
// of HTTP: the web layer turns requests into calls on a *Service and maps
// the returned error codes (package nestegg) to statuses.
//
// # Who may call what
//
// Every method that acts for someone takes the acting user's id, which the
// caller has established from a session (SessionUser) or an API token
// (TokenUser), and checks ownership itself: nobody can delete another's
// post or read another's notifications, sessions or tokens through this
// package, whatever id they pass for the thing. Things that are private
// (sessions, tokens, notifications) are NotFound when they are not the
// actor's; things that are public (posts) are Forbidden. Reads of public
// things take a viewer id that may be "" for someone not logged in.
//
// # Credentials
//
// Passwords are hashed with argon2id (parameters in Options, stored with
// each hash and upgraded at login). Session tokens, API tokens and
// two-factor login challenges are 256-bit random secrets of which only the
// SHA-256 is stored. Logins are locked out per account and client address
// after repeated failures. CSRF protection and cookies are the web layer's.
//
// # Text
//
// Parsing is pure and separate (parse.go): ValidateHandle, Entities,
// Mentions, Hashtags and Tokenize, which splits a post into text, mention,
// hashtag and URL tokens for a renderer to escape and link.
//
// # Money
//
// Payments hook in two places: Options.OnPost (or SetPostHook) runs inside
// every post's transaction, so a post addressed to the pay handle can
// create a payment intent atomically with the post; and Notify adds a
// notification inside another domain's transaction.
package social
