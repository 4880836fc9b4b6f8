package store

import "time"

// AppTrafficQuery selects the flow summaries that ApplicationTraffic
// totals by application; zero fields do not filter.
type AppTrafficQuery struct {
	Site  string    // the reporting site
	Path  string    // the path's name (PathName), as both its ends report it
	Since time.Time // window starts at or after Since
	Until time.Time // window starts before Until; zero: no end
	Limit int       // the top applications; 0: 100
}

// AppTraffic is one application's traffic in the flow summaries a query
// selects: the sums of their flows and bytes, and how many sites and
// paths reported some.
type AppTraffic struct {
	Application string
	Flows       int64
	BytesTx     int64
	BytesRx     int64
	Sites       int64
	Paths       int64
}
