package phone

import (
	"regexp"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// The library's parser spends most of its time in regular expressions that
// look for extensions, alpha characters and RFC 3966 syntax in every input.
// For the plain input askpro sees almost always (digits, a leading + or 00,
// and the separators people type) fastParse computes the same PhoneNumber
// from the library's own metadata without them. It covers only regions
// whose parsing rules are simple (DE, AT and CH: trunk prefix 0, no
// transformation rule, international prefix 00) and gives up on anything
// else, which then goes to phonenumbers.Parse. Tests hold it to the
// library: for every input it accepts, phonenumbers.Parse returns an equal
// PhoneNumber (see FuzzValidate and TestFastParseMatchesLibrary).

// fastMeta is what fastParse needs of a region.
type fastMeta struct {
	region  string
	cc      int
	general *regexp.Regexp // the general national number pattern, anchored
	lengths []int32        // possible lengths of the general description
	local   []int32        // local-only lengths of the general description
}

var regionMetadata = sync.OnceValue(func() map[string]*phonenumbers.PhoneMetadata {
	out := map[string]*phonenumbers.PhoneMetadata{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return out // no fast path; Parse still works
	}
	for _, m := range coll.GetMetadata() {
		out[m.GetId()] = m
	}
	return out
})

// newFastMeta returns the fast-path metadata of region, or nil when
// fastParse cannot handle the region's numbers.
func newFastMeta(region string) *fastMeta {
	m := regionMetadata()[region]
	if m == nil || m.GetNationalPrefixForParsing() != "0" || m.GetNationalPrefixTransformRule() != "" ||
		m.GetInternationalPrefix() != "00" || m.GetGeneralDesc() == nil {
		return nil
	}
	cc := int(m.GetCountryCode())
	if regions := phonenumbers.GetRegionCodesForCountryCode(cc); len(regions) != 1 || regions[0] != region {
		return nil
	}
	gd := m.GetGeneralDesc()
	if len(gd.PossibleLength) == 0 || gd.PossibleLength[0] == -1 {
		return nil
	}
	re, err := regexp.Compile("^(?:" + gd.GetNationalNumberPattern() + ")$")
	if err != nil {
		return nil
	}
	return &fastMeta{region: region, cc: cc, general: re, lengths: gd.PossibleLength, local: gd.PossibleLengthLocalOnly}
}

// strippable reports whether the library keeps a national number of length
// n after stripping the trunk prefix: its length check (testNumberLength
// for UNKNOWN) must not say too short, local only or invalid length.
func (m *fastMeta) strippable(n int) bool {
	l := int32(n)
	for _, x := range m.local {
		if x == l {
			return false // IS_POSSIBLE_LOCAL_ONLY
		}
	}
	if m.lengths[0] > l {
		return false // TOO_SHORT
	}
	if m.lengths[0] == l || m.lengths[len(m.lengths)-1] < l {
		return true // IS_POSSIBLE, TOO_LONG
	}
	for _, x := range m.lengths[1:] {
		if x == l {
			return true
		}
	}
	return false // INVALID_LENGTH
}

func (v *Validator) fastFor(region string) *fastMeta {
	for _, m := range v.fast {
		if m.region == region {
			return m
		}
	}
	return nil
}

func (v *Validator) fastForCC(cc int) *fastMeta {
	for _, m := range v.fast {
		if m.cc == cc {
			return m
		}
	}
	return nil
}

// maxFastDigits bounds the digits fastParse reads: an NSN has at most 17,
// plus a country code or 00.
const maxFastDigits = 21

// fastParse parses s for region like phonenumbers.Parse, or reports false
// when s is outside what it handles.
func (v *Validator) fastParse(s, region string) (*phonenumbers.PhoneNumber, bool) {
	md := v.fastFor(region)
	if md == nil {
		return nil, false
	}
	var buf [maxFastDigits]byte
	nd, plus := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if nd == len(buf) {
				return nil, false
			}
			buf[nd] = c
			nd++
		case c == '+':
			if plus || nd > 0 {
				return nil, false
			}
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '[' || c == ']':
		default:
			return nil, false
		}
	}
	if nd < 4 {
		return nil, false
	}
	d := buf[:nd]
	international := plus
	if !plus && d[0] == '0' && d[1] == '0' && d[2] != '0' { // the IDD 00
		d, international = d[2:], true
	}
	if international {
		if len(d) <= 2 || d[0] == '0' {
			return nil, false
		}
		cc, l := 0, 0
		for i := 1; i <= 3; i++ {
			if c := atoi(d[:i]); len(phonenumbers.GetRegionCodesForCountryCode(c)) > 0 {
				cc, l = c, i
				break
			}
		}
		if md = v.fastForCC(cc); md == nil {
			return nil, false
		}
		d = d[l:]
	} else if d[0] != '0' {
		return nil, false
	}
	// Strip the trunk prefix 0 as maybeStripNationalPrefixAndCarrierCode
	// and the length check after it do.
	if len(d) >= 2 && d[0] == '0' {
		strip := !(md.general.Match(d) && !md.general.Match(d[1:])) && md.strippable(len(d)-1)
		if strip {
			d = d[1:]
		}
	}
	if len(d) < 2 || len(d) > 17 || d[0] == '0' {
		return nil, false
	}
	cc, nsn := int32(md.cc), uint64(atoi(d))
	return &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nsn}, true
}

// atoi converts ASCII digits (at most 19) to an int.
func atoi(d []byte) int {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return n
}
