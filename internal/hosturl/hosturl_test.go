package hosturl_test

import (
	"testing"

	"github.com/askproai/askpro/internal/hosturl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	base, host, err := hosturl.Parse("https://API.cal.eu/", "https://api.cal.com")
	require.NoError(t, err)
	assert.Equal(t, "https://API.cal.eu", base)
	assert.Equal(t, "api.cal.eu", host)
	base, _, err = hosturl.Parse("http://127.0.0.1:8080", "x")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080", base)

	for raw, want := range map[string]string{
		"ftp://api.cal.com":            "must be http or https",
		"https://":                     "has no host",
		"https://u:secret@api.cal.com": "must not carry user info",
		"https://api.cal.com/v2":       "must be a host without a path (like https://api.cal.com)",
		"https://api.cal.com/?x=1":     "must not have a query or fragment",
		"https://api.cal.com/#frag":    "must not have a query or fragment",
		"https://api.cal.com\x7f":      "does not parse",
		"api.cal.com":                  "must be http or https",
	} {
		_, _, err := hosturl.Parse(raw, "https://api.cal.com")
		assert.ErrorContains(t, err, want, raw)
		if err != nil {
			assert.NotContains(t, err.Error(), "secret", "passwords are redacted")
		}
	}
}
