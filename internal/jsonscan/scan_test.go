package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/jsonscan"
)

func TestValid(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 500_000) + strings.Repeat("]", 500_000)
	deepObj := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	tests := []struct {
		name string
		in   string
		ok   bool
		msg  string // part of the error message
		off  int    // error offset
	}{
		{name: "object", in: `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, ok: true},
		{name: "scalar root", in: `"x"`, ok: true},
		{name: "number root with whitespace", in: " \t\r\n-0.5e+10 \n", ok: true},
		{name: "empty containers", in: `{"a":{},"b":[],"c":[{}]}`, ok: true},
		{name: "500k levels", in: deep, ok: true},
		{name: "100k objects", in: deepObj, ok: true},
		{name: "lone high surrogate", in: `"\ud83d"`, ok: true},
		{name: "lone low surrogate", in: `"\uDE00x"`, ok: true},
		{name: "all escapes", in: `"\"\\\/\b\f\n\r\t\u0000\uFFFF"`, ok: true},
		{name: "DEL and non-ASCII", in: "\"\x7fäöü€😀\"", ok: true},
		{name: "empty", in: ``, msg: "unexpected end of input looking for a value", off: 0},
		{name: "only whitespace", in: `  `, msg: "unexpected end of input", off: 2},
		{name: "invalid UTF-8", in: "{\"a\":\"\xff\"}", msg: "invalid UTF-8", off: 6},
		{name: "UTF-8 encoded surrogate", in: "\"\xed\xa0\xbd\"", msg: "invalid UTF-8", off: 1},
		{name: "truncated UTF-8", in: "\"\xe2\x82\"", msg: "invalid UTF-8", off: 1},
		{name: "overlong UTF-8", in: "\"\xc0\xaf\"", msg: "invalid UTF-8", off: 1},
		{name: "control character", in: "\"a\nb\"", msg: "control character 0x0A", off: 2},
		{name: "NUL in string", in: "\"\x00\"", msg: "control character", off: 1},
		{name: "bad escape", in: `"\x"`, msg: "invalid escape character 'x'", off: 2},
		{name: "short unicode escape", in: `"\u12"`, msg: "in a \\u escape", off: 5},
		{name: "unterminated string", in: `"abc`, msg: "unexpected end of input in a string", off: 4},
		{name: "trailing comma", in: `[1,]`, msg: "looking for a value", off: 3},
		{name: "trailing comma in object", in: `{"a":1,}`, msg: "looking for an object key", off: 7},
		{name: "unquoted key", in: `{a:1}`, msg: "looking for an object key", off: 1},
		{name: "missing colon", in: `{"a" 1}`, msg: "want ':'", off: 5},
		{name: "two values", in: `{} {}`, msg: "after the top-level value", off: 3},
		{name: "leading zero", in: `01`, msg: "after the top-level value", off: 1},
		{name: "plus sign", in: `+1`, msg: "looking for a value", off: 0},
		{name: "bare minus", in: `-`, msg: "unexpected end of input in a number", off: 1},
		{name: "dot without digits", in: `1.`, msg: "unexpected end of input in a number's fraction", off: 2},
		{name: "exponent without digits", in: `1e+x`, msg: "in an exponent", off: 3},
		{name: "NaN", in: `NaN`, msg: "looking for a value", off: 0},
		{name: "bad literal", in: `tru`, msg: "in the literal true", off: 3},
		{name: "wrong literal", in: `nul1`, msg: "in the literal null", off: 3},
		{name: "mismatched close", in: `[1}`, msg: "after an array element", off: 2},
		{name: "unclosed deep array", in: strings.Repeat("[", 100_000), msg: "unexpected end of input", off: 100_000},
		{name: "unclosed object", in: `{"a":1`, msg: "in an unclosed object", off: 6},
		{name: "byte order mark", in: "\xef\xbb\xbf{}", msg: "looking for a value", off: 0},
		{name: "single quotes", in: `{'a':1}`, msg: "looking for an object key", off: 1},
		{name: "comment", in: `{} // x`, msg: "after the top-level value", off: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := jsonscan.Valid([]byte(tt.in))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			var se *jsonscan.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, se.Msg, tt.msg)
			assert.Equal(t, tt.off, se.Offset, se.Error())
			assert.True(t, strings.HasPrefix(err.Error(), "jsonscan: "), err.Error())
		})
	}
}

// TestValidOneMiBDeep is the brief's case: a 1 MiB body of 500k '[' then
// 500k ']' is JSON, which encoding/json refuses.
func TestValidOneMiBDeep(t *testing.T) {
	t.Parallel()
	b := append(bytes.Repeat([]byte("["), 1<<19), bytes.Repeat([]byte("]"), 1<<19)...)
	require.Len(t, b, 1<<20)
	require.NoError(t, jsonscan.Valid(b))
	assert.False(t, json.Valid(b), "encoding/json has a depth limit")
}

func TestLookup(t *testing.T) {
	t.Parallel()
	doc := `{"event":"call_ended","call":{"call_id":"c1","n":12,"o":{"x":[1,{"y":2}]},"t":true,"z":null},` +
		`"CALL":{"call_id":"upper"},"arr":[{"call_id":"in array"}],"e\u0073c":"escaped key"}`
	tests := []struct {
		name  string
		doc   string
		path  []string
		kind  jsonscan.Kind
		raw   string
		found bool
	}{
		{name: "top-level string", doc: doc, path: []string{"event"}, kind: jsonscan.String, raw: `"call_ended"`, found: true},
		{name: "nested string", doc: doc, path: []string{"call", "call_id"}, kind: jsonscan.String, raw: `"c1"`, found: true},
		{name: "number", doc: doc, path: []string{"call", "n"}, kind: jsonscan.Number, raw: `12`, found: true},
		{name: "bool", doc: doc, path: []string{"call", "t"}, kind: jsonscan.Bool, raw: `true`, found: true},
		{name: "null", doc: doc, path: []string{"call", "z"}, kind: jsonscan.Null, raw: `null`, found: true},
		{name: "object", doc: doc, path: []string{"call", "o"}, kind: jsonscan.Object, raw: `{"x":[1,{"y":2}]}`, found: true},
		{name: "array", doc: doc, path: []string{"call", "o", "x"}, kind: jsonscan.Array, raw: `[1,{"y":2}]`, found: true},
		{name: "case matters", doc: doc, path: []string{"CALL", "call_id"}, kind: jsonscan.String, raw: `"upper"`, found: true},
		{name: "absent", doc: doc, path: []string{"Event"}},
		{name: "paths do not enter arrays", doc: doc, path: []string{"arr", "call_id"}},
		{name: "through a scalar", doc: doc, path: []string{"event", "x"}},
		{name: "escaped key matches", doc: doc, path: []string{"esc"}, kind: jsonscan.String, raw: `"escaped key"`, found: true},
		{name: "escaped key in a path", doc: `{"call":{"call\u005fid":"u"}}`, path: []string{"call", "call_id"}, kind: jsonscan.String, raw: `"u"`, found: true},
		{name: "last key wins", doc: `{"id":"a","id":"b"}`, path: []string{"id"}, kind: jsonscan.String, raw: `"b"`, found: true},
		{name: "a later object replaces an earlier one", doc: `{"call":{"call_id":"a"},"call":{"x":1}}`, path: []string{"call", "call_id"}},
		{name: "a later scalar replaces an object", doc: `{"call":{"call_id":"a"},"call":1}`, path: []string{"call", "call_id"}},
		{name: "a later object supplies the value", doc: `{"call":1,"call":{"call_id":"b"}}`, path: []string{"call", "call_id"}, kind: jsonscan.String, raw: `"b"`, found: true},
		{name: "repeat inside the nested object", doc: `{"call":{"call_id":"a","call_id":"b"}}`, path: []string{"call", "call_id"}, kind: jsonscan.String, raw: `"b"`, found: true},
		{name: "deep skip", doc: `{"x":` + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + `,"id":"after"}`, path: []string{"id"}, kind: jsonscan.String, raw: `"after"`, found: true},
		{name: "root not an object", doc: `["id"]`, path: []string{"id"}},
		{name: "whitespace around", doc: " { \"id\" : \"v\" } ", path: []string{"id"}, kind: jsonscan.String, raw: `"v"`, found: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, found, err := jsonscan.Lookup([]byte(tt.doc), tt.path...)
			require.NoError(t, err)
			assert.Equal(t, tt.found, found)
			assert.Equal(t, tt.kind, v.Kind)
			assert.Equal(t, tt.raw, string(v.Raw))
			if found {
				assert.Equal(t, tt.raw, tt.doc[v.Offset:v.Offset+len(v.Raw)], "Offset locates Raw")
			}
		})
	}
}

func TestScanSeveralPaths(t *testing.T) {
	t.Parallel()
	q := jsonscan.NewQuery([]string{"id"}, []string{"type"}, []string{"data", "object", "metadata", "company_id"}, []string{"data"})
	doc := []byte(`{"id":"evt_1","data":{"object":{"metadata":{"company_id":"42"}}},"type":"charge.failed"}`)
	v := make([]jsonscan.Value, q.Len())
	require.NoError(t, q.Scan(doc, v))
	got := make([]string, len(v))
	for i := range v {
		got[i] = string(v[i].Raw)
	}
	assert.Equal(t, []string{`"evt_1"`, `"charge.failed"`, `"42"`, `{"object":{"metadata":{"company_id":"42"}}}`}, got)

	// On a syntax error every value is reset.
	err := q.Scan([]byte(`{"id":"evt_1","type":`), v)
	require.Error(t, err)
	for i := range v {
		assert.Equal(t, jsonscan.Missing, v[i].Kind)
	}
}

func TestScanPanicsOnShortDst(t *testing.T) {
	t.Parallel()
	q := jsonscan.NewQuery([]string{"a"}, []string{"b"})
	assert.Panics(t, func() { _ = q.Scan([]byte(`{}`), make([]jsonscan.Value, 1)) })
	assert.Panics(t, func() { jsonscan.NewQuery([]string{}) })
}

func TestStr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want string
	}{
		{"plain", `"call_abc"`, "call_abc"},
		{"simple escapes", `"a\"b\\c\/d\be\ff\ng\rh\ti"`, "a\"b\\c/d\be\ff\ng\rh\ti"},
		{"unicode escape", `"\u00e4\u20AC"`, "ä€"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"raw emoji", `"😀"`, "😀"},
		{"lone high is WTF-8", `"\ud83d"`, "\xed\xa0\xbd"},
		{"lone high differs from another", `"\ud83e"`, "\xed\xa0\xbe"},
		{"lone low", `"\ude00"`, "\xed\xb8\x80"},
		{"high then non-low escape", `"\ud83d\u0041"`, "\xed\xa0\xbdA"},
		{"high then text", `"\ud83dx"`, "\xed\xa0\xbdx"},
		{"two highs", `"\ud83d\ud83d\ude00"`, "\xed\xa0\xbd😀"},
		{"NUL", `"\u0000"`, "\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, found, err := jsonscan.Lookup([]byte(`{"k":`+tt.json+`}`), "k")
			require.NoError(t, err)
			require.True(t, found)
			got, ok := v.Str()
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
			app, ok := v.AppendStr([]byte("x"))
			require.True(t, ok)
			assert.Equal(t, "x"+tt.want, string(app))
			assert.Equal(t, len(tt.want), v.StrLen())
		})
	}
	_, ok := jsonscan.Value{Kind: jsonscan.Number, Raw: []byte("1")}.Str()
	assert.False(t, ok)
	assert.Equal(t, -1, jsonscan.Value{}.StrLen())
}

// TestStrIsInjective is the defect encoding/json has: two lone surrogates
// both decode to U+FFFD there.
func TestStrIsInjective(t *testing.T) {
	t.Parallel()
	var a, b string
	require.NoError(t, json.Unmarshal([]byte(`"\ud83d"`), &a))
	require.NoError(t, json.Unmarshal([]byte(`"\ud83e"`), &b))
	require.Equal(t, a, b, "encoding/json collapses lone surrogates")

	va, _, err := jsonscan.Lookup([]byte(`{"id":"\ud83d"}`), "id")
	require.NoError(t, err)
	vb, _, err := jsonscan.Lookup([]byte(`{"id":"\ud83e"}`), "id")
	require.NoError(t, err)
	sa, _ := va.Str()
	sb, _ := vb.Str()
	assert.NotEqual(t, sa, sb)
}

func TestKindString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "string", jsonscan.String.String())
	assert.Equal(t, "missing", jsonscan.Missing.String())
	assert.Equal(t, "Kind(99)", jsonscan.Kind(99).String())
}

func TestValidDoesNotAllocate(t *testing.T) {
	b := []byte(`{"event":"call_ended","call":{"call_id":"c1","transcript":"Agent: Hallo\nUser: Hi \u00e4","n":[1,2.5e3,-0]}}`)
	q := jsonscan.NewQuery([]string{"event"}, []string{"call", "call_id"})
	v := make([]jsonscan.Value, 2)
	allocs := testing.AllocsPerRun(100, func() {
		if err := jsonscan.Valid(b); err != nil {
			panic(err)
		}
		if err := q.Scan(b, v); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestSyntaxErrorIsAnError(t *testing.T) {
	t.Parallel()
	err := jsonscan.Valid([]byte(`{`))
	var se *jsonscan.SyntaxError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "jsonscan: unexpected end of input looking for an object key at byte offset 1", err.Error())
}
