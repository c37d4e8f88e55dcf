package webhooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The secrets the test deployment verifies with.
const (
	retellKey    = "key_send_test"
	calcomSecret = "calcom_send_test"
	stripeSecret = "whsec_send_test"
)

// withSecrets returns a config holding the deployment's three secrets.
func withSecrets() *config.Config {
	cfg := config.Default()
	cfg.Retell.APIKey, cfg.Calcom.WebhookSecret, cfg.Stripe.WebhookSecret = retellKey, calcomSecret, stripeSecret
	return &cfg
}

// deployment is a running askpro: the real ingestion stack of internal/app
// on SQLite in t.TempDir() with the in-process dedup store.
type deployment struct {
	url      string
	app      *app.App
	requests atomic.Int64
}

func startDeployment(t *testing.T) *deployment {
	t.Helper()
	cfg := withSecrets()
	cfg.Database.URL = dbtest.SQLite(t)
	cfg.Database.Pool.MinConnections, cfg.Database.Pool.HealthInterval = -1, -1
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	d := &deployment{app: a}
	h := a.Server.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	d.url = srv.URL
	return d
}

// rows returns how many webhook_events rows have key, and the correlation
// id of one of them.
func (d *deployment) rows(t *testing.T, key string) (n int, correlationID string) {
	t.Helper()
	err := d.app.Pool.DB().QueryRowContext(context.Background(),
		// CAST: the key compares as bytes whether the column is TEXT or BLOB.
		"SELECT COUNT(*), COALESCE(MAX(correlation_id), '') FROM webhook_events WHERE CAST(idempotency_key AS BLOB) = CAST(? AS BLOB)", key).
		Scan(&n, &correlationID)
	require.NoError(t, err)
	return n, correlationID
}

type sendRes struct {
	out, errOut string
	code        int
	err         error
}

// send runs `askpro webhooks send args...` with cfg as the configuration
// and stdin as standard input.
func send(t *testing.T, cfg *config.Config, stdin string, args ...string) sendRes {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := cmdutil.New(ios, "test")
	f.Config = func() (*config.Config, error) { return cfg, nil }
	cmd := NewCmdSend(f, nil)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(out)
	err := cmd.Execute()
	return sendRes{out: out.String(), errOut: errOut.String(), code: cmdutil.ExitCode(err), err: err}
}

func decode(t *testing.T, r sendRes) SendResult {
	t.Helper()
	var got SendResult
	require.NoError(t, json.Unmarshal([]byte(r.out), &got), r.out)
	return got
}

func TestNewCmdSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    SendOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"stripe", "charge.failed", "--to", "http://127.0.0.1:8080"},
			want: SendOptions{Provider: "stripe", Event: "charge.failed", To: "http://127.0.0.1:8080", Timeout: 10 * time.Second}},
		{name: "every flag", args: []string{"retell", "call_ended", "--to", "https://askpro.example.com/in/retell", "--secret-file", "-",
			"--id", "call_1", "--timeout", "3s", "-o", "json"},
			want: SendOptions{Provider: "retell", Event: "call_ended", To: "https://askpro.example.com/in/retell", SecretFile: "-",
				ID: "call_1", Timeout: 3 * time.Second, Exporter: cmdutil.JSONExporter{}}},
		{name: "secret", args: []string{"calcom", "PING", "--to", "http://h", "--secret", "s3"},
			want: SendOptions{Provider: "calcom", Event: "PING", To: "http://h", Secret: "s3", Timeout: 10 * time.Second}},
		{name: "no args", args: nil, wantErr: "accepts 2 arg(s)"},
		{name: "unknown provider", args: []string{"twilio", "sms", "--to", "http://h"},
			wantErr: `unknown provider "twilio": want one of retell, calcom, stripe`},
		{name: "unknown event", args: []string{"retell", "transcript_updated", "--to", "http://h"},
			wantErr: `unknown retell event "transcript_updated": want one of call_started, call_ended, call_analyzed`},
		{name: "event of another provider", args: []string{"stripe", "PING", "--to", "http://h"},
			wantErr: "want one of payment_intent.succeeded, charge.failed, invoice.payment_failed"},
		{name: "no --to", args: []string{"stripe", "charge.failed"}, wantErr: "--to is required"},
		{name: "--to not http", args: []string{"stripe", "charge.failed", "--to", "ftp://h"}, wantErr: `invalid --to "ftp://h"`},
		{name: "--to without scheme", args: []string{"stripe", "charge.failed", "--to", "127.0.0.1:8080"}, wantErr: "invalid --to"},
		{name: "--to without host", args: []string{"stripe", "charge.failed", "--to", "http:///webhooks"}, wantErr: "invalid --to"},
		{name: "--id for a PING", args: []string{"calcom", "PING", "--to", "http://h", "--id", "x"}, wantErr: "a Cal.com PING carries no id"},
		{name: "empty --id", args: []string{"calcom", "BOOKING_CREATED", "--to", "http://h", "--id", ""}, wantErr: "--id must not be empty"},
		{name: "both secrets", args: []string{"stripe", "charge.failed", "--to", "http://h", "--secret", "a", "--secret-file", "f"},
			wantErr: "give --secret or --secret-file, not both"},
		{name: "timeout 0", args: []string{"stripe", "charge.failed", "--to", "http://h", "--timeout", "0s"}, wantErr: "--timeout must be more than 0"},
		{name: "bad output", args: []string{"stripe", "charge.failed", "--to", "http://h", "-o", "yaml"}, wantErr: "want table or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := cmdutil.New(ios, "v1.2.3")
			var got *SendOptions
			cmd := NewCmdSend(f, func(o *SendOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "run was not called")
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, got.Config)
			assert.NotNil(t, got.Now)
			assert.Equal(t, ios, got.IO)
			assert.Equal(t, "v1.2.3", got.Version)
			got.IO, got.Config, got.Now, got.Version = nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestTarget(t *testing.T) {
	t.Parallel()
	for to, want := range map[string]string{
		"http://127.0.0.1:8080":              "http://127.0.0.1:8080/webhooks/stripe",
		"http://127.0.0.1:8080/":             "http://127.0.0.1:8080/webhooks/stripe",
		"https://a.example.com/hooks/stripe": "https://a.example.com/hooks/stripe",
		"https://a.example.com/webhooks/x/":  "https://a.example.com/webhooks/x/",
		"https://a.example.com/?debug=1#top": "https://a.example.com/webhooks/stripe?debug=1",
	} {
		u, err := target(to, "stripe")
		require.NoError(t, err, to)
		assert.Equal(t, want, u.String(), to)
	}
}

// Every sample reaches the real ingestion stack correctly signed: stored
// under the key the command reports, with the correlation id it reports.
func TestSendStoresEverySample(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	wantStatus := map[string]int{"retell": http.StatusNoContent, "calcom": http.StatusOK, "stripe": http.StatusOK}
	wantBody := map[string]string{"retell": "", "calcom": `{"status":"ok"}`, "stripe": `{"received":true}`}
	for _, provider := range Providers {
		for _, event := range webhooktest.SampleEvents(provider) {
			r := send(t, withSecrets(), "", provider, event, "--to", d.url, "-o", "json")
			require.NoError(t, r.err, "%s %s", provider, event)
			got := decode(t, r)
			assert.Equal(t, provider, got.Provider)
			assert.Equal(t, event, got.Event)
			assert.Equal(t, d.url+"/webhooks/"+provider, got.URL)
			assert.Equal(t, wantStatus[provider], got.Status)
			assert.Equal(t, wantBody[provider], got.Body)
			assert.False(t, got.BodyTruncated)
			require.NotEmpty(t, got.CorrelationID, "the server echoes one")
			n, cid := d.rows(t, got.Key)
			assert.Equal(t, 1, n, "%s is stored", got.Key)
			assert.Equal(t, got.CorrelationID, cid, "the reported correlation id is the stored one")
		}
	}
	assert.EqualValues(t, 10, d.requests.Load(), "one request a sample")
}

// The same --id twice: both acknowledged (exit 0), one row. Without --id
// every send is a new event.
func TestSendSameIDIsADuplicate(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	for _, provider := range Providers {
		event := webhooktest.SampleEvents(provider)[0]
		id := map[string]string{"retell": "call_send_dup", "calcom": "uid-send-dup", "stripe": "evt_send_dup"}[provider]
		first := send(t, withSecrets(), "", provider, event, "--to", d.url, "--id", id, "-o", "json")
		require.NoError(t, first.err)
		second := send(t, withSecrets(), "", provider, event, "--to", d.url, "--id", id, "-o", "json")
		require.NoError(t, second.err, "a redelivery is acknowledged")
		key := decode(t, first).Key
		assert.Equal(t, key, decode(t, second).Key)
		assert.Contains(t, key, id)
		assert.Equal(t, decode(t, first).Status, decode(t, second).Status)
		n, _ := d.rows(t, key)
		assert.Equal(t, 1, n, "a duplicate adds no row")
	}
	a := decode(t, send(t, withSecrets(), "", "stripe", "charge.failed", "--to", d.url, "-o", "json"))
	b := decode(t, send(t, withSecrets(), "", "stripe", "charge.failed", "--to", d.url, "-o", "json"))
	assert.NotEqual(t, a.Key, b.Key, "fresh ids")
}

func TestSendHumanOutput(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	r := send(t, withSecrets(), "", "stripe", "payment_intent.succeeded", "--to", d.url+"/", "--id", "evt_human_1")
	require.NoError(t, r.err)
	assert.Contains(t, r.out, "status\t200 OK\n")
	assert.Contains(t, r.out, "key\tstripe:evt_human_1\n")
	assert.Contains(t, r.out, "url\t"+d.url+"/webhooks/stripe\n")
	assert.Regexp(t, `correlation_id\t[0-9a-f-]{36}\n`, r.out)
	assert.Contains(t, r.out, "body:\n{\"received\":true}\n")
}

// The secret comes from --secret-file (a file or stdin, trailing newline
// trimmed), from --secret, or from the configuration.
func TestSendSecretSources(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "stripe.secret")
	require.NoError(t, os.WriteFile(file, []byte(stripeSecret+"\r\n"), 0o600))
	none := &config.Config{} // no secret configured: only the flags can sign
	tests := []struct {
		name  string
		cfg   *config.Config
		stdin string
		args  []string
	}{
		{"file", none, "", []string{"--secret-file", file}},
		{"stdin", none, stripeSecret + "\n", []string{"--secret-file", "-"}},
		{"flag", none, "", []string{"--secret", stripeSecret}},
		{"config", withSecrets(), "", nil},
	}
	for _, tt := range tests {
		r := send(t, tt.cfg, tt.stdin, append([]string{"stripe", "charge.failed", "--to", d.url}, tt.args...)...)
		assert.NoError(t, r.err, tt.name)
	}
	assert.EqualValues(t, len(tests), d.requests.Load())
}

// Every usage or configuration error exits 2 and sends nothing.
func TestSendUsageErrorsSendNothing(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", maxSecretFile+1)), 0o600))
	noSecrets := config.Default()
	tests := []struct {
		name    string
		cfg     *config.Config
		args    []string
		wantErr string
	}{
		{"unknown provider", withSecrets(), []string{"twilio", "sms"}, "want one of retell, calcom, stripe"},
		{"unknown event", withSecrets(), []string{"calcom", "BOOKING_PAID"}, "want one of BOOKING_CREATED, BOOKING_CANCELLED, BOOKING_RESCHEDULED, PING"},
		{"id for a PING", withSecrets(), []string{"calcom", "PING", "--id", "p1"}, "a Cal.com PING carries no id"},
		{"both secrets", withSecrets(), []string{"stripe", "charge.failed", "--secret", "a", "--secret-file", empty}, "not both"},
		{"no secret configured", &noSecrets, []string{"stripe", "charge.failed"},
			"no stripe secret: set stripe.webhook_secret (env ASKPRO_STRIPE_WEBHOOK_SECRET), or give --secret-file"},
		{"no retell key", &noSecrets, []string{"retell", "call_ended"}, "set retell.api_key"},
		{"no calcom secret", &noSecrets, []string{"calcom", "PING"}, "set calcom.webhook_secret"},
		{"missing secret file", withSecrets(), []string{"stripe", "charge.failed", "--secret-file", filepath.Join(dir, "nope")}, "--secret-file: open"},
		{"empty secret file", withSecrets(), []string{"stripe", "charge.failed", "--secret-file", empty}, "is empty"},
		{"huge secret file", withSecrets(), []string{"stripe", "charge.failed", "--secret-file", big}, "larger than 64 KiB"},
		{"empty stdin", withSecrets(), []string{"stripe", "charge.failed", "--secret-file", "-"}, "standard input is empty"},
		{"id askpro refuses", withSecrets(), []string{"stripe", "charge.failed", "--id", strings.Repeat("e", 300)}, "--id"},
	}
	for _, tt := range tests {
		r := send(t, tt.cfg, "", append(tt.args, "--to", d.url)...)
		assert.ErrorContains(t, r.err, tt.wantErr, tt.name)
		assert.Equal(t, cmdutil.ExitUsage, r.code, tt.name)
		assert.Empty(t, r.out, tt.name)
	}
	for _, bad := range []string{"", "ftp://" + strings.TrimPrefix(d.url, "http://"), strings.TrimPrefix(d.url, "http://"), "http://"} {
		r := send(t, withSecrets(), "", "stripe", "charge.failed", "--to", bad)
		assert.Equal(t, cmdutil.ExitUsage, r.code, "--to %q: %v", bad, r.err)
	}
	assert.Zero(t, d.requests.Load(), "nothing was sent")
}

// A secret the server does not verify with: exit 1, "signature refused",
// nothing stored.
func TestSendWrongSecret(t *testing.T) {
	t.Parallel()
	d := startDeployment(t)
	r := send(t, withSecrets(), "", "stripe", "charge.failed", "--to", d.url, "--secret", "whsec_wrong", "--id", "evt_wrong_secret", "-o", "json")
	assert.Equal(t, cmdutil.ExitBad, r.code)
	assert.EqualError(t, r.err, "signature refused: check the secret (the server verifies with its stripe.webhook_secret)")
	got := decode(t, r)
	assert.Equal(t, http.StatusUnauthorized, got.Status, "the answer is still reported")
	assert.NotEmpty(t, got.CorrelationID)
	n, _ := d.rows(t, "stripe:evt_wrong_secret")
	assert.Zero(t, n)
}

// answers is a fake deployment answering every request with respond, and
// recording the paths asked for.
func answers(t *testing.T, respond http.HandlerFunc) (*httptest.Server, *[]string) {
	t.Helper()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path) // the client sends one request at a time
		respond(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

// A base URL gets /webhooks/PROVIDER; a URL with a path is used as given.
// The request is signed, and verifies with package webhook's verifier.
func TestSendTargetsAndSignature(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
	require.NoError(t, err)
	var verr error
	var ua, version string
	srv, paths := answers(t, func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 1<<16)
		n, _ := r.Body.Read(body)
		verr = v.Verify(r.Header, body[:n])
		ua, version = r.UserAgent(), r.Header.Get("X-Cal-Webhook-Version")
		w.WriteHeader(http.StatusAccepted)
	})
	for _, to := range []string{srv.URL, srv.URL + "/", srv.URL + "/proxy/calcom"} {
		r := send(t, withSecrets(), "", "calcom", "BOOKING_CANCELLED", "--to", to)
		require.NoError(t, r.err, to)
		require.NoError(t, verr, "the signature verifies")
		assert.Contains(t, r.out, "status\t202 Accepted\n")
	}
	assert.Equal(t, []string{"/webhooks/calcom", "/webhooks/calcom", "/proxy/calcom"}, *paths)
	assert.Equal(t, "askpro/test (webhooks send)", ua)
	assert.NotEmpty(t, version)
}

func TestSendNon2xxAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		respond http.HandlerFunc
		wantErr string
		check   func(t *testing.T, got SendResult)
	}{
		{"503 with a long body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(strings.Repeat("y", 10_000)))
		}, "the server answered 503 Service Unavailable", func(t *testing.T, got SendResult) {
			assert.Equal(t, 503, got.Status)
			assert.Len(t, got.Body, MaxSendResponseBody)
			assert.True(t, got.BodyTruncated)
		}},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			"not found: stripe is not served at", func(t *testing.T, got SendResult) { assert.Equal(t, 404, got.Status) }},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example.com/webhooks/stripe", http.StatusMovedPermanently)
		}, "redirected to https://elsewhere.example.com/webhooks/stripe, not followed", func(t *testing.T, got SendResult) {
			assert.Equal(t, 301, got.Status)
		}},
		{"control characters", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("bad\x1b[2J\xff\nnext"))
		}, "the server answered 400 Bad Request", func(t *testing.T, got SendResult) {
			assert.Equal(t, "bad\uFFFD[2J\uFFFD\nnext", got.Body, "no escape reaches the terminal; valid UTF-8")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, paths := answers(t, tt.respond)
			r := send(t, withSecrets(), "", "stripe", "charge.failed", "--to", srv.URL, "-o", "json")
			assert.Equal(t, cmdutil.ExitBad, r.code)
			assert.ErrorContains(t, r.err, tt.wantErr)
			tt.check(t, decode(t, r))
			assert.Len(t, *paths, 1, "one request, no redirect followed")
		})
	}
}

func TestSendNetworkErrors(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r := send(t, withSecrets(), "", "stripe", "charge.failed", "--to", closed.URL)
	assert.Equal(t, cmdutil.ExitBad, r.code)
	assert.ErrorContains(t, r.err, "could not reach "+closed.URL+"/webhooks/stripe: ")
	assert.NotContains(t, r.err.Error(), `Post "`, "the URL is named once")

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	r = send(t, withSecrets(), "", "stripe", "charge.failed", "--to", hang.URL, "--timeout", "50ms")
	assert.Equal(t, cmdutil.ExitBad, r.code)
	assert.EqualError(t, r.err, "no answer from "+hang.URL+"/webhooks/stripe within 50ms")

	r = send(t, withSecrets(), "", "stripe", "charge.failed", "--to", "http://user:hunter2@"+strings.TrimPrefix(closed.URL, "http://"))
	assert.Equal(t, cmdutil.ExitBad, r.code)
	assert.NotContains(t, r.err.Error(), "hunter2", "credentials in --to are masked")
}
