package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/phone"
)

// phoneTestBundle holds the collaborators of a validate-phone test.
type phoneTestBundle struct {
	io              *iostreams.IOStreams
	in, out, errOut *bytes.Buffer
	factory         *cmdutil.Factory
}

func setupValidatePhone(t *testing.T) phoneTestBundle {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	return phoneTestBundle{io: ios, in: in, out: out, errOut: errOut, factory: cmdutil.New(ios, "test")}
}

// exporterFor returns the Exporter -o name sets.
func exporterFor(name string) cmdutil.Exporter {
	if name == "json" {
		return cmdutil.JSONExporter{}
	}
	return nil
}

func TestNewCmdValidatePhoneFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    ValidatePhoneOptions
		wantErr string
	}{
		{name: "numbers", args: []string{"030 1234567", "+43 664 1234567"},
			want: ValidatePhoneOptions{Numbers: []string{"030 1234567", "+43 664 1234567"}, Region: "DE"}},
		{name: "stdin json", args: []string{"-", "-o", "json", "--region", "at"},
			want: ValidatePhoneOptions{Numbers: []string{"-"}, Region: "at", Exporter: cmdutil.JSONExporter{}}},
		{name: "csv", args: []string{"-", "--column", "3", "--delimiter", "tab", "--skip-header", "--allow-vanity", "--allow-missing-trunk-prefix"},
			want: ValidatePhoneOptions{Numbers: []string{"-"}, Region: "DE", Column: 3, Delimiter: "tab",
				SkipHeader: true, AllowVanity: true, AllowMissingTrunkPrefix: true}},
		{name: "no arguments", args: nil, wantErr: "at least one phone number"},
		{name: "dash mixed", args: []string{"-", "030 1234567"}, wantErr: "cannot be mixed"},
		{name: "column without stdin", args: []string{"030 1234567", "--column", "2"}, wantErr: "--column needs -"},
		{name: "skip header without stdin", args: []string{"030 1234567", "--skip-header"}, wantErr: "--skip-header needs -"},
		{name: "negative column", args: []string{"-", "--column", "-1"}, wantErr: "--column must be"},
		{name: "delimiter without column", args: []string{"-", "--delimiter", ";"}, wantErr: "--delimiter needs --column"},
		{name: "bad delimiter", args: []string{"-", "--column", "1", "--delimiter", ";;"}, wantErr: "invalid --delimiter"},
		{name: "unsupported region", args: []string{"030 1234567", "--region", "US"}, wantErr: "invalid --region"},
		{name: "bad output", args: []string{"030 1234567", "-o", "yaml"}, wantErr: "want table or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupValidatePhone(t)
			var got *ValidatePhoneOptions
			cmd := NewCmdValidatePhone(b.factory, func(o *ValidatePhoneOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(b.out)
			cmd.SetErr(b.errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "usage errors exit 2")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Same(t, b.io, got.IO)
			assert.NotNil(t, got.Now)
			got.IO, got.Now = nil, nil
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidatePhoneRunArgs(t *testing.T) {
	t.Parallel()
	t.Run("all valid, table", func(t *testing.T) {
		t.Parallel()
		b := setupValidatePhone(t)
		err := validatePhoneRun(context.Background(), &ValidatePhoneOptions{IO: b.io, Now: time.Now,
			Numbers: []string{"030 1234567", "+43 664 1234567"}, Region: "DE"})
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(b.out.String(), "\n"), "\n")
		require.Len(t, lines, 3)
		assert.Equal(t, "INPUT\tVALID\tE164\tREGION\tTYPE\tNATIONAL\tMESSAGE", lines[0])
		assert.Equal(t, "030 1234567\tyes\t+49301234567\tDE\tfixed_line\t030 1234567\t", lines[1])
		assert.Equal(t, "+43 664 1234567\tyes\t+436641234567\tAT\tmobile\t0664 1234567\t", lines[2])
		assert.Empty(t, b.errOut.String())
	})
	t.Run("one invalid, json", func(t *testing.T) {
		t.Parallel()
		b := setupValidatePhone(t)
		err := validatePhoneRun(context.Background(), &ValidatePhoneOptions{IO: b.io, Now: time.Now,
			Numbers: []string{"030 1234567", "+1 415 555 0100"}, Region: "DE", Exporter: cmdutil.JSONExporter{}})
		require.Error(t, err)
		assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
		assert.Contains(t, err.Error(), "1 of 2 phone numbers are invalid")
		results := decodeLines(t, b.out.String())
		require.Len(t, results, 2)
		assert.Equal(t, phone.Number("+49301234567"), results[0].E164)
		assert.Equal(t, phone.CodeUnsupportedRegion, results[1].Code)
		assert.Equal(t, "Phone numbers from US are not supported", results[1].Message)
	})
	t.Run("styled table on a colour terminal", func(t *testing.T) {
		t.Parallel()
		b := setupValidatePhone(t)
		b.io.SetColorEnabled(true)
		err := validatePhoneRun(context.Background(), &ValidatePhoneOptions{IO: b.io, Now: time.Now,
			Numbers: []string{"0151 12345678", "4915112345678"}, Region: "DE"})
		assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
		assert.Contains(t, b.out.String(), "╭")
		assert.Contains(t, b.out.String(), "+4915112345678")
		assert.Contains(t, b.out.String(), "neither a leading 0")
	})
	t.Run("relaxed policies", func(t *testing.T) {
		t.Parallel()
		b := setupValidatePhone(t)
		err := validatePhoneRun(context.Background(), &ValidatePhoneOptions{IO: b.io, Now: time.Now,
			Numbers: []string{"0800 FLOWERS", "151 12345678"}, Region: "DE", Exporter: cmdutil.JSONExporter{},
			AllowVanity: true, AllowMissingTrunkPrefix: true})
		require.NoError(t, err)
		results := decodeLines(t, b.out.String())
		assert.Equal(t, phone.Number("+498003569377"), results[0].E164)
		assert.Equal(t, phone.Number("+4915112345678"), results[1].E164)
	})
}

func decodeLines(t *testing.T, s string) []phone.Result {
	t.Helper()
	var out []phone.Result
	dec := json.NewDecoder(strings.NewReader(s))
	for dec.More() {
		var r phone.Result
		require.NoError(t, dec.Decode(&r))
		out = append(out, r)
	}
	return out
}

// TestValidatePhoneIssueExample: `echo "030 1234567" | askpro validate-phone - -o json`.
func TestValidatePhoneIssueExample(t *testing.T) {
	t.Parallel()
	b := setupValidatePhone(t)
	b.in.WriteString("030 1234567\n")
	cmd := NewCmdValidatePhone(b.factory, nil)
	cmd.SetArgs([]string{"-", "-o", "json"})
	cmd.SetContext(context.Background())
	require.NoError(t, cmd.Execute())
	assert.Equal(t, `{"input":"030 1234567","valid":true,"e164":"+49301234567","region":"DE","country_code":49,`+
		`"type":"fixed_line","national":"030 1234567","international":"+49 30 1234567"}`+"\n", b.out.String())
}

func TestValidatePhoneRunStdin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		opts     ValidatePhoneOptions
		wantExit int
		wantOut  []string // table lines, or e164|code per JSON line
	}{
		{
			name:     "lines, table",
			in:       "030 1234567\n\n0664 1234567\n",
			opts:     ValidatePhoneOptions{Region: "AT"},
			wantExit: cmdutil.ExitBad,
			wantOut: []string{
				"LINE\tINPUT\tVALID\tE164\tREGION\tTYPE\tNATIONAL\tMESSAGE",
				"1\t030 1234567\tno\t\tAT\t\t\tThe phone number is not valid in AT.",
				"3\t0664 1234567\tyes\t+436641234567\tAT\tmobile\t0664 1234567\t",
			},
		},
		{
			name:     "csv column, json",
			in:       "name;phone\nAnna;030/1234567\nBea;\"+41 44 668 18 00\"\n",
			opts:     ValidatePhoneOptions{Region: "DE", Exporter: cmdutil.JSONExporter{}, Column: 2, SkipHeader: true},
			wantExit: cmdutil.ExitOK,
			wantOut:  []string{"+49301234567|", "+41446681800|"},
		},
		{
			name:     "explicit delimiter",
			in:       "a|0151 12345678\nb|12\n",
			opts:     ValidatePhoneOptions{Region: "DE", Exporter: cmdutil.JSONExporter{}, Column: 2, Delimiter: "|"},
			wantExit: cmdutil.ExitBad,
			wantOut:  []string{"+4915112345678|", "|ambiguous"},
		},
		{
			name:     "empty input",
			in:       "\n\n",
			opts:     ValidatePhoneOptions{Region: "DE", Exporter: cmdutil.JSONExporter{}},
			wantExit: cmdutil.ExitOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupValidatePhone(t)
			b.in.WriteString(tt.in)
			opts := tt.opts
			opts.IO, opts.Now, opts.Numbers = b.io, time.Now, []string{"-"}
			err := validatePhoneRun(context.Background(), &opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCode(err), "error: %v", err)
			var got []string
			if opts.Exporter != nil {
				for _, r := range decodeLines(t, b.out.String()) {
					got = append(got, fmt.Sprintf("%s|%s", r.E164, r.Code))
				}
			} else {
				got = strings.Split(strings.TrimSuffix(b.out.String(), "\n"), "\n")
			}
			if diff := cmp.Diff(tt.wantOut, got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if len(tt.wantOut) == 0 {
				assert.Contains(t, b.errOut.String(), "no phone numbers read")
			}
		})
	}
}

func TestValidatePhoneProgress(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, "0151 %08d\n", i)
	}
	tests := []struct {
		name                        string
		stdinTTY, stdoutTTY, errTTY bool
		output                      string
		wantProgress                bool
	}{
		{name: "file to table on a terminal", errTTY: true, stdoutTTY: true, output: "table", wantProgress: true},
		{name: "file to json file", errTTY: true, output: "json", wantProgress: true},
		{name: "json lines on the terminal already", errTTY: true, stdoutTTY: true, output: "json"},
		{name: "typed on the terminal", errTTY: true, stdinTTY: true, stdoutTTY: true, output: "table"},
		{name: "stderr redirected", output: "table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupValidatePhone(t)
			b.in.WriteString(in.String())
			b.io.SetStdinTTY(tt.stdinTTY)
			b.io.SetStdoutTTY(tt.stdoutTTY)
			b.io.SetStderrTTY(tt.errTTY)
			clock := time.Unix(0, 0)
			now := func() time.Time { clock = clock.Add(time.Second); return clock }
			err := validatePhoneRun(context.Background(), &ValidatePhoneOptions{IO: b.io, Now: now,
				Numbers: []string{"-"}, Region: "DE", Exporter: exporterFor(tt.output)})
			require.NoError(t, err)
			if !tt.wantProgress {
				assert.Empty(t, b.errOut.String())
				return
			}
			assert.Contains(t, b.errOut.String(), "validated 3,000 numbers (0 invalid)")
			assert.True(t, strings.HasSuffix(b.errOut.String(), "\r\033[K"), "the progress line is cleared")
			assert.NotContains(t, b.out.String(), "validated", "progress never goes to stdout")
		})
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		assert.Equal(t, want, thousands(n))
	}
}
