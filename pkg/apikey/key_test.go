package apikey_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/apikey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleKey is a well-formed key that no store holds.
const exampleKey = "askpro_Ab3dEf9h_0123456789abcdefghijABCDEFGHIJkl1BzLWT"

var keyRE = regexp.MustCompile(`^askpro_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}$`)

func TestGenerate(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		k, err := apikey.Generate()
		require.NoError(t, err)
		s := k.Reveal()
		assert.Regexp(t, keyRE, s)
		assert.Len(t, s, apikey.Len)
		assert.False(t, seen[s], "keys do not repeat")
		seen[s] = true
		p, err := apikey.Parse(s)
		require.NoError(t, err, "a generated key parses")
		assert.Equal(t, k, p)
		assert.Equal(t, s[:15], k.Prefix())
		assert.LessOrEqual(t, len(k.Prefix()), 16, "fits api_keys.prefix")
		sum := sha256.Sum256([]byte(s))
		assert.Equal(t, hex.EncodeToString(sum[:]), k.Hash())
		assert.Equal(t, sum, k.Sum())
		assert.Equal(t, k.Hash(), apikey.HashString(s))
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good := exampleKey
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := map[string]string{
		"empty":               "",
		"scheme only":         "askpro_",
		"other scheme":        "askpre" + good[6:],
		"upper-case scheme":   "ASKPRO_" + good[7:],
		"short":               good[:len(good)-1],
		"long":                good + "a",
		"no separator":        good[:15] + "x" + good[16:],
		"a character changed": flip(20),
		"id changed":          flip(9),
		"checksum changed":    flip(len(good) - 1),
		"non-base62":          good[:20] + "-" + good[21:],
		"a space":             good[:20] + " " + good[21:],
		"leading space":       " " + good[:len(good)-1],
		"a NUL":               good[:20] + "\x00" + good[21:],
		"unicode look-alike":  good[:20] + "а" + good[22:], // Cyrillic a, two bytes
		"a bearer header":     "Bearer " + good,
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := apikey.Parse(s)
			assert.ErrorIs(t, err, apikey.ErrMalformed)
		})
	}
	assert.Panics(t, func() { apikey.MustParse("nope") })
	assert.NotPanics(t, func() { apikey.MustParse(good) })
}

// TestSecretNeverPrints checks every way a Secret reaches text by mistake.
func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	k := apikey.MustParse(exampleKey)
	secretPart := exampleKey[apikey.PrefixLen+1:]
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("made", "key", k)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("made", "key", k)
	js, err := json.Marshal(struct{ Key apikey.Secret }{k})
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%s %v %+v %#v %q", k, k, k, k, k), logs.String(), string(js)} {
		assert.NotContains(t, out, secretPart)
		assert.Contains(t, out, "askpro_Ab3dEf9h_****")
	}
	assert.Equal(t, exampleKey, k.Reveal())
	assert.Equal(t, "", apikey.Secret{}.Masked())
	assert.True(t, apikey.Secret{}.IsZero())
	assert.False(t, k.IsZero())
}

func FuzzParse(f *testing.F) {
	f.Add(exampleKey)
	f.Add("askpro_")
	f.Add(strings.Repeat("a", apikey.Len))
	f.Fuzz(func(t *testing.T, s string) {
		k, err := apikey.Parse(s)
		if err != nil {
			return
		}
		if !keyRE.MatchString(s) || k.Reveal() != s {
			t.Fatalf("Parse accepted %q", s)
		}
	})
}
