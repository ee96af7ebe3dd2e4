package payments_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
)

func amt(code string, minor int64) money.Amount {
	a, _ := money.Lookup(code)
	return money.Amount{Asset: a, Minor: minor}
}

func TestParseCommand(t *testing.T) {
	ok := []struct {
		text string
		want payments.Command
	}{
		{"@pay @bob $5 lunch", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}, Note: "lunch"}},
		{"@pay @bob $5", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}}},
		{"  @PAY  @Bob  5.25   pizza  and  beer ", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 525), Handles: []string{"Bob"}, Note: "pizza  and  beer"}},
		{"@pay @bob 5 USD lunch", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}, Note: "lunch"}},
		{"@pay @bob 500 JPY ramen", payments.Command{Kind: payments.CommandSend, Amount: amt("JPY", 500), Handles: []string{"bob"}, Note: "ramen"}},
		{"@pay @bob $5 EUR trip", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}, Note: "EUR trip"}},
		{"@pay @bob €1,000.50 rent", payments.Command{Kind: payments.CommandSend, Amount: amt("EUR", 100050), Handles: []string{"bob"}, Note: "rent"}},
		{"@pay @bob $5 @carol said so", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}, Note: "@carol said so"}},
		{"@pay\n@bob\n$5\nlunch", payments.Command{Kind: payments.CommandSend, Amount: amt("USD", 500), Handles: []string{"bob"}, Note: "lunch"}},
		{"@pay request $20 from @bob tickets", payments.Command{Kind: payments.CommandRequest, Amount: amt("USD", 2000), Handles: []string{"bob"}, Note: "tickets"}},
		{"@pay Request 20 FROM @bob", payments.Command{Kind: payments.CommandRequest, Amount: amt("USD", 2000), Handles: []string{"bob"}}},
		{"@pay split $60 with @bob @carol", payments.Command{Kind: payments.CommandSplit, Amount: amt("USD", 6000), Handles: []string{"bob", "carol"}}},
		{"@pay split $60 with @bob @carol dinner at Luigi's", payments.Command{Kind: payments.CommandSplit, Amount: amt("USD", 6000), Handles: []string{"bob", "carol"}, Note: "dinner at Luigi's"}},
		{"@pay tip $2", payments.Command{Kind: payments.CommandTip, Amount: amt("USD", 200)}},
		{"@pay tip $2 great thread", payments.Command{Kind: payments.CommandTip, Amount: amt("USD", 200), Note: "great thread"}},
	}
	for _, tc := range ok {
		got, err := payments.ParseCommand(tc.text, "pay")
		if err != nil {
			t.Errorf("ParseCommand(%q) = %v", tc.text, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCommand(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
		// What Text writes reads back the same.
		if back, err := payments.ParseCommand(got.Text("pay"), "pay"); err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("ParseCommand(Text(%+v) = %q) = %+v, %v", got, got.Text("pay"), back, err)
		}
	}

	not := []string{
		"I owe @bob $5", "@bob $5 lunch", "", "   ", "pay @bob $5", "@payments @bob $5", "@pay, @bob $5",
		"thanks @pay", "@pa @bob $5", "hello\n@pay @bob $5", "@pay's great",
	}
	for _, text := range not {
		if c, err := payments.ParseCommand(text, "pay"); !errors.Is(err, payments.ErrNotCommand) {
			t.Errorf("ParseCommand(%q) = %+v, %v, want ErrNotCommand", text, c, err)
		}
	}

	bad := []struct{ text, why string }{
		{"@pay", "say what"},
		{"@pay @bob", "amount missing"},
		{"@pay @bob lunch", "not a valid amount"},
		{"@pay @bob $0", "greater than zero"},
		{"@pay @bob $-5", "negative"},
		{"@pay @bob $5.001", "decimal places"},
		{"@pay @bob @carol $5", "too many"},
		{"@pay bob $5", "start with"},
		{"@pay $5 @bob", "start with"},
		{"@pay @b-o-b $5", "not a handle"},
		{"@pay @waytoolonghandle16 $5", "not a handle"},
		{"@pay request $20 @bob", "write from"},
		{"@pay request from @bob", "not a valid amount"},
		{"@pay request $20 from bob", "who to"},
		{"@pay split $60 @bob", "write with"},
		{"@pay split $60 with", "who to"},
		{"@pay split $60 with " + strings.Repeat("@a ", payments.MaxSplit+1), "too many"},
		{"@pay tip", "amount missing"},
		{"@pay tip two dollars", "not a valid amount"},
		{"@pay @bob $99999999999999999999", "too large"},
		{"@pay @bob \xff5", "not valid text"},
	}
	for _, tc := range bad {
		_, err := payments.ParseCommand(tc.text, "pay")
		if !nestegg.Is(err, nestegg.Invalid) || !strings.Contains(nestegg.ErrorMessage(err), tc.why) {
			t.Errorf("ParseCommand(%q) = %v, want invalid saying %q", tc.text, err, tc.why)
		}
	}
	// The operator's pay handle is the one that counts.
	if _, err := payments.ParseCommand("@pay @bob $5", "cash"); !errors.Is(err, payments.ErrNotCommand) {
		t.Errorf("ParseCommand with pay handle cash = %v, want ErrNotCommand", err)
	}
	if c, err := payments.ParseCommand("@Cash @bob $5", "cash"); err != nil || c.Kind != payments.CommandSend {
		t.Errorf("ParseCommand(@Cash …) = %+v, %v", c, err)
	}
}

// FuzzParseCommand checks that nothing panics, that only a post starting
// with the pay handle can be a command, and that every command is well
// formed: positive, with valid handles in the right number, and read back
// the same from its own Text.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"@pay @bob $5 lunch", "@pay request $20 from @bob tickets", "@pay split $60 with @bob @carol",
		"@pay tip $2", "I owe @bob $5", "@pay", "@pay @bob 5 USD", "@pay split 0.03 BTC with @a @b @c x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := payments.ParseCommand(text, "pay")
		first := strings.Fields(text)
		addressed := len(first) > 0 && strings.EqualFold(first[0], "@pay")
		if errors.Is(err, payments.ErrNotCommand) {
			if addressed {
				t.Fatalf("ParseCommand(%q) = not a command, but it starts with @pay", text)
			}
			return
		}
		if !addressed {
			t.Fatalf("ParseCommand(%q) = %+v, %v for a post not addressed to @pay", text, c, err)
		}
		if err != nil {
			if !nestegg.Is(err, nestegg.Invalid) || nestegg.ErrorMessage(err) == "" {
				t.Fatalf("ParseCommand(%q) error %v is not a message for people", text, err)
			}
			return
		}
		if c.Amount.Minor <= 0 || c.Amount.Asset.Code == "" {
			t.Fatalf("ParseCommand(%q) = %+v: amount not positive", text, c)
		}
		want := map[payments.CommandKind][2]int{
			payments.CommandSend: {1, 1}, payments.CommandRequest: {1, 1},
			payments.CommandSplit: {1, payments.MaxSplit}, payments.CommandTip: {0, 0},
		}
		n, ok := want[c.Kind]
		if !ok || len(c.Handles) < n[0] || len(c.Handles) > n[1] {
			t.Fatalf("ParseCommand(%q) = %+v: wrong kind or number of handles", text, c)
		}
		for _, h := range c.Handles {
			if social.ValidateHandle(h) != nil {
				t.Fatalf("ParseCommand(%q) = %+v: bad handle %q", text, c, h)
			}
		}
		if !utf8.ValidString(c.Note) || c.Note != strings.TrimSpace(c.Note) {
			t.Fatalf("ParseCommand(%q) = %+v: note not trimmed text", text, c)
		}
		back, err := payments.ParseCommand(c.Text("pay"), "pay")
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("ParseCommand(%q) = %+v; its Text %q reads back as %+v, %v", text, c, c.Text("pay"), back, err)
		}
	})
}
