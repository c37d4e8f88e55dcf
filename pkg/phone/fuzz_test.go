package phone

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// FuzzValidate runs Validate on arbitrary input and checks that it never
// panics and that its answers agree with the bare library:
//
//	go test -run '^$' -fuzz FuzzValidate ./pkg/phone
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		"030 1234567", "+49 (0)30 1234567", "0049 30 1234567", "0151-1234 5678", "030 1234567 ext. 12",
		"030 1234567-12", "0800 FLOWERS", "+1 415 555 0100", "4915112345678", "０３０ １２３４５６７",
		"tel:+49-30-1234567;phone-context=+49", "030 1234567;isub=12", "+", "00", "\xff", "\u200b1",
		"+800 1234 5678", "+7 912 345 67 89", "0664 1234567", "044 668 18 00", "((((((((0))))))))",
	} {
		for _, region := range []string{"DE", "AT", "CH", "", "us"} {
			f.Add(s, region, false)
		}
	}
	f.Add("0800 FLOWERS", "DE", true)
	vStrict := MustNew(Config{CacheSize: -1})
	vLenient := MustNew(Config{CacheSize: -1, AllowVanity: true, AllowMissingTrunkPrefix: true})

	f.Fuzz(func(t *testing.T, s, region string, lenient bool) {
		v := vStrict
		if lenient {
			v = vLenient
		}
		checkFastParse(t, v, s, v.regionFor(region))
		r := v.Validate(s, region)
		if r.Input != s {
			t.Fatalf("Input %q, want %q", r.Input, s)
		}
		if got, err := v.Normalize(s, region); (err == nil) != r.Valid || got != string(r.E164) {
			t.Fatalf("Normalize = %q, %v; Validate = %+v", got, err, r)
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
		}
		_ = Mask(s)
		if !r.Valid {
			if r.Code == "" || r.Message == "" || r.E164 != "" {
				t.Fatalf("invalid result without code/message or with E.164: %+v", r)
			}
			if r.Err() == nil {
				t.Fatal("invalid result without error")
			}
			return
		}
		// A valid result: sane input, and the bare library agrees.
		if utf8.RuneCountInString(s) > MaxInputLength || !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\t\n\r") {
			t.Fatalf("accepted input that precheck must refuse: %q", s)
		}
		if r.Code != "" || r.Err() != nil || !v.supportsRegion(r.Region) {
			t.Fatalf("inconsistent valid result: %+v", r)
		}
		num, err := phonenumbers.Parse(s, v.regionFor(region))
		if err != nil {
			t.Fatalf("library cannot parse accepted %q: %v", s, err)
		}
		if !phonenumbers.IsValidNumber(num) {
			t.Fatalf("library says %q is invalid, Validate says valid", s)
		}
		if e := phonenumbers.Format(num, phonenumbers.E164); e != string(r.E164) {
			t.Fatalf("E164 %s, library %s", r.E164, e)
		}
		// Normalizing the E.164 form is the identity.
		again := v.Validate(string(r.E164), "")
		if !again.Valid || again.E164 != r.E164 {
			t.Fatalf("E164 %s does not validate to itself: %+v", r.E164, again)
		}
	})
}

// FuzzMask checks that Mask never panics and never shows more than nine
// digits (a country code of up to three plus three and three).
func FuzzMask(f *testing.F) {
	for _, s := range []string{"+4915112345678", "0151 1234 5678", "", "+", "+1", "٠١٥١٢٣٤٥٦٧٨٩", "\xff12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		if s != "" && !strings.Contains(m, maskStars) {
			t.Fatalf("Mask(%q) = %q has no mask", s, m)
		}
		n := 0
		for i := 0; i < len(m); i++ {
			if m[i] >= '0' && m[i] <= '9' {
				n++
			}
		}
		if n > 9 {
			t.Fatalf("Mask(%q) = %q shows %d digits", s, m, n)
		}
	})
}
