// Package payments moves money between members: wallets, sends, requests
// and splits, refunds, tips, coins and awards, payment history and the
// payments feed, and money in posts (commands addressed to the pay handle,
// which become payment intents). It knows nothing of HTTP.
//
// Nothing here keeps a balance: every movement is a set of ledger
// transfers, made through the movement kernel (package movement: tx.Submit
// inside the kernel's transaction, with the rows that describe it — a
// payment, a refund), so both commit or neither does. Every movement a
// member starts first passes the compliance checkpoint in that transaction.
//
// # Chart of accounts
//
// Per asset (USD by default, and COIN), with ledger.PlatformAccount's
// platform accounts "platform:<ASSET>:<kind>":
//
//	wal:<user>:<ASSET>         a member's wallet (kind "wallet"): what the
//	                           platform owes them; may never go below zero
//	platform:USD:platform_cash cash at the partner bank: Credit debits it
//	                           (money arrived) and credits the wallet
//	platform:USD:fee_revenue   tip fees and the coin spread
//	platform:USD:liability     the redemption value of coins in circulation
//	platform:COIN:liability    the coin issuer: debited when coins are sold,
//	                           credited when they are redeemed, so its debit
//	                           balance is the coins members hold
//
// The business actions, as transfers (debit → credit):
//
//	credit   platform cash → wallet
//	send     payer wallet → payee wallet (a pending transfer while held,
//	         posted by ReleaseHolds or voided by CancelHold)
//	refund   payee wallet → payer wallet, one transfer per refund
//	tip      tipper wallet → creator wallet, linked with creator wallet →
//	         fee revenue for the fee (no fee transfer when it is zero)
//	buy      wallet → USD liability (coins × redeem rate), linked with
//	         wallet → fee revenue (coins × (price − redeem rate)), linked
//	         with COIN liability → COIN wallet (coins)
//	award    giver COIN wallet → author COIN wallet
//	redeem   COIN wallet → COIN liability, linked with USD liability →
//	         wallet (coins × redeem rate)
//	red packet  wallet → esc:<packet> (the total); each opening
//	         esc:<packet> → opener's wallet (one share); at expiry the
//	         rest esc:<packet> → sender's wallet
//	pledge   wallet → esc:<gift> pending (a reservation); at the
//	         deadline every pledge posted, linked with esc:<gift> →
//	         recipient's wallet, or each voided; withdrawn: voided
//
// So, per asset, Σ wallets = cash in − fee revenue − coin liability, and
// the books always balance: Σ debits = Σ credits.
//
// # Idempotency
//
// Every money-moving call takes the caller's idempotency key. Ledger
// transfer ids are derived from (actor, key), so a retry can never move
// money twice, and the payment row carries (actor, key) under a unique
// index, so a retry returns the first payment; the same key with another
// body is a Conflict. Intents use "intent:<id>" as their key, so confirming
// twice acts once.
//
// # Money in posts
//
// OnPost, installed with social.Service.SetPostHook, reads every new post
// with ParseCommand. Only posts whose first word is the pay handle are
// commands; they create an Intent in the post's transaction, which the
// author confirms (ConfirmIntent) within 15 minutes, or which runs at once
// under the author's auto-confirm limit (SetAutoConfirm; off by default).
// Malformed commands move nothing and notify their author. Badges show an
// intent's status, never its amount.
//
// # Background work
//
// ReleaseHolds (held payments whose hold ended), ExpireIntents (intents
// past their 15 minutes), ExpireRedPackets (packets past their 24
// hours) and SettleGroupGifts (gifts past their deadline) are for a worker to call every few seconds; both
// are safe to run in several processes at once.
package payments
