// Package commerce is buying from posts: a business profile's catalogue,
// offers (posts with a Buy button and an optional buy hashtag), orders paid
// in one tap from the wallet or a saved card, purchase intents made by posts (a live
// offer's buy hashtag, or a merchant's gift handle and a friend) that the
// buyer confirms within 15 minutes, vouchers for gifts, shipping, refunds
// and disputes.
//
// # Money
//
// Every purchase passes the compliance checkpoint and takes its money in
// the same database transaction as its rows and its stock, with linked
// ledger transfers: buyer → merchant for the price, merchant → platform fee
// revenue for the fee (Config.FeeBps). Stock is taken by a conditional
// UPDATE (stock >= 1) in that transaction, so concurrent buyers never
// oversell: the loser's whole transaction, transfers included, rolls back.
//
// # Paying with a saved card
//
// BuyWithCard pays a one-tap buy with one of the buyer's linked cards
// (package funding) in three steps: check that the order can be taken
// (offer live, variant, in stock); charge the card the price plus the
// operator's card fee into the buyer's wallet through funding's card
// top-up (card_clearing → wallet, card_clearing → fee revenue); take the
// order from the wallet exactly as Buy does. The fee is funding's top-up
// fee (CardFee), shown before the buyer confirms and, when repeated in
// the request, refused rather than charged if it changed.
//
// The top-up's idempotency key is derived from the buy's, so a retry with
// the same key never charges twice and finishes what the first attempt
// started. A decline stops before anything: no charge, no order, no
// stock, and the processor's reason goes back to the buyer. A card that
// wants 3-D Secure also stops there; once the buyer confirms the top-up
// (funding's confirm flow) the money is in their wallet, and retrying the
// buy with the same key takes the order.
//
// Stock is checked, not reserved, while the card is charged: the charge
// is a call to the processor that no database transaction may span, and
// a reservation would need its own record to survive a crash. So if the
// last unit sells between the charge and the order (or the order fails
// for any other reason), the charged money stays in the buyer's wallet,
// spendable or withdrawable, and the error says so. Nothing is ever
// charged for a purchase that was refusable before the charge.
//
// A gift's money goes from the sender to the platform's liability account
// and stays there as long as the voucher lives: the platform owes it to
// whoever redeems it. Redemption moves it to the merchant (less the fee);
// expiry moves it back to the sender or on to the merchant, by the
// merchant's policy.
//
// A dispute holds the disputed amount with a pending transfer from the
// merchant's wallet to the buyer's; staff post it (the buyer wins) or void
// it (the merchant wins). Refunds are plain transfers merchant → buyer; the
// platform keeps its fee.
//
// # Who may do what
//
// Methods take the acting member's id, established by the caller. Orders
// are visible to their buyer, recipient and merchant; a shipping address
// only to the merchant and the person who entered it. A voucher is redeemed
// only by the merchant that issued it. Anything not the caller's is
// NotFound.
package commerce
