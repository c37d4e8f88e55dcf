package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/jsonscan"
)

// FuzzValid checks jsonscan against encoding/json where the two must agree:
// on valid UTF-8 input below encoding/json's depth limit, Valid accepts
// exactly what json.Valid accepts; and every string, number, boolean and
// null found at a key path is what json.Unmarshal finds there, unless the
// string holds a lone surrogate (which encoding/json turns into U+FFFD).
func FuzzValid(f *testing.F) {
	for _, s := range []string{
		`{"event":"call_ended","call":{"call_id":"c1"}}`,
		`{"a":[1,2,{"b":null}],"c":-1.5e-3,"d":true,"e":"\u00e4\ud83d\ude00"}`,
		`{"id":"a","id":"b","x":{"y":"1"},"x":{"z":2}}`,
		`{"k\u0065y":"v\n","":""}`,
		`[[[[[]]]]]`, `"\ud83d"`, `01`, `{"a":1,}`, "\"\x7f\"", `1e`, `-`, ` `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := jsonscan.Valid(b)
		if !utf8.Valid(b) {
			// encoding/json accepts invalid UTF-8 in strings; RFC 8259
			// does not, and no byte >= 0x80 is valid outside a string.
			if err == nil {
				t.Fatalf("accepted invalid UTF-8: %q", b)
			}
			return
		}
		var raw json.RawMessage // syntax check only
		goErr := json.Unmarshal(b, &raw)
		if goErr != nil && strings.Contains(goErr.Error(), "exceeded max depth") {
			return // encoding/json's limit, not a syntax rule
		}
		if (err == nil) != (goErr == nil) {
			t.Fatalf("Valid = %v, encoding/json = %v for %q", err, goErr, b)
		}
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber() // any number is fine, however large
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		checkPaths(t, b, doc, nil, 0)
	})
}

// checkPaths looks up every key path (up to three keys deep) of the
// decoded document and compares what jsonscan finds.
func checkPaths(t *testing.T, b []byte, node any, path []string, depth int) {
	t.Helper()
	obj, ok := node.(map[string]any)
	if !ok || depth == 3 {
		return
	}
	for k, want := range obj {
		if strings.ContainsRune(k, utf8.RuneError) {
			continue // possibly a lone surrogate in the key, folded by encoding/json
		}
		p := append(append([]string(nil), path...), k)
		v, found, err := jsonscan.Lookup(b, p...)
		if err != nil || !found {
			t.Fatalf("Lookup(%q) = %v, %v, %v for %q", p, v, found, err, b)
		}
		switch w := want.(type) {
		case string:
			got, ok := v.Str()
			if !ok {
				t.Fatalf("Lookup(%q) kind %s, want string", p, v.Kind)
			}
			if !utf8.ValidString(got) {
				continue // a lone surrogate: encoding/json is lossy there
			}
			if got != w {
				t.Fatalf("Lookup(%q) = %q, encoding/json %q", p, got, w)
			}
		case json.Number:
			if v.Kind != jsonscan.Number {
				t.Fatalf("Lookup(%q) kind %s, want number", p, v.Kind)
			}
		case bool:
			if v.Kind != jsonscan.Bool || (string(v.Raw) == "true") != w {
				t.Fatalf("Lookup(%q) = %s, want %v", p, v.Raw, w)
			}
		case nil:
			if v.Kind != jsonscan.Null {
				t.Fatalf("Lookup(%q) kind %s, want null", p, v.Kind)
			}
		case []any:
			if v.Kind != jsonscan.Array {
				t.Fatalf("Lookup(%q) kind %s, want array", p, v.Kind)
			}
		case map[string]any:
			if v.Kind != jsonscan.Object {
				t.Fatalf("Lookup(%q) kind %s, want object", p, v.Kind)
			}
			if v.Raw[0] != '{' || v.Raw[len(v.Raw)-1] != '}' || jsonscan.Valid(v.Raw) != nil {
				t.Fatalf("Lookup(%q) raw %q is not the object", p, v.Raw)
			}
			checkPaths(t, b, w, p, depth+1)
		}
	}
}
