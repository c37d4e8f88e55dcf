package phone_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/phone"
)

// genNumbers returns n distinct valid numbers of DE, AT and CH as people
// type them (read for region DE), deterministically.
func genNumbers(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	digits := func(k int) string {
		var b strings.Builder
		for range k {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	type plan struct {
		cc, area string
		subLen   []int
	}
	plans := []plan{
		{"49", "151", []int{8}}, {"49", "160", []int{7}}, {"49", "171", []int{7}}, {"49", "176", []int{8}},
		{"49", "30", []int{7, 8}}, {"49", "40", []int{7, 8}}, {"49", "89", []int{7, 8}}, {"49", "69", []int{7, 8}},
		{"49", "221", []int{7}}, {"49", "711", []int{7}}, {"49", "351", []int{7}}, {"49", "800", []int{7}},
		{"43", "664", []int{7}}, {"43", "676", []int{7}}, {"43", "1", []int{7}}, {"43", "316", []int{6}},
		{"41", "78", []int{7}}, {"41", "79", []int{7}}, {"41", "44", []int{7}}, {"41", "31", []int{7}},
	}
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		p := plans[rng.IntN(len(plans))]
		sub := digits(p.subLen[rng.IntN(len(p.subLen))])
		var s string
		national := p.cc == "49" && rng.IntN(2) == 0
		switch f := rng.IntN(6); {
		case national && f == 0:
			s = "0" + p.area + " " + sub
		case national && f == 1:
			s = "0" + p.area + "/" + sub
		case national && f == 2:
			s = "(0" + p.area + ") " + sub[:3] + "-" + sub[3:]
		case national:
			s = "0" + p.area + "-" + sub
		case f <= 1:
			s = "+" + p.cc + " " + p.area + " " + sub
		case f == 2:
			s = "+" + p.cc + " (0)" + p.area + " " + sub
		case f == 3:
			s = "00" + p.cc + " " + p.area + " " + sub
		default:
			s = "+" + p.cc + p.area + sub
		}
		if seen[s] {
			continue
		}
		num, err := phonenumbers.Parse(s, "DE")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// bareResult mirrors phone.Result's JSON for the bare-library baseline.
type bareResult struct {
	Input         string `json:"input"`
	Valid         bool   `json:"valid"`
	E164          string `json:"e164,omitempty"`
	Region        string `json:"region,omitempty"`
	CountryCode   int    `json:"country_code,omitempty"`
	Type          string `json:"type,omitempty"`
	National      string `json:"national,omitempty"`
	International string `json:"international,omitempty"`
	Extension     string `json:"extension,omitempty"`
	Code          string `json:"code,omitempty"`
	Message       string `json:"message,omitempty"`
}

var bareTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE: "fixed_line", phonenumbers.MOBILE: "mobile", phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE: "toll_free", phonenumbers.PREMIUM_RATE: "premium_rate", phonenumbers.SHARED_COST: "shared_cost",
	phonenumbers.VOIP: "voip", phonenumbers.PERSONAL_NUMBER: "personal_number", phonenumbers.PAGER: "pager",
	phonenumbers.UAN: "uan", phonenumbers.VOICEMAIL: "voicemail", phonenumbers.UNKNOWN: "unknown",
}

// bareValidate is what a caller writes with the library alone to get the
// fields of a phone.Result: Parse, IsValidNumber, region, type, 3 formats.
func bareValidate(s, region string) bareResult {
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return bareResult{Input: s, Code: "parse_error", Message: err.Error()}
	}
	if !phonenumbers.IsValidNumber(num) {
		return bareResult{Input: s, Code: "invalid_number"}
	}
	return bareResult{
		Input:         s,
		Valid:         true,
		E164:          phonenumbers.Format(num, phonenumbers.E164),
		Region:        phonenumbers.GetRegionCodeForNumber(num),
		CountryCode:   int(num.GetCountryCode()),
		Type:          bareTypes[phonenumbers.GetNumberType(num)],
		National:      phonenumbers.Format(num, phonenumbers.NATIONAL),
		International: phonenumbers.Format(num, phonenumbers.INTERNATIONAL),
		Extension:     num.GetExtension(),
	}
}

// bareMinimal is the smallest library use: Parse, IsValidNumber, region
// and the E.164 format.
func bareMinimal(s, region string) (string, string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), phonenumbers.GetRegionCodeForNumber(num), true
}

// bareJSONLines is the single-threaded baseline for `validate-phone -o
// json`: read lines, validate with the bare library, print JSON lines.
func bareJSONLines(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	bw := bufio.NewWriterSize(w, 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		b, err := json.Marshal(bareValidate(line, "DE"))
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

// TestStreamJSONMatchesBareLoop: on valid numbers the parallel pipeline
// prints exactly the lines of the bare single-threaded loop, in order.
func TestStreamJSONMatchesBareLoop(t *testing.T) {
	t.Parallel()
	n := 10_000
	if testing.Short() {
		n = 2_000
	}
	input := strings.Join(genNumbers(n), "\n") + "\n"
	var want, got bytes.Buffer
	require.NoError(t, bareJSONLines(strings.NewReader(input), &want))
	v, err := phone.New(phone.Config{})
	require.NoError(t, err)
	st, err := v.StreamJSON(context.Background(), strings.NewReader(input), &got, &phone.StreamOpts{Region: "DE"})
	require.NoError(t, err)
	require.Equal(t, phone.Stats{Total: n, Valid: n}, st)
	require.Equal(t, want.String(), got.String())
}

const (
	firstSightInputs = 1 << 14 // cycled through a cache of 1 << 10: every call misses
	repeatedInputs   = 256
)

// BenchmarkValidate compares Validate with the bare library on the same
// inputs:
//
//	go test -run '^$' -bench Validate -benchmem ./pkg/phone
//
// first_sight: every number is new to the cache (the wrapper pays a miss and
// an insert with eviction); repeated: the same few numbers again and again.
func BenchmarkValidate(b *testing.B) {
	distinct := genNumbers(firstSightInputs)
	hot := distinct[:repeatedInputs]

	bench := func(name string, inputs []string, fn func(s string)) {
		b.Run(name, func(b *testing.B) {
			for _, s := range inputs { // warm the library's regex cache (and ours)
				fn(s)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				fn(inputs[i%len(inputs)])
			}
			reportCPU(b, cpuTime()-cpu0)
		})
	}
	bench("first_sight/bare_same_fields", distinct, func(s string) { bareSink = bareValidate(s, "DE") })
	bench("first_sight/bare_minimal", distinct, func(s string) { strSink, _, _ = bareMinimal(s, "DE") })
	missing := phone.MustNew(phone.Config{CacheSize: 1 << 10})
	bench("first_sight/wrapper_cache_miss", distinct, func(s string) { resultSink = missing.Validate(s, "DE") })
	nocache := phone.MustNew(phone.Config{CacheSize: -1})
	bench("first_sight/wrapper_no_cache", distinct, func(s string) { resultSink = nocache.Validate(s, "DE") })

	bench("repeated/bare_same_fields", hot, func(s string) { bareSink = bareValidate(s, "DE") })
	bench("repeated/bare_minimal", hot, func(s string) { strSink, _, _ = bareMinimal(s, "DE") })
	cached := phone.MustNew(phone.Config{})
	bench("repeated/wrapper_cache_hit", hot, func(s string) { resultSink = cached.Validate(s, "DE") })
	b.Run("repeated/wrapper_cache_hit_parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_ = cached.Validate(hot[i%len(hot)], "DE")
				i++
			}
		})
	})
}

// reportCPU adds "cpu-ns/op", the process CPU time per operation: on a
// shared, loaded machine it varies less than the wall time.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// Sinks keep the compiler from dropping benchmarked calls.
var (
	bareSink   bareResult
	strSink    string
	resultSink phone.Result
)

// BenchmarkStream100k is `validate-phone - -o json` on 100,000 numbers: the
// parallel, order-preserving pipeline (a fresh validator per run, so its
// cache starts empty) against a single-threaded loop over the bare library
// printing the same JSON lines. "cores" is CPU time over wall time.
//
//	go test -run '^$' -bench Stream100k -benchtime 5x ./pkg/phone
func BenchmarkStream100k(b *testing.B) {
	input := strings.Join(genNumbers(100_000), "\n") + "\n"
	var want, got bytes.Buffer
	if err := bareJSONLines(strings.NewReader(input), &want); err != nil {
		b.Fatal(err)
	}
	if _, err := phone.MustNew(phone.Config{}).StreamJSON(context.Background(), strings.NewReader(input), &got, nil); err != nil {
		b.Fatal(err)
	}
	if want.String() != got.String() {
		b.Fatal("pipeline and bare loop print different lines")
	}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			cpu0, wall0 := cpuTime(), time.Now()
			for i := 0; i < b.N; i++ {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(time.Since(wall0)), "cores")
				reportCPU(b, cpu)
			}
		})
	}
	run("pipeline", func() error {
		v := phone.MustNew(phone.Config{})
		_, err := v.StreamJSON(context.Background(), strings.NewReader(input), io.Discard, nil)
		return err
	})
	run("bare_loop", func() error { return bareJSONLines(strings.NewReader(input), io.Discard) })
}
