// Package billing is recurring charges: plans with a price per period,
// subscriptions to them, renewals, proration, grace periods, receipts,
// refunds and revenue recognition. Premium (the operator's plans) and
// creators' subscription tiers both use it.
//
// # Money
//
// Every charge, refund and recognition is a movement (package movement):
// a charge takes the price from the subscriber's wallet — topped up first
// from a saved card through package funding when the subscription pays by
// card — and credits the platform's part to deferred revenue
// (ledger.KindDeferredRevenue); for a creator's plan the creator is paid
// the price and the platform's cut goes from the creator's wallet to
// deferred revenue in the same linked chain. Run's recognition moves
// deferred revenue into fee revenue as each charged period passes, so the
// operator's revenue is right in the middle of a month; once a period has
// passed, what was charged for it has all been recognized.
//
// # Periods
//
// A subscription's periods count from its anchor (the moment it started):
// the n-th ends n months (or years) after it, on the same day of the month
// or the month's last day when it has no such day (31 January, 28
// February, 31 March). A price change is a new version of the plan's price,
// effective PriceNotice after it is set: subscribers are told at once, and
// a period that starts at or after it pays it.
//
// # Rounding
//
// Amounts are integer minor units; every division rounds down, in the
// member's favour. An upgrade takes effect at once and charges what the
// rest of the period is worth at the new price less what it was worth at
// the old one. The period's worth is kept exactly, in minor units ×
// seconds (worth), with the remaining time counted in whole seconds
// (rounded down), and the member has always paid floor(worth / period
// length): never more than the periods used are worth, never a whole
// minor unit less, however many upgrades. A creator's cut is rounded down
// (the creator keeps the fraction); recognition of a charge at time t is
// floor(platform part × elapsed / length), and all of it at the period's
// end. A prorated refund gives back floor(part × unused / length) of each
// part.
//
// # Seats
//
// A plan may price seats beside its own price (the organization tier's
// affiliates, Plan.SeatPrice). A period costs the plan's price plus each
// seat's. More seats apply at once and are charged as an upgrade is (the
// rest of the period's worth at the new price less at the old); fewer
// apply from the period's end, when the renewal charges for them. A
// restored subscription keeps its seats.
//
// # Renewals and grace
//
// Run renews subscriptions whose period has ended: a downgrade chosen
// during the period applies then, a cancellation ends the subscription
// then (access stays until then). A renewal that fails (not enough money, a
// declined card, a checkpoint denial) puts the subscription past due and
// tries again RetryDays after the period's end (default days 1, 3 and 5),
// telling the member each time; after the last it lapses. Access stays
// during the grace period. PayNow restores a past-due subscription (its
// new period starts where the last ended); Subscribe restores a lapsed or
// ended one (a new period from now).
//
// Run is safe in several processes at once: each subscription is claimed
// with a lease (an UPDATE guarded by the lease's expiry), every change is an
// UPDATE guarded by the state it read (period number and attempts), and a
// charge's idempotency key is derived from the period and attempt, so a
// period is charged once whatever runs it.
package billing
