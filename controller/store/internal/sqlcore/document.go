package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxDocument bounds a policy set document.
const maxDocument = 4 << 20

// PolicySet implements store.Store.
func (s *Store) PolicySet(ctx context.Context, network string) (store.PolicySet, error) {
	ps := store.PolicySet{Network: network}
	if err := s.read("policy set"); err != nil {
		return ps, err
	}
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		netID, err := s.netID(ctx, q, network)
		if err != nil {
			return err
		}
		if err := q.QueryRow(ctx, "SELECT revision FROM networks WHERE id = $1", netID).Scan(&ps.Revision); err != nil {
			return err
		}
		var doc string
		var updated int64
		err = q.QueryRow(ctx, "SELECT document, updated_at FROM policy_sets WHERE network_id = $1", netID).Scan(&doc, &updated)
		switch {
		case s.eng.Classify(err) == NoRows:
			return nil
		case err != nil:
			return err
		}
		ps.Document, ps.UpdatedAt = []byte(doc), fromUS(updated)
		return nil
	})
	return ps, s.wrap("policy set", err)
}

// PutPolicySet implements store.Store.
func (s *Store) PutPolicySet(ctx context.Context, network string, document []byte, expected int64) (store.PolicySet, error) {
	ps := store.PolicySet{Network: network, Document: document}
	switch {
	case len(document) > maxDocument:
		return ps, &store.Error{Kind: store.ErrInvalid, Entity: "policy_set", Field: "document", Msg: fmt.Sprintf("%d bytes, at most %d", len(document), maxDocument)}
	case !json.Valid(document):
		return ps, &store.Error{Kind: store.ErrInvalid, Entity: "policy_set", Field: "document", Msg: "not JSON"}
	case expected < 0:
		return ps, &store.Error{Kind: store.ErrInvalid, Entity: "policy_set", Field: "expected_revision", Msg: "negative"}
	}
	err := s.write(ctx, "put policy set", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		now := us(s.now())
		_, err = t.Exec(ctx, `INSERT INTO policy_sets (network_id, document, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (network_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
			netID, string(document), now)
		if err != nil {
			return err
		}
		if err := t.bump(ctx, netID); err != nil {
			return err
		}
		// The bump took the network row's lock: the revision before it
		// is exact, also against another replica.
		ps.Revision, ps.UpdatedAt = t.revs[len(t.revs)-1].Number, fromUS(now)
		if expected > 0 && ps.Revision-1 != expected {
			return &store.Error{Kind: store.ErrStale, Entity: "policy_set", Field: "expected_revision",
				Msg: fmt.Sprintf("network %q is at revision %d, not %d", network, ps.Revision-1, expected)}
		}
		return nil
	})
	if err != nil {
		return store.PolicySet{Network: network}, err
	}
	return ps, nil
}

// RecordTelemetry implements store.Store.
func (s *Store) RecordTelemetry(ctx context.Context, network string, b store.TelemetryBatch) (bool, error) {
	stored, err := s.RecordTelemetryBatches(ctx, []store.NetworkTelemetry{{Network: network, Batch: b}})
	if err != nil {
		return false, err
	}
	return stored[0], nil
}

// RecordTelemetryBatches implements store.Store.
func (s *Store) RecordTelemetryBatches(ctx context.Context, batches []store.NetworkTelemetry) ([]bool, error) {
	for _, nb := range batches {
		if err := nb.Batch.Validate(); err != nil {
			return nil, err
		}
	}
	stored := make([]bool, len(batches))
	err := s.write(ctx, "record telemetry", func(t *tx) error {
		if err := s.eng.Raw().IngestLockInTx(ctx, t); err != nil {
			return err
		}
		raw := newRawRows(us(s.now()))
		netIDs, err := s.netIDs(ctx, t, batches)
		if err != nil {
			return err
		}
		siteIDs, err := s.moveCursors(ctx, t, batches, netIDs, raw.rx)
		if err != nil {
			return err
		}
		for i, nb := range batches {
			if stored[i] = siteIDs[i] != 0; stored[i] {
				if err := s.addTelemetry(ctx, t, netIDs[nb.Network], siteIDs[i], nb.Batch, raw); err != nil {
					return err
				}
			}
		}
		return raw.flush(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// netIDs looks up the networks of the batches.
func (s *Store) netIDs(ctx context.Context, t *tx, batches []store.NetworkTelemetry) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, nb := range batches {
		if _, ok := ids[nb.Network]; !ok {
			id, err := s.netID(ctx, t, nb.Network)
			if err != nil {
				return nil, err
			}
			ids[nb.Network] = id
		}
	}
	return ids, nil
}

// moveCursorSQL finds a batch's site and moves its cursor, only
// forward: a concurrent stream of the same boot waits on the row lock.
// No row back: a batch stored before, or no such site.
const moveCursorSQL = `INSERT INTO telemetry_cursors (site_id, boot_id, sequence, updated_at)
		SELECT id, CAST($3 AS TEXT), CAST($4 AS BIGINT), CAST($5 AS BIGINT) FROM sites WHERE network_id = $1 AND name = $2
		ON CONFLICT (site_id, boot_id) DO UPDATE SET sequence = excluded.sequence, updated_at = excluded.updated_at
		WHERE telemetry_cursors.sequence < excluded.sequence
		RETURNING site_id`

// moveCursors runs moveCursorSQL for every batch, in one round trip
// where the engine pipelines, and returns each batch's site id: 0 for a
// batch stored before. A batch of a site that does not exist fails the
// whole group.
func (s *Store) moveCursors(ctx context.Context, t *tx, batches []store.NetworkTelemetry, netIDs map[string]int64, rx int64) ([]int64, error) {
	args := make([][]any, len(batches))
	for i, nb := range batches {
		args[i] = []any{netIDs[nb.Network], nb.Batch.Site, nb.Batch.BootID, nb.Batch.Sequence, rx}
	}
	ids := make([]int64, len(batches))
	err := queryRows(ctx, t, moveCursorSQL, args, func(i int, r Row) error {
		if err := r.Scan(&ids[i]); err != nil && s.eng.Classify(err) != NoRows {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, nb := range batches {
		if ids[i] == 0 {
			if _, err := s.siteID(ctx, t, netIDs[nb.Network], nb.Network, nb.Batch.Site); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// addTelemetry adds a batch whose cursor moved: its raw rows go to raw,
// its events and flows are inserted.
func (s *Store) addTelemetry(ctx context.Context, t *tx, netID, siteID int64, b store.TelemetryBatch, raw *rawRows) error {
	raw.addSamples(netID, b.Samples)
	raw.addCounters(netID, b.Counters)
	if err := insertEvents(ctx, t, netID, b.Events); err != nil {
		return err
	}
	if err := insertFlows(ctx, t, netID, b.Flows); err != nil {
		return err
	}
	if !b.SeenAt.IsZero() {
		raw.seen[siteID] = us(b.SeenAt)
	}
	return nil
}
