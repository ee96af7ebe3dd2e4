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
//  2. Limits by KYC tier (unverified, verified): per transfer, per rolling
//     24 hours and per rolling 30 days, counted in one asset (Config.Asset,
//     USD by default) from the member's outgoing payments in that window —
//     rows of the payments table (package payments) whose status is
//     completed or held. Movements in other assets (coins) are not limited
//     here; refunds and operator credits return or bring money and are not
//     counted either.
//  3. Cooling-off (off by default): a first person-to-person payment to a
//     payee the member has never paid before, above Config.CoolingOffAbove,
//     is held for Config.CoolingOffHold; the payer may cancel it meanwhile.
//
// # Consistency
//
// Check locks the sender's compliance_users row (FOR UPDATE on
// PostgreSQL; SQLite's single writer serializes anyway), so that two
// concurrent payments by one member are decided one after the other and
// cannot both slip under a limit.
//
// Check writes its audit row in the caller's transaction. A caller that is
// denied must commit that transaction with nothing else in it (package
// payments does), so that refusals are on record; a movement that is
// allowed but then fails for another reason (insufficient funds) rolls
// back together with its audit row, because it never happened.
package compliance
