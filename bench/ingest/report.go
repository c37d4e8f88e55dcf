package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// goals evaluates the goals that this run can speak to.
func goals(o *options, r *Result) []Goal {
	var out []Goal
	if r.Load.Mode == "max" && r.Raw != nil && r.Raw.RowsPerSec > 0 {
		got := fmt.Sprintf("%.2fx (%.0f req/s vs %.0f rows/s)", r.Ratio, r.Load.RPS, r.Raw.RowsPerSec)
		out = append(out,
			Goal{Name: "ingest vs raw single-row INSERT", Want: fmt.Sprintf(">= %.1fx", goalRowPerRequest), Got: got, Met: r.Ratio >= goalRowPerRequest},
			Goal{Name: "group commit beats the ceiling", Want: fmt.Sprintf(">= %.1fx", goalGroupCommit), Got: got, Met: r.Ratio >= goalGroupCommit},
		)
	}
	if r.Load.Mode == "rate" {
		g := Goal{Name: "p99 ack latency at steady rate", Want: fmt.Sprintf("< %.0f ms at 1000 req/s", goalP99MS),
			Got: fmt.Sprintf("%.1f ms at %.0f req/s", r.Load.Latency.P99, o.Rate)}
		g.Met = r.Load.Latency.P99 < goalP99MS && o.Rate >= 1000 && r.Load.Failed == 0
		if o.Rate < 1000 {
			g.Reason = "rate below the goal's 1000 req/s"
		}
		out = append(out, g)
	}
	if r.Memory != nil {
		g := Goal{Name: "serve peak RSS (VmHWM)", Want: fmt.Sprintf("< %.0f MiB", goalPeakRSSMiB),
			Got: fmt.Sprintf("%.1f MiB", r.Memory.PeakRSSMiB), Met: r.Memory.PeakRSSMiB < goalPeakRSSMiB}
		out = append(out, g)
	}
	out = append(out, Goal{Name: "rows in table == 2xx answers", Want: "equal",
		Got: fmt.Sprintf("%d rows, %d 2xx", r.Rows, r.Load.OK), Met: r.RowsOK})
	return out
}

// printSummary writes the human summary of r.
func printSummary(w io.Writer, r *Result) {
	fmt.Fprintf(w, "\nrun %s  %s  %s (%s)  %d CPUs, GOMAXPROCS %d\n", r.Run, r.Time.Format("2006-01-02 15:04:05Z"),
		r.Label, r.Machine.Database, r.Machine.CPUs, r.Machine.GOMAXPROCS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tconc\tdur s\tok\tfailed\trate/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tCPU busy %")
	if r.Raw != nil {
		x := r.Raw
		busy := 0.0
		if r.RawCPU != nil {
			busy = r.RawCPU.MachineBusyPct
		}
		fmt.Fprintf(tw, "raw INSERT\t%d\t%.1f\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", x.Concurrency, x.DurationS, x.Rows, x.Errors,
			x.RowsPerSec, x.Latency.P50, x.Latency.P95, x.Latency.P99, x.Latency.Max, busy)
	}
	l := r.Load
	name := "ingest " + l.Mode
	if l.Mode == "rate" {
		name = fmt.Sprintf("ingest @%.0f/s", l.TargetRate)
	}
	fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", name, l.Concurrency, l.DurationS, l.OK, l.Failed,
		l.RPS, l.Latency.P50, l.Latency.P95, l.Latency.P99, l.Latency.Max, r.LoadCPU.MachineBusyPct)
	_ = tw.Flush()
	codes := make([]string, 0, len(l.Statuses))
	for k := range l.Statuses {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	fmt.Fprint(w, "statuses:")
	for _, k := range codes {
		fmt.Fprintf(w, " %s=%d", k, l.Statuses[k])
	}
	fmt.Fprintln(w)
	if l.Mode == "rate" {
		fmt.Fprintf(w, "late (started > %.0f ms after schedule): %d, unsent: %d\n", l.LateAfterMS, l.Late, l.Unsent)
	}
	fmt.Fprintf(w, "hypervisor steal during the load: %.1f%% of the CPUs\n", r.LoadCPU.StealPct)
	if l.Sent > 0 {
		fmt.Fprintf(w, "mean body %.0f B; load CPU: serve %.1f s, harness %.1f s over %.1f s\n",
			float64(l.BodyBytes)/float64(l.Sent), r.LoadCPU.ServeCPUS, r.LoadCPU.HarnessCPUS, l.DurationS)
	}
	printOthers := func(phase string, u *CPUUse, n int64) {
		if u == nil || len(u.Others) == 0 || n == 0 {
			return
		}
		names := make([]string, 0, len(u.Others))
		for k := range u.Others {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "%s CPU per 1000 rows:", phase)
		if u.ServeCPUS > 0 {
			fmt.Fprintf(w, " serve %.2f s", 1000*u.ServeCPUS/float64(n))
		}
		fmt.Fprintf(w, " harness %.2f s", 1000*u.HarnessCPUS/float64(n))
		for _, k := range names {
			fmt.Fprintf(w, " %s %.2f s", k, 1000*u.Others[k]/float64(n))
		}
		fmt.Fprintln(w)
	}
	if u := r.IdleCPU; u != nil {
		fmt.Fprintf(w, "before the run, without load: machine %.0f%% busy", u.MachineBusyPct)
		names := make([]string, 0, len(u.Others))
		for k := range u.Others {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, ", %s %.2f CPU s", k, u.Others[k])
		}
		fmt.Fprintln(w)
	}
	if r.Raw != nil {
		printOthers("raw", r.RawCPU, r.Raw.Rows)
	}
	lc := r.LoadCPU
	printOthers("load", &lc, l.Sent)
	if r.Memory != nil {
		fmt.Fprintf(w, "serve RSS: before %.1f MiB, max sampled %.1f MiB, VmHWM %.1f MiB\n",
			r.Memory.RSSBeforeMiB, r.Memory.MaxSampledRSSMiB, r.Memory.PeakRSSMiB)
	}
	if len(r.Rounds) > 1 {
		if r.Raw != nil {
			fmt.Fprint(w, "rounds (raw rows/s -> ingest req/s = ratio):")
			for _, rd := range r.Rounds {
				fmt.Fprintf(w, "  %.0f -> %.0f = %.2fx", rd.Raw, rd.Load, rd.Ratio)
			}
		} else {
			fmt.Fprint(w, "rounds (ingest req/s, p99 ms):")
			for _, rd := range r.Rounds {
				fmt.Fprintf(w, "  %.0f, %.1f", rd.Load, rd.LoadP99)
			}
		}
		fmt.Fprintln(w)
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\ngoal\twant\tgot\tmet")
	for _, g := range r.Goals {
		met := "yes"
		if !g.Met {
			met = "NO"
		}
		if g.Reason != "" {
			met += " (" + g.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, g.Want, g.Got, met)
	}
	_ = tw.Flush()
	for _, warn := range r.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
}
