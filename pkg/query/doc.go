// Package query turns request parameters into the WHERE, ORDER BY, LIMIT
// and OFFSET of a list query, from an allow-list: it is the only way user
// input reaches the shape of SQL in askpro. It imports nothing of askpro.
//
// A [Resource] lists the columns a request may filter and sort on, each
// with a [Kind] and its operators; [New] compiles it into a [Schema].
// [Parse] checks url.Values against the schema and returns a [Query];
// [Query.Where] returns the condition with ? placeholders and its typed
// arguments, [Query.OrderBy] the order, [Query.Limit] and [Query.Offset]
// the page. Column names in the SQL come from the schema, never from the
// request; values are always bound arguments, never SQL text. A column the
// schema does not list, such as a tenant key (company_id), cannot be named
// by a request at all.
//
// # Parameters
//
//	filter[status][=]=ended          operators: = != < > <= >= like "not like" in "not in"
//	filter[status][eq]=ended         word aliases: eq ne lt gt lte gte not_like not_in
//	filter[status]=ended             no operator means =
//	filter[duration_ms][gte]=1000    values typed by the column's Kind
//	filter[status][in]=ended,error   comma-separated, at most MaxInValues items
//	filter[to_number][like]=+4930%   % and _ are wildcards; \%, \_ and \\ are literal
//	sort=-started_at,id              - descends; sortable columns only
//	page=2&per_page=50               1-based; per_page lowered to MaxPerPage
//
// In a URL the operator's '=' and a value's '+' and '%' must be
// percent-encoded (%3D, %2B, %25), or url.ParseQuery reads them as syntax;
// the word aliases need no encoding. A filter key the parser cannot read
// (an unencoded '=' leaves "filter[status][") is refused, not ignored.
//
// # Like patterns
//
// The value of like and not like is the pattern: it carries its own
// wildcards (% any run, _ one character), and a backslash makes the next
// %, _ or \ literal (any other use of \ is refused). The SQL uses the
// escape character '!' (ESCAPE '!'), which MySQL/MariaDB and SQLite read
// alike; Parse escapes a literal '!' itself.
//
// # Limits
//
// A value is at most [MaxValueBytes]; an in list at most [MaxInValues]
// items; a query at most [MaxFilters] filters and [MaxSortKeys] sort keys;
// page * per_page at most [MaxWindow], so that no page makes the database
// step over more rows than that (beyond it, narrow the filter). Values with
// NUL bytes, control characters or invalid UTF-8 are refused, and so is
// every parameter Parse does not know: a typo must not return every row.
//
// # Errors
//
// Every refusal is an [*Error] with a Code (the Code constants) and a
// message naming the offending parameter, column, operator or value through
// [Quote]: cut to 40 bytes and escaped, so a message never echoes a
// kilobyte of input or a control character.
//
// Package querytest holds the injection corpus and the SQL vocabulary check
// that the tests of this package and of its users share.
package query
