package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// refusingController answers every enrolment as the controller answers a
// spent token, over real TLS with a controller/pki CA.
type refusingController struct {
	pb.UnimplementedEnrollmentServer
}

func (refusingController) Enroll(context.Context, *pb.EnrollRequest) (*pb.EnrollResponse, error) {
	return nil, status.Error(codes.PermissionDenied, "pki: join token already used (id 0123456789abcdef): used at 2026-01-02T03:04:05Z; a token enrols one edge once")
}

// startRefusingController serves on localhost and returns its address and
// a join token pinned to its CA.
func startRefusingController(t *testing.T) (addr, token string) {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "agent-cli-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ca, _, err := pki.LoadOrCreate(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.ServerCertificate([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	v := &pki.Verifier{CA: ca.Certificate(), Allow: []pki.Kind{pki.KindSite}}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(v.EnrolmentServerTLSConfig(cert))))
	pb.RegisterEnrollmentServer(srv, refusingController{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	token, _, err = pki.NewToken("branch-1", ca.Certificate(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return lis.Addr().String(), token
}

// patronus edge --controller: a refused token ends the command with the
// controller's reason, from --join-token or from the environment, and
// the token is never printed.
func TestEdgeControllerTokenRefused(t *testing.T) {
	addr, token := startRefusingController(t)
	stateDir := func() string {
		d, err := os.MkdirTemp("/tmp", "agent-cli-state-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	check := func(how, stdout, stderr string, code int) {
		t.Helper()
		if code == 0 || !strings.Contains(stderr, "join token refused by the controller") || !strings.Contains(stderr, "already used") {
			t.Errorf("%s: exit %d, stderr %q", how, code, stderr)
		}
		if strings.Contains(stdout+stderr, token[4:20]) {
			t.Errorf("%s: the token is in the output", how)
		}
	}
	stdout, stderr, code := run("edge", "--controller", addr, "--join-token", token, "--state-dir", stateDir())
	check("--join-token", stdout, stderr, code)

	t.Setenv(JoinTokenEnv, token)
	stdout, stderr, code = run("edge", "--controller", addr, "--state-dir", stateDir())
	check(JoinTokenEnv, stdout, stderr, code)
}

// Flags of controller mode that do not go together are refused before
// anything starts.
func TestEdgeControllerFlags(t *testing.T) {
	t.Setenv(JoinTokenEnv, "")
	dir, err := os.MkdirTemp("/tmp", "agent-cli-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"edge", "--controller", "127.0.0.1:1", "--config", "edge.yaml"}, "--config and --controller: give one"},
		{[]string{"edge", "--join-token", "ptj_x"}, "--join-token: needs --controller"},
		{[]string{"edge", "--controller", "127.0.0.1:1", "--state-dir", filepath.Join(dir, "new")}, "not enrolled yet and no join token given"},
		{[]string{"edge", "--controller", "127.0.0.1:1", "--state-dir", filepath.Join(dir, "typo"), "--join-token", "ptj_" + strings.Repeat("A", 92)}, "join token malformed"},
		{[]string{"edge"}, "--config: required"},
	} {
		_, stderr, code := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
