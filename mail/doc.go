// Package mail sends Nestegg's email: address verification, password
// reset links, receipts for money received, sent and charged, and a weekly
// summary.
//
// # Sending
//
// A Sender delivers one Message. SMTP sends through the operator's mail
// server (github.com/wneessen/go-mail); Dir, the development sink used
// when no server is configured, writes each message as an .eml file into
// a folder and logs one line (the kind, the recipient's address and the
// file, never the body: it may carry a link's token). Every message has a
// plain-text part, and an HTML alternative.
//
// # The outbox
//
// Nothing is sent inside a database transaction. A message is first
// written to the outbox (mail_outbox) — in the transaction of what it
// reports when there is one — with a dedupe key that makes writing it
// twice a no-op, and the Deliver job sends it later:
//
//   - Deliver claims due messages by moving their next attempt a lease
//     ahead, guarded by the attempt count it read, so two processes never
//     send the same message at once; it composes and sends each outside
//     any transaction and records the outcome guarded by the attempt it
//     claimed. A failure is retried on Backoff's growing waits, then the
//     message is failed. A process that dies between sending and recording
//     sends again when the lease ends: delivery is at least once.
//   - What a message is composed from is sealed at rest when the server
//     has an encryption key, and emptied once the message is sent.
//   - Receipts and summaries go only to a verified address, composed when
//     sent (from the member's address then); a member without one is
//     skipped, not retried.
//
// # Receipts and the weekly summary
//
// Receipts come from the movement events the kernel writes in each
// movement's transaction (package events): the events package's fan-out
// job, which takes each event once across processes, hands them to
// Receipts, which writes a receipt per member named into the outbox in the
// fan-out's own transaction. The movement path writes nothing more.
//
// Weekly walks the members who want the summary (social.Recipients) once
// a week, a page at a time, remembering how far it got in mail_weekly
// (advanced by a guarded update), and writes each a summary of the past
// week's movements, keyed by member and week.
package mail
