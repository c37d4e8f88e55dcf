package query_test

import (
	"fmt"
	"net/url"

	"github.com/askproai/askpro/pkg/query"
)

func ExampleParse() {
	calls := query.MustNew(query.Resource{
		Name: "calls",
		Columns: []query.Column{
			{Name: "id", Kind: query.Int, Sortable: true},
			{Name: "status", Kind: query.String},
			{Name: "duration_ms", Kind: query.Int},
			{Name: "started_at", Kind: query.Time, Sortable: true},
		},
		DefaultSort: []query.Sort{{Column: "started_at", Desc: true}},
	})
	v, _ := url.ParseQuery("filter[status][in]=ended,error&filter[duration_ms][gte]=1000&sort=-started_at&page=2&per_page=10")
	q, err := query.Parse(calls, v)
	if err != nil {
		panic(err)
	}
	where, args := q.Where()
	fmt.Println("SELECT ... FROM calls WHERE company_id = ? AND (" + where + ")")
	fmt.Println("ORDER BY", q.OrderBy(), "LIMIT", q.Limit(), "OFFSET", q.Offset())
	fmt.Println(args...)

	_, err = query.Parse(calls, url.Values{"filter[company_id]": {"2"}})
	fmt.Println(err.(*query.Error).Code)
	// Output:
	// SELECT ... FROM calls WHERE company_id = ? AND (duration_ms >= ? AND status IN (?, ?))
	// ORDER BY started_at DESC, id DESC LIMIT 10 OFFSET 10
	// 1000 ended error
	// unknown_column
}
