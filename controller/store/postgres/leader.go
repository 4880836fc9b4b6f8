package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AlertsLockKey is the advisory lock whose holder is the replica that
// evaluates the alert rules and sends their notices ("alerting" in
// ASCII).
const AlertsLockKey = 0x616c_6572_7469_6e67

// LeaderName is the application_name of a Leader's connection.
const LeaderName = "patronus-leader"

// Leader elects one replica among those on one database: the one that
// holds a session advisory lock on a connection of its own. PostgreSQL
// releases the lock when that connection ends (the replica stops or
// loses the database), and another replica's next try takes it.
type Leader struct {
	cfg *pgx.ConnConfig
	key int64
	// Retry is how often a replica that does not lead tries the lock,
	// and how often the leader checks its connection (with a limit of
	// Retry): a lost lead is noticed within about 2 × Retry.
	Retry time.Duration
}

// NewLeader returns a leader election on the database at url with lock
// key; Retry 2 s.
func NewLeader(url string, key int64) (*Leader, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: bad url: %w", err)
	}
	cfg.RuntimeParams["application_name"] = LeaderName
	return &Leader{cfg: cfg, key: key, Retry: 2 * time.Second}, nil
}

// Lead blocks until this replica holds the lock or ctx ends. The context
// it returns ends when the lead is lost (its connection fails a check)
// or ctx ends; the lock is then released (its connection closed).
func (l *Leader) Lead(ctx context.Context) (context.Context, error) {
	for {
		// Not leading this time (the lock is taken, or the database
		// does not answer): try again.
		if conn := l.try(ctx); conn != nil {
			lctx, cancel := context.WithCancel(ctx)
			go l.hold(lctx, cancel, conn)
			return lctx, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(l.Retry):
		}
	}
}

// try connects and tries the lock once: the connection that holds it,
// or nil.
func (l *Leader) try(ctx context.Context) *pgx.Conn {
	cctx, cancel := context.WithTimeout(ctx, l.Retry+5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, l.cfg)
	if err != nil {
		return nil
	}
	var ok bool
	if err := conn.QueryRow(cctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil || !ok {
		conn.Close(context.Background())
		return nil
	}
	return conn
}

// hold checks the connection every Retry until ctx ends or a check
// fails, then ends the lead and closes the connection (releasing the
// lock).
func (l *Leader) hold(ctx context.Context, lost context.CancelFunc, conn *pgx.Conn) {
	defer conn.Close(context.Background())
	defer lost()
	t := time.NewTicker(l.Retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cctx, cancel := context.WithTimeout(ctx, l.Retry)
			err := conn.Ping(cctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
