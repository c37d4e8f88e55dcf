// Package jsonscan is a strict RFC 8259 JSON scanner with no nesting limit,
// and a one-pass extractor of the few fields webhook ingestion needs.
//
// # Why not encoding/json
//
// A webhook body is stored byte for byte once it is known to be JSON, so the
// check must accept every document RFC 8259 accepts and nothing else.
// encoding/json refuses nesting beyond 10,000 levels, accepts invalid UTF-8
// and turns every lone surrogate escape ("\ud83d") into U+FFFD, so two
// different ids decode to the same bytes. [Valid] has no depth limit (it is
// iterative and keeps one bit per open container), refuses invalid UTF-8
// and control characters in strings, and accepts every \uXXXX escape.
//
// # Extracting fields
//
// A [Query] names object-key paths from the root; [Query.Scan] validates the
// whole document and fills one [Value] per path in the same pass:
//
//	q := jsonscan.NewQuery([]string{"event"}, []string{"call", "call_id"})
//	var v [2]jsonscan.Value
//	if err := q.Scan(body, v[:]); err != nil { ... }
//	id, ok := v[1].Str()
//
// Keys match exactly after unescaping ("CALL" is not "call"; "call\u005fid"
// is "call_id"). Paths never go through arrays. When a key repeats in one
// object the last one wins, and it replaces the earlier value as a whole,
// as in JavaScript and in encoding/json decoding into a map: in
// {"call":{"call_id":"a"},"call":{}} the path call.call_id is missing.
//
// # Lossless strings
//
// [Value.Str] decodes escapes so that two different JSON string values never
// decode to the same bytes. Valid UTF-8 and surrogate pairs decode to UTF-8;
// a lone surrogate escape decodes to its WTF-8 form, the three bytes its
// code point would have in UTF-8 (ED A0 BD for U+D83D). Those bytes never
// occur in valid UTF-8, so the mapping stays injective, and the result is
// valid UTF-8 exactly when the string has no lone surrogate.
package jsonscan
