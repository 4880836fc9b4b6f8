package cli

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func newKeygenCmd() *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Make a site key pair (WireGuard Curve25519): private key to FILE, public key to stdout",
		Long: `Writes a new private key, base64 as WireGuard writes it, to FILE with mode
0600, and prints the public key. An existing FILE is kept unless --force.
'patronus keygen --public < FILE' prints the public key of a private key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("public") {
				return printPublic(cmd.InOrStdin(), cmd.OutOrStdout())
			}
			if out == "" {
				return errors.New("--out: required (the file to write the private key to)")
			}
			return keygen(out, force, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write the private key to (mode 0600)")
	c.Flags().BoolVar(&force, "force", false, "replace an existing --out file")
	c.Flags().Bool("public", false, "read a private key on stdin and print its public key")
	return c
}

func keygen(path string, force bool, stdout io.Writer) error {
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("--out: %w", err)
	}
	_, err = fmt.Fprintln(f, base64.StdEncoding.EncodeToString(key.Bytes()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	_, err = fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(key.PublicKey().Bytes()))
	return err
}

func printPublic(stdin io.Reader, stdout io.Writer) error {
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return err
	}
	pub, err := PublicKey(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	_, err = fmt.Fprintln(stdout, pub)
	return err
}

// PublicKey returns the base64 public key of a base64 Curve25519 private
// key. The private key never appears in an error.
func PublicKey(private string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(private)
	if err != nil || len(raw) != 32 {
		return "", errors.New("not a private key: want 32 bytes in base64 (as written by patronus keygen or wg genkey)")
	}
	key, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		return "", errors.New("not a valid Curve25519 private key")
	}
	return base64.StdEncoding.EncodeToString(key.PublicKey().Bytes()), nil
}
