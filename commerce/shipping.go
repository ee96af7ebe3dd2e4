package commerce

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg"
)

// SetShippingAddress records where a physical order goes. Only its
// recipient may call it (the buyer, or the friend a gift is for: the
// sender never does), until it ships. Errors: NotFound when it is not
// userID's to address; Invalid (Param "address"), or for a digital
// order; Conflict once it has shipped.
func (s *Service) SetShippingAddress(ctx context.Context, userID, orderID, address string) (Order, error) {
	address, err := cleanText("address", address, MaxLongText, true)
	if err != nil {
		return Order{}, err
	}
	var o Order
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = s.order(ctx, tx, orderID, true); err != nil || o.RecipientID != userID {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
		}
		if o.Kind != Physical {
			return nestegg.Errorf(nestegg.Invalid, "digital orders are not shipped")
		}
		if o.Status != StatusPaid {
			return nestegg.Errorf(nestegg.Conflict, "this order is %s; the address can't change", o.Status)
		}
		o.Address, o.AddressBy, o.UpdatedAt = address, userID, s.now()
		_, err = tx.ExecContext(ctx, "UPDATE commerce_orders SET address = $2, address_by = $3, updated_at = $4 WHERE id = $1",
			orderID, address, userID, nanos(o.UpdatedAt))
		return err
	})
	if err != nil {
		return Order{}, fmt.Errorf("shipping address: %w", err)
	}
	return o.masked(userID), nil
}

// Ship marks a paid physical order shipped, with tracking text for the
// buyer. Only its merchant may call it. Errors: NotFound; Invalid (Param
// "tracking"); Conflict unless the order is paid.
func (s *Service) Ship(ctx context.Context, merchantID, orderID, tracking string) (Order, error) {
	tracking, err := cleanText("tracking", tracking, MaxText, false)
	if err != nil {
		return Order{}, err
	}
	return s.advance(ctx, merchantID, orderID, func(o *Order) (string, error) {
		if o.MerchantID != merchantID {
			return "", nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
		}
		if o.Status != StatusPaid || o.Kind != Physical || o.Gift {
			return "", nestegg.Errorf(nestegg.Conflict, "only paid physical orders ship (this one is %s)", o.Status)
		}
		o.Status, o.Tracking = StatusShipped, tracking
		return "shipped: " + o.Title + trackingSuffix(tracking), nil
	})
}

func trackingSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " — " + t
}

// Deliver marks a shipped (or paid) physical order delivered. Its merchant
// or its recipient may call it. Errors: NotFound; Conflict unless it is
// paid or shipped.
func (s *Service) Deliver(ctx context.Context, userID, orderID string) (Order, error) {
	return s.advance(ctx, userID, orderID, func(o *Order) (string, error) {
		if o.MerchantID != userID && o.RecipientID != userID {
			return "", nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
		}
		if (o.Status != StatusPaid && o.Status != StatusShipped) || o.Gift {
			return "", nestegg.Errorf(nestegg.Conflict, "this order is %s", o.Status)
		}
		o.Status = StatusDelivered
		return "delivered: " + o.Title, nil
	})
}

// advance changes an order's status (and tracking) under lock, and tells
// the buyer what change says.
func (s *Service) advance(ctx context.Context, userID, orderID string, change func(o *Order) (string, error)) (Order, error) {
	var o Order
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = s.order(ctx, tx, orderID, true); err != nil {
			return err
		}
		msg, err := change(&o)
		if err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET status = $2, tracking = $3, updated_at = $4 WHERE id = $1",
			orderID, string(o.Status), o.Tracking, nanos(o.UpdatedAt)); err != nil {
			return err
		}
		if userID == o.RecipientID {
			return s.notify(ctx, tx, o.MerchantID, NotifyShipped, userID, "", msg)
		}
		return s.notify(ctx, tx, o.RecipientID, NotifyShipped, userID, "", msg)
	})
	if err != nil {
		return Order{}, err
	}
	return o.masked(userID), nil
}
