package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/spf13/cobra"
)

// ValidatePhoneOptions holds what `askpro validate-phone` needs.
type ValidatePhoneOptions struct {
	IO *iostreams.IOStreams
	// Now is the clock for throttling progress output.
	Now func() time.Time

	// Numbers are the arguments; a single "-" reads numbers from IO.In.
	Numbers []string
	// Region is the region of national numbers ("" = DE).
	Region string
	// Column, when ≥ 1, reads the numbers from that CSV column of stdin.
	Column int
	// Delimiter is the CSV separator ("" = detect; "tab" or a single character).
	Delimiter string
	// SkipHeader skips the first line of stdin.
	SkipHeader bool
	// AllowVanity and AllowMissingTrunkPrefix relax the input policy of
	// pkg/phone (see its package documentation).
	AllowVanity             bool
	AllowMissingTrunkPrefix bool
	// Exporter is set by -o json: the results are then written as JSON
	// lines, one object a number, as they are validated.
	Exporter cmdutil.Exporter
}

// NewCmdValidatePhone builds `askpro validate-phone NUMBER... | -`.
func NewCmdValidatePhone(f *cmdutil.Factory, runF func(*ValidatePhoneOptions) error) *cobra.Command {
	opts := &ValidatePhoneOptions{IO: f.IO, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "validate-phone NUMBER... | -",
		Short: "Validate phone numbers and normalize them to E.164",
		Long: `Validate phone numbers with libphonenumber and print their E.164 form, region, type
and formats. Numbers from DE, AT and CH are accepted; national numbers are read for --region.

With "-" the numbers are read from standard input, one a line, or from one column of a CSV
file with --column N (the separator , ; or tab is detected from the first line).

Exit status: 0 when every number is valid, 1 when any is not, 2 on a usage error.`,
		Example: `  askpro validate-phone "030 1234567" "+43 664 1234567"
  echo "030 1234567" | askpro validate-phone - -o json
  askpro validate-phone - --column 3 --skip-header < customers.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("give at least one phone number, or - to read them from standard input")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Numbers = args
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return validatePhoneRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Region, "region", "DE", "region of national numbers: DE, AT or CH")
	fl.IntVar(&opts.Column, "column", 0, "with -: read the numbers from this 1-based CSV column")
	fl.StringVar(&opts.Delimiter, "delimiter", "", `with --column: CSV separator, one character or "tab" (default: detected)`)
	fl.BoolVar(&opts.SkipHeader, "skip-header", false, "with -: skip the first line (a CSV header)")
	fl.BoolVar(&opts.AllowVanity, "allow-vanity", false, `accept vanity numbers such as "0800 FLOWERS"`)
	fl.BoolVar(&opts.AllowMissingTrunkPrefix, "allow-missing-trunk-prefix", false,
		`accept national numbers without their leading 0, such as "151 12345678"`)
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// stdin reports whether the numbers come from standard input.
func (o *ValidatePhoneOptions) stdin() bool { return len(o.Numbers) == 1 && o.Numbers[0] == "-" }

// check validates the flags: every problem here is a usage error (exit 2).
func (o *ValidatePhoneOptions) check() error {
	if !o.stdin() {
		for _, n := range o.Numbers {
			if n == "-" {
				return cmdutil.FlagErrorf(`"-" reads numbers from standard input and cannot be mixed with numbers`)
			}
		}
		switch {
		case o.Column != 0:
			return cmdutil.FlagErrorf("--column needs - (numbers from standard input)")
		case o.SkipHeader:
			return cmdutil.FlagErrorf("--skip-header needs - (numbers from standard input)")
		case o.Delimiter != "":
			return cmdutil.FlagErrorf("--delimiter needs - and --column")
		}
	}
	if o.Column < 0 {
		return cmdutil.FlagErrorf("--column must be 1 or more")
	}
	if o.Delimiter != "" && o.Column == 0 {
		return cmdutil.FlagErrorf("--delimiter needs --column")
	}
	if _, err := o.comma(); err != nil {
		return err
	}
	if !phone.Default().SupportsRegion(o.Region) {
		return cmdutil.FlagErrorf("invalid --region %q: want one of DE, AT, CH", o.Region)
	}
	return nil
}

// comma returns the CSV separator of --delimiter (0 = detect).
func (o *ValidatePhoneOptions) comma() (rune, error) {
	switch {
	case o.Delimiter == "":
		return 0, nil
	case o.Delimiter == "tab" || o.Delimiter == `\t`:
		return '\t', nil
	case utf8.RuneCountInString(o.Delimiter) == 1 && o.Delimiter != `"`:
		r, _ := utf8.DecodeRuneInString(o.Delimiter)
		return r, nil
	}
	return 0, cmdutil.FlagErrorf(`invalid --delimiter %q: want one character or "tab"`, o.Delimiter)
}

func validatePhoneRun(ctx context.Context, opts *ValidatePhoneOptions) error {
	v, err := phone.New(phone.Config{
		AllowVanity:             opts.AllowVanity,
		AllowMissingTrunkPrefix: opts.AllowMissingTrunkPrefix,
	})
	if err != nil {
		return err
	}
	var st phone.Stats
	switch {
	case opts.stdin():
		st, err = validatePhoneStream(ctx, opts, v)
	default:
		st, err = validatePhoneArgs(opts, v)
	}
	if err != nil {
		return err
	}
	if st.Total == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no phone numbers read")
	}
	if st.Invalid > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad,
			Err: fmt.Errorf("%d of %d phone numbers are invalid", st.Invalid, st.Total)}
	}
	return nil
}

// validatePhoneArgs validates the numbers given as arguments.
func validatePhoneArgs(opts *ValidatePhoneOptions, v *phone.Validator) (phone.Stats, error) {
	var st phone.Stats
	results := make([]phone.Result, len(opts.Numbers))
	for i, n := range opts.Numbers {
		results[i] = v.Validate(n, opts.Region)
		st.Total++
		if results[i].Valid {
			st.Valid++
		} else {
			st.Invalid++
		}
	}
	if opts.Exporter != nil {
		enc := json.NewEncoder(opts.IO.Out) // the same lines as StreamJSON
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return st, fmt.Errorf("write json: %w", err)
			}
		}
		return st, nil
	}
	t := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), phoneHeaders...)
	for _, r := range results {
		t.AddRow(phoneRow(r)...)
	}
	return st, t.Render()
}

var phoneHeaders = []string{"INPUT", "VALID", "E164", "REGION", "TYPE", "NATIONAL", "MESSAGE"}

func phoneRow(r phone.Result) []any {
	valid := "no"
	if r.Valid {
		valid = "yes"
	}
	return []any{r.Input, valid, r.E164, r.Region, r.Type, r.National, r.Message}
}

// validatePhoneStream validates the numbers of standard input on all cores.
func validatePhoneStream(ctx context.Context, opts *ValidatePhoneOptions, v *phone.Validator) (phone.Stats, error) {
	comma, _ := opts.comma() // checked in check
	so := &phone.StreamOpts{Region: opts.Region, Column: opts.Column, Comma: comma, SkipHeader: opts.SkipHeader}
	asJSON := opts.Exporter != nil
	// Progress goes to stderr when a person watches it, the numbers come
	// from a file or pipe, and stdout is not a terminal busy printing lines.
	p := &progress{w: opts.IO.ErrOut, now: opts.Now}
	if opts.IO.IsStderrTTY() && !opts.IO.IsStdinTTY() && !(asJSON && opts.IO.IsStdoutTTY()) {
		so.Progress = p.update
	}
	if asJSON {
		st, err := v.StreamJSON(ctx, opts.IO.In, opts.IO.Out, so)
		p.done()
		return st, streamErr(err)
	}
	t := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), append([]string{"LINE"}, phoneHeaders...)...)
	st, err := v.Stream(ctx, opts.IO.In, so, func(l phone.Line) error {
		t.AddRow(append([]any{l.No}, phoneRow(l.Result)...)...)
		return nil
	})
	p.done()
	if err != nil {
		return st, streamErr(err)
	}
	return st, t.Render()
}

// streamErr turns invalid stream options into usage errors.
func streamErr(err error) error {
	if errors.Is(err, phone.ErrOptions) || errors.Is(err, phone.ErrUnsupportedRegion) {
		return &cmdutil.FlagError{Err: err}
	}
	return err
}

// progress prints "validated N numbers (M invalid)" on one terminal line, at
// most every progressEvery.
type progress struct {
	w     io.Writer
	now   func() time.Time
	last  time.Time
	shown bool
}

const progressEvery = 200 * time.Millisecond

func (p *progress) update(st phone.Stats) {
	if now := p.now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		p.shown = true
		fmt.Fprintf(p.w, "\r\033[Kvalidated %s numbers (%s invalid)", thousands(st.Total), thousands(st.Invalid))
	}
}

// done clears the progress line, if one was shown.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
