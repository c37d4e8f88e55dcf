//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package health

func processCPU() *CPUMetrics { return nil }
