package rest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// The policy set, the audit log, users and API keys.

func (h *Handler) getPolicySet(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.m.PolicySet(r.Context(), r.PathValue("network"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(ps.Revision))
	return writeJSON(w, http.StatusOK, policySetOf(ps))
}

// policySetUpdate is the body of PUT policy-set: the whole document, and
// optionally the revision it was based on (as If-Match does).
type policySetUpdate struct {
	Document json.RawMessage `json:"document"`
	Revision int64           `json:"revision"`
}

// putPolicySet replaces the document whole. The expected revision comes
// from If-Match or the body's revision (both: they must agree); a stale
// one is 412 and changes nothing.
func (h *Handler) putPolicySet(w http.ResponseWriter, r *http.Request) error {
	var req policySetUpdate
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Document) == 0 || string(req.Document) == "null" {
		return apierr.Invalid("document", "required: the policy set document")
	}
	expected, err := ifMatch(r)
	if err != nil {
		return err
	}
	if req.Revision < 0 || (expected != 0 && req.Revision != 0 && req.Revision != expected) {
		return apierr.Invalid("revision", "%d differs from If-Match (%d)", req.Revision, expected)
	}
	if expected == 0 {
		expected = req.Revision
	}
	ps, err := h.m.SetPolicySet(r.Context(), r.PathValue("network"), req.Document, expected)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(ps.Revision))
	return writeJSON(w, http.StatusOK, policySetOf(ps))
}

// listAudit answers the audit log, newest first. Its page token is the ID
// below which the next page starts (entries keep coming while one
// pages).
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, limit, err := auditQuery(r)
	if err != nil {
		return err
	}
	q.Limit = limit + 1
	es, err := h.m.AuditLog(r.Context(), q)
	if err != nil {
		return err
	}
	out := list[AuditEntry]{Items: []AuditEntry{}}
	for i, e := range es {
		if i == limit {
			out.NextPageToken = auditToken(es[i-1].ID)
			break
		}
		out.Items = append(out.Items, auditOf(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

// maxAuditLimit is the store's bound less the one entry read ahead.
const maxAuditLimit = 999

func auditQuery(r *http.Request) (store.AuditQuery, int, error) {
	v := r.URL.Query()
	q := store.AuditQuery{Actor: v.Get("actor"), Action: v.Get("action"), Outcome: v.Get("outcome")}
	var err error
	if q.Since, err = queryTime(r, "since"); err != nil {
		return q, 0, err
	}
	if q.Until, err = queryTime(r, "until"); err != nil {
		return q, 0, err
	}
	limit := defaultLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAuditLimit {
			return q, 0, apierr.Invalid("limit", "%q is not a number from 1 to %d", s, maxAuditLimit)
		}
		limit = n
	}
	if t := v.Get("page_token"); t != "" {
		if q.BeforeID, err = parseAuditToken(t); err != nil {
			return q, 0, err
		}
	}
	return q, limit, nil
}

func auditToken(beforeID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("b:" + strconv.FormatInt(beforeID, 10)))
}

func parseAuditToken(t string) (int64, error) {
	bad := apierr.Invalid("page_token", "not a page token of the audit log (pass next_page_token as it came)")
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, bad
	}
	s, ok := strings.CutPrefix(string(b), "b:")
	n, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || n < 1 {
		return 0, bad
	}
	return n, nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := h.m.Users(r.Context())
	if err != nil {
		return err
	}
	return writePage(w, r, us, userOf)
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.m.User(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(u))
}

// newUserRequest is the body of creating a local user.
type newUserRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	var req newUserRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := h.m.CreateUser(r.Context(), auth.NewUser{Name: req.Name, Role: auth.Role(req.Role), Password: req.Password})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, userOf(u))
}

// userUpdateRequest is the body of PATCH: fields left out stay as they
// are.
type userUpdateRequest struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) error {
	var req userUpdateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	up := auth.UserUpdate{Disabled: req.Disabled, Password: req.Password}
	if req.Role != nil {
		role := auth.Role(*req.Role)
		up.Role = &role
	}
	u, err := h.m.UpdateUser(r.Context(), r.PathValue("name"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(u))
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.DeleteUser(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := h.m.APIKeys(r.Context())
	if err != nil {
		return err
	}
	return writePage(w, r, ks, apiKeyOf)
}

// newAPIKeyRequest is the body of creating an API key.
type newAPIKeyRequest struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"` // zero: never
}

func (h *Handler) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var req newAPIKeyRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	secret, k, err := h.m.CreateAPIKey(r.Context(), req.Name, auth.Role(req.Role), req.ExpiresAt)
	if err != nil {
		return err
	}
	out := apiKeyOf(k)
	out.Key = secret
	return writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
