package phone_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/phone"
)

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{in: "+4915112345678", want: "+49151****678"},
		{in: "+49301234567", want: "+49301****567"},
		{in: "+436641234567", want: "+43664****567"},
		{in: "+41446681800", want: "+41446****800"},
		{in: "+14155550100", want: "+1415****100"},
		{in: "+4232350000", want: "+42323****00"}, // 7 national digits: 2+2 kept
		{in: "+4930123", want: "+493****3"},
		{in: "+49301", want: "+49****"},
		{in: "0151 1234 5678", want: "015****678"},
		{in: "+49 (0)30 1234567", want: "+490****567"},
		{in: "030-1234567 ext. 12", want: "030****712"},
		{in: "０３０ １２３４５６７", want: "030****567"},
		{in: "12345", want: "1****5"},
		{in: "abc", want: "****"},
		{in: "", want: ""},
		{in: "+99912345678", want: "+999****678"}, // no country code +999: digits only
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, phone.Mask(tt.in))
		})
	}
}

func TestMaskHidesEnough(t *testing.T) {
	t.Parallel()
	for _, tt := range validateCases {
		r := phone.Validate(tt.input, tt.region)
		for _, s := range []string{tt.input, string(r.E164)} {
			if s == "" {
				continue
			}
			m := phone.Mask(s)
			assert.Contains(t, m, "****", s)
			// At most 3+3 digits of the number, plus a country code of up to 3.
			assert.LessOrEqual(t, countDigits(m), 9, "%q masked as %q", s, m)
		}
	}
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func TestNumberLogValue(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	n := phone.Number("+4915112345678")
	logger.Info("call", "from", n)
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "+49151****678", line["from"])
	assert.NotContains(t, buf.String(), "12345678")
	assert.Equal(t, "+4915112345678", n.String())
	assert.Equal(t, "+49151****678", n.Masked())
}

func TestResultLogValue(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"0151 12345678", "+1 415 555 0100", "4915112345678"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			r := phone.Validate(in, "DE")
			logger.Info("validated", "phone", r)
			out := buf.String()
			assert.Contains(t, out, "phone.input="+phone.Mask(in))
			assert.Contains(t, out, "phone.valid=")
			assert.NotContains(t, out, "12345678")
			assert.NotContains(t, out, "5550100")
			if r.Valid {
				assert.Contains(t, out, "phone.e164="+r.E164.Masked())
			} else {
				assert.Contains(t, out, "phone.code="+string(r.Code))
			}
		})
	}
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(phone.Validate("030 1234567", "DE"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"input":"030 1234567","valid":true,"e164":"+49301234567","region":"DE","country_code":49,
		"type":"fixed_line","national":"030 1234567","international":"+49 30 1234567"}`, string(b))
	b, err = json.Marshal(phone.Validate("+1 415 555 0100", "DE"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"input":"+1 415 555 0100","valid":false,"region":"US","code":"unsupported_region",
		"message":"Phone numbers from US are not supported"}`, string(b))
}
