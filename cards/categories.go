package cards

// categories names the merchant category codes members meet most; the
// rest show as their code.
var categories = map[string]string{
	"4111": "Transit",
	"4121": "Taxis and rideshare",
	"4511": "Airlines",
	"4814": "Telecom",
	"4900": "Utilities",
	"5311": "Department stores",
	"5411": "Groceries",
	"5499": "Food stores",
	"5541": "Fuel",
	"5691": "Clothing",
	"5732": "Electronics",
	"5812": "Restaurants",
	"5814": "Fast food",
	"5912": "Pharmacies",
	"5942": "Books",
	"5999": "Retail",
	"6011": "ATM cash",
	"7011": "Hotels",
	"7832": "Cinemas",
	"7995": "Gambling",
	"8062": "Hospitals",
}

// CategoryName is how a merchant category code reads to a member:
// "Restaurants (5812)", or the code alone when it has no name here, or ""
// without a code.
func CategoryName(code string) string {
	if code == "" {
		return ""
	}
	if n, ok := categories[code]; ok {
		return n + " (" + code + ")"
	}
	return "Category " + code
}
