//go:build !unix

package telegramtest

import "time"

// ProcessCPU is unavailable here; benchmarks then report 0 cpu-ns/op.
func ProcessCPU() time.Duration { return 0 }
