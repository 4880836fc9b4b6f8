package rest

import (
	"net/http"
	"strconv"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// ApplicationTraffic is one application's traffic (GraphQL's
// ApplicationTraffic).
type ApplicationTraffic struct {
	Application   string `json:"application"`
	Flows         int64  `json:"flows"`
	BytesSent     int64  `json:"bytes_sent"`
	BytesReceived int64  `json:"bytes_received"`
	Sites         int64  `json:"sites"`
	Paths         int64  `json:"paths"`
}

// ApplicationTrafficList is the top applications, most bytes first.
type ApplicationTrafficList struct {
	Items []ApplicationTraffic `json:"items"`
}

func (h *Handler) applicationTraffic(w http.ResponseWriter, r *http.Request) error {
	since, err := queryTime(r, "since")
	if err != nil {
		return err
	}
	until, err := queryTime(r, "until")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := manage.TrafficFilter{Site: q.Get("site"), Path: q.Get("path"), Since: since, Until: until}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > manage.MaxTrafficApps {
			return apierr.Invalid("limit", "%q is not a number from 1 to %d", s, manage.MaxTrafficApps)
		}
		f.Limit = n
	}
	apps, err := h.m.ApplicationTraffic(r.Context(), r.PathValue("network"), f)
	if err != nil {
		return err
	}
	out := ApplicationTrafficList{Items: make([]ApplicationTraffic, 0, len(apps))}
	for _, a := range apps {
		out.Items = append(out.Items, trafficOf(a))
	}
	return writeJSON(w, http.StatusOK, out)
}

func trafficOf(a store.AppTraffic) ApplicationTraffic {
	return ApplicationTraffic{Application: a.Application, Flows: a.Flows, BytesSent: a.BytesTx,
		BytesReceived: a.BytesRx, Sites: a.Sites, Paths: a.Paths}
}
