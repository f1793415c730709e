//go:build race

package bot_test

// raceEnabled: the race detector slows the bot and the fake about fivefold,
// so timed scenarios scale their rate down to stay measurements of pacing,
// not of CPU.
const raceEnabled = true
