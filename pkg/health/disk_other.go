//go:build !linux

package health

func diskSpace(string) (free, total uint64, err error) { return 0, 0, ErrDiskUnsupported }
