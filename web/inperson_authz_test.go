package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nestegg/nestegg/payments"
)

// inPersonWorld is a payWorld with a red packet the owner sent the other
// member (message "owner-packet-secret"), a group gift the owner started
// for the stranger, the other's pledge to it and the owner's own.
type inPersonWorld struct {
	*payWorld
	packet, gift, othersPledge, ownPledge string
}

func (e *apiEnv) newInPersonWorld(t *testing.T, w *authzWorld) *inPersonWorld {
	t.Helper()
	ctx := context.Background()
	iw := &inPersonWorld{payWorld: e.newPayWorld(t, w)}
	// What the owner puts in the packet and pledges, so that the owner
	// still holds ownerBalance.
	if _, err := e.pay.Credit(ctx, w.owner.id, usdAmount(t, "3"), "authz-fund-inperson-"+w.owner.id, "authz"); err != nil {
		t.Fatal(err)
	}
	p, err := e.pay.SendRedPacket(ctx, payments.RedPacketInput{SenderID: w.owner.id, Amount: usdAmount(t, "2"), Shares: 2,
		Message: "owner-packet-secret", ToHandles: []string{w.other.handle}, IdempotencyKey: "authz-packet"})
	if err != nil {
		t.Fatal(err)
	}
	iw.packet = p.ID
	g, err := e.pay.StartGroupGift(ctx, payments.GroupGiftInput{OrganizerID: w.owner.id, RecipientHandle: w.stranger.handle, Target: usdAmount(t, "50"),
		Title: "authz gift", Deadline: time.Now().Add(48 * time.Hour), IdempotencyKey: "authz-gift"})
	if err != nil {
		t.Fatal(err)
	}
	iw.gift = g.ID
	pl, err := e.pay.Pledge(ctx, w.other.id, g.ID, usdAmount(t, "1"), "authz-other-pledge")
	if err != nil {
		t.Fatal(err)
	}
	iw.othersPledge = pl.ID
	pl, err = e.pay.Pledge(ctx, w.owner.id, g.ID, usdAmount(t, "1"), "authz-own-pledge")
	if err != nil {
		t.Fatal(err)
	}
	iw.ownPledge = pl.ID
	return iw
}

// onInPerson is a case about the owner's packet, gift or pledge.
func onInPerson(path func(iw *inPersonWorld) string, body string, stranger, owner int, private ...func(iw *inPersonWorld) string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		iw := e.newInPersonWorld(t, w)
		var priv []string
		for _, p := range private {
			priv = append(priv, p(iw))
		}
		return authzCase{path: path(iw), body: body, nobody: s401, stranger: stranger, owner: owner, private: priv,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				ownerUntouched(iw.payWorld)(t, e, w)
				if p, err := e.pay.RedPacket(context.Background(), w.owner.id, iw.packet); err != nil || p.Opened != 0 {
					t.Errorf("after the stranger's request the owner's packet is %+v, %v", p, err)
				}
			}}
	}
}

// inPersonAuthzCases are the red packet and group gift routes' cases.
var inPersonAuthzCases = map[string]func(*testing.T, *apiEnv, *authzWorld) authzCase{
	"POST /api/v1/red-packets": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return ownMoney("/api/v1/red-packets", fmt.Sprintf(`{"amount":"$2","shares":2,"to":[%q]}`, w.other.handle), s201, s201)(t, e, w)
	},
	"GET /api/v1/red-packets": onInPerson(func(*inPersonWorld) string { return "/api/v1/red-packets" }, "", s200, s200,
		func(*inPersonWorld) string { return "owner-packet-secret" }),
	"GET /api/v1/red-packets/{id}": onInPerson(func(iw *inPersonWorld) string { return "/api/v1/red-packets/" + iw.packet }, "", s404, s200,
		func(*inPersonWorld) string { return "owner-packet-secret" }),
	// The packet is for the other member: the stranger may not see it,
	// and its sender does not open their own.
	"POST /api/v1/red-packets/{id}/open": onInPerson(func(iw *inPersonWorld) string { return "/api/v1/red-packets/" + iw.packet + "/open" }, "", s404, s400),
	"POST /api/v1/group-gifts": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		body := fmt.Sprintf(`{"to":%q,"target":"$20","title":"a gift","deadline":%q}`, w.other.handle, time.Now().Add(24*time.Hour).Format(time.RFC3339))
		return ownMoney("/api/v1/group-gifts", body, s201, s201)(t, e, w)
	},
	// Anyone signed in sees a gift and may pledge (it is posted); only its
	// organizer sees who else pledged.
	"GET /api/v1/group-gifts/{id}": onInPerson(func(iw *inPersonWorld) string { return "/api/v1/group-gifts/" + iw.gift }, "", s200, s200,
		func(iw *inPersonWorld) string { return iw.othersPledge }),
	"POST /api/v1/group-gifts/{id}/pledges": onInPerson(func(iw *inPersonWorld) string { return "/api/v1/group-gifts/" + iw.gift + "/pledges" }, `{"amount":100}`, s400, s201),
	"POST /api/v1/pledges/{id}/withdraw":    onInPerson(func(iw *inPersonWorld) string { return "/api/v1/pledges/" + iw.ownPledge + "/withdraw" }, "", s404, s200),
}
