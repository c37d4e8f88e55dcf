package secrets

import (
	"context"
	"errors"
	"fmt"
)

// Value is one sealed value as [Check] sees it: where it lives, the text
// and the AAD it was sealed for.
type Value struct {
	// Owner names the row in messages, such as "company 42".
	Owner string
	// Sealed is the stored text.
	Sealed string
	// AAD is what the value was sealed for.
	AAD []byte
}

// Source yields every sealed value to check, calling fn once for each; it
// stops and returns fn's error when fn returns one.
type Source interface {
	EachSealed(ctx context.Context, fn func(Value) error) error
}

// SourceFunc adapts a function to [Source].
type SourceFunc func(ctx context.Context, fn func(Value) error) error

// EachSealed calls f(ctx, fn).
func (f SourceFunc) EachSealed(ctx context.Context, fn func(Value) error) error { return f(ctx, fn) }

// CheckResult is what [Check] found.
type CheckResult struct {
	// Values is the number of sealed values the source yielded.
	Values int
	// NeedRotation is the number of those that open, but under a previous
	// key: `askpro secrets rotate` re-seals them.
	NeedRotation int
}

// CheckError reports the first sealed value Check could not open.
type CheckError struct {
	// Owner is the Owner of the value that did not open (the value itself
	// is left out, so that the error can be logged).
	Owner string
	// KeyID is the id of the key the value names ("" when malformed).
	KeyID string
	// Failed is how many values did not open, this one included.
	Failed int
	// Err is ErrNoKey, ErrWrongKey or ErrMalformed (wrapped).
	Err error
}

// Error names the owner and the key id, never the value.
func (e *CheckError) Error() string {
	msg := fmt.Sprintf("secrets: the sealed value of %s does not open", e.Owner)
	if e.KeyID != "" {
		msg += fmt.Sprintf(" (sealed under key id %s)", e.KeyID)
	}
	if e.Failed > 1 {
		msg += fmt.Sprintf(", nor do %d more", e.Failed-1)
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *CheckError) Unwrap() error { return e.Err }

// Check opens every value of src with ring, discarding the plaintexts. It
// returns the counts, and a [*CheckError] for the first value that does not
// open (with a ring without a key: the first value at all, with ErrNoKey).
// An empty source is fine with any ring, an empty one included. Errors of
// src itself are returned wrapped.
func Check(ctx context.Context, ring *Keyring, src Source) (CheckResult, error) {
	var res CheckResult
	var first *CheckError
	err := src.EachSealed(ctx, func(v Value) error {
		res.Values++
		pt, err := ring.Open(v.Sealed, v.AAD)
		clear(pt)
		if err == nil {
			if ring.NeedsRotation(v.Sealed) {
				res.NeedRotation++
			}
			return nil
		}
		if first == nil {
			id, _ := KeyIDOf(v.Sealed)
			first = &CheckError{Owner: v.Owner, KeyID: id, Err: err}
		}
		first.Failed++
		if errors.Is(err, ErrNoKey) {
			// Every other value fails the same way: one is enough to say so.
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return res, fmt.Errorf("secrets: read sealed values: %w", err)
	}
	if first != nil {
		return res, first
	}
	return res, nil
}

var errStop = errors.New("stop")
