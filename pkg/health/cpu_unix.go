//go:build linux || darwin || freebsd || netbsd || openbsd

package health

import (
	"syscall"
	"time"
)

// processCPU reads the process's user and system CPU time with getrusage.
func processCPU() *CPUMetrics {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil
	}
	u := time.Duration(ru.Utime.Nano()).Seconds()
	s := time.Duration(ru.Stime.Nano()).Seconds()
	return &CPUMetrics{UserSeconds: u, SystemSeconds: s, TotalSeconds: u + s}
}
