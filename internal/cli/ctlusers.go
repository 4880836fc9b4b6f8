package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// ---- users of the management API ----

func ctlUsersCmd(o *ctlOpts) *cobra.Command {
	c := &cobra.Command{Use: "users", Short: "Add, list, delete users of the management API and set their roles (docs/API.md)"}
	c.AddCommand(ctlUsersAddCmd(o), ctlUsersListCmd(o), ctlUsersDeleteCmd(o), ctlUsersSetRoleCmd(o))
	return c
}

func ctlUsersAddCmd(o *ctlOpts) *cobra.Command {
	var role, pwFile string
	c := &cobra.Command{
		Use:   "add NAME --role ROLE [--password-file FILE]",
		Short: "Add a local user; the password comes from --password-file or the first line of stdin",
		Long: `Add a local user of the management API with a role (admin, operator or
viewer). The password (12 characters or more, not the name) is read from
--password-file, or from the first line of standard input when the flag is
absent or "-"; it never appears on the command line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if role == "" {
				return errors.New("--role: required (admin, operator or viewer)")
			}
			pw, err := readPassword(pwFile, cmd.InOrStdin())
			if err != nil {
				return err
			}
			var u *pb.UserInfo
			err = o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				u, err = a.CreateUser(ctx, &pb.CreateUserRequest{Name: args[0], Role: role, Password: pw})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), u, func(w *tabwriter.Writer) { ctlUserText(w, []*pb.UserInfo{u}) })
		},
	}
	c.Flags().StringVar(&role, "role", "", "admin, operator or viewer")
	c.Flags().StringVar(&pwFile, "password-file", "", `file whose first line is the password ("-" or absent: stdin)`)
	return c
}

// maxPasswordInput bounds what is read for a password.
const maxPasswordInput = 4096

// readPassword reads the first line of the file (or of stdin for "" or
// "-"), without its line end.
func readPassword(file string, stdin io.Reader) (string, error) {
	flag := "--password-file"
	r := stdin
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", flag, err)
		}
		defer f.Close()
		r = f
	} else {
		flag = "stdin"
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordInput)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%s: no password (the first line is empty)", flag)
	}
	return line, nil
}

func ctlUsersListCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the users", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &pb.ListUsersResponse{}
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				for tok := ""; ; {
					r, err := a.ListUsers(ctx, &pb.ListUsersRequest{PageToken: tok})
					if err != nil {
						return err
					}
					all.Users = append(all.Users, r.Users...)
					if tok = r.NextPageToken; tok == "" {
						return nil
					}
				}
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), all, func(w *tabwriter.Writer) { ctlUserText(w, all.Users) })
		},
	}
}

func ctlUserText(w *tabwriter.Writer, us []*pb.UserInfo) {
	fmt.Fprintln(w, "NAME\tROLE\tSOURCE\tMFA\tDISABLED\tLAST LOGIN")
	for _, u := range us {
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", u.Name, u.Role, u.Source, u.MfaEnabled, ctlStamp(u.DisabledAt), ctlStamp(u.LastLogin))
	}
}

func ctlUsersDeleteCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a user: its tokens and API keys stop working at once", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := o.call(func(ctx context.Context, a pb.AdminClient) error {
				_, err := a.DeleteUser(ctx, &pb.DeleteUserRequest{Name: args[0]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), &pb.DeleteUserResponse{}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "deleted %s\n", args[0]) })
		},
	}
}

func ctlUsersSetRoleCmd(o *ctlOpts) *cobra.Command {
	return &cobra.Command{
		Use: "set-role NAME ROLE", Short: "Set a user's role (admin, operator or viewer)", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var u *pb.UserInfo
			err := o.call(func(ctx context.Context, a pb.AdminClient) (err error) {
				u, err = a.SetUserRole(ctx, &pb.SetUserRoleRequest{Name: args[0], Role: args[1]})
				return err
			})
			if err != nil {
				return err
			}
			return o.print(cmd.OutOrStdout(), u, func(w *tabwriter.Writer) { ctlUserText(w, []*pb.UserInfo{u}) })
		},
	}
}
