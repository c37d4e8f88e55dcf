package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

//go:embed fixtures
var fixtureFS embed.FS

// marker stands for the unique id in a template while it is built.
const marker = "@@BENCH_ID@@"

// Secrets bundles the providers' signing secrets; they must match serve's
// retell.api_key, calcom.webhook_secret and stripe.webhook_secret.
type Secrets struct {
	Retell, Calcom, Stripe string
}

// template is one fixture event whose key-bearing field is replaceable.
type template struct {
	provider  string        // retell, calcom or stripe
	name      string        // fixture file name without .json
	eventType string        // as serve stores it
	route     queue.Routing // as serve stores it
	idPrefix  string        // prepended to the unique part of the id
	parts     [][]byte
	size      int // body length with a typical id
	userAgent string
}

// body returns the fixture with id in place of the key-bearing field.
func (t *template) body(id string) []byte {
	n := 0
	for _, p := range t.parts {
		n += len(p)
	}
	b := make([]byte, 0, n+len(id)*(len(t.parts)-1))
	for i, p := range t.parts {
		if i > 0 {
			b = append(b, id...)
		}
		b = append(b, p...)
	}
	return b
}

// keyField is the JSON path of the field each provider's key comes from.
var keyField = map[string][]string{
	webhook.ProviderRetell: {"call", "call_id"},
	webhook.ProviderCalcom: {"payload", "uid"},
	webhook.ProviderStripe: {"id"},
}

var idPrefix = map[string]string{
	webhook.ProviderRetell: "call_",
	webhook.ProviderCalcom: "",
	webhook.ProviderStripe: "evt_",
}

var userAgents = map[string]string{
	webhook.ProviderRetell: "Retell-Webhook/1.0",
	webhook.ProviderCalcom: "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
	webhook.ProviderStripe: "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
}

// loadTemplates reads the embedded fixtures, in a fixed order.
func loadTemplates() ([]*template, error) {
	var out []*template
	for _, prov := range []string{webhook.ProviderRetell, webhook.ProviderCalcom, webhook.ProviderStripe} {
		entries, err := fixtureFS.ReadDir(path.Join("fixtures", prov))
		if err != nil {
			return nil, fmt.Errorf("read fixtures of %s: %w", prov, err)
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, name := range names {
			raw, err := fixtureFS.ReadFile(path.Join("fixtures", prov, name))
			if err != nil {
				return nil, fmt.Errorf("read fixture %s/%s: %w", prov, name, err)
			}
			t, err := newTemplate(prov, strings.TrimSuffix(name, ".json"), raw)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no fixtures embedded")
	}
	return out, nil
}

// newTemplate compacts a fixture, puts the marker in its key field and
// finds the event type and queue serve derives, by parsing a sample with the
// provider's adapter.
func newTemplate(prov, name string, raw []byte) (*template, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers such as millisecond timestamps exact
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("fixture %s/%s: %w", prov, name, err)
	}
	fieldPath := keyField[prov]
	obj := doc
	for _, k := range fieldPath[:len(fieldPath)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("fixture %s/%s: no object %q", prov, name, k)
		}
		obj = next
	}
	last := fieldPath[len(fieldPath)-1]
	if _, ok := obj[last].(string); !ok {
		return nil, fmt.Errorf("fixture %s/%s: no string field %s", prov, name, strings.Join(fieldPath, "."))
	}
	obj[last] = marker
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("fixture %s/%s: %w", prov, name, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	t := &template{
		provider:  prov,
		name:      name,
		idPrefix:  idPrefix[prov],
		parts:     bytes.Split(b, []byte(marker)),
		userAgent: userAgents[prov],
	}
	sample := t.body(t.idPrefix + "sample0000000000")
	t.size = len(sample)
	ev, err := parseWith(prov, sample)
	if err != nil {
		return nil, fmt.Errorf("fixture %s/%s: %w", prov, name, err)
	}
	t.eventType = ev.Type
	t.route = queue.Route(prov, ev.Type)
	return t, nil
}

// parseWith parses body as serve does (parsing needs no secret).
func parseWith(prov string, body []byte) (webhook.Event, error) {
	return webhook.Parse(prov, body)
}

// eventID is the unique value put in event seq's key field. It carries the
// run id between "bk" and "x", so that the run's rows can be counted with
// LIKE '%bk<run>x%'.
func eventID(t *template, run string, seq uint64) string {
	return t.idPrefix + "bk" + run + "x" + strconv.FormatUint(seq, 36)
}

// runPattern matches the idempotency keys of the events of run.
func runPattern(run string) string { return "%bk" + run + "x%" }

// newRequest builds the signed POST of body to base's webhook route for the
// template's provider.
func newRequest(base string, t *template, body []byte, s Secrets, now time.Time, correlation string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/"+t.provider, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", t.userAgent)
	if correlation != "" {
		req.Header.Set("X-Correlation-ID", correlation)
	}
	switch t.provider {
	case webhook.ProviderRetell:
		req.Header.Set(webhook.RetellSignatureHeader, webhooktest.SignRetell(s.Retell, body, now))
	case webhook.ProviderCalcom:
		req.Header.Set(webhook.CalcomSignatureHeader, webhooktest.SignCalcom(s.Calcom, body))
		req.Header.Set("X-Cal-Webhook-Version", webhooktest.CalcomWebhookVersion)
	case webhook.ProviderStripe:
		req.Header.Set(webhook.StripeSignatureHeader, webhooktest.SignStripe(s.Stripe, body, now))
	}
	return req, nil
}
