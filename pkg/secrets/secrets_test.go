package secrets_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/secrets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, secrets.KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func ring(t testing.TB, current []byte, previous ...[]byte) *secrets.Keyring {
	t.Helper()
	r, err := secrets.NewKeyring(current, previous...)
	require.NoError(t, err)
	return r
}

var aad42 = []byte("companies.calcom_api_key:42")

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	r := ring(t, k)
	for _, pt := range []string{"cal_live_0123456789abcdef", "", "ü€\x00 binary \xff"} {
		sealed, err := r.Seal([]byte(pt), aad42)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(sealed, "v1:"+secrets.KeyID(k)+":"), sealed)
		assert.NotContains(t, sealed, "cal_live")
		id, err := secrets.KeyIDOf(sealed)
		require.NoError(t, err)
		assert.Equal(t, r.CurrentID(), id)
		got, err := r.Open(sealed, aad42)
		require.NoError(t, err)
		assert.Equal(t, pt, string(got))
		assert.False(t, r.NeedsRotation(sealed))
	}
	a, err := r.Seal([]byte("same"), aad42)
	require.NoError(t, err)
	b, err := r.Seal([]byte("same"), aad42)
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "a fresh nonce every time")
}

func TestKeyID(t *testing.T) {
	t.Parallel()
	// SHA-256 of 32 zero bytes starts 66687aad.
	assert.Equal(t, "66687aad", secrets.KeyID(make([]byte, 32)))
}

func TestTamperedValueDoesNotOpen(t *testing.T) {
	t.Parallel()
	r := ring(t, newKey(t))
	sealed, err := r.Seal([]byte("cal_live_secret"), aad42)
	require.NoError(t, err)
	head := sealed[:strings.LastIndex(sealed, ":")+1]
	body, err := base64.RawURLEncoding.DecodeString(sealed[len(head):])
	require.NoError(t, err)
	for i := range body {
		flipped := bytes.Clone(body)
		flipped[i] ^= 0x01
		_, err := r.Open(head+base64.RawURLEncoding.EncodeToString(flipped), aad42)
		require.ErrorIs(t, err, secrets.ErrWrongKey, "byte %d flipped", i)
	}
	_, err = r.Open(head+base64.RawURLEncoding.EncodeToString(body[:len(body)-1]), aad42)
	assert.ErrorIs(t, err, secrets.ErrWrongKey, "truncated")
}

func TestWrongAADDoesNotOpen(t *testing.T) {
	t.Parallel()
	r := ring(t, newKey(t))
	sealed, err := r.Seal([]byte("cal_live_secret"), aad42)
	require.NoError(t, err)
	for _, aad := range []string{"companies.calcom_api_key:43", "companies.calcom_api_key:4", "", "companies.other:42"} {
		_, err := r.Open(sealed, []byte(aad))
		assert.ErrorIs(t, err, secrets.ErrWrongKey, "aad %q", aad)
	}
}

func TestWrongKey(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t), newKey(t)
	sealed, err := ring(t, k1).Seal([]byte("x"), aad42)
	require.NoError(t, err)
	_, err = ring(t, k2).Open(sealed, aad42)
	require.ErrorIs(t, err, secrets.ErrWrongKey)
	assert.Contains(t, err.Error(), secrets.KeyID(k1), "the error names the key the value needs")

	// A value whose header claims another key's id still fails.
	forged := strings.Replace(sealed, secrets.KeyID(k1), secrets.KeyID(k2), 1)
	_, err = ring(t, k2).Open(forged, aad42)
	assert.ErrorIs(t, err, secrets.ErrWrongKey)
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newK := newKey(t), newKey(t)
	old := ring(t, oldKey)
	sealed, err := old.Seal([]byte("cal_live_secret"), aad42)
	require.NoError(t, err)

	rotating := ring(t, newK, oldKey)
	assert.Equal(t, []string{secrets.KeyID(newK), secrets.KeyID(oldKey)}, rotating.IDs())
	pt, err := rotating.Open(sealed, aad42)
	require.NoError(t, err, "a value under the previous key still opens")
	assert.Equal(t, "cal_live_secret", string(pt))
	assert.True(t, rotating.NeedsRotation(sealed))

	resealed, changed, err := rotating.Reseal(sealed, aad42)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.False(t, rotating.NeedsRotation(resealed))
	again, changed, err := rotating.Reseal(resealed, aad42)
	require.NoError(t, err)
	assert.False(t, changed, "a current value is left as it is")
	assert.Equal(t, resealed, again)

	_, _, err = rotating.Reseal(sealed, []byte("companies.calcom_api_key:7"))
	assert.ErrorIs(t, err, secrets.ErrWrongKey, "reseal checks the AAD")

	dropped := ring(t, newK)
	pt, err = dropped.Open(resealed, aad42)
	require.NoError(t, err, "after the rotation the old key can go")
	assert.Equal(t, "cal_live_secret", string(pt))
	_, err = dropped.Open(sealed, aad42)
	assert.ErrorIs(t, err, secrets.ErrWrongKey, "an unrotated value needs the old key")
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	_, err := secrets.NewKeyring(k[:16])
	assert.EqualError(t, err, "secrets: current key is 16 bytes, want 32")
	_, err = secrets.NewKeyring(k, newKey(t), make([]byte, 31))
	assert.EqualError(t, err, "secrets: previous key 2 is 31 bytes, want 32")
	r, err := secrets.NewKeyring(k, k, bytes.Clone(k))
	require.NoError(t, err, "a previous key equal to the current is ignored")
	assert.Equal(t, []string{secrets.KeyID(k)}, r.IDs())
}

func TestEmptyKeyring(t *testing.T) {
	t.Parallel()
	sealed, err := ring(t, newKey(t)).Seal([]byte("x"), aad42)
	require.NoError(t, err)
	for name, r := range map[string]*secrets.Keyring{"nil": nil, "zero": {}, "parsed": mustParse(t, "")} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.False(t, r.HasKey())
			assert.Empty(t, r.CurrentID())
			_, err := r.Seal([]byte("x"), nil)
			assert.ErrorIs(t, err, secrets.ErrNoKey)
			_, err = r.Open(sealed, aad42)
			assert.ErrorIs(t, err, secrets.ErrNoKey)
			assert.False(t, r.NeedsRotation(sealed))
		})
	}
}

func mustParse(t *testing.T, current string, previous ...string) *secrets.Keyring {
	t.Helper()
	r, err := secrets.ParseKeyring(current, previous)
	require.NoError(t, err)
	return r
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	r := ring(t, newKey(t))
	// A sealed value has one text form: the same bytes with different
	// unused trailing bits in the last base64 character are refused.
	sealed, err := r.Seal([]byte("cal_live_secret"), aad42) // 43 bytes of data: 4 unused bits
	require.NoError(t, err)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sealed[len(sealed)-1])
	_, err = r.Open(sealed[:len(sealed)-1]+string(alphabet[last^1]), aad42)
	assert.ErrorIs(t, err, secrets.ErrMalformed)
	short := base64.RawURLEncoding.EncodeToString(make([]byte, 27))
	for _, s := range []string{"", "cal_live_plaintext", "v1:", "v1:abc", "v1:0123456z:" + short + "AAAA",
		"v2:01234567:" + short + "AAAAAA", "v1:01234567:not base64!", "v1:01234567:" + short,
		"v1:0123456:" + short + "AAAAAA", "v1:ABCDEF01:" + short + "AAAAAA", "v1:01234567:" + short + "AAAAAA=="} {
		_, err := r.Open(s, aad42)
		assert.ErrorIs(t, err, secrets.ErrMalformed, "%q", s)
		_, err = secrets.KeyIDOf(s)
		assert.ErrorIs(t, err, secrets.ErrMalformed, "%q", s)
		assert.True(t, r.NeedsRotation(s), "a malformed value is not current: %q", s)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	for name, s := range map[string]string{
		"std":          base64.StdEncoding.EncodeToString(k),
		"raw std":      base64.RawStdEncoding.EncodeToString(k),
		"url":          base64.URLEncoding.EncodeToString(k),
		"raw url":      base64.RawURLEncoding.EncodeToString(k),
		"hex":          hex.EncodeToString(k),
		"HEX":          strings.ToUpper(hex.EncodeToString(k)),
		"with newline": base64.StdEncoding.EncodeToString(k) + "\n",
	} {
		got, err := secrets.ParseKey(s)
		require.NoError(t, err, name)
		assert.Equal(t, k, got, name)
	}
	long := base64.StdEncoding.EncodeToString(append(bytes.Clone(k), 1))
	for s, want := range map[string]string{
		"":     "secrets: empty key",
		"   ":  "secrets: empty key",
		long:   "decodes to 33 bytes, want 32",
		"abc!": "neither base64 nor hex",
		base64.StdEncoding.EncodeToString(k[:16]): "decodes to 16 bytes",
		hex.EncodeToString(k)[:63] + "g":          "want 32",
	} {
		_, err := secrets.ParseKey(s)
		require.Error(t, err, "%q", s)
		assert.Contains(t, err.Error(), want)
		if strings.TrimSpace(s) != "" {
			assert.NotContains(t, err.Error(), s, "the error never repeats the key")
		}
	}
}

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t), newKey(t)
	r := mustParse(t, hex.EncodeToString(k1), base64.StdEncoding.EncodeToString(k2))
	assert.Equal(t, []string{secrets.KeyID(k1), secrets.KeyID(k2)}, r.IDs())
	_, err := secrets.ParseKeyring("", []string{hex.EncodeToString(k1)})
	assert.EqualError(t, err, "secrets: previous keys are set but the current key is not")
	_, err = secrets.ParseKeyring(hex.EncodeToString(k1), []string{"short"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "previous key 1: ")
}

func TestSecretDoesNotPrint(t *testing.T) {
	t.Parallel()
	r := ring(t, newKey(t))
	sealed, err := r.Seal([]byte("cal_live_topsecret"), aad42)
	require.NoError(t, err)
	s, err := r.OpenSecret(sealed, aad42)
	require.NoError(t, err)
	assert.Equal(t, "cal_live_topsecret", s.Reveal())
	assert.False(t, s.IsZero())

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("calcom", "key", s, "group", slog.GroupValue(slog.Any("k", s)))
	slog.New(slog.NewTextHandler(&logs, nil)).Info("calcom", "key", s)
	js, err := json.Marshal(struct {
		Key secrets.Secret   `json:"key"`
		Any any              `json:"any"`
		All []secrets.Secret `json:"all"`
	}{s, s, []secrets.Secret{s}})
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%s %v %+v %#v %q", s, s, s, s, s), logs.String(), string(js)} {
		assert.NotContains(t, out, "topsecret")
		assert.Contains(t, out, "[redacted]")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	oldKey, cur := newKey(t), newKey(t)
	sealOld, err := ring(t, oldKey).Seal([]byte("a"), []byte("1"))
	require.NoError(t, err)
	sealCur, err := ring(t, cur).Seal([]byte("b"), []byte("2"))
	require.NoError(t, err)
	vals := []secrets.Value{{Owner: "company 1", Sealed: sealOld, AAD: []byte("1")}, {Owner: "company 2", Sealed: sealCur, AAD: []byte("2")}}
	src := secrets.SourceFunc(func(ctx context.Context, fn func(secrets.Value) error) error {
		for _, v := range vals {
			if err := fn(v); err != nil {
				return err
			}
		}
		return nil
	})
	ctx := context.Background()

	res, err := secrets.Check(ctx, ring(t, cur, oldKey), src)
	require.NoError(t, err)
	assert.Equal(t, secrets.CheckResult{Values: 2, NeedRotation: 1}, res)

	_, err = secrets.Check(ctx, ring(t, cur), src)
	var ce *secrets.CheckError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, secrets.ErrWrongKey)
	assert.Equal(t, "company 1", ce.Owner)
	assert.Equal(t, secrets.KeyID(oldKey), ce.KeyID)
	assert.Equal(t, 1, ce.Failed)
	assert.NotContains(t, err.Error(), sealOld)

	_, err = secrets.Check(ctx, ring(t, newKey(t)), src)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 2, ce.Failed)
	assert.Contains(t, err.Error(), "nor do 1 more")

	res, err = secrets.Check(ctx, nil, src)
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, secrets.ErrNoKey)
	assert.Equal(t, 1, res.Values, "with no key, one value is enough to fail")

	empty := secrets.SourceFunc(func(context.Context, func(secrets.Value) error) error { return nil })
	res, err = secrets.Check(ctx, nil, empty)
	require.NoError(t, err, "no sealed values need no key")
	assert.Zero(t, res.Values)

	broken := secrets.SourceFunc(func(context.Context, func(secrets.Value) error) error { return errors.New("db down") })
	_, err = secrets.Check(ctx, nil, broken)
	assert.EqualError(t, err, "secrets: read sealed values: db down")
}
