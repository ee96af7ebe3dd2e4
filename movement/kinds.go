package movement

import (
	"slices"
	"strings"

	"github.com/nestegg/nestegg/compliance"
)

// Kind is what a movement is. Every kind is declared once, in kinds below.
type Kind string

// Direction is which way a kind moves a member's money.
type Direction string

// The directions.
const (
	Out      Direction = "out"      // leaves the member who starts it (to a member, a shop, a bank)
	In       Direction = "in"       // reaches a member from outside (a card, a bank, the operator)
	Back     Direction = "back"     // returns money an earlier movement moved (refunds, returns, expiries)
	Internal Direction = "internal" // settles an earlier movement (a hold released, a deposit cleared)
)

// Info is what the table says about a kind.
type Info struct {
	Kind Kind
	// Label is what a statement calls it.
	Label     string
	Direction Direction
	// Class is how it counts toward the starting member's limits.
	Class compliance.Class
	// Check says the checkpoint decides it (every movement a member starts;
	// not the jobs that settle one already decided).
	Check bool
	// Holdable: the checkpoint may hold it (cooling-off) rather than deny.
	Holdable bool
	// Payee: completing it means its sender has paid its receiver
	// (cooling-off no longer applies between them).
	Payee bool
	// CashOut: it takes the member's money out to their own account
	// elsewhere (a withdrawal), which a member outside the licensed regions
	// may still do.
	CashOut bool
}

// The kinds. Names are stable: they are stored and shown in the API.
const (
	P2P               Kind = "p2p"
	Tip               Kind = "tip"
	Award             Kind = "award"
	CoinBuy           Kind = "coin_buy"
	CoinRedeem        Kind = "coin_redeem"
	Refund            Kind = "refund"
	Credit            Kind = "credit"
	HoldRelease       Kind = "hold_release"
	HoldCancel        Kind = "hold_cancel"
	Purchase          Kind = "purchase"
	Gift              Kind = "gift"
	VoucherRedeem     Kind = "voucher_redeem"
	VoucherExpiry     Kind = "voucher_expiry"
	OrderRefund       Kind = "order_refund"
	DisputeHold       Kind = "dispute_hold"
	DisputeResolve    Kind = "dispute_resolve"
	TopUp             Kind = "card_topup"
	TopUpSettle       Kind = "card_topup_settle"
	TopUpRefund       Kind = "card_topup_refund"
	Deposit           Kind = "deposit"
	DepositSettle     Kind = "deposit_settle"
	DepositReturn     Kind = "deposit_return"
	Withdrawal        Kind = "withdrawal"
	InstantWithdrawal Kind = "instant_withdrawal"
	WithdrawalSettle  Kind = "withdrawal_settle"
	WithdrawalReturn  Kind = "withdrawal_return"
	MicroDeposit      Kind = "micro_deposit"
	CardPayout        Kind = "card_payout"

	Subscription        Kind = "subscription"
	SubscriptionRenewal Kind = "subscription_renewal"
	SubscriptionUpgrade Kind = "subscription_upgrade"
	SubscriptionRefund  Kind = "subscription_refund"
	RevenueRecognition  Kind = "revenue_recognition"

	RedPacket          Kind = "red_packet"
	RedPacketOpen      Kind = "red_packet_open"
	RedPacketReturn    Kind = "red_packet_return"
	GiftPledge         Kind = "gift_pledge"
	GiftPledgeWithdraw Kind = "gift_pledge_withdraw"
	GiftPledgeRelease  Kind = "gift_pledge_release"
	GroupGiftPay       Kind = "group_gift_pay"
	QRPayment          Kind = "qr_payment"
	QRRefund           Kind = "qr_refund"
	QRSettlement       Kind = "qr_settlement"

	SavingsDeposit    Kind = "savings_deposit"
	SavingsWithdrawal Kind = "savings_withdrawal"
	SavingsInterest   Kind = "savings_interest"
	BankInterest      Kind = "bank_interest"

	CardAuthorization  Kind = "card_authorization"
	CardIncrement      Kind = "card_increment"
	CardReversal       Kind = "card_reversal"
	CardHoldExpiry     Kind = "card_hold_expiry"
	CardCapture        Kind = "card_capture"
	CardRefund         Kind = "card_refund"
	CardInterchange    Kind = "card_interchange"
	CardCashback       Kind = "card_cashback"
	CardDisputeCredit  Kind = "card_dispute_credit"
	CardDisputeWon     Kind = "card_dispute_won"
	CardDisputeReverse Kind = "card_dispute_reverse"
)

// kinds is the one table of movement kinds.
var kinds = map[Kind]Info{
	// Money between people (package payments).
	P2P:         {Label: "Payment", Direction: Out, Class: compliance.Spend, Check: true, Holdable: true, Payee: true},
	Tip:         {Label: "Tip", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	Award:       {Label: "Award", Direction: Out, Class: compliance.Spend, Check: true},
	CoinBuy:     {Label: "Coins bought", Direction: Out, Class: compliance.Spend, Check: true},
	CoinRedeem:  {Label: "Coins redeemed", Direction: In, Check: true},
	Refund:      {Label: "Refund", Direction: Back, Check: true},
	Credit:      {Label: "Credit from the operator", Direction: In, Check: true},
	HoldRelease: {Label: "Held payment released", Direction: Internal, Payee: true},
	HoldCancel:  {Label: "Held payment cancelled", Direction: Back},

	// Red packets (package payments): the total leaves the sender for the
	// packet's escrow; each opening and the expiry's return are paid from
	// it, decided already when it was sent.
	RedPacket:       {Label: "Red packet sent", Direction: Out, Class: compliance.Spend, Check: true},
	RedPacketOpen:   {Label: "Red packet opened", Direction: Internal},
	RedPacketReturn: {Label: "Red packet returned", Direction: Back},

	// Group gifts, all or nothing (package payments): a pledge reserves
	// (a pending transfer to the gift's escrow); the settling job posts
	// every pledge and pays the recipient, or voids each pledge.
	GiftPledge:         {Label: "Group gift pledge", Direction: Out, Class: compliance.Spend, Check: true},
	GiftPledgeWithdraw: {Label: "Group gift pledge withdrawn", Direction: Back},
	GiftPledgeRelease:  {Label: "Group gift pledge released", Direction: Back},
	GroupGiftPay:       {Label: "Group gift", Direction: Internal},

	// Buying from posts (package commerce).
	Purchase:       {Label: "Purchase", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	Gift:           {Label: "Gift", Direction: Out, Class: compliance.Spend, Check: true},
	VoucherRedeem:  {Label: "Voucher redeemed", Direction: Internal},
	VoucherExpiry:  {Label: "Voucher expired", Direction: Back},
	OrderRefund:    {Label: "Refund of a purchase", Direction: Back, Check: true},
	DisputeHold:    {Label: "Dispute: money held", Direction: Internal},
	DisputeResolve: {Label: "Dispute resolved", Direction: Back},

	// In-store QR payments (package commerce): the payer's money waits in
	// the business's settlement account until the settling job pays it
	// out, less the fee.
	QRPayment:    {Label: "Paid at a counter", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	QRRefund:     {Label: "Refund of a counter payment", Direction: Back, Check: true},
	QRSettlement: {Label: "Counter takings settled", Direction: Internal},

	// Money in and out (package funding).
	TopUp:             {Label: "Top-up from a card", Direction: In, Class: compliance.Funding, Check: true},
	TopUpSettle:       {Label: "Card top-up settled", Direction: Internal},
	TopUpRefund:       {Label: "Card top-up refunded", Direction: Back},
	Deposit:           {Label: "Bank deposit", Direction: In, Class: compliance.Funding, Check: true},
	DepositSettle:     {Label: "Bank deposit cleared", Direction: Internal},
	DepositReturn:     {Label: "Bank deposit returned", Direction: Back},
	Withdrawal:        {Label: "Withdrawal to a bank", Direction: Out, Class: compliance.Spend, Check: true, CashOut: true},
	InstantWithdrawal: {Label: "Instant withdrawal", Direction: Out, Class: compliance.Spend, Check: true, CashOut: true},
	WithdrawalSettle:  {Label: "Withdrawal sent", Direction: Internal},
	WithdrawalReturn:  {Label: "Withdrawal returned", Direction: Back},
	MicroDeposit:      {Label: "Verification deposits", Direction: Internal},
	CardPayout:        {Label: "Card payout", Direction: Internal},

	// Recurring charges (package billing). A charge pays the platform's
	// deferred revenue (and a creator, for a creator's plan); recognition
	// moves deferred revenue into revenue as the period passes, touching
	// no member.
	Subscription:        {Label: "Subscription", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	SubscriptionRenewal: {Label: "Subscription renewed", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	SubscriptionUpgrade: {Label: "Subscription upgraded", Direction: Out, Class: compliance.Spend, Check: true, Payee: true},
	SubscriptionRefund:  {Label: "Subscription refunded", Direction: Back},
	RevenueRecognition:  {Label: "Revenue recognized", Direction: Internal},

	// Savings (package savings). Moving money between a member's own wallet
	// and savings sends it to nobody: the checkpoint does not decide it and
	// it counts toward no limit. Interest is paid monthly from the
	// platform's interest expense; the partner bank's yield on the cash it
	// holds is the platform's interest income, touching no member.
	SavingsDeposit:    {Label: "Moved to savings", Direction: Internal},
	SavingsWithdrawal: {Label: "Moved from savings", Direction: Internal},
	SavingsInterest:   {Label: "Savings interest", Direction: In},
	BankInterest:      {Label: "Interest from the partner bank", Direction: Internal},

	// Debit cards (package cards). An authorization (and each increment)
	// is a purchase the checkpoint decides: it holds the amount (a
	// pending transfer wallet → card issuing) until the capture posts it
	// (more or less than held: the difference is paid or released), a
	// reversal or the expiry voids it. The capture is already decided;
	// refunds and a dispute's provisional credit come back from outside.
	// The platform's interchange touches no member; cash back is paid
	// from the rewards expense account.
	CardAuthorization:  {Label: "Card purchase", Direction: Out, Class: compliance.Spend, Check: true},
	CardIncrement:      {Label: "Card purchase: more authorized", Direction: Out, Class: compliance.Spend, Check: true},
	CardReversal:       {Label: "Card purchase reversed", Direction: Back},
	CardHoldExpiry:     {Label: "Card hold expired", Direction: Back},
	CardCapture:        {Label: "Card purchase", Direction: Internal},
	CardRefund:         {Label: "Card refund", Direction: Back},
	CardInterchange:    {Label: "Card interchange", Direction: Internal},
	CardCashback:       {Label: "Card cash back", Direction: In},
	CardDisputeCredit:  {Label: "Card dispute: provisional credit", Direction: In},
	CardDisputeWon:     {Label: "Card dispute won", Direction: Internal},
	CardDisputeReverse: {Label: "Card dispute lost: credit reversed", Direction: Back},
}

// Lookup returns what the table says about k, and whether k is declared.
func Lookup(k Kind) (Info, bool) {
	i, ok := kinds[k]
	i.Kind = k
	return i, ok
}

// Kinds returns the whole table, by name, for documentation and tests.
func Kinds() []Info {
	out := make([]Info, 0, len(kinds))
	for k := range kinds {
		i, _ := Lookup(k)
		out = append(out, i)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	return out
}
