package phone

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers"
)

// MaxInputLength is the longest input, in characters, that is handed to the
// parser. Longer input is refused with [CodeTooLong] without parsing it.
const MaxInputLength = 64

// DefaultCacheSize is the number of results a [Validator] caches when
// [Config.CacheSize] is 0.
const DefaultCacheSize = 10_000

// defaultRegions are the regions a [Validator] accepts when
// [Config.Regions] is empty: Germany, Austria and Switzerland.
var defaultRegions = []string{"DE", "AT", "CH"}

// Config configures a [Validator]. The zero value is ready to use.
type Config struct {
	// Regions are the ISO 3166-1 region codes whose numbers are accepted;
	// numbers from any other region are refused with
	// [CodeUnsupportedRegion]. Codes are case-insensitive and must be known
	// to libphonenumber. Defaults to DE, AT and CH.
	Regions []string
	// DefaultRegion is the region used for national numbers (those written
	// without + or 00) when Validate is called with an empty region. It
	// must be one of Regions. Defaults to "DE", or to the first of Regions
	// when those do not include DE.
	DefaultRegion string
	// CacheSize bounds the LRU cache of results, keyed by region and input.
	// Defaults to [DefaultCacheSize] (10,000); a negative value disables
	// the cache.
	CacheSize int
	// AllowVanity accepts vanity numbers such as "0800 FLOWERS" and turns
	// their letters into digits as on a phone keypad. By default, letters
	// other than an extension marker are refused with [CodeInvalidChars]:
	// the parser silently drops one or two stray letters ("030 12345O7"
	// would become a different number), so a typo must not pass as a number.
	// Even with AllowVanity, input needs at least three Latin letters to
	// count as a vanity number.
	AllowVanity bool
	// AllowMissingTrunkPrefix accepts national numbers written without the
	// trunk prefix 0 and without + or 00, such as "151 12345678", as
	// numbers of the region asked for. By default such input is refused
	// with [CodeAmbiguous] in regions whose trunk prefix is 0 (DE, AT, CH):
	// "4915112345678" (an E.164 number missing its +) would otherwise
	// become the German fixed-line number +494915112345678.
	AllowMissingTrunkPrefix bool
	// Logger receives a debug line, with the input masked, for every number
	// the parser refuses. Defaults to slog.Default().
	Logger *slog.Logger
}

// Validator validates and normalizes phone numbers with libphonenumber
// (github.com/nyaruka/phonenumbers). It is safe for concurrent use.
type Validator struct {
	regions       []string // upper case
	ccs           []int    // country calling codes of regions
	defaultRegion string
	allowVanity   bool
	allowNoTrunk  bool
	cache         *lru.Cache[cacheKey, Result] // nil when disabled
	logger        *slog.Logger
	ambiguous     map[string]string // region -> message for CodeAmbiguous
	fast          []*fastMeta       // regions fastParse handles
}

type cacheKey struct {
	region, input string
}

// New returns a Validator for cfg. It returns an error wrapping [ErrConfig]
// when a region is unknown or DefaultRegion is not one of Regions.
func New(cfg Config) (*Validator, error) {
	v := &Validator{
		allowVanity:  cfg.AllowVanity,
		allowNoTrunk: cfg.AllowMissingTrunkPrefix,
		logger:       cfg.Logger,
		ambiguous:    make(map[string]string),
	}
	if v.logger == nil {
		v.logger = slog.Default()
	}
	regions := cfg.Regions
	if len(regions) == 0 {
		regions = defaultRegions
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, r := range regions {
		r = strings.ToUpper(strings.TrimSpace(r))
		if !supported[r] {
			return nil, fmt.Errorf("%w: unknown region %q in Regions", ErrConfig, r)
		}
		if v.supportsRegion(r) {
			continue
		}
		v.regions = append(v.regions, r)
		v.ambiguous[r] = ambiguousMessage(r)
		if m := newFastMeta(r); m != nil {
			v.fast = append(v.fast, m)
		}
		cc := phonenumbers.GetCountryCodeForRegion(r)
		if !v.supportsCountryCode(cc) {
			v.ccs = append(v.ccs, cc)
		}
	}
	switch {
	case cfg.DefaultRegion != "":
		v.defaultRegion = strings.ToUpper(strings.TrimSpace(cfg.DefaultRegion))
		if !v.supportsRegion(v.defaultRegion) {
			return nil, fmt.Errorf("%w: DefaultRegion %q is not one of Regions %v", ErrConfig, cfg.DefaultRegion, v.regions)
		}
	case v.supportsRegion("DE"):
		v.defaultRegion = "DE"
	default:
		v.defaultRegion = v.regions[0]
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		c, err := lru.New[cacheKey, Result](size)
		if err != nil {
			return nil, fmt.Errorf("%w: cache: %w", ErrConfig, err)
		}
		v.cache = c
	}
	return v, nil
}

// MustNew is like [New] but panics on an invalid Config. It is meant for
// package-level variables with a literal Config.
func MustNew(cfg Config) *Validator {
	v, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return v
}

// Regions returns the supported regions, upper case, in Config order.
func (v *Validator) Regions() []string { return append([]string(nil), v.regions...) }

// DefaultRegion returns the region used when Validate gets an empty region.
func (v *Validator) DefaultRegion() string { return v.defaultRegion }

// SupportsRegion reports whether region (case-insensitive; "" means the
// default region) is one of the supported regions.
func (v *Validator) SupportsRegion(region string) bool {
	return v.supportsRegion(v.regionFor(region))
}

func (v *Validator) supportsRegion(r string) bool {
	for _, s := range v.regions {
		if s == r {
			return true
		}
	}
	return false
}

func (v *Validator) supportsCountryCode(cc int) bool {
	for _, c := range v.ccs {
		if c == cc {
			return true
		}
	}
	return false
}

// Normalize returns number in E.164 format ("+49301234567"), or an
// [*Error] that matches one of the sentinels ([ErrEmpty], [ErrTooLong],
// [ErrInvalidChars], [ErrParse], [ErrInvalidNumber], [ErrAmbiguous],
// [ErrUnsupportedRegion]) with errors.Is. region is the region for national
// numbers; "" means the default region. An extension is not part of the
// E.164 number and is dropped; use [Validator.Validate] to read it.
// Normalize is safe for concurrent use.
func (v *Validator) Normalize(number, region string) (string, error) {
	r := v.Validate(number, region)
	if !r.Valid {
		return "", r.Err()
	}
	return string(r.E164), nil
}

// Validate validates number and returns its [Result]. region is the region
// for national numbers (written without + or 00), case-insensitive; ""
// means the default region. A region outside the supported ones gives
// [CodeUnsupportedRegion]. Validate never fails otherwise: an invalid
// number is a Result with Valid false and a Code. Results of inputs that
// reach the parser are cached (see [Config.CacheSize]). Validate is safe for
// concurrent use.
func (v *Validator) Validate(number, region string) Result {
	if code, msg := precheck(number); code != "" {
		return Result{Input: number, Code: code, Message: msg}
	}
	region = v.regionFor(region)
	if !v.supportsRegion(region) {
		return Result{Input: number, Region: region, Code: CodeUnsupportedRegion, Message: unsupportedMessage(region)}
	}
	if v.cache == nil {
		return v.validate(number, region)
	}
	key := cacheKey{region: region, input: number}
	if r, ok := v.cache.Get(key); ok {
		return r
	}
	r := v.validate(number, region)
	v.cache.Add(key, r)
	return r
}

// regionFor returns region upper-cased, or the default region for "".
func (v *Validator) regionFor(region string) string {
	if region == "" {
		return v.defaultRegion
	}
	for i := 0; i < len(region); i++ {
		if c := region[i]; c >= 'a' && c <= 'z' || c == ' ' {
			return strings.ToUpper(strings.TrimSpace(region))
		}
	}
	return region
}

// Messages for users. They never contain the number.
const (
	msgEmpty        = "The phone number is empty."
	msgTooLongInput = "The phone number is too long (at most 64 characters)."
	msgTooManyDigit = "The phone number has too many digits."
	msgControl      = "The phone number contains control characters."
	msgInvisible    = "The phone number contains invisible or invalid characters."
	msgLetters      = `The phone number contains letters; write it with digits only (an extension may follow "ext.").`
	msgNotANumber   = "This is not a phone number."
	msgCountryCode  = "The country code is not valid."
	msgTooShort     = "The phone number is too short."
)

// precheck refuses, without calling the parser, input that is empty, too
// long, or holds control characters, invisible formatting characters or
// invalid UTF-8. Letters are checked later (see checkLetters).
func precheck(s string) (Code, string) {
	if s == "" {
		return CodeEmpty, msgEmpty
	}
	if len(s) > MaxInputLength*utf8.UTFMax {
		return CodeTooLong, msgTooLongInput
	}
	n, blank := 0, true
	for i := 0; i < len(s); n++ {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c < 0x20 || c == 0x7f {
				return CodeInvalidChars, msgControl
			}
			if c != ' ' {
				blank = false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			return CodeInvalidChars, msgInvisible
		case unicode.IsControl(r):
			return CodeInvalidChars, msgControl
		case unicode.Is(unicode.Cf, r):
			return CodeInvalidChars, msgInvisible
		case !unicode.IsSpace(r):
			blank = false
		}
	}
	if n > MaxInputLength {
		return CodeTooLong, msgTooLongInput
	}
	if blank {
		return CodeEmpty, msgEmpty
	}
	return "", ""
}

// scanStart reports whether s has letters, whether it has digits, and
// whether its first digit or plus sign is a plus or the digit 0 (so the
// input carries a country code or the trunk prefix).
func scanStart(s string) (letters, digits, prefixed bool) {
	seen := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c|0x20 && c|0x20 <= 'z':
				letters = true
			case !seen && c == '+':
				seen, prefixed = true, true
			case c >= '0' && c <= '9':
				digits = true
				if !seen {
					seen, prefixed = true, c == '0'
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsLetter(r):
			letters = true
		case !seen && r == '\uff0b': // fullwidth plus
			seen, prefixed = true, true
		case unicode.IsDigit(r):
			digits = true
			if !seen {
				seen, prefixed = true, phonenumbers.NormalizeDigitsOnly(s[i-size:i]) == "0"
			}
		}
	}
	return letters, digits, prefixed
}

// checkLetters decides about input with letters: an extension after the
// number ("ext. 12", "x12") is fine, a vanity number only with AllowVanity.
func (v *Validator) checkLetters(s string) bool {
	if num, ext := phonenumbers.MaybeSeparateExtensionFromPhone(s); ext != "" {
		if letters, _, _ := scanStart(num); !letters {
			return true
		}
	}
	if !v.allowVanity {
		return false
	}
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.IsLetter(r) {
			return false // keypad letters are Latin only
		}
	}
	return phonenumbers.IsAlphaNumber(s)
}

// validate does the work of Validate for input that passed precheck.
func (v *Validator) validate(s, region string) Result {
	letters, digits, prefixed := scanStart(s)
	if !digits {
		return Result{Input: s, Region: region, Code: CodeParse, Message: msgNotANumber}
	}
	if letters && !v.checkLetters(s) {
		return Result{Input: s, Region: region, Code: CodeInvalidChars, Message: msgLetters}
	}
	if !prefixed && !v.allowNoTrunk && phonenumbers.GetNddPrefixForRegion(region, true) == "0" {
		return Result{Input: s, Region: region, Code: CodeAmbiguous, Message: v.ambiguous[region]}
	}
	num, ok := v.fastParse(s, region)
	if !ok {
		num = &phonenumbers.PhoneNumber{}
		if err := phonenumbers.ParseToNumber(s, region, num); err != nil {
			return v.parseFailure(s, region, err)
		}
	}
	cc := int(num.GetCountryCode())
	if !v.supportsCountryCode(cc) {
		return v.unsupported(s, num, cc)
	}
	// GetNumberType is UNKNOWN exactly when IsValidNumber is false (both
	// run the same type detection); calling it once halves the regex work.
	typ := phonenumbers.GetNumberType(num)
	if typ == phonenumbers.UNKNOWN {
		return v.invalid(s, num, cc)
	}
	numRegion := phonenumbers.GetRegionCodeForNumber(num)
	if !v.supportsRegion(numRegion) {
		return v.unsupported(s, num, cc)
	}
	return Result{
		Input:         s,
		Valid:         true,
		E164:          Number(phonenumbers.Format(num, phonenumbers.E164)),
		Region:        numRegion,
		CountryCode:   cc,
		Type:          typeOf(typ),
		National:      phonenumbers.Format(num, phonenumbers.NATIONAL),
		International: phonenumbers.Format(num, phonenumbers.INTERNATIONAL),
		Extension:     num.GetExtension(),
	}
}

func (v *Validator) parseFailure(s, region string, err error) Result {
	r := Result{Input: s, Region: region, Code: CodeParse, Message: msgNotANumber}
	switch err {
	case phonenumbers.ErrInvalidCountryCode:
		r.Region, r.Message = "", msgCountryCode
	case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
		r.Code, r.Message = CodeInvalidNumber, msgTooShort
	case phonenumbers.ErrNumTooLong:
		r.Code, r.Message = CodeTooLong, msgTooManyDigit
	}
	v.debug("phone number refused by parser", r, err)
	return r
}

func (v *Validator) unsupported(s string, num *phonenumbers.PhoneNumber, cc int) Result {
	region := phonenumbers.GetRegionCodeForNumber(num)
	if region == "" || region == phonenumbers.UNKNOWN_REGION {
		region = phonenumbers.GetRegionCodeForCountryCode(cc)
	}
	if region == "001" { // non-geographic, e.g. +800
		region = "+" + strconv.Itoa(cc)
	}
	return Result{Input: s, Region: region, Code: CodeUnsupportedRegion, Message: unsupportedMessage(region)}
}

func (v *Validator) invalid(s string, num *phonenumbers.PhoneNumber, cc int) Result {
	region := phonenumbers.GetRegionCodeForCountryCode(cc)
	r := Result{Input: s, Region: region, Code: CodeInvalidNumber}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.TOO_SHORT:
		r.Message = "The phone number is too short for " + region + "."
	case phonenumbers.TOO_LONG:
		r.Message = "The phone number is too long for " + region + "."
	default:
		r.Message = "The phone number is not valid in " + region + "."
	}
	v.debug("invalid phone number", r, nil)
	return r
}

func (v *Validator) debug(msg string, r Result, err error) {
	ctx := context.Background()
	if !v.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.Any("phone", r)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	v.logger.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

func unsupportedMessage(region string) string {
	return "Phone numbers from " + region + " are not supported"
}

// ambiguousMessage explains CodeAmbiguous with the example number of region
// ("030 123456 or +49 30 123456" for DE).
func ambiguousMessage(region string) string {
	msg := "The number has neither a leading 0 nor a country code; write it with its area code or in international format"
	if ex := phonenumbers.GetExampleNumber(region); ex != nil {
		msg += " (e.g. " + phonenumbers.Format(ex, phonenumbers.NATIONAL) + " or " +
			phonenumbers.Format(ex, phonenumbers.INTERNATIONAL) + ")"
	}
	return msg + "."
}

// std is the validator behind the package-level functions.
var std = sync.OnceValue(func() *Validator { return MustNew(Config{}) })

// Default returns the validator behind the package-level [Validate] and
// [Normalize]: the zero [Config] (DE, AT, CH; default region DE; a cache of
// [DefaultCacheSize] results).
func Default() *Validator { return std() }

// Validate validates number with the [Default] validator; see
// [Validator.Validate].
func Validate(number, region string) Result { return std().Validate(number, region) }

// Normalize returns number in E.164 format using the [Default] validator;
// see [Validator.Normalize].
func Normalize(number, region string) (string, error) { return std().Normalize(number, region) }
