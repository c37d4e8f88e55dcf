// Package queuetest holds the conformance suite of the queue's SQL drivers:
// one set of tests that every dialect must pass against a real database.
//
//	func TestDriverSQLite(t *testing.T) {
//		queuetest.RunDriver(t, func(t *testing.T) *pool.Pool { return openPool(t, dbtest.SQLite(t)) })
//	}
//
// The suite covers what the Inbox and the Reader rely on: batch inserts that
// skip stored events, telling a duplicate from a new row, the routing
// written with each row, payloads and keys kept byte for byte, header values
// that never fail an insert, the read model (list, get, stats), and the
// worker: claim order and delay, retries and dead letters on an injected
// clock, permanent errors, effects that commit with the outcome, lost and
// expired leases, many workers, release on stop, and the company a handler
// resolves stored with each outcome (never over a stored one).
package queuetest
