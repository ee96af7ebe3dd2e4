// Package rails is how money enters and leaves Nestegg: the bank rail (ACH,
// with NACHA files written and read by github.com/moov-io/ach) and the card
// processor rail. Each rail is one interface with a deterministic sandbox
// that ships in the product and is the default, so an install works offline
// with no accounts anywhere, and a real adapter:
//
//	Bank           SandboxBank (simulates the partner bank, returns included)
//	               FileBank    (files in an outbox for the operator to upload,
//	                            return files from an inbox)
//	CardProcessor  SandboxCards (well-known test card numbers)
//	               Stripe       (github.com/stripe/stripe-go, tested against
//	                            stripe-mock)
//	CardIssuer     SandboxIssuer (holds the numbers it issues, reveals one
//	                            once through a one-time link, plays the
//	                            network: purchases, captures, refunds,
//	                            reversals, disputes)
//	               StripeIssuing (Stripe Issuing on stripe-go, tested against
//	                            stripe-mock by the same conformance suite)
//	IdentityVerifier SandboxIdentity (outcomes chosen by the id's last four)
//	               StripeIdentity (Stripe Identity's verification sessions,
//	                            tested against stripe-mock)
//
// The rails know nothing of the ledger or the database: they carry entries
// and charges and report what the outside world says happened to them
// (Records, Charge). Package funding turns that into ledger transfers and
// reconciles the two.
//
// # Sensitive data
//
// A full card number or CVC passes through exactly one function,
// SandboxCards.Tokenize, which stands in for the processor's client-side
// tokenization (Stripe.js posts card data to Stripe, never to the
// merchant); it keeps and logs nothing and returns a token, brand, last four
// digits and expiry. An issued card's number never reaches Nestegg at all:
// the issuer keeps it (SandboxIssuer derives it from a seed only it holds)
// and shows it to the cardholder itself (RevealCard, Stripe's Issuing
// Elements); the rail's types carry the issuer's id and the last four.
// Bank account numbers appear in full only inside NACHA
// files, which is what the format is for; records carry the last four.
//
// # The sandbox bank's rules
//
// Entries settle on their effective date. A debit from an account number
// ending in 0001, 0002 or 0003 is returned R01 (insufficient funds), R02
// (account closed) or R03 (no account) two days after its effective date,
// that is after it settled, as real returns do; a credit to such an account
// is returned the same way. Every other entry settles and stays settled.
//
// On a short clock (SettleAfter, which `serve --sandbox-clock` and
// `--demo` set), the sandbox bank settles an entry that long after it
// received the file, and returns a returning one that long after it
// settled; the sandbox card processor pays a charge out that long after
// it succeeded. Everything else is the same.
package rails
