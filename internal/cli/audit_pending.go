package cli

import (
	"context"
	"encoding/json"
	"errors"
)

// auditEntry stands for store.AuditEntry until the store's audit log is
// on main; it has the same fields.
type auditEntry struct {
	CompanyID *int64
	Actor     string
	Action    string
	Target    string
	Details   json.RawMessage
}

// noAuditLog is the Audit of a build without the store's audit log.
func noAuditLog(context.Context) (auditor, error) {
	return nil, errors.New("audit log not available in this build")
}
