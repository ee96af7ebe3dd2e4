// Package savings is members' savings that earn interest: a savings
// balance of its own (a ledger account per member and asset, "sav:…"),
// money moved between wallet and savings at once both ways, the
// operator's rates, daily accrual, monthly payouts, the platform's
// interest income and the year-end interest summary.
//
// # The convention: actual/365, compounding monthly
//
// A rate is an annual rate in basis points (400 = 4.00 %), set by the
// operator per asset with the day from which it applies (versions: the
// version in force on a day is the latest whose effective day is on or
// before it). A version may have tiers by balance band, applied like tax
// brackets: each band of the balance earns its band's rate (0 to 1,000.00
// at 4.00 %, the part above at 4.50 %, say).
//
// Interest accrues every day (UTC) on the savings balance as the ledger
// held it at the end of that day: a day earns balance × rate / 365 / 10,000
// minor units, in every year (actual/365 fixed: a leap year's 366 days
// each earn a 365th). No rounding happens on a day: the day's interest is
// kept exactly, as the integer numerator
//
//	Σ over bands  (the band's part of the balance) × (its rate in bps)
//
// in units of 1/3,650,000 of a minor unit (Denominator), one row per
// account and day (savings_accruals). At the end of a month, the month's
// numerators and the remainder carried in from the month before are
// summed; the whole minor units are paid into savings (a movement from the
// platform's interest expense account) and the fraction of a minor unit
// left over is carried into the next month, exactly: never rounded away
// and never invented. Because the payout joins the balance, interest
// compounds monthly: a 4.00 % rate pays an annual percentage yield of
// (1 + 0.04/12)^12 − 1 ≈ 4.07 % on a balance left alone.
//
// # Jobs, and why two processes may run them
//
// Accrue and Pay (run together by Run, every minute in serve) are safe to
// run in several processes at once. An account's accrual of a day is a row
// keyed by (account, day), inserted with the account's accrued_through
// advanced by an UPDATE guarded by the value it was read as; a month's
// payout is a row keyed by (account, month) and the account's paid_through
// advanced the same way, inside the payout's movement, whose idempotency
// key is the account and the month. A process that loses the race rolls
// back and moves on.
//
// # The platform's side
//
// Interest paid debits the platform's interest expense account
// (ledger.KindInterestExpense). The partner bank's yield on the cash it
// holds for members is recorded by the operator (RecordYield) as interest
// income: the bank's cash grows (ledger.KindCash) and so does
// ledger.KindInterestIncome. Margin reports both and their difference, the
// net interest margin.
//
// Amounts are integers everywhere; there is no floating point in this
// package (a test reads its source to keep it so).
package savings
