// Package movement is the one path for moving money: the protocol of every
// business action that moves it (a payment, a tip, a purchase, a
// withdrawal, a settlement), shared by payments, commerce and funding so
// that none of them keeps a copy.
//
//	key + fingerprint → replay? → checkpoint (allow / hold / deny, audited)
//	  → the domain's own rows → ledger transfers → usage for limits
//	  → commit (group commit) → answer
//
// # A movement
//
// Kernel.Move takes a Request — its Kind, the caller's idempotency key
// (Actor, Key) and request Fingerprint, who pays and who is paid, the
// amount — and the domain's work, a function that writes the domain's rows
// through Tx.SQL and submits transfers through Tx.Submit. Every kind is
// declared once, in the table in kinds.go, with its label in statements,
// its direction, how it counts toward limits (compliance.Class), whether
// the checkpoint decides it and whether it can be held.
//
// The kernel writes one row per movement in table movements, claimed
// first: (actor, idem_key) is unique, so a second request with the key
// waits for the first to commit and then replays it (Result.Replayed, with
// the domain's object in Result.Reference); with another fingerprint it is
// IdempotencyMismatch. Every transfer a movement makes carries the
// movement's id as its ledger reference, so that statements and the book
// auditor can tell what every transfer was.
//
// The checkpoint (compliance.Service.Check) decides kinds that say Check;
// a denial keeps its audit row and nothing else (the claim is deleted, so
// the key may be tried again later) and Move returns Forbidden wrapping
// ErrDenied. Anything else that fails — insufficient funds, a sold-out
// product, a bug — rolls the whole movement back, audit row included: it
// never happened. After work, the kernel records the movement's usage
// (compliance.Record) in the same transaction, so that limits count
// exactly what committed.
//
// # Group commit
//
// Move hands the movement to the ledger's batcher (ledger.Ledger.Do):
// movements from concurrent requests run one after another in one database
// transaction, each inside a SAVEPOINT of its own, so that one that fails
// rolls back alone; the transaction commits once for all of them, and
// none is answered before that commit returns. A lone request costs one
// commit. On PostgreSQL, where a movement's statements are round trips one
// after another, several small batches commit side by side when every
// movement in them names its accounts (Request.Accounts: payments do);
// they lock those accounts first, in id order, so they never deadlock.
// The batch's transfers are decided in one ledger engine as each movement
// submits them and written after the last movement, and rows written with
// store.Insert (the audit row, a payment's row, a notification) are held
// and written in one statement per table then too: a movement must not
// read such rows back. A serialization failure or deadlock reruns the
// whole batch, so work may run more than once and must have no effect
// outside its transaction. MoveIn runs a movement inside a transaction the caller
// already holds (a post hook's), as a savepoint of it.
//
// A batch is prepared as a whole (ledger.Preparer, batch.go): before its
// first movement runs, one statement locks every paying member's
// compliance row (in user id order) and one reads their usage and known
// payees (compliance.Batch), and one looks up which of the batch's keys a
// committed movement already holds. The checkpoint then decides in memory,
// counting what earlier movements of the batch used, and the usage is
// written in one statement at the end. A key nobody holds is claimed by
// the movement's row, held (store.Later) with its final status and
// written with the batch; a key met again in the same batch is answered
// by the movement that claimed it, and a key claimed meanwhile by another
// batch or process is a unique violation when this batch writes, which
// runs the batch again claiming as it goes (ledger.Optimistic). So a
// payment costs the batch one statement of its own — the one that ends
// its savepoint and begins the next — where it cost ten (on PostgreSQL,
// ten round trips while the batch held its locks; counted in the server's
// statement log).
//
// # Isolation, and why each read-modify-write is safe
//
// PostgreSQL runs at READ COMMITTED (its default; every statement sees
// what committed before it began). Each decision rests on a row the
// movement locks first, so a concurrent movement that would decide on the
// same row waits for this one to commit and then reads the new value:
//
//   - the idempotency claim: the INSERT into movements blocks on a
//     concurrent insert of the same (actor, idem_key) until that one
//     commits or rolls back; a claim held for the batch's end fails the
//     batch on the unique index instead, and the batch runs again;
//   - limits: the checkpoint locks the member's compliance_users row (an
//     upsert, which locks as SELECT … FOR UPDATE does; for a whole batch
//     at once, in user id order) before it sums compliance_usage, so two
//     movements of one member are decided one after the other;
//   - balances: the ledger locks every account a transfer touches (FOR
//     UPDATE, in id order) and decides in memory on the locked values;
//     Tx.Account reads a balance the same way;
//   - the domains' own state (a payment held, an order's stock, a funding
//     movement's status) is read FOR UPDATE or changed by an UPDATE guarded
//     by the status it expects, with its row count checked.
//
// SQLite has one writer (BEGIN IMMEDIATE on the one write connection), so
// every transaction is serial there. Several serve processes may share one
// PostgreSQL: nothing above assumes a process is alone.
//
// # The API's record of a key
//
// A request through the API carries a Record (WithRecord) for its
// Idempotency-Key. The movement it makes writes the record in its own
// transaction — a pointer to the movement for one that committed (a replay
// runs the request again and the kernel answers with the movement), the
// rendered answer for a refusal — so that the key's stored answer is what
// actually happened, whatever the timing: two processes, or a crash
// between the commit and the answer.
//
// # The book auditor
//
// Kernel.Audit checks the books from scratch (movementtest.Audit runs it
// after every money test): debits equal credits per asset, every balance
// equals its transfers, no constrained account breaks its flag, every
// transfer touching a member's account belongs to a movement, every
// movement has its transfers, and every member account equals the sum of
// its movements.
//
// Only the ledger and this package submit transfers; an architecture test
// (architecture_test.go at the module root) keeps it so.
package movement
