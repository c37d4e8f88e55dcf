package phone

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Number is a phone number in E.164 format ("+4915112345678"), as returned
// in [Result.E164] and by [Validator.Normalize]. Its [Number.LogValue]
// masks it, so a Number handed to log/slog never leaks into logs; print it
// with %s or string(n) where the full number is meant to be shown.
type Number string

// String returns the full number.
func (n Number) String() string { return string(n) }

// Masked returns the number masked with [Mask] ("+49151****678").
func (n Number) Masked() string { return Mask(string(n)) }

// LogValue implements [slog.LogValuer]: a Number is logged masked.
func (n Number) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// maskStars replaces the hidden middle of a number. It has a fixed length so
// that the mask does not reveal how many digits were hidden.
const maskStars = "****"

// Mask hides the middle of a phone number for logs and error messages.
//
// For an E.164 number it keeps the country code, the first three and the
// last three digits of the national number: "+4915112345678" becomes
// "+49151****678". Shorter numbers keep fewer digits, so that at least
// three digits are always hidden. Any other input (a number as typed, or
// garbage) is reduced to its digits, masked the same way without a country
// code: "0151 1234 5678" becomes "015****678"; input without digits becomes
// "****". The empty string stays empty. Mask never returns its input
// unchanged unless it is empty.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	if cc := e164CountryCodeLen(s); cc > 0 {
		return maskDigits(s[:1+cc], s[1+cc:])
	}
	var digits []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r >= utf8.RuneSelf && unicode.IsDigit(r):
			digits = append(digits, phonenumbers.NormalizeDigitsOnly(string(r))...)
		}
	}
	prefix := ""
	if t := strings.TrimLeft(s, " \u00a0("); strings.HasPrefix(t, "+") {
		prefix = "+"
	}
	return maskDigits(prefix, string(digits))
}

// e164CountryCodeLen returns the length of the country calling code of s if
// s looks like an E.164 number ("+" and 3 to 15 ASCII digits with a known
// country code), else 0.
func e164CountryCodeLen(s string) int {
	if len(s) < 4 || len(s) > 16 || s[0] != '+' {
		return 0
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
	}
	cc := 0
	for l := 1; l <= 3 && l < len(s)-1; l++ {
		cc = cc*10 + int(s[l]-'0')
		if phonenumbers.GetRegionCodeForCountryCode(cc) != phonenumbers.UNKNOWN_REGION {
			return l
		}
	}
	return 0
}

// maskDigits keeps up to three leading and three trailing digits of
// national, always hiding at least three, and puts maskStars between them.
func maskDigits(prefix, national string) string {
	n := len(national)
	lead, tail := 3, 3
	for lead+tail > n-3 && lead+tail > 0 {
		if lead >= tail {
			lead--
		} else {
			tail--
		}
	}
	return prefix + national[:lead] + maskStars + national[n-tail:]
}
