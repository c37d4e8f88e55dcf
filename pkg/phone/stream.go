package phone

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

const (
	// batchSize is the number of records a worker validates at a time.
	batchSize = 256
	// maxLineBytes bounds a line in line mode; longer lines are reported as
	// too long with their first truncatedInputBytes bytes as input.
	maxLineBytes        = 64 << 10
	truncatedInputBytes = 1 << 10
)

// StreamOpts configures [Validator.Stream] and [Validator.StreamJSON]. A nil
// *StreamOpts is the zero value: one number a line, default region,
// GOMAXPROCS workers.
type StreamOpts struct {
	// Region is the region for national numbers; "" means the validator's
	// default region. A region that is not supported is an error wrapping
	// [ErrUnsupportedRegion] before anything is read.
	Region string
	// Column selects what a record is. 0 (the default): each line is one
	// number, with surrounding whitespace trimmed; blank lines are skipped
	// and a UTF-8 byte order mark at the start is dropped. N ≥ 1: the input
	// is CSV and the number is the Nth field of each record (quoted fields
	// allowed); blank records are skipped, a record without an Nth field is
	// reported with [CodeEmpty].
	Column int
	// Comma is the CSV field separator when Column ≥ 1. 0 (the default)
	// detects it from the first line: whichever of ',', ';' and tab occurs
	// most, ',' when none does.
	Comma rune
	// SkipHeader skips the first non-blank line or record (a CSV header).
	SkipHeader bool
	// Workers is the number of goroutines that validate. Defaults to
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, if set, is called after each batch of records has been
	// emitted, from the goroutine that called Stream, with the counts so
	// far.
	Progress func(Stats)
}

// Stats counts the records of a stream.
type Stats struct {
	// Total is the number of records validated.
	Total int `json:"total"`
	// Valid is the number of valid records.
	Valid int `json:"valid"`
	// Invalid is the number of invalid records.
	Invalid int `json:"invalid"`
}

// Line is one validated record of a stream.
type Line struct {
	// No is the 1-based line number where the record starts in the input.
	No int
	// Result is the validation result of the record's number.
	Result
}

// Stream reads numbers from r as opts describes, validates them on
// opts.Workers goroutines and calls emit with each result in input order,
// always from the calling goroutine. It returns the counts and the first
// error of reading r, of emit, or of ctx. Records are read ahead in batches,
// so emit is called for a record after a few hundred following ones have
// been read (or as soon as r has nothing more buffered, so interactive
// input is answered line by line).
//
// When Stream returns early (emit error, ctx done) while a goroutine is
// still blocked reading r, that goroutine ends once its Read returns.
func (v *Validator) Stream(ctx context.Context, r io.Reader, opts *StreamOpts, emit func(Line) error) (Stats, error) {
	return v.run(ctx, r, opts, false, func(b *batch) error {
		for i := range b.recs {
			rec := &b.recs[i]
			if err := emit(Line{No: rec.no, Result: rec.res}); err != nil {
				return err
			}
		}
		return nil
	})
}

// StreamJSON is [Validator.Stream] writing each [Result] to w as one line
// of JSON, in input order; the lines are exactly what encoding/json's
// Marshal gives for a Result. The workers encode too, so w only receives
// ready batches of lines. It returns the counts and the first error of
// reading r, writing w, or of ctx.
func (v *Validator) StreamJSON(ctx context.Context, r io.Reader, w io.Writer, opts *StreamOpts) (Stats, error) {
	return v.run(ctx, r, opts, true, func(b *batch) error {
		if _, err := w.Write(b.out); err != nil {
			return fmt.Errorf("phone: write results: %w", err)
		}
		return nil
	})
}

// record is one number read from the input.
type record struct {
	no    int
	input string
	pre   bool // res is set by the reader (a CSV error, a missing column)
	res   Result
}

// batch is the unit of work; done is closed when its results are ready.
type batch struct {
	recs []record
	out  []byte
	done chan struct{}
}

var batchPool = sync.Pool{New: func() any { return &batch{recs: make([]record, 0, batchSize)} }}

func getBatch() *batch {
	b := batchPool.Get().(*batch)
	b.done = make(chan struct{})
	return b
}

func putBatch(b *batch) {
	clear(b.recs)
	b.recs, b.out, b.done = b.recs[:0], b.out[:0], nil
	batchPool.Put(b)
}

// source yields records; buffered reports whether the next record can be
// read without blocking on the underlying reader.
type source interface {
	next() (record, error)
	buffered() bool
}

func (v *Validator) run(ctx context.Context, r io.Reader, opts *StreamOpts, encode bool, sink func(*batch) error) (Stats, error) {
	var o StreamOpts
	if opts != nil {
		o = *opts
	}
	region := v.regionFor(o.Region)
	if !v.supportsRegion(region) {
		return Stats{}, &Error{Code: CodeUnsupportedRegion, Region: region, Msg: unsupportedMessage(region)}
	}
	if o.Column < 0 {
		return Stats{}, fmt.Errorf("%w: column %d: must be 0 (whole line) or a 1-based column", ErrOptions, o.Column)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	src, err := newSource(r, o)
	if err != nil {
		return Stats{}, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *batch, workers)
	order := make(chan *batch, 2*workers+2)
	var readErr error // set before order is closed

	go func() {
		defer close(order)
		defer close(jobs)
		send := func(b *batch) bool {
			select {
			case order <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		b, skip := getBatch(), o.SkipHeader
		for {
			if len(b.recs) > 0 && !src.buffered() {
				// The next read may block (interactive input): hand over
				// what we have first.
				if !send(b) {
					readErr = ctx.Err()
					return
				}
				b = getBatch()
			}
			rec, err := src.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr = fmt.Errorf("phone: read input: %w", err)
				}
				break
			}
			if skip {
				skip = false
				continue
			}
			b.recs = append(b.recs, rec)
			if len(b.recs) == batchSize {
				if !send(b) {
					readErr = ctx.Err()
					return
				}
				b = getBatch()
			}
		}
		if len(b.recs) > 0 && !send(b) {
			readErr = ctx.Err()
		}
	}()

	for range workers {
		go func() {
			for b := range jobs {
				v.process(b, region, encode)
				close(b.done)
			}
		}()
	}

	var st Stats
	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
			return st, ctx.Err()
		}
		for i := range b.recs {
			st.Total++
			if b.recs[i].res.Valid {
				st.Valid++
			} else {
				st.Invalid++
			}
		}
		if err := sink(b); err != nil {
			return st, err
		}
		putBatch(b)
		if o.Progress != nil {
			o.Progress(st)
		}
	}
	return st, readErr
}

// process validates (and, for StreamJSON, encodes) the records of b.
func (v *Validator) process(b *batch, region string, encode bool) {
	for i := range b.recs {
		rec := &b.recs[i]
		if !rec.pre {
			rec.res = v.Validate(rec.input, region)
		}
		if encode {
			b.out = rec.res.appendJSON(b.out)
			b.out = append(b.out, '\n')
		}
	}
}

var bom = []byte("\ufeff")

func newSource(r io.Reader, o StreamOpts) (source, error) {
	br := bufio.NewReaderSize(r, maxLineBytes)
	if p, err := br.Peek(len(bom)); err == nil && bytes.Equal(p, bom) {
		_, _ = br.Discard(len(bom))
	}
	if o.Column == 0 {
		return &lineSource{br: br}, nil
	}
	comma := o.Comma
	if comma == 0 {
		comma = detectComma(firstLine(br))
	}
	if comma == '"' || comma == '\r' || comma == '\n' || comma == utf8.RuneError || !utf8.ValidRune(comma) {
		return nil, fmt.Errorf("%w: %q cannot separate CSV fields", ErrOptions, comma)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvSource{br: br, cr: cr, col: o.Column}, nil
}

// firstLine returns the first line of br without consuming it (at most the
// buffer size). It reads only as much as needed, so interactive input is
// not waited for beyond its first line.
func firstLine(br *bufio.Reader) []byte {
	for n := 1; ; {
		p, err := br.Peek(n)
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			return p[:i]
		}
		if err != nil {
			return p
		}
		if n = br.Buffered() + 1; n > br.Size() {
			p, _ = br.Peek(br.Size())
			return p
		}
	}
}

// detectComma picks the CSV separator of a header or first record.
func detectComma(line []byte) rune {
	comma, best := ',', 0
	for _, c := range []rune{',', ';', '\t'} {
		if n := bytes.Count(line, []byte(string(c))); n > best {
			comma, best = c, n
		}
	}
	return comma
}

// lineSource reads one number a line.
type lineSource struct {
	br *bufio.Reader
	n  int
}

func (s *lineSource) buffered() bool { return s.br.Buffered() > 0 }

func (s *lineSource) next() (record, error) {
	for {
		line, err := s.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Not a phone number: keep its start for the report and skip
			// the rest of the line.
			line = bytes.ToValidUTF8(line[:truncatedInputBytes], nil)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = s.br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return record{}, err
			}
			err = nil
		}
		if len(line) == 0 && err != nil {
			return record{}, err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return record{}, err
		}
		s.n++
		if t := bytes.TrimSpace(line); len(t) > 0 {
			return record{no: s.n, input: string(t)}, nil
		}
	}
}

// csvSource reads one field of each CSV record.
type csvSource struct {
	br  *bufio.Reader
	cr  *csv.Reader
	col int
}

func (s *csvSource) buffered() bool { return s.br.Buffered() > 0 }

func (s *csvSource) next() (record, error) {
	for {
		fields, err := s.cr.Read()
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) && perr.Err != nil {
				return record{no: perr.StartLine, pre: true, res: Result{
					Code: CodeParse, Message: "This CSV line could not be read (" + perr.Err.Error() + ").",
				}}, nil
			}
			return record{}, err
		}
		no, _ := s.cr.FieldPos(0)
		blank := true
		for _, f := range fields {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		if s.col > len(fields) {
			return record{no: no, pre: true, res: Result{
				Code: CodeEmpty, Message: "Column " + strconv.Itoa(s.col) + " is missing in this line.",
			}}, nil
		}
		return record{no: no, input: strings.TrimSpace(fields[s.col-1])}, nil
	}
}
