package agent

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testBackoff keeps reconnection tests fast.
var testBackoff = Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}

// tempDir is a directory under /tmp/agent-*, removed when the test ends.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "agent-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// jsonLogger logs JSON records into l, debug level and up.
func jsonLogger(l *syncbuf.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// edge is what patronus edge would be to the agent: Apply records every
// configuration it is handed, and may refuse some.
type edge struct {
	applied chan *config.Valid
	refuse  func(*config.Valid) error // nil: accept all
	logs    *syncbuf.Buffer
}

func newEdge() *edge {
	return &edge{applied: make(chan *config.Valid, 16), logs: &syncbuf.Buffer{}}
}

func (e *edge) apply(v *config.Valid) error {
	if e.refuse != nil {
		if err := e.refuse(v); err != nil {
			return err
		}
	}
	e.applied <- v
	return nil
}

// next waits for the next applied configuration.
func (e *edge) next(t *testing.T) *config.Valid {
	t.Helper()
	select {
	case v := <-e.applied:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no configuration applied; log:\n%s", e.logs)
		return nil
	}
}

func (e *edge) options(ctl *testController, dir, token string) Options {
	return Options{Controller: ctl.addr, JoinToken: token, StateDir: dir, Apply: e.apply,
		Backoff: testBackoff, Log: jsonLogger(e.logs)}
}

// newAgent makes an agent, enrolling if need be.
func newAgent(t *testing.T, opts Options) *Agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// run runs a until the returned stop is called (or the test ends).
func run(t *testing.T, a *Agent) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// peerKey is a WireGuard public key for peers.
var peerKey = func() []byte {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k.PublicKey().Bytes()
}()

// siteConfig is a valid configuration of site 7 "branch-1" at rev.
func siteConfig(rev uint64) *pb.EdgeConfig {
	on, off := true, false
	return &pb.EdgeConfig{
		Revision:    rev,
		Site:        &pb.Site{Name: "branch-1", Id: 7},
		Role:        pb.TopologyRole_TOPOLOGY_ROLE_MESH,
		LanPrefixes: []string{"10.7.0.0/16"},
		Links: []*pb.Link{{Name: "fibre", LocalAddress: "192.0.2.7", ListenPort: 51900, Color: "inet", Cost: 10, BandwidthBps: 50_000_000},
			{Name: "lte", Interface: "wwan0", Color: "lte", Cost: 100}},
		Peers: []*pb.Peer{{Site: &pb.Site{Name: "hq", Id: 1}, PublicKey: peerKey, Prefixes: []string{"10.1.0.0/16"},
			Links:       []*pb.PeerLink{{Name: "fibre", Endpoint: "198.51.100.1:51820", Color: "inet"}},
			Compression: &on}},
		Defaults:     &pb.Defaults{Bfd: &pb.BfdTimers{TxInterval: durationpb.New(300 * time.Millisecond), Multiplier: 5}},
		SlaClasses:   []*pb.SlaClass{{Name: "gold", MaxLatency: durationpb.New(150 * time.Millisecond), MaxLossPct: 1}},
		Applications: []*pb.Application{{Name: "erp", Class: "gold", Match: &pb.MatchRule{Cidrs: []string{"10.1.5.0/24"}, Protocols: []string{"tcp"}, Ports: []string{"443"}}}},
		Policies: []*pb.Policy{{Name: "erp-dup", SlaClass: "gold", Colors: []string{"inet"}, Mode: pb.SteeringMode_STEERING_MODE_DUPLICATE,
			Match: &pb.PolicyMatch{Applications: []string{"erp"}}, Compression: &off}},
		Steering:     &pb.SteeringTimers{Damping: durationpb.New(2 * time.Second), MarginScore: 7},
		QualityModel: &pb.QualityModel{DegradedBelowScore: 70, RecoverAtScore: 85},
		Pins: []*pb.PathPin{
			{Id: 4, Match: &pb.PinMatch{Protocol: 6, DestinationPrefix: "10.1.5.0/24", DestinationPort: 443}, PathId: "branch-1/lte->hq/fibre",
				ExpiresAt: timestamppb.New(time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC))},
			{Id: 9, Match: &pb.PinMatch{SourcePrefix: "fd10::/64"}, PathId: "branch-1/fibre->hq/mpls"},
		},
	}
}

// enrolled returns a controller and a state directory where site 7
// "branch-1" is enrolled with it.
func enrolled(t *testing.T) (*testController, string) {
	t.Helper()
	ctl := newTestController(t)
	dir := filepath.Join(tempDir(t), "state")
	newAgent(t, newEdge().options(ctl, dir, ctl.newToken("branch-1", nil)))
	return ctl, dir
}

// An edge enrols once with its token, keeps its credentials in the state
// directory with private modes, and from then on starts and connects
// with mutual TLS without the token (nor the controller's address).
func TestEnrolSavesCredentialsAndRestartNeedsNoToken(t *testing.T) {
	ctl := newTestController(t)
	tok := ctl.newToken("branch-1", nil)
	dir := filepath.Join(tempDir(t), "state")
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, tok))
	if want := pki.SiteIdentity(7, "branch-1"); a.Identity() != want {
		t.Fatalf("identity %v, want %v", a.Identity(), want)
	}

	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v, mode %v", err, st.Mode())
	}
	for _, f := range []string{pki.IdentityKeyFile, pki.IdentityCertFile, pki.IdentityCAFile, WireGuardKeyFile, EnrolmentFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v", f, err, st.Mode())
		}
	}
	// The controller got the public half of the key in the state
	// directory, which the edge's configuration will use.
	c := &config.Config{PrivateKeyFile: filepath.Join(dir, WireGuardKeyFile)}
	_, verr := c.Validate()
	raw, _ := os.ReadFile(filepath.Join(dir, WireGuardKeyFile))
	priv, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	key, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		t.Fatalf("wireguard.key: %v", err)
	}
	ctl.mu.Lock()
	got := ctl.wgKeys[7]
	ctl.mu.Unlock()
	if !bytes.Equal(got, key.PublicKey().Bytes()) || !bytes.Equal(a.WireGuardPublicKey(), got) {
		t.Fatal("the controller did not get the public key of wireguard.key")
	}
	if verr != nil && strings.Contains(verr.Error(), "private_key_file") {
		t.Fatalf("config.Validate does not read wireguard.key: %v", verr)
	}
	assertNoSecret(t, dir, tok, e.logs.String())

	// Restart: no token, no controller address; the token is spent anyway.
	e2 := newEdge()
	opts := e2.options(ctl, dir, "")
	opts.Controller = ""
	a2 := newAgent(t, opts)
	if a2.Identity() != a.Identity() || !bytes.Equal(a2.WireGuardPublicKey(), a.WireGuardPublicKey()) {
		t.Fatal("the restarted agent has another identity or key")
	}
	run(t, a2)
	eventually(t, "a mutual-TLS WatchConfig from site 7", func() bool {
		calls := ctl.watchCalls()
		return len(calls) > 0 && calls[0].site == pki.SiteIdentity(7, "branch-1")
	})
	ctl.mu.Lock()
	n := ctl.enrolCalls
	ctl.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d Enroll calls, want 1", n)
	}
}

// assertNoSecret fails if the token is in a file of dir or in logs.
func assertNoSecret(t *testing.T, dir, token, logs string) {
	t.Helper()
	secret := token[len(pki.TokenPrefix):][:24]
	if strings.Contains(logs, secret) {
		t.Error("the join token is in the log")
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(secret)) {
			t.Errorf("the join token is in %s", path)
		}
		return nil
	})
}

// A used, expired, revoked, unknown or other site's token is refused at
// once, with the controller's reason, nothing saved and no retry.
func TestEnrolRefusedToken(t *testing.T) {
	ctl := newTestController(t)
	past := time.Now().Add(-time.Minute)
	for _, tc := range []struct {
		name, site string
		edit       func(*pki.TokenRecord)
		unknown    bool
		want       string
	}{
		{name: "used", edit: func(r *pki.TokenRecord) { r.UsedAt = past }, want: "already used"},
		{name: "expired", edit: func(r *pki.TokenRecord) { r.ExpiresAt = past }, want: "expired"},
		{name: "revoked", edit: func(r *pki.TokenRecord) { r.RevokedAt = past }, want: "revoked"},
		{name: "unknown", unknown: true, want: "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := ctl.newToken("branch-1", tc.edit)
			if tc.unknown {
				tok, _, _ = pki.NewToken("branch-1", ctl.ca.Certificate(), time.Now().Add(time.Hour))
			}
			ctl.mu.Lock()
			calls := ctl.enrolCalls
			ctl.mu.Unlock()
			e := newEdge()
			dir := filepath.Join(tempDir(t), "state")
			_, err := New(context.Background(), e.options(ctl, dir, tok))
			if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrTokenRefused saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tok[len(pki.TokenPrefix):][:24]) {
				t.Fatal("the error contains the token")
			}
			assertNoSecret(t, dir, tok, e.logs.String())
			if _, err := pki.LoadIdentity(dir); !errors.Is(err, pki.ErrNoIdentity) {
				t.Fatalf("identity after a refusal: %v", err)
			}
			ctl.mu.Lock()
			calls = ctl.enrolCalls - calls
			ctl.mu.Unlock()
			if calls != 1 {
				t.Fatalf("%d Enroll calls, want 1 (a refusal is not retried)", calls)
			}
		})
	}
}

// A mistyped token is refused before anything is sent; no token at all
// is refused when there is no identity yet.
func TestEnrolMalformedOrMissingToken(t *testing.T) {
	ctl := newTestController(t)
	tok := ctl.newToken("branch-1", nil)
	typo := []byte(tok)
	typo[30] ^= 'A' ^ 'B'
	if typo[30] == tok[30] {
		t.Fatal("no typo")
	}
	e := newEdge()
	_, err := New(context.Background(), e.options(ctl, filepath.Join(tempDir(t), "a"), string(typo)))
	if !errors.Is(err, pki.ErrTokenMalformed) {
		t.Fatalf("typo: %v, want ErrTokenMalformed", err)
	}
	_, err = New(context.Background(), e.options(ctl, filepath.Join(tempDir(t), "b"), ""))
	if !errors.Is(err, ErrNoToken) {
		t.Fatalf("no token: %v, want ErrNoToken", err)
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if ctl.enrolCalls != 0 {
		t.Fatalf("%d Enroll calls, want none", ctl.enrolCalls)
	}
}

// A controller whose CA is not the one the token pins (a wrong address,
// someone in the middle) is refused before the token is sent.
func TestEnrolImpostorControllerRefused(t *testing.T) {
	ctl := newTestController(t)
	impostor := newTestController(t)
	e := newEdge()
	opts := e.options(impostor, filepath.Join(tempDir(t), "state"), ctl.newToken("branch-1", nil))
	_, err := New(context.Background(), opts)
	if !errors.Is(err, pki.ErrPinMismatch) {
		t.Fatalf("err = %v, want ErrPinMismatch", err)
	}
	impostor.mu.Lock()
	defer impostor.mu.Unlock()
	if impostor.enrolCalls != 0 {
		t.Fatal("the impostor received the enrolment")
	}
}

// An unreachable controller is retried until it answers.
func TestEnrolWaitsForController(t *testing.T) {
	ctl := newTestController(t)
	tok := ctl.newToken("branch-1", nil)
	ctl.stop()
	e := newEdge()
	done := make(chan error, 1)
	go func() {
		_, err := New(context.Background(), e.options(ctl, filepath.Join(tempDir(t), "state"), tok))
		done <- err
	}()
	eventually(t, "two failed attempts logged", func() bool {
		return strings.Count(e.logs.String(), "controller unreachable for enrolment") >= 2
	})
	ctl.start()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("enrolment did not complete once the controller was back")
	}
}

// A state directory others may enter is refused: it holds private keys.
func TestStateDirModeChecked(t *testing.T) {
	dir := filepath.Join(tempDir(t), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // whatever the umask
	e := newEdge()
	_, err := New(context.Background(), e.options(newTestController(t), dir, ""))
	if err == nil || !strings.Contains(err.Error(), "group and others must have no access") {
		t.Fatalf("err = %v", err)
	}
}

// An edge whose certificate has expired says so at start, and what to do.
func TestExpiredCertificateLogged(t *testing.T) {
	ctl := newTestController(t)
	ctl.mu.Lock()
	ctl.validity = time.Millisecond // NotBefore is 5 minutes back: expired at once
	ctl.mu.Unlock()
	dir := filepath.Join(tempDir(t), "state")
	newAgent(t, newEdge().options(ctl, dir, ctl.newToken("branch-1", nil)))
	e := newEdge()
	newAgent(t, e.options(ctl, dir, ""))
	if !strings.Contains(e.logs.String(), "the edge's certificate has expired") {
		t.Fatalf("log:\n%s", e.logs)
	}
}

// Busy or unreachable answers are retried; an invalid request and any
// other failure end the enrolment at once.
func TestEnrolErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		code  codes.Code
		retry bool
		is    error
	}{
		{codes.Unavailable, true, nil},
		{codes.DeadlineExceeded, true, nil},
		{codes.ResourceExhausted, true, nil},
		{codes.Aborted, true, nil},
		{codes.InvalidArgument, false, ErrEnrolmentInvalid},
		{codes.Unauthenticated, false, ErrTokenRefused},
		{codes.Internal, false, nil},
		{codes.FailedPrecondition, false, nil},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			ctl := newTestController(t)
			tok := ctl.newToken("branch-1", nil)
			ctl.mu.Lock()
			ctl.enrolFails = []error{status.Error(tc.code, "says the controller")}
			ctl.mu.Unlock()
			dir := filepath.Join(tempDir(t), "state")
			_, err := New(context.Background(), newEdge().options(ctl, dir, tok))
			ctl.mu.Lock()
			calls := ctl.enrolCalls
			ctl.mu.Unlock()
			switch {
			case tc.retry && (err != nil || calls != 2):
				t.Fatalf("err = %v after %d calls; want success on the second", err, calls)
			case !tc.retry && (err == nil || calls != 1 || !strings.Contains(err.Error(), "says the controller")):
				t.Fatalf("err = %v after %d calls; want the controller's error after one", err, calls)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

// An answer carrying another CA than the one the token pins is refused
// and nothing is saved.
func TestEnrolAnswerWithAnotherCARefused(t *testing.T) {
	ctl := newTestController(t)
	other := newTestController(t)
	ctl.mu.Lock()
	ctl.editEnrol = func(r *pb.EnrollResponse) { r.CaCertDer = other.ca.Certificate().Raw }
	ctl.mu.Unlock()
	dir := filepath.Join(tempDir(t), "state")
	_, err := New(context.Background(), newEdge().options(ctl, dir, ctl.newToken("branch-1", nil)))
	if err == nil || !strings.Contains(err.Error(), "other than the one the join token pins") {
		t.Fatalf("err = %v", err)
	}
	if _, err := pki.LoadIdentity(dir); !errors.Is(err, pki.ErrNoIdentity) {
		t.Fatalf("identity saved: %v", err)
	}
}
