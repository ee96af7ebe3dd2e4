package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// Identity verification: a member climbs the tiers by checks at the
// identity provider (Config.Identity). SubmitIdentity sends their facts
// (tier 1), StartDocument a document and selfie check (tier 2); an
// approved check raises the tier, never lowers it. What the member told
// is sealed at rest (Config.Sealer, the member's id as additional data)
// and opened only by Identity, for compliance staff, which audits every
// opening. Neither the audit log nor any error carries personal data.

// Step names the one thing a member can do next to raise their limits.
type Step string

// The steps.
const (
	StepSubmitIdentity Step = "submit_identity" // tell us who you are (to tier 1)
	StepVerifyDocument Step = "verify_document" // an ID document and a selfie (to tier 2)
	StepFinishCheck    Step = "finish_check"    // a check waits for you at the provider (URL)
	StepWaitReview     Step = "wait_review"     // staff are reviewing; nothing to do
	StepContactSupport Step = "contact_support" // a check was declined
	StepNone           Step = "none"            // the top tier
)

// Verification is where a member's identity verification stands: what
// the member sees of it. It carries no personal data.
type Verification struct {
	Tier          Tier
	Limits        Limits // on Spend movements at this tier
	FundingLimits Limits
	Region        string
	// Outside says Region is outside the licensed regions: the member
	// cannot send, receive or add money, only withdraw (Config.Regions).
	Outside bool
	// The latest check: its level (0 when there was none), outcome, the
	// provider's reason when it was not approved, and where the member
	// finishes it when pending.
	CheckLevel   rails.IdentityLevel
	CheckOutcome rails.IdentityOutcome
	CheckReason  string
	CheckURL     string
	CheckedAt    time.Time
	// Next is the one step that raises the member's limits, Says it for
	// people, and NextTier/NextLimits are what it leads to (NextTier ""
	// when nothing does).
	Next       Step
	Says       string
	NextTier   Tier
	NextLimits Limits
}

// identityRow is a member's row of compliance_identity.
type identityRow struct {
	personEnc, attempt, session, outcome, reason, url string
	level, attempts                                   int
	day, updated                                      int64
}

// Verification returns where userID's verification stands. The member may
// see their own. Errors: database failures only.
func (s *Service) Verification(ctx context.Context, userID string) (Verification, error) {
	st, err := s.Status(ctx, userID)
	if err != nil {
		return Verification{}, err
	}
	row, found, err := s.identity(ctx, s.db.Reader(), userID)
	if err != nil {
		return Verification{}, fmt.Errorf("verification: %w", err)
	}
	v := Verification{Tier: st.Tier, Limits: s.rules().Limits[st.Tier], FundingLimits: s.rules().FundingLimits[st.Tier], Region: st.Region,
		Outside: !s.Licensed(st.Region)}
	// An attempt that never reached the provider (its answer was lost, or
	// it is on its way) is no check the member can finish: they may start
	// another.
	if found && !(row.outcome == string(rails.IdentityPending) && row.session == "") {
		v.CheckLevel, v.CheckOutcome, v.CheckReason, v.CheckURL = rails.IdentityLevel(row.level), rails.IdentityOutcome(row.outcome), row.reason, row.url
		v.CheckedAt = time.Unix(0, row.updated).UTC()
	}
	s.nextStep(&v)
	return v, nil
}

// nextStep fills v's next step from its tier and latest check.
func (s *Service) nextStep(v *Verification) {
	next := map[Tier]Tier{Unverified: Identified, Identified: Verified}[v.Tier]
	pendingHere := v.CheckLevel > 0 && int(v.CheckLevel) == next.Level()
	switch {
	case next == "":
		v.Next, v.Says = StepNone, "You're fully verified: these are the highest limits."
		return
	case pendingHere && v.CheckOutcome == rails.IdentityPending:
		v.Next, v.Says = StepFinishCheck, "Finish your identity check with our provider; your limits rise when it is approved."
	case pendingHere && v.CheckOutcome == rails.IdentityNeedsReview:
		v.Next, v.Says = StepWaitReview, "Our compliance team is reviewing your check. There's nothing you need to do; your limits rise if it is approved."
	case pendingHere && v.CheckOutcome == rails.IdentityDeclined:
		v.Next, v.Says = StepContactSupport, "We couldn't verify your identity. Contact support to go further."
	case next == Identified:
		v.Next, v.Says = StepSubmitIdentity, "Add your legal name, date of birth, address and the last four digits of your SSN to raise your limits."
		if pendingHere && v.CheckOutcome == rails.IdentityDocumentMismatch {
			v.Says = "Those details didn't match. Check your legal name, date of birth, address and the last four digits of your SSN, and try again."
		}
	default:
		v.Next, v.Says = StepVerifyDocument, "Verify a photo ID and a selfie to raise your limits."
		if pendingHere && v.CheckOutcome == rails.IdentityDocumentMismatch {
			v.Says = "Your ID or selfie didn't match your details. Try again with the ID that shows the name you gave us."
		}
	}
	v.NextTier, v.NextLimits = next, s.rules().Limits[next]
}

func (s *Service) identity(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, userID string) (identityRow, bool, error) {
	var r identityRow
	err := q.QueryRowContext(ctx, `SELECT person_enc, attempt, session_id, outcome, reason, url, level, attempts, day, updated_at
		FROM compliance_identity WHERE user_id = $1`, userID).
		Scan(&r.personEnc, &r.attempt, &r.session, &r.outcome, &r.reason, &r.url, &r.level, &r.attempts, &r.day, &r.updated)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

func (s *Service) needIdentity() error {
	if s.cfg.Identity == nil || s.cfg.Sealer == nil {
		return nestegg.Errorf(nestegg.Unavailable, "identity verification is not enabled on this server")
	}
	return nil
}

var (
	last4RE   = regexp.MustCompile(`^[0-9]{4}$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
	stateRE   = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
)

// checkPerson validates and normalizes p. Errors: Invalid naming the
// field; the message never repeats the value.
func (s *Service) checkPerson(p *rails.Person) error {
	for _, f := range []*string{&p.LegalName, &p.DateOfBirth, &p.Line1, &p.Line2, &p.City, &p.State, &p.PostalCode, &p.Country, &p.IDLast4} {
		*f = strings.TrimSpace(*f)
	}
	p.State, p.Country = strings.ToUpper(p.State), strings.ToUpper(p.Country)
	for _, f := range []struct{ name, v string }{{"legal_name", p.LegalName}, {"line1", p.Line1}, {"city", p.City}, {"postal_code", p.PostalCode}} {
		if f.v == "" {
			return nestegg.ParamErrorf(nestegg.Invalid, f.name, "%s is required", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	for _, f := range []struct{ name, v string }{{"legal_name", p.LegalName}, {"line1", p.Line1}, {"line2", p.Line2}, {"city", p.City}, {"postal_code", p.PostalCode}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > 200 || strings.ContainsAny(f.v, "\x00\r\n") {
			return nestegg.ParamErrorf(nestegg.Invalid, f.name, "%s must be one line of at most 200 characters", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	if !countryRE.MatchString(p.Country) {
		return nestegg.ParamErrorf(nestegg.Invalid, "country", "country is a two-letter code such as US")
	}
	if !stateRE.MatchString(p.State) {
		return nestegg.ParamErrorf(nestegg.Invalid, "state", "state is a code such as CA")
	}
	if !last4RE.MatchString(p.IDLast4) {
		return nestegg.ParamErrorf(nestegg.Invalid, "id_last4", "give the last four digits of your SSN")
	}
	dob, err := time.Parse("2006-01-02", p.DateOfBirth)
	if err != nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "date_of_birth", "date of birth is YYYY-MM-DD")
	}
	now := s.now()
	if dob.AddDate(18, 0, 0).After(now) || dob.Before(now.AddDate(-130, 0, 0)) {
		return nestegg.ParamErrorf(nestegg.Invalid, "date_of_birth", "you must be 18 or older to hold money here")
	}
	return nil
}

// SubmitIdentity checks the member's facts at the identity provider (a
// tier 1 check) and returns where their verification stands: an approved
// check makes an unverified member identified, with their address's
// region. The member may submit their own; returnURL is where the
// provider sends them back from a check they finish on its pages.
// Errors: Unavailable without a provider or key; Invalid naming the field
// (never repeating it); Conflict for a member already identified;
// RateLimited past Config.IdentityAttemptsPerDay; the provider's errors.
func (s *Service) SubmitIdentity(ctx context.Context, userID string, p rails.Person, returnURL string) (Verification, error) {
	if err := s.needIdentity(); err != nil {
		return Verification{}, err
	}
	if err := s.checkPerson(&p); err != nil {
		return Verification{}, err
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return Verification{}, fmt.Errorf("submit identity: %w", err)
	}
	sealed := s.cfg.Sealer.Seal(string(plain), identityAD(userID))
	return s.runCheck(ctx, userID, rails.CheckFacts, returnURL, func(st Status, _ identityRow, _ bool) (string, error) {
		if st.Tier.Level() >= Identified.Level() {
			return "", nestegg.Errorf(nestegg.Conflict, "you are already identified; the next step is a photo ID and a selfie")
		}
		return sealed, nil
	})
}

// StartDocument starts a tier 2 check — an identity document and a selfie
// — for an identified member, and returns where their verification
// stands: usually pending, with the URL where the member takes the photos
// at the provider. The member may start their own. Errors: Unavailable;
// Conflict for a member not identified yet or already verified;
// RateLimited; the provider's errors.
func (s *Service) StartDocument(ctx context.Context, userID, returnURL string) (Verification, error) {
	if err := s.needIdentity(); err != nil {
		return Verification{}, err
	}
	return s.runCheck(ctx, userID, rails.CheckDocument, returnURL, func(st Status, row identityRow, found bool) (string, error) {
		switch {
		case st.Tier == Verified:
			return "", nestegg.Errorf(nestegg.Conflict, "you are already verified")
		case st.Tier != Identified || !found:
			return "", nestegg.Errorf(nestegg.Conflict, "add your legal name, date of birth, address and SSN's last four first")
		}
		return row.personEnc, nil
	})
}

// runCheck is one attempt at a check of level: it reserves the attempt
// (counted against the day's cap, with the sealed person admit returns)
// in one transaction, asks the provider outside any, and records the
// answer in another — unless a newer attempt replaced this one meanwhile.
func (s *Service) runCheck(ctx context.Context, userID string, level rails.IdentityLevel, returnURL string,
	admit func(Status, identityRow, bool) (string, error)) (Verification, error) {
	ref := "kyc_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
	var personEnc string
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		st, err := s.lock(ctx, tx, userID)
		if err != nil {
			return err
		}
		row, found, err := s.identity(ctx, tx, userID)
		if err != nil {
			return err
		}
		if personEnc, err = admit(st, row, found); err != nil {
			return err
		}
		now := s.now()
		day, attempts := now.UnixNano()/dayNanos, 1
		if found && row.day == day {
			attempts = row.attempts + 1
		}
		if attempts > s.cfg.IdentityAttemptsPerDay {
			return nestegg.Errorf(nestegg.RateLimited, "you have tried to verify %d times today; try again tomorrow or contact support", s.cfg.IdentityAttemptsPerDay)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO compliance_identity (user_id, person_enc, level, attempt, session_id, outcome, reason, url, attempts, day, updated_at)
			VALUES ($1, $2, $3, $4, '', 'pending', '', '', $5, $6, $7)
			ON CONFLICT (user_id) DO UPDATE SET person_enc = excluded.person_enc, level = excluded.level, attempt = excluded.attempt,
				session_id = '', outcome = 'pending', reason = '', url = '', attempts = excluded.attempts, day = excluded.day, updated_at = excluded.updated_at`,
			userID, personEnc, int(level), ref, attempts, day, now.UnixNano())
		return err
	})
	if err != nil {
		return Verification{}, fmt.Errorf("identity check: %w", err)
	}
	plain, err := s.cfg.Sealer.Open(personEnc, identityAD(userID))
	if err != nil {
		return Verification{}, fmt.Errorf("identity check: %w", err)
	}
	var p rails.Person
	if err := json.Unmarshal([]byte(plain), &p); err != nil {
		return Verification{}, fmt.Errorf("identity check: the sealed person does not read: %w", err)
	}
	c, err := s.cfg.Identity.Verify(ctx, rails.IdentityRequest{Reference: ref, UserID: userID, Level: level, Person: p, ReturnURL: returnURL})
	if err != nil {
		// The attempt stays pending without a session: the member starts
		// another (it counted).
		return Verification{}, fmt.Errorf("identity check: %w", err)
	}
	if err := s.record(ctx, userID, ref, level, c, p, userID); err != nil {
		return Verification{}, err
	}
	return s.Verification(ctx, userID)
}

// record writes a check's answer for the attempt ref, raising the tier
// when it is approved, and audits it (actor: who asked).
func (s *Service) record(ctx context.Context, userID, ref string, level rails.IdentityLevel, c rails.IdentityCheck, p rails.Person, actor string) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		st, err := s.lock(ctx, tx, userID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE compliance_identity SET session_id = $3, outcome = $4, reason = $5, url = $6, updated_at = $7
			WHERE user_id = $1 AND attempt = $2 AND outcome = 'pending'`,
			userID, ref, c.ID, string(c.Outcome), c.Reason, c.URL, s.now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "another identity check replaced this one")
		}
		if c.Outcome == rails.IdentityApproved {
			if err := s.raise(ctx, tx, st, level, p); err != nil {
				return err
			}
		}
		_, err = s.audit(ctx, tx, auditRow{action: "identity_check", actor: actor, subject: userID, kind: fmt.Sprintf("level_%d", level),
			outcome: string(c.Outcome), reason: c.Reason, reference: c.ID})
		return err
	})
	if err != nil {
		return fmt.Errorf("identity check: %w", err)
	}
	return nil
}

// raise lifts st's member to the tier an approved check of level gives,
// never lowering it, and records their region from the address checked.
func (s *Service) raise(ctx context.Context, tx *sql.Tx, st Status, level rails.IdentityLevel, p rails.Person) error {
	tier := st.Tier
	if to := Tiers[level]; to.Level() > tier.Level() {
		tier = to
	}
	_, err := tx.ExecContext(ctx, "UPDATE compliance_users SET tier = $2, region = $3, updated_at = $4 WHERE user_id = $1",
		st.UserID, string(tier), RegionOf(p), s.now().UnixNano())
	return err
}

// RegionOf is the region of a person's address: "US-CA" (ISO 3166-2
// style), or the country alone when it has no state.
func RegionOf(p rails.Person) string {
	if p.State == "" {
		return strings.ToUpper(p.Country)
	}
	return strings.ToUpper(p.Country) + "-" + strings.ToUpper(p.State)
}

// RefreshIdentity asks the provider where the member's pending check
// stands (they may have finished it on its pages) and records the answer.
// The member may refresh their own; it does nothing when no check is
// pending. Errors: Unavailable; the provider's errors.
func (s *Service) RefreshIdentity(ctx context.Context, userID string) (Verification, error) {
	if err := s.needIdentity(); err != nil {
		return Verification{}, err
	}
	row, found, err := s.identity(ctx, s.db.Reader(), userID)
	if err != nil {
		return Verification{}, fmt.Errorf("refresh identity: %w", err)
	}
	if !found || row.outcome != string(rails.IdentityPending) || row.session == "" {
		return s.Verification(ctx, userID)
	}
	c, err := s.cfg.Identity.Check(ctx, row.session)
	if err != nil {
		return Verification{}, fmt.Errorf("refresh identity: %w", err)
	}
	if c.Outcome != rails.IdentityPending {
		p, err := s.open(row, userID)
		if err != nil {
			return Verification{}, err
		}
		if err := s.record(ctx, userID, row.attempt, rails.IdentityLevel(row.level), c, p, userID); err != nil && !nestegg.Is(err, nestegg.Conflict) {
			return Verification{}, err
		}
	}
	return s.Verification(ctx, userID)
}

func (s *Service) open(row identityRow, userID string) (rails.Person, error) {
	plain, err := s.cfg.Sealer.Open(row.personEnc, identityAD(userID))
	if err != nil {
		return rails.Person{}, fmt.Errorf("identity: %w", err)
	}
	var p rails.Person
	if err := json.Unmarshal([]byte(plain), &p); err != nil {
		return rails.Person{}, fmt.Errorf("identity: the sealed person does not read: %w", err)
	}
	return p, nil
}

// identityAD binds a member's sealed person to their row.
func identityAD(userID string) string { return "compliance_identity:" + userID }

// Identity opens what userID told about themselves, for compliance staff
// (the caller checks the role): staffID is who looks and why says why,
// both written to the audit log in the same transaction before the data
// is returned, so that no opening goes unrecorded. Errors: Unavailable;
// Invalid (Param "reason") without a reason; NotFound when the member
// never submitted any.
func (s *Service) Identity(ctx context.Context, staffID, userID, why string) (rails.Person, error) {
	if err := s.needIdentity(); err != nil {
		return rails.Person{}, err
	}
	var row identityRow
	err := s.staff(ctx, staffID, userID, "view_identity", why, func(tx *sql.Tx) error {
		r, found, err := s.identity(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !found {
			return nestegg.Errorf(nestegg.NotFound, "this member has not submitted their identity")
		}
		row = r
		return nil
	})
	if err != nil {
		return rails.Person{}, err
	}
	return s.open(row, userID)
}

// ReviewIdentity decides a check the provider left for review: approve
// raises the member's tier as an approved check would, else the check is
// declined. Compliance staff only (the caller checks); audited. Errors:
// Invalid (Param "reason") without a reason; Conflict when the member's
// latest check is not waiting for review.
func (s *Service) ReviewIdentity(ctx context.Context, staffID, userID string, approve bool, reason string) error {
	if err := s.needIdentity(); err != nil {
		return err
	}
	action, outcome := "review_identity_decline", rails.IdentityDeclined
	if approve {
		action, outcome = "review_identity_approve", rails.IdentityApproved
	}
	return s.staff(ctx, staffID, userID, action, reason, func(tx *sql.Tx) error {
		row, found, err := s.identity(ctx, tx, userID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE compliance_identity SET outcome = $2, reason = $3, updated_at = $4 WHERE user_id = $1 AND outcome = 'needs_review'`,
			userID, string(outcome), map[bool]string{true: "", false: "declined after review"}[approve], s.now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 || !found {
			return nestegg.Errorf(nestegg.Conflict, "this member's latest identity check is not waiting for review")
		}
		if !approve {
			return nil
		}
		p, err := s.open(row, userID)
		if err != nil {
			return err
		}
		st, err := s.lock(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.raise(ctx, tx, st, rails.IdentityLevel(row.level), p)
	})
}

// ReviewQueue returns the members whose latest check waits for staff,
// oldest first (at most 200). Compliance staff only. Errors: database
// failures.
func (s *Service) ReviewQueue(ctx context.Context) ([]string, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT user_id FROM compliance_identity WHERE outcome = 'needs_review' ORDER BY updated_at, user_id LIMIT 200")
	if err != nil {
		return nil, fmt.Errorf("review queue: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("review queue: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
