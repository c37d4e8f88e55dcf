package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deployFiles are the alert rules and the dashboard, relative to this
// package.
var deployFiles = []string{"../../deploy/prometheus/alerts.yml", "../../deploy/grafana/askpro.json"}

var metricName = regexp.MustCompile(`askproai_[a-z_]+`)

// namedMetrics returns the metric families the file at path names: every
// askproai_* word, without the _bucket, _count and _sum of a histogram's
// series.
func namedMetrics(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	set := map[string]bool{}
	for _, m := range metricName.FindAllString(string(b), -1) {
		set[familyName(m)] = true
	}
	var out []string
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// familyName is the metric family of a series name: without a
// histogram's _bucket, _count and _sum.
func familyName(series string) string {
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		series = strings.TrimSuffix(series, suffix)
	}
	return series
}

// registered reports whether reg holds a metric family called name: a
// probe gauge of that name (no labels, its own help) is refused only when
// the name is taken. A probe that is accepted is removed again.
func registered(reg *prometheus.Registry, name string) bool {
	probe := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "probe of TestDeployFilesNameRealMetrics"})
	err := reg.Register(probe)
	if err == nil {
		reg.Unregister(probe)
		return false
	}
	return true // a family of that name exists, with other labels or help
}

// TestDeployFilesNameRealMetrics checks that every askproai_* metric the
// alert rules and the dashboard use is one the full app registers (with
// traffic or without: a vector with no sample yet counts).
func TestDeployFilesNameRealMetrics(t *testing.T) {
	t.Parallel()
	s := scrapeAfterTraffic(t)
	require.True(t, registered(s.app.Registry, "askproai_webhook_received_total"), "the probe finds a registered family")
	require.False(t, registered(s.app.Registry, "askproai_no_such_metric"), "and not an unknown one")
	for _, f := range deployFiles {
		t.Run(filepath.Base(f), func(t *testing.T) {
			names := namedMetrics(t, f)
			require.NotEmpty(t, names)
			for _, n := range names {
				assert.True(t, registered(s.app.Registry, n), "%s names %s, which askpro does not register", f, n)
			}
		})
	}
	// The spec's panels and rules are there.
	alerts := strings.Join(namedMetrics(t, deployFiles[0]), " ")
	for _, n := range []string{"askproai_api_request_duration_seconds", "askproai_queue_size", "askproai_db_pool_in_use",
		"askproai_db_pool_max_open", "askproai_queue_dead_letters_total", "askproai_queue_oldest_pending_seconds"} {
		assert.Contains(t, alerts, n)
	}
	dash := strings.Join(namedMetrics(t, deployFiles[1]), " ")
	for _, n := range []string{"askproai_api_request_duration_seconds", "askproai_queue_size", "askproai_queue_oldest_pending_seconds",
		"askproai_queue_dead_letters_total", "askproai_bookings_total"} {
		assert.Contains(t, dash, n)
	}
}

// alertTests are the unit tests of the alert rules (promtool test rules).
const alertTests = "../../deploy/prometheus/alerts_test.yml"

var testSeries = regexp.MustCompile(`series: '(askproai_[a-z_]+)\{([^}]*)\}'`)

// TestAlertRulesUnitTests runs `promtool test rules` on the alert rules'
// unit tests (every alert fires on the series that must fire it, and not on
// the others), after checking that those series are askpro's: each names a
// metric family the app exports, with label names that family has
// (instance, which Prometheus adds, aside).
func TestAlertRulesUnitTests(t *testing.T) {
	t.Parallel()
	s := scrapeAfterTraffic(t)
	b, err := os.ReadFile(alertTests)
	require.NoError(t, err)
	series := testSeries.FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, series)
	for _, m := range series {
		name := familyName(m[1])
		mf := s.families[name]
		if !assert.NotNil(t, mf, "%s: %s has no sample in the scrape after traffic", alertTests, name) || len(mf.GetMetric()) == 0 {
			continue
		}
		have := map[string]bool{"instance": true}
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			have[lp.GetName()] = true
		}
		for _, pair := range strings.Split(m[2], ",") {
			label, _, _ := strings.Cut(pair, "=")
			assert.True(t, have[label], "%s: %s has no label %q", alertTests, name, label)
		}
	}

	out, err := exec.CommandContext(t.Context(), promtool(t), "test", "rules", alertTests).CombinedOutput()
	assert.NoError(t, err, "promtool test rules:\n%s", out)
}
