package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// User is what anyone may see of an account.
type User struct {
	ID          string
	Handle      string // as the person typed it at sign-up; unique regardless of case
	DisplayName string
	Bio         string
	Link        string // "" or an http(s) URL
	Initials    string // for the avatar, from the display name (or the handle)
	Kind        Kind
	// Verified is the paid verified check: the account holds it (package
	// billing's Premium says so, SetPaidCheck) and no change of its name
	// awaits staff review.
	Verified bool
	// Official is the label staff grant governments, public figures and
	// publishers (SetOfficial).
	Official bool
	// Organization is the organization badge: a business whose
	// organization tier gives it (package billing, SetOrgBadge).
	Organization bool
	// AffiliateOf is the handle of the organization this account is an
	// active affiliate of, while that organization holds its badge; "".
	AffiliateOf string
	CreatedAt   time.Time
}

// Account is a User with what only its owner (and staff) may see.
type Account struct {
	User
	Email       string
	StaffRole   Role
	TOTPEnabled bool
	// EmailVerified: a link sent to Email was used (email.go). Receipts
	// and summaries go only to a verified address.
	EmailVerified bool
	// WeeklySummary: the member wants the weekly summary email.
	WeeklySummary bool
	UpdatedAt     time.Time
}

// SignupInput is what a person gives to open an account.
type SignupInput struct {
	Handle      string // a leading '@' is ignored
	DisplayName string
	Email       string
	Password    string
	Kind        Kind // default Member
}

// ProfileUpdate changes the fields that are set (non-nil) and keeps the rest.
// An empty Bio or Link clears it.
type ProfileUpdate struct {
	DisplayName *string
	Bio         *string
	Link        *string
}

// userCols are a User's columns from the users table aliased a, in the order
// scanUser reads them.
// The affiliate's mark is a primary-key probe of affiliations (most
// accounts have none), so lists of users pay one index lookup a row.
func userCols(a string) string {
	return fmt.Sprintf(`%[1]s.id, %[1]s.handle, %[1]s.display_name, %[1]s.bio, %[1]s.link, %[1]s.kind, %[1]s.created_at, %[1]s.paid_check, %[1]s.check_review,
		%[1]s.official, %[1]s.org_badge, COALESCE((SELECT aff_o.handle FROM affiliations aff_a JOIN users aff_o ON aff_o.id = aff_a.org_id
		WHERE aff_a.member_id = %[1]s.id AND aff_a.status = 'active' AND aff_o.org_badge = 1), '')`, a)
}

const accountCols = "u.email, COALESCE((SELECT sr.role FROM staff_roles sr WHERE sr.user_id = u.id), ''), u.totp_secret <> '', u.email_verified_at, u.weekly_summary, u.updated_at"

// userScan collects a User's columns; finish completes the derived fields.
type userScan struct {
	u                      User
	created                int64
	paidCheck, checkReview int
	official, orgBadge     int
}

func (s *userScan) dest() []any {
	return []any{&s.u.ID, &s.u.Handle, &s.u.DisplayName, &s.u.Bio, &s.u.Link, &s.u.Kind, &s.created, &s.paidCheck, &s.checkReview,
		&s.official, &s.orgBadge, &s.u.AffiliateOf}
}

func (s *userScan) user() User {
	s.u.CreatedAt = fromNanos(s.created)
	s.u.Initials = avatarInitials(s.u.DisplayName, s.u.Handle)
	s.u.Verified = s.paidCheck == 1 && s.checkReview == 0
	s.u.Official, s.u.Organization = s.official == 1, s.orgBadge == 1
	return s.u
}

// avatarInitials is Initials of the name, or the handle's first letter for a
// name without letters.
func avatarInitials(name, handle string) string {
	if i := Initials(name); i != "" {
		return i
	}
	if handle == "" {
		return ""
	}
	return strings.ToUpper(handle[:1])
}

// accountTail collects accountCols.
type accountTail struct {
	verified, updated int64
	weekly            int
}

func (t *accountTail) dest(a *Account) []any {
	return []any{&a.Email, &a.StaffRole, &a.TOTPEnabled, &t.verified, &t.weekly, &t.updated}
}

func (t *accountTail) finish(a *Account) {
	a.EmailVerified, a.WeeklySummary = t.verified != 0, t.weekly == 1
	a.UpdatedAt = fromNanos(t.updated)
}

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var us userScan
	var a Account
	var tail accountTail
	if err := row.Scan(append(us.dest(), tail.dest(&a)...)...); err != nil {
		return Account{}, err
	}
	a.User = us.user()
	tail.finish(&a)
	return a, nil
}

func notFound(what string) error {
	return nestegg.Errorf(nestegg.NotFound, "%s not found", what)
}

// CheckHandle reports whether h can be signed up with: valid syntax, not
// reserved on this platform, not taken (in any case). Anyone may call it.
// Errors: Invalid (Param "handle") for bad syntax or a reserved name,
// Conflict (Param "handle") when taken.
func (s *Service) CheckHandle(ctx context.Context, h string) error {
	h = strings.TrimPrefix(strings.TrimSpace(h), "@")
	if err := s.checkHandleSyntax(h); err != nil {
		return err
	}
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM users WHERE handle_lower = $1", strings.ToLower(h)).Scan(&n)
	if err != nil {
		return fmt.Errorf("check handle: %w", err)
	}
	if n > 0 {
		return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s is taken", h)
	}
	return nil
}

func (s *Service) checkHandleSyntax(h string) error {
	if err := ValidateHandle(h); err != nil {
		return err
	}
	if IsReserved(h) || s.reserved[strings.ToLower(h)] {
		return nestegg.ParamErrorf(nestegg.Invalid, "handle", "@%s is reserved", h)
	}
	return nil
}

// Signup opens an account. Anyone may call it. The password is hashed with
// argon2id before anything is stored. Errors: Invalid with Param naming the
// field ("handle", "display_name", "email", "password", "kind"); Conflict
// with Param "handle" or "email" when either is taken, in any case, and
// with Param "handle" when the handle is a shop's gift handle.
func (s *Service) Signup(ctx context.Context, in SignupInput) (Account, error) {
	handle := strings.TrimPrefix(strings.TrimSpace(in.Handle), "@")
	if err := s.checkHandleSyntax(handle); err != nil {
		return Account{}, err
	}
	name, err := cleanDisplayName(in.DisplayName)
	if err != nil {
		return Account{}, err
	}
	email, err := cleanEmail(in.Email)
	if err != nil {
		return Account{}, err
	}
	if err := checkPassword("password", in.Password); err != nil {
		return Account{}, err
	}
	if in.Kind == "" {
		in.Kind = Member
	}
	if !in.Kind.valid() {
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "kind", "an account is a member, creator or business")
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return Account{}, err
	}
	now := s.now()
	a := Account{
		User:  User{ID: newID("usr"), Handle: handle, DisplayName: name, Kind: in.Kind, CreatedAt: now},
		Email: email, UpdatedAt: now, WeeklySummary: true,
	}
	a.Initials = avatarInitials(name, handle)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var taken string
		err := tx.QueryRowContext(ctx, `SELECT CASE WHEN handle_lower = $1 THEN 'handle' ELSE 'email' END
			FROM users WHERE handle_lower = $1 OR email_lower = $2 LIMIT 1`,
			strings.ToLower(handle), strings.ToLower(email)).Scan(&taken)
		switch {
		case err == nil && taken == "handle":
			return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s is taken", handle)
		case err == nil:
			return nestegg.ParamErrorf(nestegg.Conflict, "email", "that email address already has an account")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// The handle's claim first: a gift handle is not free to take.
		if err := claimUserHandle(ctx, tx, a.ID, strings.ToLower(handle), nanos(now)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO users (id, handle, handle_lower, display_name, name_lower,
			email, email_lower, password_hash, kind, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
			a.ID, handle, strings.ToLower(handle), name, strings.ToLower(name),
			email, strings.ToLower(email), hash, string(a.Kind), nanos(now))
		return err
	})
	if nestegg.Is(err, nestegg.Conflict) && nestegg.ErrorParam(err) == "" {
		// Lost a race with another sign-up between the check and the insert.
		return Account{}, nestegg.ParamErrorf(nestegg.Conflict, "handle", "that handle or email address was just taken")
	}
	if err != nil {
		return Account{}, fmt.Errorf("signup: %w", err)
	}
	return a, nil
}

// Account returns the account of userID. Only the account's owner (or staff,
// as decided by the caller) may call it. Errors: NotFound.
func (s *Service) Account(ctx context.Context, userID string) (Account, error) {
	return s.account(ctx, s.db.Reader(), userID)
}

func (s *Service) account(ctx context.Context, q store.Querier, userID string) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, "SELECT "+userCols("u")+", "+accountCols+" FROM users u WHERE u.id = $1", userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, notFound("account")
	}
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", userID, err)
	}
	return a, nil
}

// UserByID returns the public view of a user. Anyone may call it.
// Errors: NotFound.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	a, err := s.account(ctx, s.db.Reader(), id)
	if err != nil {
		return User{}, err
	}
	return a.User, nil
}

// UserByHandle returns the user with the handle, in any case, with or
// without a leading '@'. Anyone may call it. Errors: NotFound.
func (s *Service) UserByHandle(ctx context.Context, handle string) (User, error) {
	m, err := s.UsersByHandle(ctx, s.db.Reader(), strings.TrimPrefix(handle, "@"))
	if err != nil {
		return User{}, err
	}
	u, ok := m[strings.ToLower(strings.TrimPrefix(handle, "@"))]
	if !ok {
		return User{}, notFound("user")
	}
	return u, nil
}

// Counterparty is a member as another is about to act toward them (pay
// them, ask them for money): what acting needs, read at once.
type Counterparty struct {
	User
	// ActorExists: the one about to act is a member.
	ActorExists bool
	// Blocked: either has blocked the other.
	Blocked bool
}

// CounterpartyByHandle returns the member called handle (any case, with or
// without '@') as actorID is about to act toward them, in one read where a
// payment by handle paid three (the payee, the payer, the blocks). Anyone
// may call it. Errors: NotFound when nobody has the handle.
func (s *Service) CounterpartyByHandle(ctx context.Context, actorID, handle string) (Counterparty, error) {
	h := strings.ToLower(strings.TrimPrefix(handle, "@"))
	if ValidateHandle(h) != nil {
		return Counterparty{}, notFound("user")
	}
	var us userScan
	var c Counterparty
	var exists, blocked int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT "+userCols("u")+`,
		CASE WHEN EXISTS (SELECT 1 FROM users a WHERE a.id = $2) THEN 1 ELSE 0 END,
		CASE WHEN EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $2 AND b.blocked_id = u.id) OR (b.blocker_id = u.id AND b.blocked_id = $2)) THEN 1 ELSE 0 END
		FROM users u WHERE u.handle_lower = $1`, h, actorID).Scan(append(us.dest(), &exists, &blocked)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Counterparty{}, notFound("user")
	}
	if err != nil {
		return Counterparty{}, fmt.Errorf("counterparty: %w", err)
	}
	c.User, c.ActorExists, c.Blocked = us.user(), exists == 1, blocked == 1 && actorID != ""
	return c, nil
}

// UsersByHandle resolves handles (any case, without '@') to users through q,
// which may be the transaction of a PostHook or of another domain. The map
// is keyed by lower-cased handle; handles that name nobody are absent.
// Anyone may call it. Errors: only database failures.
func (s *Service) UsersByHandle(ctx context.Context, q store.Querier, handles ...string) (map[string]User, error) {
	out := make(map[string]User, len(handles))
	var keys []any
	seen := map[string]bool{}
	for _, h := range handles {
		k := strings.ToLower(h)
		if ValidateHandle(h) == nil && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 500)]
		keys = keys[len(batch):]
		rows, err := q.QueryContext(ctx, "SELECT "+userCols("u")+" FROM users u WHERE u.handle_lower IN ("+store.List(1, len(batch))+")", batch...)
		if err != nil {
			return nil, fmt.Errorf("users by handle: %w", err)
		}
		for rows.Next() {
			var us userScan
			if err := rows.Scan(us.dest()...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("users by handle: %w", err)
			}
			u := us.user()
			out[strings.ToLower(u.Handle)] = u
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("users by handle: %w", err)
		}
	}
	return out, nil
}

// UpdateProfile changes the display name, bio and link of userID's own
// profile. Only the owner may call it. Errors: Invalid (Param
// "display_name", "bio" or "link"), NotFound.
func (s *Service) UpdateProfile(ctx context.Context, userID string, up ProfileUpdate) (Account, error) {
	var sets []string
	var args []any
	add := func(col string, v string) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if up.DisplayName != nil {
		name, err := cleanDisplayName(*up.DisplayName)
		if err != nil {
			return Account{}, err
		}
		add("display_name", name)
		add("name_lower", strings.ToLower(name))
		if !s.autoOK {
			// A new name hides a paid check until staff approve it.
			sets = append(sets, "check_review = CASE WHEN paid_check = 1 AND display_name <> "+fmt.Sprintf("$%d", len(args)-1)+" THEN 1 ELSE check_review END")
		}
	}
	if up.Bio != nil {
		bio, err := cleanBio(*up.Bio)
		if err != nil {
			return Account{}, err
		}
		add("bio", bio)
	}
	if up.Link != nil {
		link, err := cleanLink(*up.Link)
		if err != nil {
			return Account{}, err
		}
		add("link", link)
	}
	var a Account
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if len(sets) > 0 {
			q := fmt.Sprintf("UPDATE users SET %s, updated_at = $%d WHERE id = $%d", strings.Join(sets, ", "), len(args)+1, len(args)+2)
			if err := execOne(ctx, tx, notFound("account"), q, append(args, nanos(s.now()), userID)...); err != nil {
				return err
			}
		}
		var err error
		a, err = s.account(ctx, tx, userID)
		return err
	})
	return a, err
}

// SetKind makes userID's own account a member, creator or business profile.
// Only the owner may call it. Errors: Invalid (Param "kind"), NotFound.
func (s *Service) SetKind(ctx context.Context, userID string, kind Kind) error {
	if !kind.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "kind", "an account is a member, creator or business")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, notFound("account"), "UPDATE users SET kind = $1, updated_at = $2 WHERE id = $3", string(kind), nanos(s.now()), userID)
	})
}

// execOne runs a statement that must change exactly one row, returning
// missing when it changes none.
func execOne(ctx context.Context, tx *sql.Tx, missing error, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return missing
	}
	return nil
}
