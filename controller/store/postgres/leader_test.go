package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patronus-sdwan/patronus/controller/store/postgres"
)

// TestLeader: of two replicas on one database, one leads and the other
// waits; when the leader stops, the other leads within a retry; when the
// leader's connection is ended by the server, its lead ends.
func TestLeader(t *testing.T) {
	requireServer(t)
	url := server.NewDB(t)
	newLeader := func() *postgres.Leader {
		l, err := postgres.NewLeader(url, postgres.AlertsLockKey)
		if err != nil {
			t.Fatal(err)
		}
		l.Retry = 100 * time.Millisecond
		return l
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	actx, stopA := context.WithCancel(ctx)
	leadA, err := newLeader().Lead(actx)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		ctx context.Context
		err error
	}
	bctx, stopB := context.WithCancel(ctx)
	defer stopB()
	b := make(chan result, 1)
	go func() { c, err := newLeader().Lead(bctx); b <- result{c, err} }()
	select {
	case r := <-b:
		t.Fatalf("a second replica leads while the first does: %v", r.err)
	case <-time.After(time.Second):
	}
	stopA()
	<-leadA.Done()
	var leadB context.Context
	select {
	case r := <-b:
		if r.err != nil {
			t.Fatal(r.err)
		}
		leadB = r.ctx
	case <-time.After(5 * time.Second):
		t.Fatal("the second replica did not lead after the first stopped")
	}
	// The server ends the leader's connection: its lead ends.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", postgres.LeaderName); err != nil {
		t.Fatal(err)
	}
	select {
	case <-leadB.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the lead did not end with its connection")
	}
	stopB()
}
