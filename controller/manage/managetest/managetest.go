// Package managetest provides in-memory doubles of the boundaries of
// controller/manage that other parts own (the audit log's storage and
// the user service), so that manage and the APIs on it can be tested
// before and apart from them.
package managetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

var (
	_ manage.AuditLog = (*Audit)(nil)
	_ manage.Users    = (*Users)(nil)
)

// Audit is an in-memory audit log.
type Audit struct {
	mu      sync.Mutex // guards entries
	entries []store.AuditEntry
}

// AddAudit appends e with the next ID.
func (a *Audit) AddAudit(_ context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.ID = int64(len(a.entries) + 1)
	a.entries = append(a.entries, e)
	return e, nil
}

// AuditLog answers q as the store does: newest first.
func (a *Audit) AuditLog(_ context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	var out []store.AuditEntry
	for i := len(a.entries) - 1; i >= 0 && len(out) < limit; i-- {
		if e := a.entries[i]; match(q, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func match(q store.AuditQuery, e store.AuditEntry) bool {
	action := q.Action == "" || e.Action == q.Action || strings.HasSuffix(q.Action, ".") && strings.HasPrefix(e.Action, q.Action)
	return action && (q.Actor == "" || e.Actor == q.Actor) && (q.Outcome == "" || e.Outcome == q.Outcome) &&
		(q.BeforeID == 0 || e.ID < q.BeforeID) && (q.Since.IsZero() || !e.At.Before(q.Since)) &&
		(q.Until.IsZero() || e.At.Before(q.Until))
}

// Entries returns every entry, oldest first.
func (a *Audit) Entries() []store.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

// Users is an in-memory user service. Errors match the store's sentinels
// as *auth.Service's do and, like it, it records an audit entry of each
// change in Audit (if set).
type Users struct {
	Audit manage.AuditLog

	mu    sync.Mutex // guards users and keys
	users []auth.User
	keys  []auth.APIKey
}

// audit records a change as *auth.Service does.
func (u *Users) audit(ctx context.Context, action, target string, err error) {
	if u.Audit == nil {
		return
	}
	p, _ := auth.FromContext(ctx)
	ri := manage.RequestInfoFrom(ctx)
	outcome := "success"
	if err != nil {
		outcome = "failure"
	}
	u.Audit.AddAudit(ctx, store.AuditEntry{At: time.Now(), Actor: p.Subject, Role: string(p.Role), Method: string(p.Method),
		SourceIP: ri.SourceIP, UserAgent: ri.UserAgent, Action: action, Target: target, Outcome: outcome, Detail: []byte("{}")})
}

// Users lists the users by name.
func (u *Users) Users(context.Context) ([]auth.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := slices.Clone(u.users)
	slices.SortFunc(out, func(x, y auth.User) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

func (u *Users) indexLocked(name string) int {
	return slices.IndexFunc(u.users, func(x auth.User) bool { return x.Name == name })
}

// User returns a user.
func (u *Users) User(_ context.Context, name string) (auth.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.indexLocked(name)
	if i < 0 {
		return auth.User{}, store.NotFound("user", "%s", name)
	}
	return u.users[i], nil
}

// CreateUser adds a user.
func (u *Users) CreateUser(ctx context.Context, nu auth.NewUser) (auth.User, error) {
	out, err := u.createUser(nu)
	u.audit(ctx, "user.create", "user/"+nu.Name, err)
	return out, err
}

func (u *Users) createUser(nu auth.NewUser) (auth.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.indexLocked(nu.Name) >= 0 {
		return auth.User{}, store.Conflict("user", "name", nil, "%s exists", nu.Name)
	}
	usr := auth.User{ID: int64(len(u.users) + 1), Name: nu.Name, Role: nu.Role, Source: "local", CreatedAt: time.Now()}
	u.users = append(u.users, usr)
	return usr, nil
}

// UpdateUser changes a user.
func (u *Users) UpdateUser(ctx context.Context, name string, up auth.UserUpdate) (auth.User, error) {
	out, err := u.updateUser(name, up)
	u.audit(ctx, "user.update", "user/"+name, err)
	return out, err
}

func (u *Users) updateUser(name string, up auth.UserUpdate) (auth.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.indexLocked(name)
	if i < 0 {
		return auth.User{}, store.NotFound("user", "%s", name)
	}
	if up.Role != nil {
		u.users[i].Role = *up.Role
	}
	if up.Disabled != nil {
		u.users[i].DisabledAt = time.Time{}
		if *up.Disabled {
			u.users[i].DisabledAt = time.Now()
		}
	}
	return u.users[i], nil
}

// DeleteUser deletes a user.
func (u *Users) DeleteUser(ctx context.Context, name string) error {
	err := u.deleteUser(name)
	u.audit(ctx, "user.delete", "user/"+name, err)
	return err
}

func (u *Users) deleteUser(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.indexLocked(name)
	if i < 0 {
		return store.NotFound("user", "%s", name)
	}
	u.users = slices.Delete(u.users, i, i+1)
	return nil
}

// CreateAPIKey makes a key with a random secret.
func (u *Users) CreateAPIKey(ctx context.Context, owner auth.Principal, name string, role auth.Role, expires time.Time) (string, auth.APIKey, error) {
	secret, k, err := u.createAPIKey(owner, name, role, expires)
	u.audit(ctx, "api_key.create", "api_key/"+name, err)
	return secret, k, err
}

func (u *Users) createAPIKey(owner auth.Principal, name string, role auth.Role, expires time.Time) (string, auth.APIKey, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var b [16]byte
	rand.Read(b[:])
	k := auth.APIKey{ID: hex.EncodeToString(b[:4]), Name: name, Role: role, Owner: owner.Subject, CreatedAt: time.Now(), ExpiresAt: expires}
	u.keys = append(u.keys, k)
	return "pk_" + hex.EncodeToString(b[:]), k, nil
}

// APIKeys lists the keys of owner, or all when owner is "".
func (u *Users) APIKeys(_ context.Context, owner string) ([]auth.APIKey, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(u.keys), func(k auth.APIKey) bool { return owner != "" && k.Owner != owner }), nil
}

// RevokeAPIKey revokes a key.
func (u *Users) RevokeAPIKey(ctx context.Context, id string) error {
	err := u.revokeAPIKey(id)
	u.audit(ctx, "api_key.revoke", "api_key/"+id, err)
	return err
}

func (u *Users) revokeAPIKey(id string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := slices.IndexFunc(u.keys, func(k auth.APIKey) bool { return k.ID == id })
	if i < 0 {
		return store.NotFound("api_key", "%s", id)
	}
	u.keys[i].RevokedAt = time.Now()
	return nil
}
