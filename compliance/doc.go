// Package compliance is Nestegg's one policy checkpoint: every movement of
// money a member starts passes Check, inside the transaction that moves it,
// and gets a Decision — allow, hold or deny, with a reason a person can
// read. Every decision, and every staff action on a member's compliance
// state, goes into an append-only audit log (table compliance_audit): rows
// are inserted, never updated or deleted.
//
// # Rules, in the order they are applied
//
//  1. A frozen member cannot send: every movement they start is denied.
//  2. Jurisdictions: a member whose verified address (Status.Region) is
//     outside Config.Regions (the US by default) cannot send, add or
//     receive money — only withdraw (Movement.CashOut) — and the denial
//     says why; a receiver's region is read without a lock (Prepare reads
//     a batch's receivers in one statement). Refunds and releases, which
//     return money, are not stopped.
//  3. Limits by KYC tier (unverified, identified, verified), per
//     transfer, per rolling 24 hours and per rolling 30 days, counted in one asset (Config.Asset,
//     USD by default) by the movement's class, which the movement kernel's
//     table of kinds (package movement) gives: Spend — payments, tips,
//     coin and shop purchases, gifts, withdrawals — against Config.Limits;
//     Funding — card top-ups and bank deposits — against
//     Config.FundingLimits. Usage comes from this package's own table,
//     compliance_usage, which the kernel adds to with Record in every
//     counted movement's transaction, by the hour and by the day: a check
//     sums at most 56 rows, never a history. Refunds, releases and the
//     operator's credits are not counted; a cancelled hold gives its usage
//     back. Movements in other assets (coins) are not limited here.
//  4. Cooling-off (off by default): a first Spend movement to a payee the
//     member has never completed a payment or purchase to
//     (compliance_payees), above Config.CoolingOffAbove, is held for
//     Config.CoolingOffHold when it can wait (a payment; the payer may
//     cancel meanwhile) and refused when it cannot (a tip, a purchase), so
//     that buying from a new shop is no way around the hold.
//
// # Identity
//
// A member climbs the tiers by checks at the identity provider
// (Config.Identity, a rails.IdentityVerifier): SubmitIdentity (tier 1:
// legal name, date of birth, address, the national id's last four) and
// StartDocument (tier 2: a document and a selfie). An approved check
// raises the tier, never lowers it, and records the region of the address
// (Status.Region). What the member tells is sealed at rest (package seal,
// table compliance_identity) and opened only by Identity, for compliance
// staff, with a reason the audit log keeps in the same transaction; no
// answer to the member, no audit row and no error carries it.
//
// # Consistency
//
// Check locks the sender's compliance_users row (FOR UPDATE on
// PostgreSQL; SQLite's single writer serializes anyway), so that two
// concurrent payments by one member are decided one after the other and
// cannot both slip under a limit. For movements that commit together (the
// kernel's group commit), Prepare does the same for a whole batch at once
// — every sender's row locked in user id order, their usage and known
// payees read in one statement each — and the Batch it returns decides as
// Check would, counting what earlier movements of the batch used, and
// writes their usage in one statement at the end (TestBatchDecidesAsCheck
// holds it to that).
//
// Check writes its audit row in the caller's transaction. The movement
// kernel commits a denial with its audit row and nothing else, so that
// refusals are on record; a movement that is allowed but then fails for
// another reason (insufficient funds) rolls back together with its audit
// row, because it never happened. Compliance reads no table but its own
// (an architecture test keeps it so).
package compliance
