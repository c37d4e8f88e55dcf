package retell

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// listPage is one page of a v2 list endpoint. "Versioned list endpoints
// return unified pagination fields: items, pagination_key, and has_more";
// the next page is asked for with ?pagination_key= while has_more is true
// (docs.retellai.com deprecation notice of 2026-06-15, "Legacy list
// endpoints"; PaginatedResponseBase in the OpenAPI spec, revision
// 2026-08-01-ad84c11).
type listPage[T any] struct {
	Items         []T    `json:"items"`
	HasMore       bool   `json:"has_more"`
	PaginationKey string `json:"pagination_key"`
}

// listAll walks every page of the list endpoint c and returns the items in
// the order Retell sent them. Each page is its own request, retried like
// any idempotent one (c.idempotent must be set). It asks for
// sort_order=descending (the documented default, newest first) with limit
// = Config.ListPageSize, and fails rather than loop on a page that says
// has_more without a new pagination_key or without items. A failed page
// returns its error and no items: a partial list would look complete.
func listAll[T any](ctx context.Context, cl *Client, c call) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	key := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(cl.pageSize)}, "sort_order": {"descending"}}
		if key != "" {
			q.Set("pagination_key", key)
		}
		var p listPage[T]
		pc := c
		pc.query, pc.out = q, &p
		if err := cl.do(ctx, pc); err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		switch {
		case !p.HasMore:
			return out, nil
		case len(p.Items) == 0:
			return nil, fmt.Errorf("retell: %s %s: has_more on a page without items", c.method, c.path)
		case p.PaginationKey == "":
			return nil, fmt.Errorf("retell: %s %s: has_more without a pagination_key", c.method, c.path)
		case seen[p.PaginationKey]:
			return nil, fmt.Errorf("retell: %s %s: pagination_key %q came twice", c.method, c.path, p.PaginationKey)
		}
		seen[p.PaginationKey] = true
		key = p.PaginationKey
	}
}
