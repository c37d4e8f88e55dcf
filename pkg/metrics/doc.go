// Package metrics is the one convention every askpro package follows to
// export Prometheus metrics (DESIGN.md "Observability"; docs/metrics.md
// lists every metric).
//
// # Rules
//
//   - No global registry. A package's constructor takes a
//     [prometheus.Registerer] (nil means: do not register) and registers
//     its collectors there with [Register]; internal/app builds the one
//     registry of the process and serves it at /metrics.
//   - Every name is in [Namespace] ("askproai"): pass it as
//     prometheus.Opts.Namespace, never spell the string.
//   - Durations are seconds, in histograms with the spec's bucket sets:
//     [APIBuckets] for HTTP requests (ours and outbound ones),
//     [ProcessingBuckets] for the processing of a webhook. Counters end in
//     _total.
//   - Label values are bounded: route patterns ("/v2/bookings/{uid}",
//     never the raw path), provider names, statuses, queue names, outcome
//     and reason codes, configured hosts. Never an id, a phone number, a
//     key, a raw path or free text. A value that comes from outside (an
//     event type a provider sends) goes through a [Cap], which folds the
//     values beyond its limit into "other".
//   - Export every known label value at zero when the set is fixed, so
//     that rates and alerts see zeros rather than absent series.
//   - A collector that reads the database on scrape caches its answer
//     (see pkg/queue's QueueCollector), so that scrapes never hammer the
//     database.
//
// # Registering
//
//	m := prometheus.NewCounterVec(prometheus.CounterOpts{
//		Namespace: metrics.Namespace, Name: "things_total", Help: "Things done, by outcome.",
//	}, []string{"outcome"})
//	m, err := metrics.Register(reg, m)
//
// [Register] returns the collector already registered under the same
// descriptors when there is one (a [prometheus.AlreadyRegisteredError]),
// so two components sharing a registry share the metric instead of
// failing.
package metrics
