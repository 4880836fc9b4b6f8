package cli

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// bfdStatus is what the control socket serves at /bfd/sessions.
type bfdStatus struct {
	Sessions []bfd.SessionInfo `json:"sessions"`
	Stats    bfd.Stats         `json:"stats"`
}

// serveControl serves the Manager's sessions and counters on a unix
// socket readable only by its owner. The returned func stops it.
func serveControl(path string, mgr *bfd.Manager) (func(), error) {
	stop, err := ctlsock.Serve(path, map[string]http.HandlerFunc{"GET /bfd/sessions": ctlsock.JSON(func() any {
		st := bfdStatus{Sessions: mgr.Sessions(), Stats: mgr.Stats()}
		sort.Slice(st.Sessions, func(i, j int) bool { return st.Sessions[i].Peer < st.Sessions[j].Peer })
		return st
	})})
	if err != nil {
		return nil, fmt.Errorf("--control-socket: %w", err)
	}
	return stop, nil
}

func newBFDShowCmd() *cobra.Command {
	var sock string
	var asJSON bool
	c := &cobra.Command{
		Use:   "show --control-socket PATH",
		Short: "Show the sessions and counters of a running `patronus bfd run`",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sock == "" {
				return errors.New("--control-socket: required")
			}
			st, raw, err := fetchStatus(sock)
			if err != nil {
				return err
			}
			if asJSON {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			return printStatus(cmd, st)
		},
	}
	c.Flags().StringVar(&sock, "control-socket", "", "control socket of the running `patronus bfd run`")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func fetchStatus(sock string) (bfdStatus, []byte, error) {
	var st bfdStatus
	raw, err := ctlsock.Get(sock, "/bfd/sessions", &st)
	if err != nil {
		return st, nil, fmt.Errorf("--control-socket %s: %w", sock, err)
	}
	return st, raw, nil
}

func printStatus(cmd *cobra.Command, st bfdStatus) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LOCAL\tPEER\tSTATE\tREMOTE\tDIAG\tTX\tDETECT\tIN\tOUT\tAUTH-FAIL\tDROPS")
	for _, s := range st.Sessions {
		si, c := s.Session, s.Counters
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%v\t%d\t%d\t%d\t%v\n", s.Local, s.Peer, si.State, si.RemoteState,
			si.LocalDiag, si.TxInterval, si.DetectionTime, c.PacketsIn, c.PacketsOut, c.AuthFailures, c.Drops)
	}
	fmt.Fprintf(w, "\nno session: %d  malformed: %v\n", st.Stats.NoSession, st.Stats.Malformed)
	return w.Flush()
}
