package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, per DESIGN.md "CLI conventions".
const (
	ExitOK    = 0 // success
	ExitBad   = 1 // the thing checked is bad (invalid phone, branch not ready, unhealthy) or the operation failed
	ExitUsage = 2 // usage or configuration error
)

// FlagError is a usage error: Main prints it with the command's usage and
// exits 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
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

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent exits 1 without printing anything more.
var ErrSilent = &ExitError{Code: ExitBad}

// IsSilent reports whether err asks for no message.
func IsSilent(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Err == nil
}
