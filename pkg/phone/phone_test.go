package phone_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/phone"
)

// validateCase is one input with its expected outcome: either an E.164
// number (and optionally type, region, extension) or an error code.
type validateCase struct {
	name   string
	input  string
	region string
	e164   string
	typ    phone.Type
	numReg string // expected Result.Region; defaults to the region argument for valid cases
	ext    string
	code   phone.Code
}

var validateCases = []validateCase{
	// Germany: fixed line, every formatting people type.
	{name: "DE fixed national", input: "030 1234567", region: "DE", e164: "+49301234567", typ: phone.TypeFixedLine},
	{name: "DE fixed slash", input: "030/1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed dashes", input: "030-123 45 67", region: "DE", e164: "+49301234567"},
	{name: "DE fixed dots", input: "030.123.45.67", region: "DE", e164: "+49301234567"},
	{name: "DE fixed parentheses", input: "(030) 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed brackets", input: "[030] 123 4567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus", input: "+49 30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus no spaces", input: "+49301234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus dashes", input: "+49-30-1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus dots", input: "+49.30.1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus slashes", input: "+49/30/1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed 00", input: "0049 30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed 00 spaced", input: "00 49 30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus (0)", input: "+49 (0)30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed plus trunk 0", input: "+49 030 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed 00 (0) read for AT", input: "0049 (0)30 1234567", region: "AT", e164: "+49301234567", numReg: "DE"},
	{name: "DE fixed plus (30)", input: "+49 (30) 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed (0) national", input: "(0)30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed surrounding spaces", input: " 030 1234567 ", region: "DE", e164: "+49301234567"},
	{name: "DE fixed no-break space", input: "030\u00a01234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed en dash", input: "030 – 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE fixed full-width digits", input: "０３０ １２３４５６７", region: "DE", e164: "+49301234567"},
	{name: "DE fixed double plus", input: "++49 30 1234567", region: "DE", e164: "+49301234567"},
	{name: "DE Munich", input: "089 12345678", region: "DE", e164: "+498912345678", typ: phone.TypeFixedLine},
	{name: "DE region lower case", input: "030 1234567", region: "de", e164: "+49301234567"},
	{name: "DE default region", input: "030 1234567", region: "", e164: "+49301234567", numReg: "DE"},
	// Germany: mobile.
	{name: "DE mobile national", input: "0151 12345678", region: "DE", e164: "+4915112345678", typ: phone.TypeMobile},
	{name: "DE mobile plus", input: "+49 151 12345678", region: "DE", e164: "+4915112345678", typ: phone.TypeMobile},
	{name: "DE mobile mixed", input: "0151-1234 5678", region: "DE", e164: "+4915112345678"},
	{name: "DE mobile plus (0)", input: "+49 (0) 151 1234 5678", region: "DE", e164: "+4915112345678"},
	{name: "DE mobile slash", input: "0171/1234567", region: "DE", e164: "+491711234567", typ: phone.TypeMobile},
	{name: "DE mobile 0176", input: "0176 12345678", region: "DE", e164: "+4917612345678", typ: phone.TypeMobile},
	// Germany: service numbers.
	{name: "DE toll free", input: "0800 1234567", region: "DE", e164: "+498001234567", typ: phone.TypeTollFree},
	{name: "DE shared cost", input: "0180 5 123456", region: "DE", e164: "+491805123456", typ: phone.TypeSharedCost},
	{name: "DE premium", input: "0900 1 234567", region: "DE", e164: "+499001234567", typ: phone.TypePremiumRate},
	{name: "DE personal", input: "0700 1234 5678", region: "DE", e164: "+4970012345678", typ: phone.TypePersonalNumber},
	// Extensions.
	{name: "DE ext.", input: "030 1234567 ext. 12", region: "DE", e164: "+49301234567", ext: "12"},
	{name: "DE ext", input: "030 123 4567 ext 12", region: "DE", e164: "+49301234567", ext: "12"},
	{name: "DE x", input: "030 1234567 x12", region: "DE", e164: "+49301234567", ext: "12"},
	{name: "DE hash", input: "030 1234567#12", region: "DE", e164: "+49301234567", ext: "12"},
	{name: "DE RFC 3966 ext", input: "030 1234567;ext=12", region: "DE", e164: "+49301234567", ext: "12"},
	{name: "DE direct dial dash", input: "030 1234567-12", region: "DE", e164: "+4930123456712"},
	// Austria.
	{name: "AT mobile national", input: "0664 1234567", region: "AT", e164: "+436641234567", typ: phone.TypeMobile},
	{name: "AT mobile plus read for DE", input: "+43 664 1234567", region: "DE", e164: "+436641234567", numReg: "AT"},
	{name: "AT mobile 00 (0) read for DE", input: "0043 (0)664 1234567", region: "DE", e164: "+436641234567", numReg: "AT"},
	{name: "AT mobile 0699", input: "0699 12345678", region: "AT", e164: "+4369912345678", typ: phone.TypeMobile},
	{name: "AT Vienna", input: "01 5123456", region: "AT", e164: "+4315123456", typ: phone.TypeFixedLine},
	{name: "AT Vienna plus", input: "+43 1 5123456", region: "CH", e164: "+4315123456", numReg: "AT"},
	{name: "AT Graz slash", input: "0316/123456", region: "AT", e164: "+43316123456", typ: phone.TypeFixedLine},
	{name: "AT toll free", input: "0800 123456", region: "AT", e164: "+43800123456", typ: phone.TypeTollFree},
	{name: "AT shared cost", input: "0810 123456", region: "AT", e164: "+43810123456", typ: phone.TypeSharedCost},
	{name: "AT premium", input: "0900 123456", region: "AT", e164: "+43900123456", typ: phone.TypePremiumRate},
	{name: "AT region lower case", input: "0664 1234567", region: "at", e164: "+436641234567", numReg: "AT"},
	// Switzerland.
	{name: "CH Zurich national", input: "044 668 18 00", region: "CH", e164: "+41446681800", typ: phone.TypeFixedLine},
	{name: "CH Zurich plus read for DE", input: "+41 44 668 18 00", region: "DE", e164: "+41446681800", numReg: "CH"},
	{name: "CH Zurich 00 read for AT", input: "0041 44 668 18 00", region: "AT", e164: "+41446681800", numReg: "CH"},
	{name: "CH Lausanne", input: "021 234 56 78", region: "CH", e164: "+41212345678", typ: phone.TypeFixedLine},
	{name: "CH mobile", input: "078 123 45 67", region: "CH", e164: "+41781234567", typ: phone.TypeMobile},
	{name: "CH mobile 079 dots", input: "079.123.45.67", region: "CH", e164: "+41791234567", typ: phone.TypeMobile},
	{name: "CH mobile plus (0)", input: "+41 (0)78 123 45 67", region: "DE", e164: "+41781234567", numReg: "CH"},
	{name: "CH toll free", input: "0800 123 456", region: "CH", e164: "+41800123456", typ: phone.TypeTollFree},
	{name: "CH shared cost", input: "0840 123 456", region: "CH", e164: "+41840123456", typ: phone.TypeSharedCost},
	{name: "CH premium", input: "0900 123 456", region: "CH", e164: "+41900123456", typ: phone.TypePremiumRate},
	// Foreign numbers.
	{name: "US", input: "+1 415 555 0100", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "US"},
	{name: "GB", input: "+44 20 7946 0958", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "GB"},
	{name: "FR 00", input: "0033 1 23 45 67 89", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "FR"},
	{name: "LI", input: "+423 235 00 00", region: "CH", code: phone.CodeUnsupportedRegion, numReg: "LI"},
	{name: "RU", input: "+7 912 345 67 89", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "RU"},
	{name: "IT", input: "+39 06 1234 5678", region: "AT", code: phone.CodeUnsupportedRegion, numReg: "IT"},
	{name: "BE (0)", input: "0032 (0)2 123 45 67", region: "CH", code: phone.CodeUnsupportedRegion, numReg: "BE"},
	{name: "PL", input: "+48 12 345 67 89", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "PL"},
	{name: "non-geographic +800", input: "+800 1234 5678", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "+800"},
	{name: "invalid US", input: "+1 234", region: "DE", code: phone.CodeUnsupportedRegion, numReg: "US"},
	{name: "region argument US", input: "030 1234567", region: "US", code: phone.CodeUnsupportedRegion, numReg: "US"},
	{name: "region argument unknown", input: "030 1234567", region: "XX", code: phone.CodeUnsupportedRegion, numReg: "XX"},
	// Malformed input.
	{name: "empty", input: "", region: "DE", code: phone.CodeEmpty},
	{name: "blank", input: "   ", region: "DE", code: phone.CodeEmpty},
	{name: "65 characters", input: "030 1234567" + strings.Repeat(" ", 54), region: "DE", code: phone.CodeTooLong},
	{name: "too many digits", input: "030 1234567 1234567 123456789", region: "DE", code: phone.CodeTooLong},
	{name: "tab", input: "030\t1234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "trailing newline", input: "030 1234567\n", region: "DE", code: phone.CodeInvalidChars},
	{name: "NUL", input: "030\x001234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "ANSI escape", input: "\x1b[31m030 1234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "C1 control", input: "030\u00851234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "zero-width space", input: "\u200b030 1234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "right-to-left override", input: "030 \u202e1234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "invalid UTF-8", input: "030 \xff1234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "letter O for zero", input: "030 12345O7", region: "DE", code: phone.CodeInvalidChars},
	{name: "letter l for one", input: "030 l234567", region: "DE", code: phone.CodeInvalidChars},
	{name: "vanity refused by default", input: "0800 FLOWERS", region: "DE", code: phone.CodeInvalidChars},
	{name: "German extension word", input: "030 1234567 Durchwahl 12", region: "DE", code: phone.CodeInvalidChars},
	{name: "ext without digits", input: "030 1234567 ext.", region: "DE", code: phone.CodeInvalidChars},
	{name: "umlaut note", input: "030 1234567 (Büro)", region: "DE", code: phone.CodeInvalidChars},
	{name: "letters only", input: "abc", region: "DE", code: phone.CodeParse},
	{name: "plus only", input: "+", region: "DE", code: phone.CodeParse},
	{name: "dashes only", input: "---", region: "DE", code: phone.CodeParse},
	{name: "unknown country code", input: "+999 1234567", region: "DE", code: phone.CodeParse},
	{name: "symbol inside", input: "030 ☎ 1234567", region: "DE", code: phone.CodeParse},
	{name: "IDD only", input: "0049", region: "DE", code: phone.CodeInvalidNumber},
	{name: "too short", input: "+49 30 12", region: "DE", code: phone.CodeInvalidNumber},
	{name: "too long for DE", input: "0151 1234567890123", region: "DE", code: phone.CodeInvalidNumber},
	{name: "unassigned DE range", input: "0123 456789", region: "DE", code: phone.CodeInvalidNumber},
	{name: "zeros", input: "00000000", region: "DE", code: phone.CodeInvalidNumber},
	{name: "AT IDD only", input: "0043", region: "AT", code: phone.CodeInvalidNumber},
	{name: "E.164 missing plus", input: "4915112345678", region: "DE", code: phone.CodeAmbiguous},
	{name: "mobile missing trunk 0", input: "151 12345678", region: "DE", code: phone.CodeAmbiguous},
	{name: "CH number missing 00", input: "41 44 668 18 00", region: "DE", code: phone.CodeAmbiguous},
	{name: "AT missing trunk 0", input: "664 1234567", region: "AT", code: phone.CodeAmbiguous},
	{name: "short local number", input: "12", region: "DE", code: phone.CodeAmbiguous},
}

func TestValidate(t *testing.T) {
	t.Parallel()
	v, err := phone.New(phone.Config{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(validateCases), 60)

	for _, tt := range validateCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := v.Validate(tt.input, tt.region)
			assert.Equal(t, tt.input, got.Input)
			wantRegion := tt.numReg
			if wantRegion == "" && tt.code == "" {
				wantRegion = strings.ToUpper(tt.region)
			}
			if tt.code != "" {
				assert.False(t, got.Valid, "valid: %+v", got)
				assert.Equal(t, tt.code, got.Code, "message: %s", got.Message)
				assert.Empty(t, got.E164, "an invalid result must carry no E.164")
				assert.NotEmpty(t, got.Message)
				if wantRegion != "" {
					assert.Equal(t, wantRegion, got.Region)
				}
				if tt.code == phone.CodeUnsupportedRegion {
					assert.Equal(t, "Phone numbers from "+wantRegion+" are not supported", got.Message)
				}
				assertNoDigitsLeak(t, tt.input, got.Message)
				return
			}
			require.True(t, got.Valid, "code %s: %s", got.Code, got.Message)
			assert.Equal(t, phone.Number(tt.e164), got.E164)
			assert.Empty(t, got.Code)
			assert.Empty(t, got.Message)
			assert.Equal(t, wantRegion, got.Region)
			assert.Equal(t, tt.ext, got.Extension)
			if tt.typ != "" {
				assert.Equal(t, tt.typ, got.Type)
			}
			assert.NotEqual(t, phone.TypeUnknown, got.Type)
			assert.Equal(t, phonenumbers.GetCountryCodeForRegion(got.Region), got.CountryCode)
			assertSameAsLibrary(t, tt.input, strings.ToUpper(tt.region), got)

			// Normalizing the normalized number is the identity.
			again := v.Validate(string(got.E164), "")
			require.True(t, again.Valid)
			assert.Equal(t, got.E164, again.E164)
			assert.Equal(t, got.Type, again.Type)
		})
	}
}

// assertSameAsLibrary checks a valid result against the bare library.
func assertSameAsLibrary(t *testing.T, input, region string, got phone.Result) {
	t.Helper()
	if region == "" {
		region = "DE"
	}
	num, err := phonenumbers.Parse(input, region)
	require.NoError(t, err)
	require.True(t, phonenumbers.IsValidNumber(num))
	assert.Equal(t, phonenumbers.Format(num, phonenumbers.E164), string(got.E164))
	assert.Equal(t, phonenumbers.Format(num, phonenumbers.NATIONAL), got.National)
	assert.Equal(t, phonenumbers.Format(num, phonenumbers.INTERNATIONAL), got.International)
	assert.Equal(t, phonenumbers.GetRegionCodeForNumber(num), got.Region)
}

// assertNoDigitsLeak fails if msg repeats the digits of input, or its last
// seven digits (the subscriber part).
func assertNoDigitsLeak(t *testing.T, input, msg string) {
	t.Helper()
	digits := phonenumbers.NormalizeDigitsOnly(input)
	if len(digits) < 7 {
		return
	}
	assert.NotContains(t, msg, digits, "the message repeats the number")
	assert.NotContains(t, msg, digits[len(digits)-7:], "the message repeats the number")
}

func TestValidateCoversAllRegionsAndKinds(t *testing.T) {
	t.Parallel()
	// The table must keep covering what the issue asks for.
	seen := map[string]bool{}
	for _, tt := range validateCases {
		if tt.code != "" {
			seen["code:"+string(tt.code)] = true
			continue
		}
		seen["region:"+tt.e164[:3]] = true
		if tt.typ != "" {
			seen["type:"+string(tt.typ)] = true
		}
	}
	for _, want := range []string{
		"region:+49", "region:+43", "region:+41",
		"type:mobile", "type:fixed_line", "type:toll_free", "type:shared_cost", "type:premium_rate",
		"code:empty", "code:too_long", "code:invalid_characters", "code:parse_error",
		"code:invalid_number", "code:unsupported_region", "code:ambiguous",
	} {
		assert.True(t, seen[want], "no case for %s", want)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string
		region string
		want   string
		err    error
	}{
		{name: "national", input: "030 1234567", region: "DE", want: "+49301234567"},
		{name: "default region", input: "0664 1234567", region: "AT", want: "+436641234567"},
		{name: "extension dropped", input: "030 1234567 ext. 12", region: "DE", want: "+49301234567"},
		{name: "empty", input: "", err: phone.ErrEmpty},
		{name: "too long", input: strings.Repeat("1", 65), err: phone.ErrTooLong},
		{name: "control", input: "030\r1234567", err: phone.ErrInvalidChars},
		{name: "letters", input: "030 CALL ME", err: phone.ErrInvalidChars},
		{name: "parse", input: "+", err: phone.ErrParse},
		{name: "invalid", input: "+49 30 12", err: phone.ErrInvalidNumber},
		{name: "ambiguous", input: "4915112345678", err: phone.ErrAmbiguous},
		{name: "unsupported", input: "+1 415 555 0100", err: phone.ErrUnsupportedRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := phone.Normalize(tt.input, tt.region)
			if tt.err == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.ErrorIs(t, err, tt.err)
			assert.Empty(t, got)
			var pe *phone.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.err, pe.Code.Sentinel())
			assert.True(t, strings.HasPrefix(err.Error(), "phone: "), err.Error())
			assertNoDigitsLeak(t, tt.input, err.Error())
		})
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	all := []error{phone.ErrEmpty, phone.ErrTooLong, phone.ErrInvalidChars, phone.ErrParse,
		phone.ErrInvalidNumber, phone.ErrAmbiguous, phone.ErrUnsupportedRegion}
	tests := []struct {
		code  phone.Code
		match []error
	}{
		{code: phone.CodeEmpty, match: []error{phone.ErrEmpty}},
		{code: phone.CodeTooLong, match: []error{phone.ErrTooLong}},
		{code: phone.CodeInvalidChars, match: []error{phone.ErrInvalidChars}},
		{code: phone.CodeParse, match: []error{phone.ErrParse}},
		{code: phone.CodeInvalidNumber, match: []error{phone.ErrInvalidNumber}},
		{code: phone.CodeAmbiguous, match: []error{phone.ErrAmbiguous, phone.ErrInvalidNumber}},
		{code: phone.CodeUnsupportedRegion, match: []error{phone.ErrUnsupportedRegion}},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("save customer: %w", &phone.Error{Code: tt.code, Input: "+49151****678", Region: "DE", Msg: "m"})
			for _, s := range all {
				want := false
				for _, m := range tt.match {
					want = want || m == s
				}
				assert.Equal(t, want, errors.Is(err, s), "errors.Is(%s, %v)", tt.code, s)
				assert.True(t, strings.HasPrefix(s.Error(), "phone: "))
			}
			assert.Contains(t, err.Error(), `"+49151****678" (region DE): m`)
		})
	}
	assert.Nil(t, phone.Code("nope").Sentinel())
	assert.Equal(t, "phone: nope", (&phone.Error{Code: "nope"}).Error())
}

func TestResultErr(t *testing.T) {
	t.Parallel()
	assert.NoError(t, phone.Validate("030 1234567", "DE").Err())
	err := phone.Validate("+1 415 555 0100", "DE").Err()
	var pe *phone.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, &phone.Error{Code: phone.CodeUnsupportedRegion, Input: "+141****100", Region: "US",
		Msg: "Phone numbers from US are not supported"}, pe)
	assert.NotContains(t, err.Error(), "555 0100")
}

func TestVanityAllowed(t *testing.T) {
	t.Parallel()
	v, err := phone.New(phone.Config{AllowVanity: true})
	require.NoError(t, err)
	tests := []struct {
		input string
		e164  string
		code  phone.Code
	}{
		{input: "0800 FLOWERS", e164: "+498003569377"},
		{input: "0800-flowers", e164: "+498003569377"},
		{input: "030 1234567 ext. 12", e164: "+49301234567"},
		{input: "030 12345O7", code: phone.CodeInvalidChars},          // one stray letter is a typo, not a vanity number
		{input: "030 12O45O7", code: phone.CodeInvalidChars},          // two as well
		{input: "0800 BLÜMCHEN", code: phone.CodeInvalidChars},        // keypads have Latin letters only
		{input: "0800 FLOWERSFLOWERS", code: phone.CodeInvalidNumber}, // too long for DE
		{input: "030 1234567 (Büro)", code: phone.CodeInvalidChars},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			t.Parallel()
			got := v.Validate(tt.input, "DE")
			if tt.code != "" {
				assert.Equal(t, tt.code, got.Code, got.Message)
				return
			}
			require.True(t, got.Valid, got.Message)
			assert.Equal(t, phone.Number(tt.e164), got.E164)
		})
	}
}

func TestAllowMissingTrunkPrefix(t *testing.T) {
	t.Parallel()
	v, err := phone.New(phone.Config{AllowMissingTrunkPrefix: true})
	require.NoError(t, err)
	got := v.Validate("151 12345678", "DE")
	require.True(t, got.Valid, got.Message)
	assert.Equal(t, phone.Number("+4915112345678"), got.E164)
	got = v.Validate("664 1234567", "AT")
	require.True(t, got.Valid, got.Message)
	assert.Equal(t, phone.Number("+436641234567"), got.E164)

	// The default refuses both, and says how to write them.
	got = phone.Validate("151 12345678", "DE")
	assert.Equal(t, phone.CodeAmbiguous, got.Code)
	assert.Contains(t, got.Message, "+49 ")
	got = phone.Validate("664 1234567", "AT")
	assert.Equal(t, phone.CodeAmbiguous, got.Code)
	assert.Contains(t, got.Message, "+43 ")
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         phone.Config
		wantRegions []string
		wantDefault string
		wantErr     bool
	}{
		{name: "zero value", cfg: phone.Config{}, wantRegions: []string{"DE", "AT", "CH"}, wantDefault: "DE"},
		{name: "lower case and duplicates", cfg: phone.Config{Regions: []string{"de", " at", "DE"}, DefaultRegion: "at"},
			wantRegions: []string{"DE", "AT"}, wantDefault: "AT"},
		{name: "first region without DE", cfg: phone.Config{Regions: []string{"CH", "AT"}}, wantRegions: []string{"CH", "AT"}, wantDefault: "CH"},
		{name: "shared country code", cfg: phone.Config{Regions: []string{"US", "DE"}}, wantRegions: []string{"US", "DE"}, wantDefault: "DE"},
		{name: "unknown region", cfg: phone.Config{Regions: []string{"DE", "XX"}}, wantErr: true},
		{name: "non-geographic region", cfg: phone.Config{Regions: []string{"001"}}, wantErr: true},
		{name: "default not supported", cfg: phone.Config{DefaultRegion: "FR"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := phone.New(tt.cfg)
			if tt.wantErr {
				require.ErrorIs(t, err, phone.ErrConfig)
				assert.Nil(t, v)
				assert.Panics(t, func() { phone.MustNew(tt.cfg) })
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRegions, v.Regions())
			assert.Equal(t, tt.wantDefault, v.DefaultRegion())
		})
	}
}

func TestSharedCountryCodeRegions(t *testing.T) {
	t.Parallel()
	// +1 is shared by US and CA: with only US supported, a Canadian number
	// is refused by its own region.
	v, err := phone.New(phone.Config{Regions: []string{"US"}})
	require.NoError(t, err)
	us := v.Validate("(415) 555-0132", "")
	require.True(t, us.Valid, us.Message)
	assert.Equal(t, "US", us.Region)
	ca := v.Validate("+1 416 555 0132", "")
	assert.Equal(t, phone.CodeUnsupportedRegion, ca.Code)
	assert.Equal(t, "CA", ca.Region)
}

func TestCache(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 2, -1} {
		t.Run(fmt.Sprint("size ", size), func(t *testing.T) {
			t.Parallel()
			v, err := phone.New(phone.Config{CacheSize: size})
			require.NoError(t, err)
			inputs := []string{"030 1234567", "0151 12345678", "+1 415 555 0100", "4915112345678", "030 12345O7"}
			first := make([]phone.Result, len(inputs))
			for i, in := range inputs {
				first[i] = v.Validate(in, "DE")
				first[i].E164 = "tampered" // a Result is a value: changing it changes nothing else
				first[i].Message = "tampered"
			}
			for round := 0; round < 3; round++ {
				for _, in := range inputs {
					assert.Equal(t, phone.Validate(in, "DE"), v.Validate(in, "DE"))
				}
			}
			// The key includes the region.
			assert.Equal(t, phone.CodeAmbiguous, v.Validate("664 1234567", "AT").Code)
			v2, err := phone.New(phone.Config{CacheSize: size, AllowMissingTrunkPrefix: true})
			require.NoError(t, err)
			assert.Equal(t, phone.Number("+436641234567"), v2.Validate("664 1234567", "AT").E164)
			assert.Equal(t, phone.Number("+496641234567"), v2.Validate("664 1234567", "DE").E164)
		})
	}
}

func TestValidateConcurrent(t *testing.T) {
	t.Parallel()
	v, err := phone.New(phone.Config{CacheSize: 8})
	require.NoError(t, err)
	want := make([]phone.Result, len(validateCases))
	for i, tt := range validateCases {
		want[i] = phone.Validate(tt.input, tt.region)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 5; round++ {
				for i := range validateCases {
					j := (i + g*7) % len(validateCases)
					if got := v.Validate(validateCases[j].input, validateCases[j].region); got != want[j] {
						errs <- fmt.Sprintf("%q: got %+v want %+v", validateCases[j].input, got, want[j])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
