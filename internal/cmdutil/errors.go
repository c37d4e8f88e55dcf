package cmdutil

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes, per DESIGN.md "CLI conventions".
const (
	ExitOK    = 0 // success
	ExitBad   = 1 // the thing checked is bad (invalid phone, branch not ready, unhealthy) or the operation failed
	ExitUsage = 2 // usage or configuration error, found before anything changed
)

// FlagError is a usage error: Main prints it with the command's usage and
// exits 2.
type FlagError struct{ Err error }

// Error returns the message of the usage error.
func (e *FlagError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a [FlagError].
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ExitError asks Main to exit with Code. With a nil Err nothing more is
// printed: the command already said what it had to say.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of Err, or "exit status N" without one.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode maps the error a command returned to the process exit code, the
// one place that does (STYLE rule 17): nil is 0; a [*FlagError] or a usage
// error cobra builds itself (unknown command or flag, missing required
// flag, a flag value of the wrong type) is 2; an [*ExitError] is its Code;
// anything else, cancellation included, is 1.
func ExitCode(err error) int {
	var exitErr *ExitError
	switch {
	case err == nil:
		return ExitOK
	case IsUsageError(err):
		return ExitUsage
	case errors.As(err, &exitErr):
		return exitErr.Code
	}
	return ExitBad
}

// IsUsageError reports whether err is a usage error: a [*FlagError], or one
// of the untyped errors cobra and pflag return for a bad command line.
func IsUsageError(err error) bool {
	var flagErr *FlagError
	if errors.As(err, &flagErr) {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag",
		"invalid argument", "flag needs an argument", "bad flag syntax", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
