package phone

import (
	"log/slog"
	"strconv"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Type is the kind of line a valid number belongs to, as libphonenumber
// classifies it from the number ranges of its country.
type Type string

// The number types. A valid number never has TypeUnknown.
const (
	TypeFixedLine         Type = "fixed_line"
	TypeMobile            Type = "mobile"
	TypeFixedLineOrMobile Type = "fixed_line_or_mobile"
	TypeTollFree          Type = "toll_free"
	TypePremiumRate       Type = "premium_rate"
	TypeSharedCost        Type = "shared_cost"
	TypeVoIP              Type = "voip"
	TypePersonalNumber    Type = "personal_number"
	TypePager             Type = "pager"
	TypeUAN               Type = "uan"
	TypeVoicemail         Type = "voicemail"
	TypeUnknown           Type = "unknown"
)

// typeOf maps libphonenumber's number type to a [Type].
func typeOf(t phonenumbers.PhoneNumberType) Type {
	switch t {
	case phonenumbers.FIXED_LINE:
		return TypeFixedLine
	case phonenumbers.MOBILE:
		return TypeMobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeFixedLineOrMobile
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremiumRate
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.VOIP:
		return TypeVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return TypePersonalNumber
	case phonenumbers.PAGER:
		return TypePager
	case phonenumbers.UAN:
		return TypeUAN
	case phonenumbers.VOICEMAIL:
		return TypeVoicemail
	}
	return TypeUnknown
}

// Result is the outcome of [Validator.Validate]. It is a plain value: it
// shares no mutable state with the validator or its cache, so callers may
// keep and change it freely.
//
// A valid Result has E164, Region, CountryCode, Type, National and
// International set, and Code and Message empty. An invalid one has Code and
// Message set, Region when it is known (for [CodeUnsupportedRegion] the
// region that is not supported), and no E164, so that a refused number can
// never be stored by mistake. The JSON form (field names in the struct tags)
// is the stable output schema of `askpro validate-phone -o json`.
//
// Result contains personal data; its [Result.LogValue] masks the numbers.
type Result struct {
	// Input is the input exactly as given.
	Input string `json:"input"`
	// Valid reports whether the number is valid and from a supported region.
	Valid bool `json:"valid"`
	// E164 is the normalized number, "+" country code and national number,
	// without extension.
	E164 Number `json:"e164,omitempty"`
	// Region is the ISO 3166-1 region code of the number, e.g. "DE".
	Region string `json:"region,omitempty"`
	// CountryCode is the country calling code, e.g. 49.
	CountryCode int `json:"country_code,omitempty"`
	// Type is the kind of line.
	Type Type `json:"type,omitempty"`
	// National is the number formatted for dialing within its country,
	// e.g. "030 1234567" (with " ext. N" when it has an extension).
	National string `json:"national,omitempty"`
	// International is the number formatted for dialing from abroad,
	// e.g. "+49 30 1234567" (with " ext. N" when it has an extension).
	International string `json:"international,omitempty"`
	// Extension is the extension given after "ext.", "x", "#" or ";ext=",
	// which is not part of E164.
	Extension string `json:"extension,omitempty"`
	// Code says why an invalid number was refused.
	Code Code `json:"code,omitempty"`
	// Message explains to the user, in English, why the number was
	// refused. It never contains the number itself.
	Message string `json:"message,omitempty"`
}

// Err returns nil for a valid Result and otherwise an [*Error] that matches
// the sentinel of r.Code with errors.Is.
func (r Result) Err() error {
	if r.Valid {
		return nil
	}
	return &Error{Code: r.Code, Input: Mask(r.Input), Region: r.Region, Msg: r.Message}
}

// LogValue implements [slog.LogValuer]: the input and the formatted numbers
// are masked with [Mask].
func (r Result) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs, slog.String("input", Mask(r.Input)), slog.Bool("valid", r.Valid))
	if r.Valid {
		attrs = append(attrs, slog.String("e164", r.E164.Masked()), slog.String("region", r.Region),
			slog.String("type", string(r.Type)))
	} else {
		if r.Region != "" {
			attrs = append(attrs, slog.String("region", r.Region))
		}
		attrs = append(attrs, slog.String("code", string(r.Code)))
	}
	return slog.GroupValue(attrs...)
}

// appendJSON appends r as one JSON object, byte for byte what
// encoding/json's Marshal produces for r (a test holds it to that), without
// reflection.
func (r *Result) appendJSON(b []byte) []byte {
	b = append(b, `{"input":`...)
	b = appendJSONString(b, r.Input)
	if r.Valid {
		b = append(b, `,"valid":true`...)
	} else {
		b = append(b, `,"valid":false`...)
	}
	b = appendField(b, `,"e164":`, string(r.E164))
	b = appendField(b, `,"region":`, r.Region)
	if r.CountryCode != 0 {
		b = append(b, `,"country_code":`...)
		b = strconv.AppendInt(b, int64(r.CountryCode), 10)
	}
	b = appendField(b, `,"type":`, string(r.Type))
	b = appendField(b, `,"national":`, r.National)
	b = appendField(b, `,"international":`, r.International)
	b = appendField(b, `,"extension":`, r.Extension)
	b = appendField(b, `,"code":`, string(r.Code))
	b = appendField(b, `,"message":`, r.Message)
	return append(b, '}')
}

// appendField appends an omitempty string field.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendJSONString(append(b, key...), v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped exactly like
// encoding/json with HTML escaping: <, > and & as \u003c..., invalid UTF-8
// as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
