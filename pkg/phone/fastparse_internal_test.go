package phone

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// checkFastParse fails when fastParse accepts s but the library's parser
// disagrees, and reports whether fastParse accepted s.
func checkFastParse(t testing.TB, v *Validator, s, region string) bool {
	t.Helper()
	fast, ok := v.fastParse(s, region)
	if !ok {
		return false
	}
	lib, err := phonenumbers.Parse(s, region)
	if err != nil {
		t.Fatalf("fastParse(%q, %s) = %v, library: %v", s, region, fast, err)
	}
	if !proto.Equal(fast, lib) {
		t.Fatalf("fastParse(%q, %s) = %v, library %v", s, region, fast, lib)
	}
	return true
}

// randomInput builds number-like input from digits, separators and prefixes,
// valid or not, biased to what fastParse handles.
func randomInput(rng *rand.Rand) string {
	prefixes := []string{"", "", "0", "00", "000", "+", "+0", "0049", "+49", "+49 (0)", "+49 0", "0043", "+43(0)",
		"0041 ", "+41 0", "+1 ", "0033", "+423", "+800", "(", " ", "++", "00 49 0", "+4", "49", "43", "0 0"}
	seps := []string{"", "", "", " ", "-", ".", "/", "(", ")", "[", "]", "  "}
	var b strings.Builder
	b.WriteString(prefixes[rng.IntN(len(prefixes))])
	for range rng.IntN(18) {
		if rng.IntN(4) == 0 {
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		if rng.IntN(6) == 0 {
			b.WriteByte('0')
		} else {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
	}
	return b.String()
}

func TestFastParseMatchesLibrary(t *testing.T) {
	t.Parallel()
	v := MustNew(Config{CacheSize: -1})
	require.Len(t, v.fast, 3, "DE, AT and CH use the fast path")

	fixed := []string{
		"030 1234567", "030/1234567", "(030) 123-45-67", "[030] 123 4567", "+49 30 1234567", "+49 (0)30 1234567",
		"+49 030 1234567", "0049 30 1234567", "00 49 30 1234567", "0049 (0)30 1234567", "+49301234567",
		"0151 12345678", "+49 151 12345678", "0800 1234567", "0180 5 123456", "0664 1234567", "+43 664 1234567",
		"01 5123456", "044 668 18 00", "+41 44 668 18 00", "0041 44 668 18 00", "078 123 45 67", "030 1234567-12",
		"0049", "0043", "00", "000 123", "0000000", "+49 00 1234", "+49 0", "+490", "00490", "0 30", "01", "012",
		"+1 415 555 0100", "+423 235 00 00", "+999 123", "0151 1234567890123", "+49 30 12", "0300", "(0) 30 1234567",
		"+49 (0) 0 30 1234567", "030 1234567 ", " 030 1234567", "0-0-0-0", "+49-(0)-30-123", "1234", "+12345",
	}
	for _, region := range []string{"DE", "AT", "CH"} {
		for _, s := range fixed {
			checkFastParse(t, v, s, region)
		}
	}

	rng := rand.New(rand.NewPCG(7, 11))
	accepted := 0
	const n = 200_000
	for i := 0; i < n; i++ {
		region := []string{"DE", "AT", "CH"}[i%3]
		if checkFastParse(t, v, randomInput(rng), region) {
			accepted++
		}
	}
	t.Logf("fastParse took %d of %d random inputs", accepted, n)
	assert.Greater(t, accepted, n/4, "the fast path must actually be used")
}

func TestFastParseGivesUp(t *testing.T) {
	t.Parallel()
	v := MustNew(Config{CacheSize: -1})
	for _, s := range []string{
		"030 1234567 ext. 12", "030 1234567#12", "030 1234567;ext=12", "0800 FLOWERS", "０３０ １２３４５６７",
		"030\u00a01234567", "++49 30 1234567", "49+30", "+1 415 555 0100", "+800 1234 5678", "4915112345678",
		"123", "+49", "030~1234567", "030,,12",
	} {
		_, ok := v.fastParse(s, "DE")
		assert.False(t, ok, s)
	}
	us := MustNew(Config{Regions: []string{"US", "DE"}})
	assert.Nil(t, us.fastFor("US"), "US has trunk prefix 1 and IDD 011: no fast path")
	_, ok := us.fastParse("(415) 555-0100", "US")
	assert.False(t, ok)
}
