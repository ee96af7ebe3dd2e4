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
//	             fee_revenue (fee), posted when the charge succeeds, pending
//	             (lapsing in an hour) while 3-D Secure is awaited; paid out
//	             by the processor: cash ← card_clearing
//
// So bank_clearing's pending debits are the deposits in flight, its
// pending credits the outgoing credits in flight, and its posted balance
// the cash set aside for those: exactly what Reconcile checks against the
// movements, and what the day's NACHA file totals.
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
// Compliance: every deposit, withdrawal and top-up passes the compliance
// checkpoint (kinds "deposit", "withdrawal", "card_topup") in the
// transaction that creates it; a frozen member can do none of them.
//
// # Sensitive data
//
// Account numbers are accepted once (LinkBank), sealed with AES-256-GCM
// under Config.EncryptionKey with the bank account's id as additional
// data, and opened only to write a NACHA file or an instant payout.
// Everything else carries the last four digits. Card numbers never reach
// this package: LinkCard takes a processor token.
package funding
