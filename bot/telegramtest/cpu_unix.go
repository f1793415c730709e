//go:build unix

package telegramtest

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time this process has used, user plus system. The
// benchmarks (the fake's, and the pacer's in bot/deliver) report it per
// operation because wall time on a shared machine says more about the
// neighbours than about the code measured.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
