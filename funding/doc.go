// Package funding moves money between Nestegg and the outside world: bank
// accounts (linked, verified by micro-deposits, account numbers sealed with
// AES-GCM), deposits and withdrawals over ACH, instant withdrawals, card
// top-ups, the day's NACHA file, return files, and reconciliation with the
// rails (package rails). It knows nothing of HTTP.
//
// # Chart of accounts
//
// Per asset (USD), with the ledger's platform accounts:
//
//	wal:<user>:USD                 the member's wallet (package payments' account)
//	rcv:<user>:USD                 what the member owes after a returned
//	                               deposit they had spent (debit-normal)
//	platform:USD:bank_clearing     ACH money in flight
//	platform:USD:card_clearing     what the card processor owes the platform
//	platform:USD:platform_cash     cash at the partner bank
//	platform:USD:fee_revenue       instant-withdrawal and top-up fees
//	platform:USD:expense           micro-deposits
//	platform:USD:equity            pays for micro-deposits
//
// Money in flight is always a pending (two-phase) ledger transfer on a
// clearing account, posted when the rail settles and voided when it
// refuses. As transfers (debit → credit):
//
//	deposit      bank_clearing → wallet, pending (the wallet shows it as
//	             incoming, not spendable); settled: post it, and cash →
//	             bank_clearing; returned before settling: void it
//	withdrawal   bank_clearing ← cash (the cash set aside), and wallet →
//	             bank_clearing pending (+ wallet → fee_revenue pending for
//	             instant); settled: post; refused: void, and cash ←
//	             bank_clearing back
//	micro        cash ← equity, bank_clearing ← cash, expense →
//	             bank_clearing pending; as a withdrawal from then on
//	top-up       card_clearing → wallet (amount) and card_clearing →
//	             fee_revenue (fee), pending from the moment the top-up is
//	             accepted (before the card is charged) until the
//	             processor answers, through 3-D Secure; posted when the
//	             charge succeeds, voided when it is declined or fails or
//	             3-D Secure is abandoned for an hour (the processor is
//	             asked first); a charge that succeeds after its
//	             reservation was voided or expired is credited afresh,
//	             posted, with the same two transfers; paid out by the
//	             processor: cash ← card_clearing (less what was
//	             refunded before); refunded at the processor: wallet →
//	             card_clearing before the payout, wallet → cash after it
//	             (what the wallet lacks, from the member's receivable)
//
// The processor's answers come from its webhook (CardEvent: Stripe's
// signed events, each acted on once) and from Sync, which polls open
// top-ups: at every Sync when there is no webhook, and only every
// Config.CardPollInterval, as the fallback for a lost event, when there is.
//
// So bank_clearing's pending debits are the deposits in flight, its
// pending credits the outgoing credits in flight, and its posted balance
// the cash set aside for those: exactly what Reconcile checks against the
// movements, and what the day's NACHA file totals. card_clearing's pending
// debits are the top-ups awaiting their charge, its posted balance what
// the processor has yet to pay out.
//
// # Policies
//
// Availability: a deposit is spendable when the bank settles it (the
// entry's effective date), not before; a card top-up is spendable when
// the charge succeeds, because the processor then owes the money.
//
// Returns: ACH returns usually arrive after settlement (the sandbox
// returns two days after). A deposit returned before settling simply
// never lands. One returned after settling is taken back out of the
// wallet; if the member already spent part of it, the wallet gives what it
// has and the rest is booked to their receivable: shown to them,
// blocking withdrawals, and collected first from their next settled
// deposit. The platform's cash repays the bank in full at once.
//
// Fees: standard withdrawals are free; instant withdrawals and card
// top-ups cost Config's fees, which the member sees before confirming (the
// API's quote endpoint, and the pages' confirmation step) and which the
// request may repeat (Fee) so that a changed fee is refused, not charged.
//
// # Movements
//
// Every money path is a movement of the movement kernel (package
// movement), which owns the idempotency key, the compliance checkpoint,
// the ledger transfers (each carries the movement's id as its reference)
// and the usage limits count; funding adds its own rows in the same
// transaction. A funding movement (dep_…, wdr_…, top_…) and the kernel
// movement that creates it share their id. The kinds (movement/kinds.go):
//
//	deposit, card_topup      from the member (Actor and From), Key their
//	                         idempotency key; the checkpoint decides and
//	                         they count toward the member's funding limits
//	                         (compliance Config.FundingLimits)
//	withdrawal,              the same, but counted as spending: per
//	instant_withdrawal       transfer, daily and monthly limits, with
//	                         payments and purchases (the fee is shown
//	                         apart and not counted)
//	micro_deposit            a bank account linked with its two
//	                         micro-deposits (platform-paid, Key
//	                         "link:<bank>"); later, their settlement or
//	                         return
//	card_topup_settle        a charge's answer: the reservation posted or
//	                         voided (Key "charge:<id>"); a charge that
//	                         succeeded after the void, credited afresh
//	                         (Key "late:<id>")
//	deposit_settle,          the bank's answers for an ACH entry or
//	withdrawal_settle,       instant payout (Key "settle:<id>" or
//	deposit_return,          "return:<id>")
//	withdrawal_return
//	card_payout              the processor paid a charge out (Key
//	                         "payout:<id>"), less what was refunded first
//	card_topup_refund        the processor refunded (part of) a charge:
//	                         the wallet gives it back, the rest becomes
//	                         the member's receivable (Key
//	                         "refund:<id>:<refunded total>")
//
// The answers of the rails are movements of Actor "job" whose Key derives
// from the funding movement: a member's request, Sync and ImportReturns,
// in any number of processes, apply each answer once (the second replays
// it). The same key reused with another request is IdempotencyMismatch. A
// denial commits its audit row and nothing else, and is Forbidden; a
// frozen member can neither deposit, top up nor withdraw. A transfer the
// platform's cash cannot cover (a payout) is Unavailable, never the
// member's fault.
//
// # Concurrency
//
// PostgreSQL runs at READ COMMITTED. Every read-modify-write of funding's
// rows happens under a lock or a guard: an answer locks its funding
// movement (FOR UPDATE) and acts only from the status it expects, every
// status update names the status it expects in its WHERE clause, a
// deposit or withdrawal locks the bank account it uses, a top-up the card,
// ExportACH claims the entries it puts in a file (FOR UPDATE SKIP LOCKED)
// and takes its numbers from counters (funding_sequences), VerifyBank
// locks the account's count of guesses and then the link, LinkBank the
// member's count of links for the day, LinkCard inserts the token's one
// row (funding_card_tokens); balances
// a decision rests on (what a wallet can pay, what a member owes) are read
// locked through the movement (movement.Tx.Account). The ledger's own
// constraints refuse whatever a lock might have missed. SQLite has one
// writer at a time.
//
// # Sensitive data
//
// Account numbers are accepted once (LinkBank), sealed with AES-256-GCM
// under Config.EncryptionKey with the bank account's id as additional
// data, and opened only to write a NACHA file or an instant payout.
// Everything else carries the last four digits. Card numbers never reach
// this package: LinkCard takes a processor token.
//
// # Guards
//
// Micro-deposit guesses are counted per bank account (its fingerprint),
// not per link, and only once the micro-deposits are sent; members have
// caps on links; card tokens link once and only for their owner; see
// docs/SECURITY.md and Config.
package funding
