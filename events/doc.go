// Package events is Nestegg's record of what happened, for developers: an
// event for every movement of money, written in the movement's own
// transaction (a transactional outbox), listed by cursor for a client that
// wants to catch up, and delivered to the webhook endpoints members and the
// operator register, signed per the Standard Webhooks specification.
//
// # Writing
//
// Emit adds an event inside the caller's write transaction, through
// store.Insert: in a batch of movements it is written with the batch's
// other rows, and an event whose transaction rolls back never existed —
// so it is never delivered. The movement kernel emits "movement.<kind>"
// for every movement that commits, done or held (see package movement).
//
// # Delivering
//
// Two jobs, safe with several serve processes on one PostgreSQL:
//
//   - FanOut turns new events into one delivery per endpoint that should
//     see them (the member's own endpoints, both parties' for a payment,
//     the operator's for everything). It takes events not yet fanned out
//     with FOR UPDATE SKIP LOCKED, so two processes take different ones, and
//     a delivery is unique per (endpoint, event).
//
//   - Deliver claims due deliveries by moving their next attempt a lease
//     ahead, guarded by the time it read (so two processes never claim the
//     same one), posts each outside any transaction, and records the
//     outcome guarded by the attempt it claimed. A 2xx is delivered; any
//     other answer, or none within the timeout, is retried on a schedule
//     of growing waits that spans more than three days (Backoff), then the
//     delivery is failed; an endpoint that has failed every delivery for
//     five days is disabled (its owner re-enables it).
//
//   - Prune deletes events and deliveries older than Retention (30 days),
//     oldest first, a bounded number a call.
//
// Delivery is at least once: a process that dies between posting and
// recording posts again when the lease ends. Each delivery carries its
// event's id as webhook-id, which a receiver uses to drop duplicates.
//
// # Signing
//
// Each endpoint has a secret, "whsec_" and base64 of 24 random bytes,
// shown once when the endpoint is made or its secret rotated. A request
// carries webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature: "v1," and base64 of HMAC-SHA256 over
// "id.timestamp.body" with the secret's bytes. For a day after a rotation
// the request is signed with both secrets, space-separated, so that a
// receiver may switch when it likes.
//
// # Who may reach what
//
// A member's endpoint sees only events that name the member (as the one
// whose money moved or the one it reached); the operator's endpoints see
// every event. A member's endpoint may not point at a loopback, private or
// link-local address, checked when it is registered and again when each
// connection is made (a name that resolves elsewhere later is refused
// then), unless the operator allows it (Options.AllowPrivate: tests, a
// development install).
package events
