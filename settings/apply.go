package settings

import (
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/payments"
)

// Targets are the services that charge and decide by the settings; a nil
// one is skipped.
type Targets struct {
	Payments   *payments.Service
	Commerce   *commerce.Service
	Funding    *funding.Service
	Compliance *compliance.Service
}

// Apply makes s hand each target its part of the settings on every
// change (Refresh), the first Refresh included: the wiring that serve and
// the tests share.
func (s *Service) Apply(t Targets) {
	s.OnChange(func(v Values) error {
		var errs []error
		if t.Payments != nil {
			errs = append(errs, t.Payments.SetPrices(payments.Prices{TipFeeBps: v.Int(TipFeeBps), CoinPriceMinor: v.Int(CoinPrice), CoinRedeemMinor: v.Int(CoinRedeem)}))
		}
		if t.Commerce != nil {
			errs = append(errs, t.Commerce.SetFees(commerce.Fees{FeeBps: v.Int(ShopFeeBps), QRFeeBps: v.Int(QRFeeBps),
				QRSettleAfter: v.Duration(QRSettleAfter), DisputeWindow: v.Duration(DisputeWindow)}))
		}
		if t.Funding != nil {
			errs = append(errs, t.Funding.SetFees(funding.Fees{CardFeeBps: v.Int(TopUpFeeBps), CardFeeFixed: v.Int(TopUpFeeFixed),
				InstantFeeBps: v.Int(InstantFeeBps), InstantFeeMin: v.Int(InstantFeeMin)}))
		}
		if t.Compliance != nil {
			errs = append(errs, t.Compliance.SetRules(rules(v)))
		}
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// tierOrder is compliance's tiers by the number the settings' keys give
// them.
var tierOrder = [tiers]compliance.Tier{compliance.Unverified, compliance.Identified, compliance.Verified}

func rules(v Values) compliance.Rules {
	r := compliance.Rules{Limits: map[compliance.Tier]compliance.Limits{}, FundingLimits: map[compliance.Tier]compliance.Limits{},
		CoolingOffAbove: v.Int(CoolingOffAbove), CoolingOffHold: v.Duration(CoolingOffHold)}
	for i, t := range tierOrder {
		r.Limits[t] = compliance.Limits{PerTransfer: v.Int(LimitKey(i, LimitPerTransfer)), PerDay: v.Int(LimitKey(i, LimitPerDay)), PerMonth: v.Int(LimitKey(i, LimitPerMonth))}
		r.FundingLimits[t] = compliance.Limits{PerDay: v.Int(LimitKey(i, FundingPerDay)), PerMonth: v.Int(LimitKey(i, FundingPerMonth))}
	}
	return r
}
