package phone

import (
	"errors"
	"strings"
)

// Code classifies why a phone number was refused. Codes are stable: they
// appear in JSON output and API responses, and callers may switch on them.
type Code string

// The codes a [Result] or an [*Error] can carry.
const (
	// CodeEmpty: the input is empty or only whitespace.
	CodeEmpty Code = "empty"
	// CodeTooLong: the input is longer than [MaxInputLength] characters, or
	// has more digits than any phone number can have (17).
	CodeTooLong Code = "too_long"
	// CodeInvalidChars: the input holds control characters, invisible
	// formatting characters, invalid UTF-8 or letters (see the package
	// documentation for the rules on letters and extensions).
	CodeInvalidChars Code = "invalid_characters"
	// CodeParse: the parser found no phone number in the input, or an
	// unknown country code.
	CodeParse Code = "parse_error"
	// CodeInvalidNumber: the input parses, but is not a valid number of its
	// country (wrong length, unassigned range, ...).
	CodeInvalidNumber Code = "invalid_number"
	// CodeAmbiguous: a national number without its trunk prefix 0 and
	// without a + or 00 country code, such as "4915112345678". Such input
	// is either a local number without area code or an international number
	// missing its +; guessing would store a wrong number.
	CodeAmbiguous Code = "ambiguous"
	// CodeUnsupportedRegion: the number (or the region asked for) belongs to
	// a region outside [Config.Regions].
	CodeUnsupportedRegion Code = "unsupported_region"
)

// Sentinel errors, one per [Code]. An [*Error] matches the sentinel of its
// code with errors.Is; an ambiguous number also matches [ErrInvalidNumber].
var (
	// ErrEmpty is matched by errors for [CodeEmpty].
	ErrEmpty = errors.New("phone: empty number")
	// ErrTooLong is matched by errors for [CodeTooLong].
	ErrTooLong = errors.New("phone: number too long")
	// ErrInvalidChars is matched by errors for [CodeInvalidChars].
	ErrInvalidChars = errors.New("phone: invalid characters")
	// ErrParse is matched by errors for [CodeParse].
	ErrParse = errors.New("phone: not a phone number")
	// ErrInvalidNumber is matched by errors for [CodeInvalidNumber] and
	// [CodeAmbiguous].
	ErrInvalidNumber = errors.New("phone: invalid number")
	// ErrAmbiguous is matched by errors for [CodeAmbiguous].
	ErrAmbiguous = errors.New("phone: ambiguous number")
	// ErrUnsupportedRegion is matched by errors for [CodeUnsupportedRegion].
	ErrUnsupportedRegion = errors.New("phone: unsupported region")
	// ErrConfig is wrapped by [New] when the [Config] is invalid.
	ErrConfig = errors.New("phone: invalid config")
	// ErrOptions is wrapped by [Validator.Stream] and [Validator.StreamJSON]
	// when the [StreamOpts] are invalid.
	ErrOptions = errors.New("phone: invalid stream options")
)

// Sentinel returns the sentinel error for c, or nil for an unknown code.
func (c Code) Sentinel() error {
	switch c {
	case CodeEmpty:
		return ErrEmpty
	case CodeTooLong:
		return ErrTooLong
	case CodeInvalidChars:
		return ErrInvalidChars
	case CodeParse:
		return ErrParse
	case CodeInvalidNumber:
		return ErrInvalidNumber
	case CodeAmbiguous:
		return ErrAmbiguous
	case CodeUnsupportedRegion:
		return ErrUnsupportedRegion
	}
	return nil
}

// Error is the error returned by [Validator.Normalize] and [Result.Err]. It
// never holds the raw input: Input is masked with [Mask], so the error is
// safe to log. Match it with errors.Is against the sentinels, or with
// errors.As to read the fields.
type Error struct {
	// Code says why the number was refused.
	Code Code
	// Input is the refused input, masked with [Mask].
	Input string
	// Region is the region of the number when it is known (for
	// CodeUnsupportedRegion the region that is not supported), else the
	// region the input was parsed for.
	Region string
	// Msg is the explanation for the user, in English, without the number.
	Msg string
}

// Error returns "phone: <reason> "<masked input>"[ (region XX)]: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Code.Sentinel(); s != nil {
		b.WriteString(s.Error())
	} else {
		b.WriteString("phone: " + string(e.Code))
	}
	if e.Input != "" {
		b.WriteString(` "` + e.Input + `"`)
	}
	if e.Region != "" {
		b.WriteString(" (region " + e.Region + ")")
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e.Code (an ambiguous number
// is also an invalid number).
func (e *Error) Is(target error) bool {
	if target == nil {
		return false
	}
	if target == e.Code.Sentinel() {
		return true
	}
	return e.Code == CodeAmbiguous && target == ErrInvalidNumber
}
