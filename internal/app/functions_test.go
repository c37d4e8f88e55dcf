package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The function and inbound routes are mounted behind their own per-address
// limit, verified with retell.api_key, and serve the functions of
// Options.Functions (none: 404 per name).
func TestFunctionRoutesAreMounted(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Retell.APIKey = "key_retell_set"
	cfg.RateLimit.FunctionsPerIP = "5/1h:5"
	ran := 0
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true,
		Functions: map[string]booking.Function{booking.FuncCheckAvailability: booking.FunctionFunc(
			func(context.Context, booking.Call) (booking.Answer, error) {
				ran++
				return booking.Answer{Result: "Am Donnerstag ist um 14 Uhr frei.", Status: booking.StatusOK}, nil
			})}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	require.NotNil(t, a.Functions)
	sys := tenant.System(context.Background())
	c, err := a.Store.Companies.Create(sys, store.NewCompany{Name: "Salon Haarmonie", Subdomain: "haarmonie"})
	require.NoError(t, err)
	_, err = a.Store.Branches.Create(tenant.WithCompany(context.Background(), c.ID), store.NewBranch{Name: "Mitte", PhoneNumber: "+493012345678"})
	require.NoError(t, err)

	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	call := []byte(`{"name":"check_availability","call":{"call_id":"call_app","from_number":"+4915123456789","to_number":"+493012345678"},"args":{"date":"2026-03-12"}}`)

	unsigned, err := http.NewRequest(http.MethodPost, srv.URL+"/retell/functions/check_availability", bytes.NewReader(call))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, post(t, unsigned))
	assert.Equal(t, http.StatusNotFound, post(t, webhooktest.RetellRequest(t, srv.URL+"/retell/functions/book_appointment", "key_retell_set", call)),
		"a function the map lacks is 404")

	resp, err := http.DefaultClient.Do(webhooktest.RetellRequest(t, srv.URL+"/retell/functions/check_availability", "key_retell_set", call))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var ans booking.Answer
	require.NoError(t, json.Unmarshal(body, &ans))
	assert.Equal(t, booking.StatusOK, ans.Status)
	assert.Equal(t, 1, ran)

	inbound := []byte(`{"event":"call_inbound","call_inbound":{"from_number":"+4915123456789","to_number":"+493012345678"}}`)
	resp, err = http.DefaultClient.Do(webhooktest.RetellRequest(t, srv.URL+"/retell/inbound", "key_retell_set", inbound))
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"company_name":"Salon Haarmonie"`)

	// Four requests so far: the fifth passes, the sixth from this address is refused.
	assert.Equal(t, http.StatusOK, post(t, webhooktest.RetellRequest(t, srv.URL+"/retell/inbound", "key_retell_set", inbound)))
	assert.Equal(t, http.StatusTooManyRequests, post(t, webhooktest.RetellRequest(t, srv.URL+"/retell/inbound", "key_retell_set", inbound)))
}

func TestFunctionRoutesNeedTheRetellKey(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true, InsecureSkipVerify: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	assert.Nil(t, a.Functions, "never served unverified")
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/retell/inbound", bytes.NewReader([]byte(`{"event":"call_inbound","call_inbound":{}}`)))
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, post(t, req))
}
