// Package money is Nestegg's arithmetic and notation for amounts of money.
//
// The contract, in short:
//
//   - An amount is an int64 count of an asset's minor units (cents for USD,
//     yen for JPY, satoshis for BTC). There are no floats anywhere in this
//     package, and callers must not introduce any: a float cannot hold 0.10
//     exactly, and a ledger that is off by a unit is wrong.
//   - An [Asset] is a code and a scale: the number of decimal places between
//     the major and the minor unit. [Lookup] knows the ISO 4217 currencies
//     with their minor units, the crypto assets BTC and USDC, and COIN, the
//     platform's in-app coins (an internal asset that never leaves Nestegg).
//   - Arithmetic is checked: [Add], [Sub], [Mul], [MulDiv] and the fee helpers
//     return an error (code nestegg.Invalid, "amount is too large") instead of
//     wrapping around. [Split] divides a total into parts that always sum to
//     the total.
//   - [Parse] reads what people type ("$5", "1,000.50", "0.0001 BTC", "5 usd")
//     exactly, digit by digit. It refuses, with a distinct message and code
//     nestegg.Invalid, anything that is empty, malformed, negative, too
//     precise for the asset, too large for an int64, or in an unknown asset.
//     [ParsePositive] also refuses zero.
//   - [Format] writes amounts for people ("$1,000.50", "¥500",
//     "0.00010000 BTC"), and Parse reads every string Format writes back to
//     the same amount. [FormatPlain] writes the bare decimal ("1000.50") for
//     CSV files and decimal strings in JSON.
//   - In the API an amount is an integer of minor units next to its asset
//     code; see [Amount.MarshalJSON].
package money
