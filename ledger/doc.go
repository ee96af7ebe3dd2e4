// Package ledger is Nestegg's double-entry engine, modelled on TigerBeetle's
// accounts and transfers.
//
// # Model
//
// An Account holds one asset and four balances: debits and credits, each
// pending and posted. Balances change only by transfers, in the same
// database transaction that stores the transfer; nothing else writes them.
// A Transfer moves a positive amount of one asset from a debit account to a
// different credit account. Its id is chosen by the client and is its
// idempotency key forever: the same id with the same fields returns the
// first result (StatusExists), with different fields it fails
// (StatusExistsWithDifferentFields). Refused transfers are not stored, so a
// refused id may succeed later (after a deposit, say).
//
// Linked transfers (Linked on every transfer but the last of a chain)
// commit or fail together; a failure names the transfer that failed and
// marks the others linked_event_failed. Two-phase transfers reserve an
// amount (Pending, counted against constraints) and later post all or part
// of it (PostPending) or release it (VoidPending); a pending transfer with a
// timeout that passes is voided by ExpirePending, which serve runs every
// second.
//
// # Invariants
//
// The engine (engine.go) decides every result in memory over a working set
// loaded under lock, and all invariants live there: amounts are positive,
// debit and credit accounts differ and hold the transfer's asset, an account
// with DebitsMustNotExceedCredits never has debits (pending + posted) above
// its posted credits (and the mirror for CreditsMustNotExceedDebits), and
// additions are checked for overflow. Because every transfer adds the same
// amount to one debit and one credit column, Σ debits = Σ credits per asset,
// for posted and for pending amounts, always. The property test checks all
// of this against a plain in-memory model after every step.
//
// # Group commit
//
// Submit hands a request to the batcher. A committer goroutine takes the
// first queued request and every other request already queued, up to
// Options.MaxBatch transfers (8,190, TigerBeetle's batch), without waiting
// for more unless Options.MaxWait says to: requests that arrive while a batch
// commits form the next batch, so batches grow with load by themselves and a
// lone request costs one commit. The batch runs in one database transaction:
//
//  1. load: the transfers whose ids are already taken (replays), the pending
//     transfers being resolved, and every account involved — on PostgreSQL
//     with SELECT … FOR UPDATE, accounts in id order, so that batches in
//     several processes lock rows in one global order and cannot deadlock
//     (a deadlock or serialization failure retries the whole batch);
//  2. decide every transfer's result in memory, request by request (a
//     linked chain never spans two requests);
//  3. write: a multi-row INSERT of the new transfers and pending states, and
//     one UPDATE per touched account (one UPDATE … FROM VALUES on
//     PostgreSQL), plus each request's Rider rows (the API's stored response
//     for the request's Idempotency-Key);
//  4. commit — the one fsync (SQLite WAL with synchronous=FULL;
//     PostgreSQL with synchronous_commit=on).
//
// Only after the commit returns is any request in the batch answered, so an
// acknowledged transfer is on disk.
//
// A batch also carries units of work (Do): the movement kernel's movements,
// each a function that writes its domain's rows and submits its transfers
// with SubmitTx. They run in one transaction, each inside a SAVEPOINT of
// its own, so that one that fails rolls back alone; the batch commits once
// for all. Their transfers are decided as they are submitted in one engine
// for the whole batch (a unit sees the balances the units before it left,
// and AccountTx reads them from it), a unit rolled back to its savepoint is
// taken back out of the engine by its journal, and what the batch kept is
// written after the last unit by the same few bulk statements as a batch of
// transfers. Units of work queue apart from transfers and have committers
// of their own (Options.WorkCommitters: 1 on SQLite, 2 on PostgreSQL, at
// most MaxWorks units a batch: all queued on SQLite, 64 on PostgreSQL). A unit that names every account it will
// touch lets its batch read and lock them all first, in id order, so that
// such batches commit side by side without deadlocking; a batch with a
// unit that does not takes its locks as it goes and commits alone among
// the process's batches of work. A request whose caller gave up before
// its batch began is dropped unanswered by the database; once a batch has
// begun, its requests are committed or failed as a whole. Close stops
// accepting requests and commits every one already queued.
package ledger
