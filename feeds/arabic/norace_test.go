//go:build !race

package arabic

const raceEnabled = false
