package money

import (
	"encoding/json"

	"github.com/nestegg/nestegg"
)

// Amount is a quantity of an asset: Minor counts the asset's minor units, so
// Amount{USD, 150} is $1.50.
type Amount struct {
	Asset Asset `json:"asset"`
	Minor int64 `json:"minor"`
}

// String returns Format(a).
func (a Amount) String() string { return Format(a) }

// MarshalJSON writes the amount as the API carries it, an asset code and an
// integer of minor units: {"asset":"USD","minor":150}.
func (a Amount) MarshalJSON() ([]byte, error) {
	type plain Amount // without methods, so this does not recurse
	return json.Marshal(plain(a))
}

// UnmarshalJSON reads what MarshalJSON writes. The minor units must be a
// JSON integer (1.5 and 1e3 are refused by encoding/json, so no float is ever
// involved) and must not be negative. Unknown assets and negative amounts are
// nestegg.Invalid errors.
func (a *Amount) UnmarshalJSON(data []byte) error {
	type plain Amount
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if p.Asset.Code == "" {
		return nestegg.Errorf(nestegg.Invalid, "amount names no asset")
	}
	if p.Minor < 0 {
		return nestegg.Errorf(nestegg.Invalid, "amount must not be negative")
	}
	*a = Amount(p)
	return nil
}
