// Command ingest is the load harness of askpro's webhook ingestion path. It
// posts signed Retell, Cal.com and Stripe webhooks to a running
// `askpro serve` and, in the same run, measures the raw single-row INSERT
// rate of webhook_events on the same database, the ceiling of a
// row-per-request design.
//
// # Phases
//
// One run measures the machine's CPU use without load (-idle), warms serve
// up (-warmup, not counted), then does -rounds rounds of:
//
//  1. Raw ceiling (unless -raw=false): -concurrency goroutines each run
//     single-row autocommit INSERTs of a webhook_events row equivalent to the
//     one serve writes (same columns, same payloads) through a prepared
//     statement on a [github.com/askproai/askpro/pkg/pool] pool, for
//     -raw-duration. Its rows use the key prefix "rawbench:<run>:" and are
//     deleted afterwards, outside the measured time.
//  2. Load, by -mode. max is a closed loop of -concurrency workers, each
//     posting the next unique event as soon as the previous one is
//     answered. rate is an open loop at -rate requests per second: every
//     request has a scheduled send time and its latency is measured from
//     that time, so a stalled server is not hidden by a stalled client (no
//     coordinated omission).
//
// Alternating the phases lets both see the same machine. After the rounds:
//
//  3. Verification: the rows of this run in webhook_events (their
//     idempotency keys carry the run id) must equal the number of 2xx
//     answers.
//  4. Memory: the peak RSS (VmHWM) of the serve process given by -pid, and
//     the largest VmRSS sampled during the load.
//
// It prints a summary table, the CPU seconds per 1000 rows of serve, the
// harness and the -watch-pids processes, the hypervisor's steal, and the
// issue's goals, and writes the result as JSON (-out).
//
// # Events
//
// The bodies are the fixtures in fixtures/ (compacted), one of each of the
// nine event types in turn, with the field the idempotency key is derived
// from (retell call.call_id, calcom payload.uid, stripe id) replaced by a
// unique value. Retell and Stripe signatures are made at send time.
//
// # Limits
//
// The target must be a loopback address; each phase is bounded by its
// duration and by -max-requests, and every request by -timeout.
//
//	go run ./bench/ingest -url http://127.0.0.1:18080 \
//	    -db 'mysql://root@tcp(127.0.0.1:3306)/askpro_bench?parseTime=true' \
//	    -mode max -duration 20s -concurrency 64 -pid "$(pgrep -n askpro)"
package main
