// Package commerce is buying from posts: a business profile's catalogue,
// offers (posts with a Buy button and an optional buy hashtag), orders paid
// in one tap from the wallet or a saved card, purchase intents made by posts (a live
// offer's buy hashtag, or a merchant's gift handle and a friend) that the
// buyer confirms within 15 minutes, vouchers for gifts, shipping, refunds
// and disputes.
//
// # Money
//
// Every money path is a movement of package movement, the one path for
// moving money: Buy and a confirmed intent are a movement.Purchase (or a
// movement.Gift) from the buyer to the merchant, Amount the price and Fee
// the platform's fee (a gift's fee is taken when its voucher is redeemed,
// and shows there); a refund is a movement.OrderRefund from the merchant
// to the buyer; a dispute a movement.DisputeHold, then a
// movement.DisputeResolve; a voucher ends in a movement.VoucherRedeem or,
// run by the expiry job (Actor "job", keyed by the voucher, so that two
// processes move its value once), a movement.VoucherExpiry. The movement
// carries the order's id as its own (or as its Reference, for the later
// phases), and every ledger transfer it makes carries the movement's id.
//
// The kernel owns the protocol around the domain's work: the idempotency
// key (the buyer's key, "intent:<id>" for a confirmed intent) and the
// request's fingerprint, the replay of an earlier answer, the compliance
// checkpoint, the usage that limits count, and the commit. So a purchase
// or a gift counts toward the buyer's spending limits like a payment —
// business profiles included, and a member buying from a business profile
// of her own — and, as a purchase cannot wait, one that cooling-off would
// hold as a payment is refused with the reason instead. A denial commits
// only its audit row and comes back as Forbidden (errors.Is
// movement.ErrDenied), however wrapped. A key reused for another request
// is IdempotencyMismatch (Param "idempotency_key"), as in every domain.
//
// Commerce's work inside the movement takes the stock, writes its rows and
// submits linked transfers: buyer → merchant for the price, merchant →
// platform fee revenue for the fee (Config.FeeBps). Stock is taken by a
// conditional UPDATE (stock >= 1, the price the checkpoint saw) in that
// transaction, so concurrent buyers never oversell: the loser's movement,
// transfers included, rolls back alone. Movements from concurrent requests
// commit together (the ledger's group commit); none is answered before
// its commit. A purchase confirmed by a reply runs inside the post's own
// transaction (movement.Kernel.MoveIn), as a savepoint of it.
//
// # The price the buyer saw
//
// A buyer pays the price she was shown or nothing. A one-tap buy carries
// it (BuyInput.ExpectedPrice: the web app's Buy form, the CLI and API
// clients send the amount and asset they showed); a purchase intent keeps
// the price its post was told (Intent.Price) and the confirming page may
// repeat it. A different price in force (the merchant changed it in
// between) is refused with Conflict naming both prices, before the
// checkpoint (so the new price is neither counted nor denied) and again
// inside the movement, under the stock's lock, together with the check
// that the price is still the one the checkpoint saw. Nothing is charged
// and the stock stays; the buyer looks again and buys at the new price.
// The quote is a precondition, not part of the purchase: a retry of a key
// that bought replays its order, whatever the price is by then.
//
// # Buy hashtags
//
// Buy hashtags are matched and stored by TagKey: compatibility-normalised
// (NFKC) and lower-cased, so full-width or mathematical letters are the
// plain letters they show, and "#ＢｕｙＮｅｓｔＭｕｇ" is "#BuyNestMug". A
// merchant may declare only a tag already in that form and in one script
// (ValidBuyHashtag): a tag with a Cyrillic 'а' among Latin letters, which
// would pass for another shop's, is refused. Tags wholly in one script
// that resemble another's (all-Cyrillic look-alikes) are not detected.
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
// A card buy is two movements: funding's card top-up (movement.TopUp,
// counted against the buyer's funding limits) and then the purchase from
// the wallet. Before charging, the purchase is put to the checkpoint (a
// movement that goes no further than the decision), so a purchase over a
// spending limit, or one cooling-off refuses, is refused before the card
// is charged.
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
// it (the merchant wins). Its key is the order's, so a second dispute of
// the same order (even a concurrent one) replays the first and is
// refused. Refunds are plain transfers merchant → buyer; the platform
// keeps its fee.
//
// # In-store QR codes
//
// A business shows a static code at its counter (StaticQR: the payer types
// the amount, any number of times) or a dynamic one for a sale (CreateQR:
// its amount, paid once, before it expires). A code is a URL with a
// signed token:
//
//	https://<host>/q/<token>
//	token = "v1." code "." amount "." asset "." expires "." sig
//
// code is the code's id ("qr_…"), amount its minor units ("0" for a static
// code), asset its code ("USD"), expires Unix seconds ("0" for never), each
// number in one spelling (no sign, no leading zero); sig is the unpadded
// base64url of the first 16 bytes of HMAC-SHA256(server key, everything
// before ".sig"). The key is Config.QRKey, else one made once and kept in
// the database (table commerce_qr_keys) so that every process signs alike.
// A forged or altered token fails the signature; one that no longer
// matches its code's row is refused as well.
//
// PayQR moves the sale and any tip from the payer's wallet to the
// business's settlement account (stl:<merchant>:<asset>), marking a
// dynamic code paid in the same movement, guarded by its status and
// expiry. SettleQR (a job) pays each business what is Config.QRSettleAfter
// old: the total less Config.QRFeeBps of the sales to its wallet, the fee
// to fee revenue, claiming the payments with an UPDATE guarded by
// settlement_id = ” so that two processes settle each once. A refund
// before settlement comes back out of the settlement account; after it,
// from the business's wallet (the fee stays the operator's).
//
// PayQRWithCard pays a code with a saved card, as BuyWithCard buys: the
// code (paid once, not expired) and the checkpoint are checked first, the
// card is charged the sale, the tip and the card fee into the wallet under
// a key derived from the payment's, and the code is paid from the wallet.
//
// A business may send its takings on to a verified bank account
// (SetQRPayout): the settlement records the choice (payout_status 'due')
// and the same job withdraws the net to the bank (funding's standard
// withdrawal, free) under the key "qr-payout:<settlement>", so that two
// processes make one withdrawal, then marks it 'sent' or 'failed' by an
// UPDATE guarded by payout_status = 'due'. A failed payout leaves the
// money in the wallet and tells the business why.
//
// # Who may do what
//
// Methods take the acting member's id, established by the caller. Orders
// are visible to their buyer, recipient and merchant; a shipping address
// only to the merchant and the person who entered it. A voucher is redeemed
// only by the merchant that issued it. Anything not the caller's is
// NotFound.
package commerce
