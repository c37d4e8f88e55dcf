package webhook_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
)

// testdata is where the fixtures live: in webhooktest, which embeds them
// for its samples.
var testdata = filepath.Join("webhooktest", "testdata")

// ownFixtures are fixtures of our own, not copies from ../shared/fixtures.
var ownFixtures = map[string]bool{"calcom/ping.json": true}

// readTestdata returns the bytes of webhooktest/testdata/<provider>/<name>.
func readTestdata(t testing.TB, provider, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, provider, name))
	require.NoError(t, err)
	return b
}

// fixedClock returns a clock that always answers at.
func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

func header(name, value string) http.Header {
	h := http.Header{}
	h.Set(name, value)
	return h
}

func TestRetellSignatureVectors(t *testing.T) {
	t.Parallel()
	var file struct {
		Vectors []struct {
			Name        string `json:"name"`
			APIKey      string `json:"api_key"`
			TimestampMS int64  `json:"timestamp_ms"`
			NowMS       int64  `json:"now_ms"`
			Body        string `json:"body"`
			HeaderValue string `json:"header_value"`
			Valid       bool   `json:"valid"`
			Why         string `json:"why"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "retell", "signature_vectors.json"), &file))
	require.Len(t, file.Vectors, 6)

	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			p, err := webhook.NewRetell(webhook.RetellConfig{
				APIKey: v.APIKey,
				Now:    fixedClock(time.UnixMilli(v.NowMS)),
			})
			require.NoError(t, err)
			err = p.Verify(header(webhook.RetellSignatureHeader, v.HeaderValue), []byte(v.Body))
			if v.Valid {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err, v.Why)
			assert.ErrorIs(t, err, webhook.ErrUnauthorized)
		})
	}
}

func TestCalcomSignatureVectors(t *testing.T) {
	t.Parallel()
	var file struct {
		Vectors []struct {
			Secret      string `json:"secret"`
			Body        string `json:"body"`
			HeaderValue string `json:"header_value"`
			Valid       bool   `json:"valid"`
			Why         string `json:"why"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "calcom", "signature_vectors.json"), &file))
	require.Len(t, file.Vectors, 6)

	for i, v := range file.Vectors {
		t.Run(v.Why, func(t *testing.T) {
			t.Parallel()
			p, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: v.Secret})
			require.NoError(t, err)
			err = p.Verify(header(webhook.CalcomSignatureHeader, v.HeaderValue), []byte(v.Body))
			if v.Valid {
				assert.NoError(t, err, "vector %d", i)
				return
			}
			require.Error(t, err, "vector %d", i)
			assert.ErrorIs(t, err, webhook.ErrUnauthorized)
		})
	}
}

func TestStripeSignatureVectors(t *testing.T) {
	t.Parallel()
	var file struct {
		Tolerance int `json:"tolerance_seconds"`
		Vectors   []struct {
			Secret      string `json:"secret"`
			Timestamp   int64  `json:"timestamp"`
			Now         int64  `json:"now"`
			Body        string `json:"body"`
			HeaderValue string `json:"header_value"`
			Valid       bool   `json:"valid"`
			Why         string `json:"why"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "stripe", "signature_vectors.json"), &file))
	require.Len(t, file.Vectors, 6)
	require.Equal(t, 300, file.Tolerance)

	for i, v := range file.Vectors {
		t.Run(v.Why, func(t *testing.T) {
			t.Parallel()
			p, err := webhook.NewStripe(webhook.StripeConfig{
				Secret: v.Secret,
				Now:    fixedClock(time.Unix(v.Now, 0)),
			})
			require.NoError(t, err)
			err = p.Verify(header(webhook.StripeSignatureHeader, v.HeaderValue), []byte(v.Body))
			if v.Valid {
				assert.NoError(t, err, "vector %d", i)
				return
			}
			require.Error(t, err, "vector %d", i)
			assert.ErrorIs(t, err, webhook.ErrUnauthorized)
		})
	}
}

// TestVectorsMatchSharedFixtures guards the copies in testdata against drift
// from ../shared/fixtures when that folder is present (it is beside the
// repository root on developer machines and in CI).
func TestVectorsMatchSharedFixtures(t *testing.T) {
	t.Parallel()
	shared := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("shared fixtures not found at %s: nothing to compare", shared)
	}
	for _, provider := range []string{"retell", "calcom", "stripe"} {
		entries, err := os.ReadDir(filepath.Join(testdata, provider))
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		for _, e := range entries {
			if ownFixtures[provider+"/"+e.Name()] {
				continue
			}
			t.Run(provider+"/"+e.Name(), func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(shared, provider, e.Name()))
				require.NoError(t, err)
				assert.Equal(t, string(want), string(readTestdata(t, provider, e.Name())))
			})
		}
	}
}

// checkVerify sends body with the header values under name to p.Verify and
// checks the outcome: success for a nil want, else an error matching want,
// ErrUnauthorized and not ErrBadPayload.
func checkVerify(t *testing.T, p webhook.Verifier, name string, values []string, body []byte, want error) {
	t.Helper()
	h := http.Header{}
	for _, v := range values {
		h.Add(name, v)
	}
	err := p.Verify(h, body)
	if want == nil {
		require.NoError(t, err)
		return
	}
	require.ErrorIs(t, err, want)
	assert.ErrorIs(t, err, webhook.ErrUnauthorized)
	assert.NotErrorIs(t, err, webhook.ErrBadPayload)
}

// orBody returns b, or def when b is nil.
func orBody(b, def []byte) []byte {
	if b != nil {
		return b
	}
	return def
}
