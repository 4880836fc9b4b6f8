// Command patronus is the Patronus SD-WAN: edge, controller, lab and
// operator tools in one binary.
package main

import (
	"os"

	"github.com/patronus-sdwan/patronus/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
