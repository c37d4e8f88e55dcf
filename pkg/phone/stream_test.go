package phone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/phone"
)

func collect(t *testing.T, v *phone.Validator, in string, opts *phone.StreamOpts) ([]phone.Line, phone.Stats) {
	t.Helper()
	var lines []phone.Line
	st, err := v.Stream(context.Background(), strings.NewReader(in), opts, func(l phone.Line) error {
		lines = append(lines, l)
		return nil
	})
	require.NoError(t, err)
	return lines, st
}

func TestStreamLines(t *testing.T) {
	t.Parallel()
	in := "\ufeff030 1234567\r\n\n   \n  0151 12345678  \n+1 415 555 0100\n030\t1234567\nlast 0664 1234567"
	lines, st := collect(t, phone.Default(), in, &phone.StreamOpts{Region: "de"})
	got := make([]string, len(lines))
	for i, l := range lines {
		got[i] = fmt.Sprintf("%d %s %s %s", l.No, l.Input, l.E164, l.Code)
	}
	want := []string{
		"1 030 1234567 +49301234567 ",
		"4 0151 12345678 +4915112345678 ",
		"5 +1 415 555 0100  unsupported_region",
		"6 030\t1234567  invalid_characters",
		"7 last 0664 1234567  invalid_characters",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("lines (-want +got):\n%s", diff)
	}
	assert.Equal(t, phone.Stats{Total: 5, Valid: 2, Invalid: 3}, st)
}

func TestStreamCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		opts phone.StreamOpts
		want []string // "line input e164|code"
	}{
		{
			name: "comma, header, quotes",
			in:   "name,phone\nAnna,030 1234567\n\"Berg, Bea\",\"0151 1234 5678\"\nCarl\n\n,,\nDora,+41 44 668 18 00\n",
			opts: phone.StreamOpts{Column: 2, SkipHeader: true},
			want: []string{"2 030 1234567 +49301234567", "3 0151 1234 5678 +4915112345678", "4  empty", "7 +41 44 668 18 00 +41446681800"},
		},
		{
			name: "semicolon detected",
			in:   "Name;Telefon;Ort\nAnna;030/1234567;Berlin\nBea;0664 1234567;Wien\n",
			opts: phone.StreamOpts{Column: 2, SkipHeader: true, Region: "AT"},
			want: []string{"2 030/1234567 invalid_number", "3 0664 1234567 +436641234567"},
		},
		{
			name: "tab detected, no header",
			in:   "1\t030 1234567\n2\t+43 1 5123456\n",
			opts: phone.StreamOpts{Column: 2},
			want: []string{"1 030 1234567 +49301234567", "2 +43 1 5123456 +4315123456"},
		},
		{
			name: "explicit separator, multi-line quoted field",
			in:   "a|\"note\nmore\"|030 1234567\nb|x|+49 30 1234567\n",
			opts: phone.StreamOpts{Column: 3, Comma: '|'},
			want: []string{"1 030 1234567 +49301234567", "3 +49 30 1234567 +49301234567"},
		},
		{
			name: "unterminated quote read leniently",
			in:   "030 1234567\n\"0151 1234",
			opts: phone.StreamOpts{Column: 1},
			want: []string{"1 030 1234567 +49301234567", "2 0151 1234 invalid_number"},
		},
		{
			name: "first column",
			in:   "\ufeff030 1234567,x\n0049 30 1234567,y",
			opts: phone.StreamOpts{Column: 1},
			want: []string{"1 030 1234567 +49301234567", "2 0049 30 1234567 +49301234567"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines, st := collect(t, phone.Default(), tt.in, &tt.opts)
			got := make([]string, len(lines))
			for i, l := range lines {
				res := string(l.E164)
				if !l.Valid {
					res = string(l.Code)
					assert.NotEmpty(t, l.Message)
				}
				got[i] = fmt.Sprintf("%d %s %s", l.No, l.Input, res)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("records (-want +got):\n%s", diff)
			}
			assert.Equal(t, len(tt.want), st.Total)
			assert.Equal(t, st.Total, st.Valid+st.Invalid)
		})
	}
}

// numbers returns n inputs mixing valid and invalid numbers of all kinds.
func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		tt := validateCases[i%len(validateCases)]
		if strings.ContainsAny(tt.input, "\n\r") || strings.TrimSpace(tt.input) == "" || tt.input != strings.TrimSpace(tt.input) {
			out[i] = fmt.Sprintf("030 %07d", i)
			continue
		}
		if i%3 == 0 {
			out[i] = fmt.Sprintf("0151 %08d", i) // distinct numbers too
		} else {
			out[i] = tt.input
		}
	}
	return out
}

func TestStreamOrderAndEquivalence(t *testing.T) {
	t.Parallel()
	in := numbers(5000)
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			t.Parallel()
			v, err := phone.New(phone.Config{CacheSize: 100})
			require.NoError(t, err)
			var progress []phone.Stats
			lines, st := collect(t, v, strings.Join(in, "\n"), &phone.StreamOpts{
				Workers:  workers,
				Progress: func(s phone.Stats) { progress = append(progress, s) },
			})
			require.Len(t, lines, len(in))
			valid := 0
			for i, l := range lines {
				require.Equal(t, i+1, l.No)
				require.Equal(t, phone.Validate(in[i], ""), l.Result, "line %d", i+1)
				if l.Valid {
					valid++
				}
			}
			assert.Equal(t, phone.Stats{Total: len(in), Valid: valid, Invalid: len(in) - valid}, st)
			require.NotEmpty(t, progress)
			assert.Equal(t, st, progress[len(progress)-1])
			for i := 1; i < len(progress); i++ {
				assert.Greater(t, progress[i].Total, progress[i-1].Total)
			}
		})
	}
}

func TestStreamJSON(t *testing.T) {
	t.Parallel()
	in := numbers(3000)
	var out bytes.Buffer
	st, err := phone.Default().StreamJSON(context.Background(), strings.NewReader(strings.Join(in, "\n")+"\n"), &out, nil)
	require.NoError(t, err)
	assert.Equal(t, len(in), st.Total)

	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	for _, s := range in {
		require.NoError(t, enc.Encode(phone.Validate(s, "")))
	}
	assert.Equal(t, want.String(), out.String())
}

func TestStreamIssueExample(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := phone.Default().StreamJSON(context.Background(), strings.NewReader("030 1234567\n"), &out, nil)
	require.NoError(t, err)
	var r phone.Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	assert.Equal(t, phone.Number("+49301234567"), r.E164)
	assert.Equal(t, "DE", r.Region)
	assert.True(t, r.Valid)
}

func TestStreamLongLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0", 200<<10)
	lines, st := collect(t, phone.Default(), "030 1234567\n"+long+"\n0151 12345678", nil)
	require.Len(t, lines, 3)
	assert.Equal(t, phone.CodeTooLong, lines[1].Code)
	assert.Len(t, lines[1].Input, 1<<10, "a huge line is reported with its first KiB")
	assert.Equal(t, 3, lines[2].No)
	assert.Equal(t, phone.Number("+4915112345678"), lines[2].E164)
	assert.Equal(t, 2, st.Valid)
}

func TestStreamOptionsErrors(t *testing.T) {
	t.Parallel()
	emit := func(phone.Line) error { return nil }
	_, err := phone.Default().Stream(context.Background(), strings.NewReader("030 1234567"), &phone.StreamOpts{Region: "US"}, emit)
	require.ErrorIs(t, err, phone.ErrUnsupportedRegion)
	_, err = phone.Default().Stream(context.Background(), strings.NewReader("x"), &phone.StreamOpts{Column: -1}, emit)
	require.ErrorIs(t, err, phone.ErrOptions)
	_, err = phone.Default().Stream(context.Background(), strings.NewReader("x"), &phone.StreamOpts{Column: 1, Comma: '"'}, emit)
	require.ErrorIs(t, err, phone.ErrOptions)
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	big := strings.Repeat("030 1234567\n", 10_000)

	t.Run("emit error stops the stream", func(t *testing.T) {
		t.Parallel()
		n := 0
		st, err := phone.Default().Stream(context.Background(), strings.NewReader(big), nil, func(phone.Line) error {
			n++
			if n == 300 {
				return boom
			}
			return nil
		})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, 300, n)
		assert.Less(t, st.Total, 10_000)
	})
	t.Run("read error", func(t *testing.T) {
		t.Parallel()
		r := io.MultiReader(strings.NewReader("030 1234567\n"), iotest.ErrReader(boom))
		lines := 0
		_, err := phone.Default().Stream(context.Background(), r, nil, func(phone.Line) error { lines++; return nil })
		require.ErrorIs(t, err, boom)
		assert.Equal(t, 1, lines, "records before the error are emitted")
	})
	t.Run("write error", func(t *testing.T) {
		t.Parallel()
		_, err := phone.Default().StreamJSON(context.Background(), strings.NewReader(big), errWriter{boom}, nil)
		require.ErrorIs(t, err, boom)
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		_, err := phone.Default().Stream(ctx, strings.NewReader(big), &phone.StreamOpts{Workers: 2}, func(phone.Line) error {
			n++
			if n == 10 {
				cancel()
			}
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, n, 10_000)
	})
	t.Run("cancelled before start", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := phone.Default().Stream(ctx, strings.NewReader(big), nil, func(phone.Line) error { return nil })
		require.ErrorIs(t, err, context.Canceled)
	})
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// TestStreamInteractive checks that a line typed on a terminal is answered
// before the next one is typed: records are not held back for a full batch.
func TestStreamInteractive(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	got := make(chan phone.Line)
	done := make(chan error, 1)
	go func() {
		_, err := phone.Default().Stream(context.Background(), pr, nil, func(l phone.Line) error {
			got <- l
			return nil
		})
		done <- err
	}()
	// The timeout only guards against a hang; it asserts no speed.
	for _, in := range []string{"030 1234567", "0151 12345678"} {
		_, err := io.WriteString(pw, in+"\n")
		require.NoError(t, err)
		select {
		case l := <-got:
			assert.Equal(t, in, l.Input)
			assert.True(t, l.Valid)
		case <-time.After(time.Minute):
			t.Fatalf("no result for %q while the input stays open", in)
		}
	}
	require.NoError(t, pw.Close())
	require.NoError(t, <-done)
}
