package query_test

import (
	"testing"

	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/query/querytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInjections runs the corpus: each attempt is a *query.Error naming
// something, or a query whose SQL is the schema's vocabulary only.
func TestInjections(t *testing.T) {
	t.Parallel()
	corpus := querytest.Injections()
	require.GreaterOrEqual(t, len(corpus), 40)
	refused := 0
	for _, a := range corpus {
		t.Run(a.Name, func(t *testing.T) {
			v := a.Values(t)
			q, err := query.Parse(calls, v)
			if err != nil {
				var qe *query.Error
				require.ErrorAs(t, err, &qe)
				assert.NotEmpty(t, qe.Code)
				for _, r := range qe.Message {
					assert.True(t, r >= 0x20 && r < 0x7f, "message %q holds %q", qe.Message, r)
				}
				refused++
				return
			}
			querytest.AssertSafe(t, calls, q, v)
		})
	}
	assert.Greater(t, refused, len(corpus)/2, "most attempts are refused outright")
}

// TestAssertSafeCatches shows that the check fails on SQL with a value in it.
func TestAssertSafeCatches(t *testing.T) {
	t.Parallel()
	ft := &fakeT{}
	q, err := query.Parse(calls, nil)
	require.NoError(t, err)
	// The vocabulary check runs on q; a forged value check needs a value in
	// the text: "started_at DESC" is vocabulary, so use a word that is not.
	querytest.AssertSafe(ft, query.MustNew(query.Resource{Name: "x", Columns: []query.Column{
		{Name: "id", Kind: query.Int}, {Name: "started_at", Kind: query.Time}}}), q, nil)
	assert.False(t, ft.failed, "started_at and id are in the vocabulary")
	querytest.AssertSafe(ft, query.MustNew(query.Resource{Name: "x", Columns: []query.Column{{Name: "id", Kind: query.Int}}}), q, nil)
	assert.True(t, ft.failed, "started_at is not in this vocabulary")
}

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Errorf(format string, args ...any) { f.failed = true }
