package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/social"
)

// Body limits. The batch limit fits ledger.MaxBatch transfers of a few
// hundred bytes each.
const (
	smallBody = 64 << 10
	batchBody = 8 << 20
)

// Route describes one endpoint: what the route table says about it.
type Route struct {
	Method string
	// Pattern is the ServeMux path pattern, also the OpenAPI path
	// ("/api/v1/accounts/{id}").
	Pattern string
	Auth    AuthKind
	// BodyLimit is the most bytes of JSON body accepted; 0 means the route
	// takes no body and rejects one.
	BodyLimit   int64
	Idempotency Idempotency
}

// handlerFunc serves a route. body is the request body, already read and
// bounded (nil for routes without one). A returned error is written in the
// error shape; a handler writes only successes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, body []byte) error

type route struct {
	Route
	handler handlerFunc
	metrics *routeMetrics
}

// routeTable is every route the server serves. Adding a route here adds it
// to the mux, to the metrics, and to the tests that check the OpenAPI
// document and send every route malformed input.
func (s *Server) routeTable(withMetrics bool) []*route {
	const (
		get, post = http.MethodGet, http.MethodPost
		op        = AuthOperator
		req       = IdempotencyRequired

		del, patch = http.MethodDelete, http.MethodPatch
		mem, opt   = AuthMember, AuthOptionalMember
		noIdem     = IdempotencyNone
		optIdem    = IdempotencyOptional
	)
	rts := []*route{
		{Route{get, "/healthz", AuthNone, 0, IdempotencyNone}, s.healthz, nil},
		{Route{get, "/readyz", AuthNone, 0, IdempotencyNone}, s.readyz, nil},
		{Route{get, "/api/v1/openapi.json", AuthNone, 0, IdempotencyNone}, serveOpenAPI, nil},
		// Stripe's webhook: no session or token, its Stripe-Signature is
		// its credential (stripe_webhook.go).
		{Route{post, "/webhooks/stripe", AuthNone, smallBody, IdempotencyNone}, s.stripeWebhook, nil},

		{Route{post, "/api/v1/accounts", op, smallBody, IdempotencyOptional}, s.createAccount, nil},
		{Route{get, "/api/v1/accounts/{id}", op, 0, IdempotencyNone}, s.getAccount, nil},
		{Route{get, "/api/v1/accounts/{id}/transfers", op, 0, IdempotencyNone}, s.accountTransfers, nil},
		{Route{get, "/api/v1/platform/accounts/{asset}/{kind}", op, 0, IdempotencyNone}, s.platformAccount, nil},

		{Route{post, "/api/v1/transfers", op, smallBody, IdempotencyInLedger}, s.createTransfer, nil},
		{Route{post, "/api/v1/transfers/batch", op, batchBody, IdempotencyInLedger}, s.createTransferBatch, nil},
		{Route{get, "/api/v1/transfers/{id}", op, 0, IdempotencyNone}, s.getTransfer, nil},
		{Route{post, "/api/v1/transfers/{id}/post", op, smallBody, IdempotencyInLedger}, s.postPending, nil},
		{Route{post, "/api/v1/transfers/{id}/void", op, smallBody, IdempotencyInLedger}, s.voidPending, nil},

		// The social network (social_api*.go). Each handler acts for the
		// signed-in member only; social decides what that member may do.
		{Route{post, "/api/v1/signup", AuthNone, smallBody, noIdem}, s.apiSignup, nil},
		{Route{post, "/api/v1/login", AuthNone, smallBody, noIdem}, s.apiLogin, nil},
		{Route{post, "/api/v1/logout", mem, 0, noIdem}, s.apiLogout, nil},
		{Route{get, "/api/v1/me", mem, 0, noIdem}, s.apiGetMe, nil},
		{Route{patch, "/api/v1/me/profile", mem, smallBody, noIdem}, s.apiUpdateProfile, nil},
		{Route{post, "/api/v1/me/password", mem, smallBody, noIdem}, s.apiChangePassword, nil},
		// Email (email_api.go).
		{Route{post, "/api/v1/password/forgot", AuthNone, smallBody, noIdem}, s.apiForgotPassword, nil},
		{Route{post, "/api/v1/password/reset", AuthNone, smallBody, noIdem}, s.apiResetPassword, nil},
		{Route{post, "/api/v1/email/verify", AuthNone, smallBody, noIdem}, s.apiVerifyEmail, nil},
		{Route{post, "/api/v1/me/email/verify", mem, 0, noIdem}, s.apiResendVerification, nil},
		{Route{patch, "/api/v1/me/email", mem, smallBody, noIdem}, s.apiEmailSettings, nil},
		{Route{post, "/api/v1/me/2fa/enroll", mem, 0, noIdem}, s.apiEnrollTOTP, nil},
		{Route{post, "/api/v1/me/2fa/confirm", mem, smallBody, noIdem}, s.apiConfirmTOTP, nil},
		{Route{post, "/api/v1/me/2fa/disable", mem, smallBody, noIdem}, s.apiDisableTOTP, nil},
		{Route{post, "/api/v1/me/tokens", mem, smallBody, noIdem}, s.apiCreateToken, nil},
		{Route{get, "/api/v1/me/tokens", mem, 0, noIdem}, s.apiListTokens, nil},
		{Route{del, "/api/v1/me/tokens/{id}", mem, 0, noIdem}, s.apiRevokeToken, nil},

		{Route{post, "/api/v1/posts", mem, smallBody, optIdem}, s.apiCreatePost, nil},
		{Route{get, "/api/v1/posts/{id}", opt, 0, noIdem}, s.apiGetPost, nil},
		{Route{del, "/api/v1/posts/{id}", mem, 0, noIdem}, s.apiPostAction((*social.Service).DeletePost), nil},
		{Route{get, "/api/v1/posts/{id}/replies", opt, 0, noIdem}, s.apiPostReplies, nil},
		{Route{post, "/api/v1/posts/{id}/like", mem, 0, optIdem}, s.apiPostAction((*social.Service).Like), nil},
		{Route{del, "/api/v1/posts/{id}/like", mem, 0, noIdem}, s.apiPostAction((*social.Service).Unlike), nil},
		{Route{post, "/api/v1/posts/{id}/repost", mem, 0, optIdem}, s.apiPostAction((*social.Service).Repost), nil},
		{Route{del, "/api/v1/posts/{id}/repost", mem, 0, noIdem}, s.apiPostAction((*social.Service).Unrepost), nil},
		{Route{get, "/api/v1/timeline", mem, 0, noIdem}, s.apiHomeTimeline, nil},
		{Route{get, "/api/v1/users/{handle}", opt, 0, noIdem}, s.apiGetProfile, nil},
		{Route{get, "/api/v1/users/{handle}/posts", opt, 0, noIdem}, s.apiUserPosts, nil},
		{Route{post, "/api/v1/users/{handle}/follow", mem, 0, optIdem}, s.apiUserAction((*social.Service).Follow), nil},
		{Route{del, "/api/v1/users/{handle}/follow", mem, 0, noIdem}, s.apiUserAction((*social.Service).Unfollow), nil},
		{Route{post, "/api/v1/users/{handle}/block", mem, 0, optIdem}, s.apiUserAction((*social.Service).Block), nil},
		{Route{del, "/api/v1/users/{handle}/block", mem, 0, noIdem}, s.apiUserAction((*social.Service).Unblock), nil},
		{Route{get, "/api/v1/hashtags/{tag}", opt, 0, noIdem}, s.apiHashtagPosts, nil},
		{Route{get, "/api/v1/notifications", mem, 0, noIdem}, s.apiNotifications, nil},
		{Route{post, "/api/v1/notifications/read", mem, smallBody, noIdem}, s.apiMarkRead, nil},
		// Searching people takes a member: it lists accounts, and is not
		// for scrapers.
		{Route{get, "/api/v1/search/users", mem, 0, noIdem}, s.apiSearchUsers, nil},

		// Events and webhooks (events_api.go): the caller's own only.
		{Route{get, "/api/v1/events", mem, 0, noIdem}, s.apiListEvents, nil},
		{Route{post, "/api/v1/webhooks", mem, smallBody, noIdem}, s.apiCreateWebhook, nil},
		{Route{get, "/api/v1/webhooks", mem, 0, noIdem}, s.apiListWebhooks, nil},
		{Route{del, "/api/v1/webhooks/{id}", mem, 0, noIdem}, s.apiDeleteWebhook, nil},
		{Route{post, "/api/v1/webhooks/{id}/rotate", mem, 0, noIdem}, s.apiRotateWebhook, nil},
		{Route{post, "/api/v1/webhooks/{id}/enable", mem, 0, noIdem}, s.apiEnableWebhook, nil},
		{Route{get, "/api/v1/webhooks/{id}/deliveries", mem, 0, noIdem}, s.apiWebhookDeliveries, nil},
		{Route{post, "/api/v1/webhook-deliveries/{id}/redeliver", mem, 0, noIdem}, s.apiRedeliver, nil},

		// Payments (pay_api*.go). Each handler acts for the signed-in member
		// only, and money moves only with an Idempotency-Key; the wallet is
		// always the caller's own.
		{Route{get, "/api/v1/wallet", mem, 0, noIdem}, s.apiWallet, nil},
		{Route{get, "/api/v1/wallet/history", mem, 0, noIdem}, s.apiHistory, nil},
		{Route{get, "/api/v1/wallet/history.csv", mem, 0, noIdem}, s.apiHistoryCSV, nil},
		// The statement (statement_api.go): every movement touching the
		// caller's wallet, with the running balance; a month as JSON or CSV.
		{Route{get, "/api/v1/wallet/statement", mem, 0, noIdem}, s.apiStatement, nil},
		{Route{get, "/api/v1/wallet/statements/{month}", mem, 0, noIdem}, s.apiMonthly, nil},
		{Route{post, "/api/v1/payments", mem, smallBody, req}, s.apiSend, nil},
		{Route{get, "/api/v1/payments/feed", opt, 0, noIdem}, s.apiFeed, nil},
		{Route{get, "/api/v1/payments/{id}", mem, 0, noIdem}, s.apiGetPayment, nil},
		{Route{post, "/api/v1/payments/{id}/refund", mem, smallBody, req}, s.apiRefund, nil},
		{Route{post, "/api/v1/payments/{id}/cancel", mem, 0, req}, s.apiCancelHold, nil},
		{Route{post, "/api/v1/requests", mem, smallBody, req}, s.apiCreateRequest, nil},
		{Route{get, "/api/v1/requests", mem, 0, noIdem}, s.apiListRequests, nil},
		{Route{get, "/api/v1/requests/{id}", mem, 0, noIdem}, s.apiGetRequest, nil},
		{Route{post, "/api/v1/requests/{id}/pay", mem, 0, req}, s.apiPayRequest, nil},
		{Route{post, "/api/v1/requests/{id}/decline", mem, 0, optIdem}, s.apiCloseRequest(false), nil},
		{Route{post, "/api/v1/requests/{id}/cancel", mem, 0, optIdem}, s.apiCloseRequest(true), nil},
		{Route{post, "/api/v1/splits", mem, smallBody, req}, s.apiCreateSplit, nil},
		{Route{get, "/api/v1/splits/{id}", mem, 0, noIdem}, s.apiGetSplit, nil},
		{Route{post, "/api/v1/posts/{id}/tips", mem, smallBody, req}, s.apiTip(true), nil},
		{Route{get, "/api/v1/posts/{id}/tips", mem, 0, noIdem}, s.apiPostTips, nil},
		{Route{post, "/api/v1/users/{handle}/tips", mem, smallBody, req}, s.apiTip(false), nil},
		{Route{get, "/api/v1/me/tips", mem, 0, noIdem}, s.apiTipsReceived, nil},
		{Route{post, "/api/v1/coins/buy", mem, smallBody, req}, s.apiCoins(false), nil},
		{Route{post, "/api/v1/coins/redeem", mem, smallBody, req}, s.apiCoins(true), nil},
		{Route{post, "/api/v1/posts/{id}/awards", mem, smallBody, req}, s.apiGiveAward, nil},
		{Route{get, "/api/v1/awards", opt, 0, noIdem}, s.apiAwards, nil},
		{Route{get, "/api/v1/users/{handle}/payments", opt, 0, noIdem}, s.apiProfileFeed, nil},
		{Route{get, "/api/v1/intents/{id}", mem, 0, noIdem}, s.apiGetIntent, nil},
		{Route{get, "/api/v1/posts/{id}/intents", opt, 0, noIdem}, s.apiPostIntents, nil},
		{Route{post, "/api/v1/intents/{id}/confirm", mem, 0, req}, s.apiIntentAction(true), nil},
		{Route{post, "/api/v1/intents/{id}/cancel", mem, 0, optIdem}, s.apiIntentAction(false), nil},
		// Red packets (redpackets_api.go).
		{Route{post, "/api/v1/red-packets", mem, smallBody, req}, s.apiSendRedPacket, nil},
		{Route{get, "/api/v1/red-packets", mem, 0, noIdem}, s.apiRedPackets, nil},
		{Route{get, "/api/v1/red-packets/{id}", mem, 0, noIdem}, s.apiRedPacket, nil},
		{Route{post, "/api/v1/red-packets/{id}/open", mem, 0, req}, s.apiOpenRedPacket, nil},
		// Group gifts, all or nothing (groupgifts_api.go).
		{Route{post, "/api/v1/group-gifts", mem, smallBody, optIdem}, s.apiStartGroupGift, nil},
		{Route{get, "/api/v1/group-gifts/{id}", mem, 0, noIdem}, s.apiGroupGift, nil},
		{Route{post, "/api/v1/group-gifts/{id}/pledges", mem, smallBody, req}, s.apiPledge, nil},
		{Route{post, "/api/v1/pledges/{id}/withdraw", mem, 0, req}, s.apiWithdrawPledge, nil},
		{Route{get, "/api/v1/me/payment-settings", mem, 0, noIdem}, s.apiPaymentSettings, nil},
		{Route{http.MethodPut, "/api/v1/me/payment-settings", mem, smallBody, noIdem}, s.apiPaymentSettings, nil},

		// The operator's side of payments (pay_api_operator.go).
		{Route{post, "/api/v1/operator/credit", op, smallBody, req}, s.apiCredit, nil},
		{Route{post, "/api/v1/operator/users/{id}/freeze", op, smallBody, noIdem}, s.apiStaff("freeze"), nil},
		{Route{post, "/api/v1/operator/users/{id}/unfreeze", op, smallBody, noIdem}, s.apiStaff("unfreeze"), nil},
		{Route{post, "/api/v1/operator/users/{id}/tier", op, smallBody, noIdem}, s.apiStaff("tier"), nil},
		// Identity verification (verification_api.go).
		{Route{get, "/api/v1/me/verification", mem, 0, noIdem}, s.apiVerification, nil},
		{Route{post, "/api/v1/me/verification", mem, smallBody, noIdem}, s.apiSubmitIdentity, nil},
		{Route{post, "/api/v1/me/verification/document", mem, smallBody, noIdem}, s.apiStartDocument, nil},
		{Route{post, "/api/v1/operator/users/{id}/identity", op, smallBody, noIdem}, s.apiOperatorIdentity, nil},
		{Route{post, "/api/v1/operator/users/{id}/identity/review", op, smallBody, noIdem}, s.apiOperatorReview, nil},
		{Route{get, "/api/v1/operator/audit", op, 0, noIdem}, s.apiAudit, nil},
		// The operator's keys (operator_keys*.go): rotated and revoked,
		// never deleted. The secret is answered once, never kept.
		{Route{get, "/api/v1/operator/keys", op, 0, noIdem}, s.apiOperatorKeys, nil},
		{Route{post, "/api/v1/operator/keys", op, smallBody, noIdem}, s.apiCreateOperatorKey, nil},
		{Route{post, "/api/v1/operator/keys/{id}/rotate", op, 0, noIdem}, s.apiRotateOperatorKey, nil},
		{Route{post, "/api/v1/operator/keys/{id}/revoke", op, 0, noIdem}, s.apiRevokeOperatorKey, nil},

		// The shop (commerce_api*.go): each handler acts for the signed-in
		// member; commerce decides what is theirs and what they may see.
		{Route{post, "/api/v1/products", mem, smallBody, optIdem}, s.apiCreateProduct, nil},
		{Route{get, "/api/v1/products/{id}", opt, 0, noIdem}, s.apiGetProduct, nil},
		{Route{patch, "/api/v1/products/{id}", mem, smallBody, noIdem}, s.apiUpdateProduct, nil},
		{Route{get, "/api/v1/users/{handle}/products", opt, 0, noIdem}, s.apiCatalogue, nil},
		{Route{get, "/api/v1/me/shop", mem, 0, noIdem}, s.apiShopSettings, nil},
		{Route{http.MethodPut, "/api/v1/me/shop", mem, smallBody, noIdem}, s.apiShopSettings, nil},
		{Route{post, "/api/v1/offers", mem, smallBody, optIdem}, s.apiCreateOffer, nil},
		{Route{get, "/api/v1/offers/{id}", opt, 0, noIdem}, s.apiGetOffer, nil},
		{Route{post, "/api/v1/offers/{id}/end", mem, 0, optIdem}, s.apiEndOffer, nil},
		{Route{post, "/api/v1/offers/{id}/buy", mem, smallBody, req}, s.apiBuy, nil},
		{Route{get, "/api/v1/orders", mem, 0, noIdem}, s.apiOrders, nil},
		{Route{get, "/api/v1/orders/{id}", mem, 0, noIdem}, s.apiGetOrder, nil},
		{Route{http.MethodPut, "/api/v1/orders/{id}/shipping-address", mem, smallBody, noIdem}, s.apiOrderAddress, nil},
		{Route{post, "/api/v1/orders/{id}/ship", mem, smallBody, optIdem}, s.apiShipOrder, nil},
		{Route{post, "/api/v1/orders/{id}/refunds", mem, smallBody, req}, s.apiRefundOrder, nil},
		{Route{post, "/api/v1/orders/{id}/dispute", mem, smallBody, optIdem}, s.apiOpenDispute, nil},
		{Route{get, "/api/v1/purchases", mem, 0, noIdem}, s.apiPurchases, nil},
		{Route{post, "/api/v1/purchases/{id}/confirm", mem, 0, req}, s.apiConfirmPurchase, nil},
		{Route{get, "/api/v1/vouchers", mem, 0, noIdem}, s.apiVouchers, nil},
		{Route{post, "/api/v1/vouchers/redeem", mem, smallBody, optIdem}, s.apiRedeemVoucher, nil},
		// In-store QR payments (qr_api.go).
		{Route{get, "/api/v1/me/qr", mem, 0, noIdem}, s.apiStaticQR, nil},
		{Route{post, "/api/v1/qr-codes", mem, smallBody, optIdem}, s.apiCreateQR, nil},
		{Route{get, "/api/v1/qr-codes/{id}", mem, 0, noIdem}, s.apiQRCode, nil},
		{Route{get, "/api/v1/qr/{token}", mem, 0, noIdem}, s.apiResolveQR, nil},
		{Route{post, "/api/v1/qr-payments", mem, smallBody, req}, s.apiPayQR, nil},
		{Route{get, "/api/v1/qr-payments", mem, 0, noIdem}, s.apiTakings, nil},
		{Route{post, "/api/v1/qr-payments/{id}/refund", mem, 0, req}, s.apiRefundQR, nil},
		{Route{get, "/api/v1/me/qr-payout", mem, 0, noIdem}, s.apiQRPayout, nil},
		{Route{http.MethodPut, "/api/v1/me/qr-payout", mem, smallBody, noIdem}, s.apiQRPayout, nil},
		{Route{get, "/api/v1/disputes", mem, 0, noIdem}, s.apiDisputes, nil},

		// Subscriptions (billing_api.go): the caller's own; charges move
		// money only with an Idempotency-Key; staff refund and review checks.
		{Route{get, "/api/v1/plans", opt, 0, noIdem}, s.apiPlans, nil},
		{Route{post, "/api/v1/subscriptions", mem, smallBody, req}, s.apiSubscribe, nil},
		{Route{get, "/api/v1/subscriptions", mem, 0, noIdem}, s.apiSubscriptions, nil},
		{Route{get, "/api/v1/subscriptions/quote", mem, 0, noIdem}, s.apiSubscriptionQuote, nil},
		{Route{get, "/api/v1/subscriptions/{id}", mem, 0, noIdem}, s.apiSubscription, nil},
		{Route{post, "/api/v1/subscriptions/{id}/plan", mem, smallBody, req}, s.apiSubscriptionAction("plan"), nil},
		{Route{post, "/api/v1/subscriptions/{id}/cancel", mem, 0, optIdem}, s.apiSubscriptionAction("cancel"), nil},
		{Route{post, "/api/v1/subscriptions/{id}/resume", mem, 0, optIdem}, s.apiSubscriptionAction("resume"), nil},
		{Route{post, "/api/v1/subscriptions/{id}/pay", mem, 0, req}, s.apiSubscriptionAction("pay"), nil},
		{Route{http.MethodPut, "/api/v1/subscriptions/{id}/payment-method", mem, smallBody, noIdem}, s.apiSubscriptionAction("payment-method"), nil},
		{Route{post, "/api/v1/subscriptions/{id}/seats", mem, smallBody, req}, s.apiSetSeats, nil},
		{Route{get, "/api/v1/organization", mem, 0, noIdem}, s.apiOrganization, nil},
		{Route{post, "/api/v1/organization/affiliates", mem, smallBody, noIdem}, s.apiInviteAffiliate, nil},
		{Route{http.MethodDelete, "/api/v1/organization/affiliates/{handle}", mem, 0, noIdem}, s.apiRemoveAffiliate, nil},
		{Route{get, "/api/v1/affiliations", mem, 0, noIdem}, s.apiAffiliations, nil},
		{Route{post, "/api/v1/affiliations/{handle}/accept", mem, 0, noIdem}, s.apiAffiliation, nil},
		{Route{http.MethodDelete, "/api/v1/affiliations/{handle}", mem, 0, noIdem}, s.apiAffiliation, nil},
		{Route{get, "/api/v1/receipts", mem, 0, noIdem}, s.apiReceipts, nil},
		{Route{post, "/api/v1/operator/plans/{id}/price", op, smallBody, noIdem}, s.apiSetPlanPrice, nil},
		{Route{post, "/api/v1/operator/plans/{id}/perks", op, smallBody, noIdem}, s.apiSetPlanPerks, nil},
		{Route{post, "/api/v1/me/tiers", mem, smallBody, optIdem}, s.apiCreateTier, nil},
		{Route{patch, "/api/v1/me/tiers/{id}", mem, smallBody, noIdem}, s.apiUpdateTier, nil},
		{Route{post, "/api/v1/me/tiers/{id}/price", mem, smallBody, noIdem}, s.apiTierPrice, nil},
		{Route{get, "/api/v1/me/earnings", mem, 0, noIdem}, s.apiEarnings, nil},

		// Money in and out (funding_api*.go): bank accounts, cards,
		// deposits, withdrawals and top-ups, each the caller's own; money
		// moves only with an Idempotency-Key. The sandbox tokenization is
		// the one route that receives a card number; it keeps no record.
		{Route{post, "/api/v1/bank-accounts", mem, smallBody, optIdem}, s.apiLinkBank, nil},
		{Route{get, "/api/v1/bank-accounts", mem, 0, noIdem}, s.apiBanks, nil},
		{Route{get, "/api/v1/bank-accounts/{id}", mem, 0, noIdem}, s.apiBank, nil},
		{Route{del, "/api/v1/bank-accounts/{id}", mem, 0, noIdem}, s.apiRemoveBank, nil},
		{Route{post, "/api/v1/bank-accounts/{id}/verify", mem, smallBody, noIdem}, s.apiVerifyBank, nil},
		{Route{get, "/api/v1/sandbox/bank-accounts/{id}/micro-deposits", mem, 0, noIdem}, s.apiSandboxMicroDeposits, nil},
		{Route{post, "/api/v1/sandbox/cards/tokens", mem, smallBody, noIdem}, s.apiTokenizeCard, nil},
		{Route{post, "/api/v1/cards", mem, smallBody, optIdem}, s.apiLinkCard, nil},
		{Route{get, "/api/v1/cards", mem, 0, noIdem}, s.apiCards, nil},
		{Route{del, "/api/v1/cards/{id}", mem, 0, noIdem}, s.apiRemoveCard, nil},
		{Route{post, "/api/v1/deposits", mem, smallBody, req}, s.apiDeposit, nil},
		{Route{get, "/api/v1/deposits", mem, 0, noIdem}, s.apiMovementsOf(funding.KindDeposit), nil},
		{Route{get, "/api/v1/deposits/{id}", mem, 0, noIdem}, s.apiMovementOf(funding.KindDeposit), nil},
		{Route{get, "/api/v1/withdrawals/quote", mem, 0, noIdem}, s.apiWithdrawalQuote, nil},
		{Route{post, "/api/v1/withdrawals", mem, smallBody, req}, s.apiWithdraw, nil},
		{Route{get, "/api/v1/withdrawals", mem, 0, noIdem}, s.apiMovementsOf(funding.KindWithdrawal), nil},
		{Route{get, "/api/v1/withdrawals/{id}", mem, 0, noIdem}, s.apiMovementOf(funding.KindWithdrawal), nil},
		{Route{get, "/api/v1/topups/quote", mem, 0, noIdem}, s.apiTopUpQuote, nil},
		{Route{post, "/api/v1/topups", mem, smallBody, req}, s.apiTopUp, nil},
		{Route{get, "/api/v1/topups", mem, 0, noIdem}, s.apiMovementsOf(funding.KindTopUp), nil},
		{Route{get, "/api/v1/topups/{id}", mem, 0, noIdem}, s.apiMovementOf(funding.KindTopUp), nil},
		{Route{post, "/api/v1/topups/{id}/confirm", mem, 0, req}, s.apiConfirmTopUp, nil},
		{Route{get, "/api/v1/movements", mem, 0, noIdem}, s.apiMovementsOf(""), nil},
		{Route{get, "/api/v1/movements/{id}", mem, 0, noIdem}, s.apiMovementOf(""), nil},
		{Route{get, "/api/v1/operator/reconciliation", op, 0, noIdem}, s.apiReconciliation, nil},
		{Route{post, "/api/v1/operator/ach/export", op, 0, optIdem}, s.apiExportACH, nil},
		{Route{post, "/api/v1/operator/ach/returns", op, batchBody, optIdem}, s.apiImportACHReturns, nil},

		// Savings (savings_api.go): the caller's own; money moves only with
		// an Idempotency-Key. The operator sets rates and records the
		// partner bank's yield.
		{Route{get, "/api/v1/savings", mem, 0, noIdem}, s.apiSavings, nil},
		{Route{post, "/api/v1/savings", mem, smallBody, optIdem}, s.apiOpenSavings, nil},
		{Route{post, "/api/v1/savings/deposits", mem, smallBody, req}, s.apiSavingsMove(true), nil},
		{Route{post, "/api/v1/savings/withdrawals", mem, smallBody, req}, s.apiSavingsMove(false), nil},
		{Route{get, "/api/v1/savings/statement", mem, 0, noIdem}, s.apiSavingsStatement, nil},
		{Route{get, "/api/v1/savings/interest/{year}", mem, 0, noIdem}, s.apiInterestSummary, nil},
		{Route{get, "/api/v1/savings/rates", opt, 0, noIdem}, s.apiSavingsRates, nil},
		{Route{post, "/api/v1/operator/savings/rates", op, smallBody, noIdem}, s.apiSetSavingsRate, nil},
		{Route{post, "/api/v1/operator/savings/yields", op, smallBody, req}, s.apiRecordYield, nil},
		{Route{get, "/api/v1/operator/savings/margin", op, 0, noIdem}, s.apiSavingsMargin, nil},
		{Route{get, "/api/v1/operator/savings/interest/{year}", op, 0, noIdem}, s.apiOperatorInterestSummary, nil},

		// Debit cards (debitcards_api.go): the caller's own. Purchases are
		// simulated (a merchant played) in sandbox mode only; money moves
		// there with an Idempotency-Key.
		{Route{get, "/api/v1/debit-cards", mem, 0, noIdem}, s.apiDebitCards, nil},
		{Route{post, "/api/v1/debit-cards", mem, 0, optIdem}, s.apiIssueDebitCard, nil},
		{Route{get, "/api/v1/debit-cards/{id}", mem, 0, noIdem}, s.apiDebitCard, nil},
		{Route{post, "/api/v1/debit-cards/{id}/freeze", mem, 0, noIdem}, s.apiFreezeDebitCard(true), nil},
		{Route{post, "/api/v1/debit-cards/{id}/unfreeze", mem, 0, noIdem}, s.apiFreezeDebitCard(false), nil},
		{Route{patch, "/api/v1/debit-cards/{id}/controls", mem, smallBody, noIdem}, s.apiDebitCardControls, nil},
		{Route{post, "/api/v1/debit-cards/{id}/reveal", mem, 0, noIdem}, s.apiRevealDebitCard, nil},
		{Route{get, "/api/v1/debit-cards/{id}/transactions", mem, 0, noIdem}, s.apiDebitCardTransactions, nil},
		{Route{post, "/api/v1/debit-cards/{id}/simulate", mem, smallBody, req}, s.apiSimulateCardPurchase, nil},
		{Route{post, "/api/v1/debit-cards/authorizations/{id}/capture", mem, smallBody, req}, s.apiSimulateCardCapture, nil},
	}
	if withMetrics {
		// Metrics name every route with its counts and timings, the Go
		// runtime and the queues: the operator's, not the public's.
		rts = append(rts, &route{Route{get, "/metrics", op, 0, IdempotencyNone}, serveHandler(s.prom), nil})
	}
	return rts
}

// registerRoutes is the one place routes reach the mux.
func (s *Server) registerRoutes(withMetrics bool) {
	s.routes = s.routeTable(withMetrics)
	for _, rt := range s.routes {
		if strings.HasPrefix(rt.Pattern, "/api/v1/staff") {
			panic("web: " + rt.Pattern + " is a staff route: declare it in staffRouteTable with its roles")
		}
	}
	// Staff routes (staff_routes.go) join the table with their roles.
	s.staffRules = map[*route]staffRule{}
	for _, sr := range s.staffRouteTable() {
		rt := &route{sr.Route, s.auditedHandler(sr.rule, sr.handler), nil}
		s.staffRules[rt] = sr.rule
		s.routes = append(s.routes, rt)
	}
	for _, rt := range s.routes {
		rt.metrics = s.metrics.route(rt.Method + " " + rt.Pattern)
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
}

// Routes returns the route table, in registration order.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Route
	}
	return out
}

// wrap builds a route's handler: authentication, body, idempotency, and the
// error shape for anything the handler returns.
func (s *Server) wrap(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*recorder); ok {
			rec.route = rt.metrics
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, &nestegg.Error{Code: nestegg.Internal, Op: "panic",
					Err: fmt.Errorf("%v\n%s", v, debug.Stack())})
			}
		}()
		if err := s.serveRoute(rt, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(rt *route, w http.ResponseWriter, r *http.Request) error {
	r, err := s.authenticate(rt.Auth, r)
	if err != nil {
		return err
	}
	if rt.Auth == AuthMember || rt.Auth == AuthOptionalMember {
		if p, ok := PrincipalFrom(r.Context()); ok && p.Kind == PrincipalMember {
			cred := r.Header.Get("Authorization")
			if cred == "" {
				cred = r.Header.Get("Cookie")
			}
			if err := s.admitMember(w, r, cred); err != nil {
				return err
			}
		}
	}
	if rule, ok := s.staffRules[rt]; ok {
		if err := s.guardRoute(rule, r); err != nil {
			return err
		}
	}
	// Ids and filters are checked here, once for every route (bodies in
	// decodeJSON): see checkURLText.
	if err := checkURLText(rt.Pattern, r); err != nil {
		return err
	}
	var body []byte
	if rt.BodyLimit > 0 {
		if body, err = readBody(w, r, rt.BodyLimit); err != nil {
			return err
		}
	} else if r.ContentLength != 0 {
		return nestegg.Errorf(nestegg.Invalid, "this endpoint takes no request body")
	}
	if rt.Idempotency != IdempotencyNone && r.Method == http.MethodPost {
		return s.serveIdempotent(rt, w, r, body)
	}
	return rt.handler(w, r, body)
}

// serveHandler adapts a plain http.Handler (promhttp) to a route.
func serveHandler(h http.Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		h.ServeHTTP(w, r)
		return nil
	}
}
