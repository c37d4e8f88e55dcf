package queue

// Status is the state of a webhook event, the job (DESIGN.md "Queue and
// processing"):
//
//	pending ──claim──▶ processing ──ok──▶ processed
//	   ▲                 │    │
//	   │ replay          │    └─fail, attempts left──▶ retrying ──available──▶ (claim)
//	   │                 └─fail, none left or permanent──▶ dead_letter
//	   └──────────────────────────────────────────────────────────┘
//
// dead_letter is kept until replayed or purged on purpose; the spec's
// separate "failed" state does not exist.
type Status string

// The statuses, in lifecycle order.
const (
	Pending    Status = "pending"
	Processing Status = "processing"
	Retrying   Status = "retrying"
	Processed  Status = "processed"
	DeadLetter Status = "dead_letter"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Pending, Processing, Retrying, Processed, DeadLetter}

// Valid reports whether s is one of [Statuses].
func (s Status) Valid() bool {
	switch s {
	case Pending, Processing, Retrying, Processed, DeadLetter:
		return true
	}
	return false
}

// String returns the status as stored.
func (s Status) String() string { return string(s) }
