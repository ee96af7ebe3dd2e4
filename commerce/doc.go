// Package commerce is buying from posts: a business profile's catalogue,
// offers (posts with a Buy button and an optional buy hashtag), orders paid
// from the wallet in one tap, purchase intents made by posts (a live
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
