//go:build race

package arabic

// raceEnabled shrinks the largest test inputs under the race detector, which slows them
// tenfold without finding more.
const raceEnabled = true
