// Package phone validates phone numbers and normalizes them to E.164 with
// libphonenumber (github.com/nyaruka/phonenumbers).
//
// Phone numbers are how askpro finds a tenant (the branch that was called)
// and a customer (the caller), so a wrong normalization is a wrong booking
// or a data leak. Every number is normalized here before it is stored, and
// where the input is ambiguous this package refuses it rather than guess.
//
// # Usage
//
//	e164, err := phone.Normalize("030 1234567", "DE") // "+49301234567"
//	if errors.Is(err, phone.ErrInvalidNumber) { ... }
//
//	r := phone.Validate("+43 664 1234567", "")
//	// r.Valid, r.E164 "+436641234567", r.Region "AT", r.Type "mobile",
//	// r.National "0664 1234567", r.International "+43 664 1234567"
//
// The package-level functions use a [Default] validator. Build your own with
// [New] to choose the supported regions, the default region, the cache size
// and the policies below:
//
//	v, err := phone.New(phone.Config{Regions: []string{"DE", "AT"}, DefaultRegion: "AT"})
//
// A [Validator] is safe for concurrent use. It keeps a bounded LRU cache of
// results keyed by region and input ([Config.CacheSize]); a [Result] is a
// plain value, never shared state.
//
// # What input is accepted
//
// The region argument is the region of national numbers (written without
// + or 00); "" means the default region. Numbers of any supported region
// are accepted whatever the region argument: "+41 44 668 18 00" is a Swiss
// number when read for DE too.
//
//   - Spaces (also non-breaking), slashes, dashes (also en dashes), dots,
//     parentheses and brackets are formatting and are ignored:
//     "030/123 45-67", "(030) 1234567", "030.123.4567" are all +49301234567.
//     Full-width and other Unicode digits are read as digits.
//   - A leading + or 00 (the international prefix of DE, AT and CH) starts
//     the country code: "+49 30 1234567", "0049 30 1234567".
//   - The trunk prefix 0 starts a national number: "030 1234567".
//   - "+49 (0)30 1234567" and "+49 030 1234567": the trunk 0 written after
//     the country code is dropped, giving +49301234567.
//   - A national number without its trunk 0 and without + or 00 is refused
//     with [CodeAmbiguous] ("4915112345678" is an E.164 number missing its
//     +, but would parse as the German fixed-line number +494915112345678;
//     "41 44 668 18 00" would become a German number too).
//     [Config.AllowMissingTrunkPrefix] accepts such input for forms that
//     ask for the country separately.
//   - An extension after "ext.", "ext", "x", "#" or ";ext=" is accepted:
//     it is reported in [Result.Extension] and in the National and
//     International formats, but is not part of the E.164 number, which is
//     the number callers are identified by. "030 1234567 ext. 12" is
//     +49301234567 with extension "12".
//   - A German direct-dial suffix after a dash (DIN 5008) is part of the
//     number: "030 1234567-12" is +4930123456712, the number that rings
//     extension 12 directly.
//   - Letters are refused with [CodeInvalidChars], except the extension
//     markers above. The parser would silently drop one or two stray
//     letters ("030 12345O7" would become +4930123457) and turn three or
//     more into keypad digits; a typo must not become someone else's
//     number. [Config.AllowVanity] accepts vanity numbers of at least three
//     Latin letters ("0800 FLOWERS" becomes +498003569377).
//   - Input longer than [MaxInputLength] (64) characters, or holding
//     control characters (including tabs and line breaks), invisible
//     formatting characters (zero-width spaces, direction marks) or invalid
//     UTF-8, is refused without calling the parser. Callers that read lines
//     strip the line ending first.
//   - A number from a region outside [Config.Regions] is refused with
//     [CodeUnsupportedRegion] and the region named: "Phone numbers from US
//     are not supported".
//
// # Errors
//
// [Validator.Validate] returns a [Result] with a [Code] and a Message for
// the user (in English, never containing the number). [Validator.Normalize]
// and [Result.Err] return an [*Error] that matches the sentinel of its code
// with errors.Is: [ErrEmpty], [ErrTooLong], [ErrInvalidChars], [ErrParse],
// [ErrInvalidNumber], [ErrAmbiguous] (which also matches ErrInvalidNumber)
// and [ErrUnsupportedRegion]. An [*Error] holds the input masked only.
//
// # Logging
//
// Phone numbers are personal data. [Number] (an E.164 number) and [Result]
// implement [log/slog.LogValuer] and log masked; [Mask] masks any string:
//
//	logger.Info("call", "from", phone.Number("+4915112345678")) // from=+49151****678
//
// # Many numbers
//
// [Validator.Stream] and [Validator.StreamJSON] validate one number a line
// (or a column of a CSV file) from an io.Reader on all cores and emit the
// results in input order; `askpro validate-phone -` is built on them.
//
// # Performance
//
// A repeated number is answered from the LRU cache without parsing. A new
// number written with digits, a leading + or 00 and the usual separators is
// parsed for DE, AT and CH directly from libphonenumber's metadata, skipping
// the library parser's regular expressions for extensions and letters; any
// other input goes through phonenumbers.Parse. Tests and a fuzz target hold
// the direct path to the library's result. Validity and the number type
// come from one type lookup, not from IsValidNumber and GetNumberType
// both. The benchmarks in bench_test.go compare all of this with the bare
// library.
package phone
