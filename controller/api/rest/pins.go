package rest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// PinMatch is what a pin matches; zero or absent fields match anything.
type PinMatch struct {
	Protocol int64  `json:"protocol,omitempty"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	SrcPort  int64  `json:"src_port,omitempty"`
	DstPort  int64  `json:"dst_port,omitempty"`
}

// Pin is a path pin of a site.
type Pin struct {
	ID        int64     `json:"id"`
	Network   string    `json:"network"`
	Site      string    `json:"site"`
	Match     PinMatch  `json:"match"`
	PathID    string    `json:"path_id"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func pinOf(p store.Pin) Pin {
	return Pin{ID: p.ID, Network: p.Network, Site: p.Site, Match: PinMatch(manage.MatchText(p.Match)), PathID: p.Path, ExpiresAt: utc(p.ExpiresAt),
		CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt.UTC()}
}

func (h *Handler) listPins(w http.ResponseWriter, r *http.Request) error {
	pins, err := h.m.Pins(r.Context(), r.PathValue("network"), r.URL.Query().Get("site"))
	if err != nil {
		return err
	}
	return writePage(w, r, pins, pinOf)
}

// pinRequest is the body of setting a pin.
type pinRequest struct {
	Site  string   `json:"site"`
	Path  string   `json:"path"`
	Match PinMatch `json:"match"`
	// TTL is a Go duration ("2h"); "": until deleted.
	TTL string `json:"ttl"`
}

func (h *Handler) setPin(w http.ResponseWriter, r *http.Request) error {
	var req pinRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var ttl time.Duration
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil {
			return apierr.Invalid("ttl", "%q is not a duration (\"2h\", \"30m\")", req.TTL)
		}
		ttl = d
	}
	p, err := h.m.SetPin(r.Context(), r.PathValue("network"), manage.PinInput{Site: req.Site, Path: req.Path, TTL: ttl,
		Match: manage.PinMatchText(req.Match)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pinOf(p))
}

func (h *Handler) deletePin(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apierr.Invalid("id", "%q is not a pin id", r.PathValue("id"))
	}
	if err := h.m.DeletePin(r.Context(), r.PathValue("network"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
