package app

import "time"

// SetAccountsClock sets the clock of a's account re-reads (tests).
func SetAccountsClock(a *CalcomAccounts, now func() time.Time) { a.now = now }
