package rest

import (
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// The network's resources: networks, sites, links, prefixes, join
// tokens, paths and events.

func (h *Handler) listNetworks(w http.ResponseWriter, r *http.Request) error {
	ns, err := h.m.Networks(r.Context())
	if err != nil {
		return err
	}
	return writePage(w, r, ns, networkOf)
}

func (h *Handler) getNetwork(w http.ResponseWriter, r *http.Request) error {
	n, err := h.m.Network(r.Context(), r.PathValue("network"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, networkOf(n))
}

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	online, err := queryBool(r, "online")
	if err != nil {
		return err
	}
	f := manage.SiteFilter{Role: store.Role(q.Get("role")), State: store.SiteState(q.Get("state")), Online: online, NamePrefix: q.Get("name_prefix")}
	sites, err := h.m.Sites(r.Context(), r.PathValue("network"), f)
	if err != nil {
		return err
	}
	return writePage(w, r, sites, siteOf)
}

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) error {
	s, err := h.m.Site(r.Context(), r.PathValue("network"), r.PathValue("site"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, siteOf(s))
}

// revokeRequest is the optional body of a site's revocation.
type revokeRequest struct {
	Reason string `json:"reason"`
}

func (h *Handler) revokeSite(w http.ResponseWriter, r *http.Request) error {
	var req revokeRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			return err
		}
	}
	s, err := h.m.RevokeSite(r.Context(), r.PathValue("network"), r.PathValue("site"), req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, siteOf(s))
}

// resetSiteRequest is the optional body of resetting a site.
type resetSiteRequest struct {
	TTL string `json:"ttl"` // a Go duration; "": the default
}

func (h *Handler) resetSite(w http.ResponseWriter, r *http.Request) error {
	var req resetSiteRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			return err
		}
	}
	ttl, err := parseTTL(req.TTL)
	if err != nil {
		return err
	}
	secret, tok, err := h.m.ResetSite(r.Context(), r.PathValue("network"), r.PathValue("site"), ttl)
	if err != nil {
		return err
	}
	out := joinTokenOf(tok)
	out.Token = secret
	return writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.DeleteSite(r.Context(), r.PathValue("network"), r.PathValue("site")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listLinks(w http.ResponseWriter, r *http.Request) error {
	ls, err := h.m.Links(r.Context(), r.PathValue("network"), r.PathValue("site"))
	if err != nil {
		return err
	}
	return writePage(w, r, ls, linkOf)
}

// putLink creates or replaces the link named in the URL: the same body
// twice leaves the same link (idempotent).
func (h *Handler) putLink(w http.ResponseWriter, r *http.Request) error {
	var in Link
	if err := decode(r, &in); err != nil {
		return err
	}
	name := r.PathValue("link")
	if in.Name != "" && in.Name != name {
		return apierr.Invalid("name", "%q differs from the link named in the URL (%q)", in.Name, name)
	}
	if in.Site != "" && in.Site != r.PathValue("site") {
		return apierr.Invalid("site", "%q differs from the site named in the URL (%q)", in.Site, r.PathValue("site"))
	}
	spec := store.LinkSpec{Name: name, Colour: in.Colour, Cost: in.Cost, BandwidthKbps: in.BandwidthKbps, Endpoint: in.Endpoint,
		Interface: in.Interface, LocalAddress: in.LocalAddress, ListenPort: in.ListenPort}
	l, err := h.m.PutLink(r.Context(), r.PathValue("network"), r.PathValue("site"), spec)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, linkOf(l))
}

func (h *Handler) deleteLink(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.DeleteLink(r.Context(), r.PathValue("network"), r.PathValue("site"), r.PathValue("link")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listPrefixes(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.m.Prefixes(r.Context(), r.PathValue("network"), r.URL.Query().Get("site"))
	if err != nil {
		return err
	}
	return writePage(w, r, ps, prefixOf)
}

// prefixRequest is the body of adding a prefix.
type prefixRequest struct {
	Prefix string `json:"prefix"`
}

func (h *Handler) addPrefix(w http.ResponseWriter, r *http.Request) error {
	var req prefixRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := h.m.AddPrefix(r.Context(), r.PathValue("network"), r.PathValue("site"), req.Prefix)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, prefixOf(p))
}

// deletePrefix takes the prefix ADDR/BITS from its site; the URL spells
// it as two segments (/prefixes/10.1.0.0/24).
func (h *Handler) deletePrefix(w http.ResponseWriter, r *http.Request) error {
	prefix := r.PathValue("addr") + "/" + r.PathValue("bits")
	if err := h.m.DeletePrefix(r.Context(), r.PathValue("network"), prefix); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listJoinTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.m.JoinTokens(r.Context(), r.PathValue("network"))
	if err != nil {
		return err
	}
	return writePage(w, r, ts, joinTokenOf)
}

// joinTokenRequest is the body of creating a join token.
type joinTokenRequest struct {
	Site string `json:"site"`
	// TTL is a Go duration ("24h"); "": the controller's default.
	TTL string `json:"ttl"`
}

// parseTTL reads a token's lifetime; "": 0 (the default).
func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, apierr.Invalid("ttl", "%q is not a positive duration (\"24h\", \"30m\")", s)
	}
	return d, nil
}

func (h *Handler) createJoinToken(w http.ResponseWriter, r *http.Request) error {
	var req joinTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ttl, err := parseTTL(req.TTL)
	if err != nil {
		return err
	}
	secret, tok, err := h.m.CreateJoinToken(r.Context(), r.PathValue("network"), req.Site, ttl)
	if err != nil {
		return err
	}
	out := joinTokenOf(tok)
	out.Token = secret
	return writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) revokeJoinToken(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.m.RevokeJoinToken(r.Context(), r.PathValue("network"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, joinTokenOf(tok))
}

func (h *Handler) listPaths(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := manage.PathFilter{Site: q.Get("site"), State: pathStateParam(q.Get("state"))}
	ps, err := h.m.Paths(r.Context(), r.PathValue("network"), f)
	if err != nil {
		return err
	}
	return writePage(w, r, ps, pathOf)
}

// pathStateParam accepts a state as the API spells it (UP) or as the
// store does (up); anything else goes to manage, which names it.
func pathStateParam(s string) store.PathState {
	switch s {
	case "UP":
		return store.PathUp
	case "DEGRADED":
		return store.PathDegraded
	case "DOWN":
		return store.PathDown
	}
	return store.PathState(s)
}

func (h *Handler) getPath(w http.ResponseWriter, r *http.Request) error {
	p, err := h.m.Path(r.Context(), r.PathValue("network"), r.PathValue("path"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pathOf(p))
}

// pathHistory answers a path's points in [from, to); to defaults to now
// and from to an hour before to.
func (h *Handler) pathHistory(w http.ResponseWriter, r *http.Request) error {
	from, err := queryTime(r, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = to.Add(-time.Hour)
	}
	id := r.PathValue("path")
	hist, err := h.m.PathHistory(r.Context(), r.PathValue("network"), id, from, to)
	if err != nil {
		return err
	}
	out := PathHistory{Path: id, Resolution: string(hist.Resolution), From: hist.From.UTC(), To: hist.To.UTC(), Points: []PathPoint{}}
	for _, p := range hist.Points {
		out.Points = append(out.Points, pointOf(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) error {
	since, err := queryTime(r, "since")
	if err != nil {
		return err
	}
	until, err := queryTime(r, "until")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := manage.EventFilter{Site: q.Get("site"), Kind: q.Get("kind"), Since: since, Until: until}
	evs, err := h.m.Events(r.Context(), r.PathValue("network"), f)
	if err != nil {
		return err
	}
	return writePage(w, r, evs, eventOf)
}
