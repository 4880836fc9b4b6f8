package sqlcore

import (
	"context"
	"math"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// ApplicationTraffic implements store.Store. The sums are cast to BIGINT:
// PostgreSQL sums BIGINT as NUMERIC.
func (s *Store) ApplicationTraffic(ctx context.Context, network string, q store.AppTrafficQuery) ([]store.AppTraffic, error) {
	until := int64(math.MaxInt64)
	if !q.Until.IsZero() {
		until = us(q.Until)
	}
	n := int64(q.Limit)
	if n <= 0 {
		n = 100
	}
	var out []store.AppTraffic
	err := s.list(ctx, "application traffic", network, `SELECT application, CAST(SUM(flows) AS BIGINT),
		CAST(SUM(bytes_tx) AS BIGINT), CAST(SUM(bytes_rx) AS BIGINT), COUNT(DISTINCT site), COUNT(DISTINCT path)
		FROM flow_summaries WHERE network_id = $1 AND ($2 = '' OR site = $2) AND ($3 = '' OR path = $3)
		AND ts >= $4 AND ts < $5
		GROUP BY application ORDER BY CAST(SUM(bytes_tx) AS BIGINT) + CAST(SUM(bytes_rx) AS BIGINT) DESC, application LIMIT $6`,
		func(r Row) error {
			var a store.AppTraffic
			if err := r.Scan(&a.Application, &a.Flows, &a.BytesTx, &a.BytesRx, &a.Sites, &a.Paths); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		}, q.Site, q.Path, sinceUS(q.Since), until, n)
	return out, err
}
