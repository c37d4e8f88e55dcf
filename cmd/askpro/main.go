// Command askpro is the operator CLI of the askpro backend: `askpro serve` in
// production, and commands for ops and support staff. See `askpro --help`.
package main

import (
	"os"

	"github.com/askproai/askpro/internal/cli"
)

func main() { os.Exit(cli.Main()) }
