// Package cards is members' debit cards: a virtual card issued through a
// rails.CardIssuer, the controls a member sets on it, and the real-time
// authorization of every purchase against the member's wallet, with the
// captures, reversals, refunds, expiries and disputes that follow — each a
// movement through the kernel (package movement).
//
// # No card numbers
//
// Nestegg never holds a card number or security code. The issuer keeps
// them; a card here is the issuer's id, the last four digits and the
// expiry. The full number reaches the member only from the issuer
// (Service.Reveal: the sandbox issuer's one-time page, Stripe's Issuing
// Elements).
//
// # The money
//
// An approved authorization holds its amount: a pending ledger transfer
// from the wallet to the platform's card issuing account (KindIssuing,
// what the platform owes the network), so the wallet's available balance
// drops at once. An increment adds a hold. A capture posts the holds for
// the captured amount: less than held releases the rest; more (a tip)
// takes the difference from the wallet, and what the wallet cannot pay is
// the platform's loss (the network does not take a capture back),
// recorded as the capture's shortfall. A reversal, or the expiry job once
// the network's window (Config.HoldWindow) has passed, voids the holds. A
// refund credits card issuing → wallet. A dispute credits the member
// provisionally from the platform's rewards expense account
// (KindRewards); won, the network's money repays that account; lost, the
// credit is taken back from the wallet.
//
// The platform earns interchange on every capture (Config.InterchangeBps
// of the amount, card issuing → fee revenue, in the capture's movement)
// and pays cash back (Config.CashbackBps, or a rate per merchant
// category) from the rewards expense account, as a movement of its own:
// its own line in the statement. Card lines name the merchant and its
// category in the movement's note; a purchase shows as pending in the
// wallet's statement until its capture posts it.
//
// # Deciding in real time, and concurrently
//
// Authorize reads the card and the wallet (no lock) to decide the
// controls and a partial approval, then holds in one movement that
// decides again on locked state: the card's row, updated only while it is
// active and its daily count stays within the daily limit (an UPDATE
// guarded by both, row count checked), and the wallet's balance, which
// the ledger never lets a hold overdraw. The checkpoint (compliance)
// decides the movement like any spending: a frozen member, a tier's
// limits. So concurrent purchases against one balance never approve more
// than it holds. Every state change elsewhere (a capture, a release, a
// dispute's close) is an UPDATE guarded by the status it expects, inside
// the movement whose idempotency key is the network's id: the issuer may
// tell Nestegg twice, and two processes may run the expiry job at once.
package cards
