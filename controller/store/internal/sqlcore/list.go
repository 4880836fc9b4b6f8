package sqlcore

import "context"

// list runs a query of one network (parameter $1) and scans each row.
func (s *Store) list(ctx context.Context, op, network, query string, scan func(Row) error, args ...any) error {
	if err := s.read(op); err != nil {
		return err
	}
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		netID, err := s.netID(ctx, q, network)
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, query, append([]any{netID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return s.wrap(op, err)
}
