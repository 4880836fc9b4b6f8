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
		return each(ctx, q, query, scan, append([]any{netID}, args...)...)
	})
	return s.wrap(op, err)
}
