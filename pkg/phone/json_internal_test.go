package phone

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendJSONMatchesEncodingJSON holds the hand-written encoder used by
// StreamJSON to encoding/json's output, byte for byte.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"030 1234567", "0151 12345678 ext. 9", "+1 415 555 0100", "", "   ", `"quoted"\back`,
		"<script>&</script>", "tab\there", "nl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f", "\xff\xfe bad utf8",
		"line\u2028sep\u2029", "Büro ☎ 😀", "030 12345O7", "0800 FLOWERS",
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			r := Validate(in, "DE")
			assertJSONEqualsStd(t, r)
			r.Message = in // exercise escaping in every string field
			r.National, r.International, r.Extension, r.Region = in, in, in, in
			r.E164, r.Type, r.Code = Number(in), Type(in), Code(in)
			r.CountryCode = -7
			assertJSONEqualsStd(t, r)
		})
	}
}

func assertJSONEqualsStd(t *testing.T, r Result) {
	t.Helper()
	want, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(r.appendJSON(nil)))
}
