package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/spf13/cobra"
)

// MaxSendResponseBody is the most bytes of the server's answer that
// `webhooks send` reads and shows; the rest is cut (SendResult.BodyTruncated).
const MaxSendResponseBody = 4 << 10

// maxSecretFile bounds what --secret-file reads: secrets are short, and a
// mistaken path to a large file must not be read whole.
const maxSecretFile = 64 << 10

// secretKeys names, per provider, the config key whose secret signs its
// webhooks (the one `askpro serve` verifies with).
var secretKeys = map[string]string{
	webhook.ProviderRetell: "retell.api_key",
	webhook.ProviderCalcom: "calcom.webhook_secret",
	webhook.ProviderStripe: "stripe.webhook_secret",
}

// SendOptions holds what `askpro webhooks send` needs.
type SendOptions struct {
	IO *iostreams.IOStreams
	// Config loads the configuration, read only when neither --secret nor
	// --secret-file is given.
	Config func() (*config.Config, error)
	// HTTPClient is the client that posts the event. Nil means a new
	// client with Timeout that follows no redirects.
	HTTPClient *http.Client
	// Now is the signing clock. Nil means time.Now.
	Now func() time.Time
	// Version goes into the User-Agent.
	Version  string
	Exporter cmdutil.Exporter

	// Provider is one of Providers, Event one of
	// webhooktest.SampleEvents(Provider).
	Provider string
	Event    string
	// To is the deployment: a base URL (no path, or "/"), to which
	// "/webhooks/{provider}" is added, or the full URL of the route.
	To string
	// SecretFile is a file holding the secret, or "-" for standard input;
	// one trailing newline is trimmed.
	SecretFile string
	// Secret is the secret itself (visible in `ps`; prefer SecretFile).
	Secret string
	// ID is the event's id (Retell call.call_id, Cal.com payload.uid,
	// Stripe id). Empty means a fresh one, so each send is a new event.
	ID string
	// Timeout bounds the whole request. Defaults to 10s.
	Timeout time.Duration
}

// SendResult is what `askpro webhooks send` reports, and prints with
// -o json. Its schema is stable.
type SendResult struct {
	// Provider and Event are the sample that was sent.
	Provider string `json:"provider"`
	Event    string `json:"event"`
	// Key is the idempotency key of the body sent (webhook.Parse).
	Key string `json:"key"`
	// URL is where it was posted, credentials masked.
	URL string `json:"url"`
	// Status is the HTTP status code of the answer.
	Status int `json:"status"`
	// CorrelationID is the X-Correlation-ID the server echoed, "" when none.
	CorrelationID string `json:"correlation_id"`
	// Body is the start of the answer's body (at most
	// MaxSendResponseBody bytes, made valid UTF-8); BodyTruncated says
	// whether there was more.
	Body          string `json:"body"`
	BodyTruncated bool   `json:"body_truncated"`
	// DurationMS is the time from sending the request to reading the answer.
	DurationMS int64 `json:"duration_ms"`
}

// NewCmdSend builds `askpro webhooks send PROVIDER EVENT --to URL`. Every
// problem found without I/O (provider, event, --to, --id, the secret flags,
// --timeout) is a usage error before anything is sent.
func NewCmdSend(f *cmdutil.Factory, runF func(*SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IO, Config: f.Config, Now: time.Now, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "send PROVIDER EVENT --to URL",
		Short: "Post a correctly signed sample event to a deployment, to test it end to end",
		Long: fmt.Sprintf(`Post a realistic, correctly signed sample webhook to a running askpro, as the provider would,
and report the answer: the status, the correlation id the server echoed (look for it in the
server's log and in webhook_events.correlation_id), the event's idempotency key and the body.

PROVIDER is retell, calcom or stripe. EVENT is one of:
%s
Each send carries a fresh id, so it is a new event. --id sets the id: sending the same --id
twice tests deduplication (askpro acknowledges both and stores one row). A Cal.com PING has no
id: each PING is a new event.

--to is where askpro listens. A base URL (no path, or "/") gets /webhooks/PROVIDER added:
https://askpro.example.com posts to https://askpro.example.com/webhooks/stripe. A URL with a
path is used as given (behind a proxy that rewrites paths, say).

The secret is the one the server verifies with: --secret-file (a file, or - for standard input;
a trailing newline is trimmed), --secret, or else the configured retell.api_key,
calcom.webhook_secret or stripe.webhook_secret.

Exit status: 0 when the server answered 2xx, 1 for any other answer or when it cannot be reached,
2 on a usage or configuration error (nothing is sent).`, sampleList()),
		Example: `  askpro webhooks send stripe payment_intent.succeeded --to http://127.0.0.1:8080
  askpro webhooks send calcom PING --to https://askpro.example.com --secret-file calcom.secret
  pass show askpro/retell | askpro webhooks send retell call_ended --to http://127.0.0.1:8080 --secret-file -
  askpro webhooks send stripe charge.failed --to http://127.0.0.1:8080 --id evt_test_1 -o json`,
		Args: cmdutil.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider, opts.Event = args[0], args[1]
			if cmd.Flags().Changed("id") && opts.ID == "" {
				return cmdutil.FlagErrorf("--id must not be empty (leave it out for a fresh id)")
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return sendRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "askpro's base URL (adds /webhooks/PROVIDER), or the full URL of the route (required)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "read the secret from this file, or - for standard input (default: the configured secret)")
	fl.StringVar(&opts.Secret, "secret", "", "the secret itself; it is visible in ps and in the shell history: prefer --secret-file")
	fl.StringVar(&opts.ID, "id", "", "the event's id, to test deduplication (default: a fresh one)")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "give up when the server has not answered within this")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// sampleList lists each provider's sample events, one provider a line.
func sampleList() string {
	var b strings.Builder
	for _, p := range Providers {
		fmt.Fprintf(&b, "  %-7s %s\n", p, strings.Join(webhooktest.SampleEvents(p), ", "))
	}
	return b.String()
}

// check validates what needs no I/O: every problem is a usage error.
func (o *SendOptions) check() error {
	if !webhook.Known(o.Provider) {
		return cmdutil.FlagErrorf("unknown provider %q: want one of %s", o.Provider, strings.Join(Providers, ", "))
	}
	events := webhooktest.SampleEvents(o.Provider)
	if !slices.Contains(events, o.Event) {
		return cmdutil.FlagErrorf("unknown %s event %q: want one of %s", o.Provider, o.Event, strings.Join(events, ", "))
	}
	if o.To == "" {
		return cmdutil.FlagErrorf("--to is required: the URL of the askpro to test, e.g. --to http://127.0.0.1:8080")
	}
	if _, err := target(o.To, o.Provider); err != nil {
		return err
	}
	if o.ID != "" && o.Provider == webhook.ProviderCalcom && o.Event == "PING" {
		return cmdutil.FlagErrorf("--id: a Cal.com PING carries no id (each PING is a new event, keyed by its createdAt); leave --id out")
	}
	if o.Secret != "" && o.SecretFile != "" {
		return cmdutil.FlagErrorf("give --secret or --secret-file, not both")
	}
	if o.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be more than 0")
	}
	return nil
}

// target returns the URL to post to: to plus /webhooks/{provider} when to
// is a base URL (no path, or "/"), else to as given. A URL that is not
// absolute http(s) with a host is a usage error.
func target(to, provider string) (*url.URL, error) {
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cmdutil.FlagErrorf("invalid --to %q: want an http:// or https:// URL such as http://127.0.0.1:8080", sanitize.Log(to))
	}
	if u.Path == "" || u.Path == "/" {
		u.Path, u.RawPath = "/webhooks/"+provider, ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// usageError is a configuration or input problem found before sending:
// exit 2, without printing the usage.
func usageError(format string, args ...any) error {
	return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf(format, args...)}
}

// secret returns the signing secret: --secret-file, --secret, or the
// configured one. Every failure is exit 2.
func (o *SendOptions) secret() (string, error) {
	switch {
	case o.SecretFile != "":
		var r io.Reader
		name := o.SecretFile
		if name == "-" {
			r, name = o.IO.In, "standard input"
		} else {
			f, err := os.Open(o.SecretFile)
			if err != nil {
				return "", usageError("--secret-file: %w", err)
			}
			defer f.Close()
			r = f
		}
		b, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
		if err != nil {
			return "", usageError("--secret-file: read %s: %w", name, err)
		}
		if len(b) > maxSecretFile {
			return "", usageError("--secret-file: %s is larger than %d KiB: is it the secret?", name, maxSecretFile>>10)
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if s == "" {
			return "", usageError("--secret-file: %s is empty", name)
		}
		return s, nil
	case o.Secret != "":
		return o.Secret, nil
	}
	key := secretKeys[o.Provider]
	cfg, err := o.Config()
	if err != nil {
		return "", err
	}
	var s string
	switch o.Provider {
	case webhook.ProviderRetell:
		s = cfg.Retell.APIKey
	case webhook.ProviderCalcom:
		s = cfg.Calcom.WebhookSecret
	case webhook.ProviderStripe:
		s = cfg.Stripe.WebhookSecret
	}
	if s == "" {
		return "", usageError("no %s secret: set %s (env ASKPRO_%s), or give --secret-file", o.Provider, key,
			strings.ToUpper(strings.ReplaceAll(key, ".", "_")))
	}
	return s, nil
}

func sendRun(ctx context.Context, opts *SendOptions) error {
	u, err := target(opts.To, opts.Provider)
	if err != nil {
		return err
	}
	secret, err := opts.secret()
	if err != nil {
		return err
	}
	body, err := webhooktest.Sample(opts.Provider, opts.Event, opts.ID)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	ev, err := webhook.Parse(opts.Provider, body)
	if err != nil { // only an --id askpro would refuse gets here
		return cmdutil.FlagErrorf("--id %q: %w", sanitize.Log(opts.ID), err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "askpro/"+opts.Version+" (webhooks send)")
	if opts.Provider == webhook.ProviderCalcom {
		req.Header.Set("X-Cal-Webhook-Version", webhooktest.CalcomWebhookVersion)
	}
	start := now()
	name, value := webhooktest.Sign(opts.Provider, secret, body, start)
	req.Header.Set(name, value)

	res := SendResult{Provider: opts.Provider, Event: ev.Type, Key: ev.Key, URL: u.Redacted()}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout, CheckRedirect: noRedirects}
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("no answer from %s within %s", res.URL, timeout)}
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("could not reach %s: %w", res.URL, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxSendResponseBody+1))
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("read the answer of %s (status %d): %w", res.URL, resp.StatusCode, unwrapURLError(err))}
	}
	res.DurationMS = now().Sub(start).Milliseconds()
	res.Status = resp.StatusCode
	res.CorrelationID = printable(sanitize.String(resp.Header.Get(correlation.Header), 128))
	res.BodyTruncated = len(raw) > MaxSendResponseBody
	res.Body = printable(sanitize.String(string(raw), MaxSendResponseBody))

	if err := writeSendResult(opts, res, resp); err != nil {
		return err
	}
	return answerError(res, resp)
}

// answerError is nil for a 2xx, else an exit-1 error saying what the
// answer likely means.
func answerError(res SendResult, resp *http.Response) error {
	var msg string
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusUnauthorized:
		msg = fmt.Sprintf("signature refused: check the secret (the server verifies with its %s)", secretKeys[res.Provider])
	case code == http.StatusNotFound:
		msg = fmt.Sprintf("not found: %s is not served at %s (is %s set on the server? is the URL right?)",
			res.Provider, res.URL, secretKeys[res.Provider])
	case code >= 300 && code < 400:
		msg = fmt.Sprintf("redirected to %s, not followed (a redirect turns a POST into a GET): use that URL with --to",
			sanitize.Log(resp.Header.Get("Location")))
	default:
		msg = fmt.Sprintf("the server answered %s", statusText(code))
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: errors.New(msg)}
}

func writeSendResult(opts *SendOptions, res SendResult, resp *http.Response) error {
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, res)
	}
	out := opts.IO.Out
	tp := tableprinter.New(out, opts.IO.ColorEnabled(), "FIELD", "VALUE")
	tp.AddRow("status", statusText(resp.StatusCode))
	tp.AddRow("correlation_id", res.CorrelationID)
	tp.AddRow("event", res.Provider+" "+res.Event)
	tp.AddRow("key", res.Key)
	tp.AddRow("url", res.URL)
	tp.AddRow("duration", fmt.Sprintf("%dms", res.DurationMS))
	if err := tp.Render(); err != nil {
		return err
	}
	if res.Body == "" {
		return nil
	}
	more := ""
	if res.BodyTruncated {
		more = fmt.Sprintf("\n[cut after %d bytes]", MaxSendResponseBody)
	}
	_, err := fmt.Fprintf(out, "body:\n%s%s\n", res.Body, more)
	return err
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// printable replaces control characters other than newline and tab with
// U+FFFD, so that an answer cannot drive the terminal it is shown on.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return unicode.ReplacementChar
	}, s)
}

// noRedirects makes the client return a redirect as the answer.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// unwrapURLError drops *url.Error's `Post "URL":` prefix: the message
// already names the URL, credentials masked.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
