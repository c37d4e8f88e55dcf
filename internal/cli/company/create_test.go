package company

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateWritesAuditRow: `askpro company create` on a real SQLite
// database stores the company and one company.create audit row under it; a
// refused create (a subdomain taken) writes none.
func TestCreateWritesAuditRow(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t, "")
	require.NoError(t, b.run(t, "create", "--name", "Praxis Dr. Weiß", "--subdomain", "praxis-weiss", "--industry", "medical", "-o", "json"))
	var c store.Company
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &c))
	require.NotZero(t, c.ID)
	assert.NotEqual(t, b.a.ID, c.ID)

	rows := b.audit(t)
	require.Len(t, rows, 1, "one audit row")
	e := rows[0]
	assert.Equal(t, "company.create", e.Action)
	assert.Equal(t, cmdutil.Actor(), e.Actor)
	require.NotNil(t, e.CompanyID)
	assert.Equal(t, c.ID, *e.CompanyID)
	assert.Equal(t, "company:"+strconv.FormatInt(c.ID, 10), e.Target)
	assert.JSONEq(t, `{"name":"Praxis Dr. Weiß","subdomain":"praxis-weiss","industry":"medical"}`, string(e.Details))

	err := b.run(t, "create", "--name", "Kopie", "--subdomain", "praxis-weiss")
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err), "the subdomain is taken")
	assert.Len(t, b.audit(t), 1, "a refused create is not audited")
}
