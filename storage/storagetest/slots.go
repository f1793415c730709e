package storagetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of the
// hash tag (the text between the first "{" and the next "}", if not empty)
// or of the whole key, modulo 16384.
func Slot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key) % 16384)
}

// crc16 is CRC-16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster
// uses for key slots.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// keyless reports whether a command takes no key, so it never counts
// against a slot.
func keyless(name string) bool {
	switch name {
	case "multi", "exec", "discard", "ping", "script", "time", "info", "hello",
		"client", "select", "auth", "cluster", "command", "quit", "echo", "scan",
		"dbsize", "readonly":
		return true
	}
	return false
}

// CommandKeys returns the keys a command touches, for the commands the
// store sends (and the usual multi-key ones). A command whose keys it does
// not know is treated as having its first argument as its only key.
func CommandKeys(args []any) []string {
	if len(args) < 2 {
		return nil
	}
	name := strings.ToLower(fmt.Sprint(args[0]))
	if keyless(name) {
		return nil
	}
	str := func(i int) string { return fmt.Sprint(args[i]) }
	all := func(from, step int) []string {
		var ks []string
		for i := from; i < len(args); i += step {
			ks = append(ks, str(i))
		}
		return ks
	}
	switch name {
	case "del", "unlink", "exists", "mget", "touch", "watch",
		"sunion", "sinter", "sdiff", "sunionstore", "sinterstore", "sdiffstore", "pfcount", "pfmerge":
		return all(1, 1)
	case "mset", "msetnx":
		return all(1, 2)
	case "rename", "renamenx", "smove", "lmove", "rpoplpush", "copy", "blmove":
		if len(args) < 3 {
			return nil
		}
		return []string{str(1), str(2)}
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		n, err := strconv.Atoi(str(2))
		if err != nil || 3+n > len(args) {
			return nil
		}
		return all(3, 1)[:n]
	case "zunionstore", "zinterstore", "zdiffstore":
		n, err := strconv.Atoi(str(2))
		if err != nil || 3+n > len(args) {
			return nil
		}
		return append([]string{str(1)}, all(3, 1)[:n]...)
	case "xgroup", "xinfo", "object", "memory":
		// Subcommand first, then the key.
		if len(args) < 3 {
			return nil
		}
		return []string{str(2)}
	case "xread", "xreadgroup":
		for i := 1; i < len(args); i++ {
			if strings.EqualFold(str(i), "streams") {
				rest := all(i+1, 1)
				return rest[:len(rest)/2]
			}
		}
		return nil
	}
	return []string{str(1)}
}

// CrossSlot returns an error if keys are not all in one hash slot.
func CrossSlot(keys []string) error {
	for _, k := range keys[min(1, len(keys)):] {
		if Slot(k) != Slot(keys[0]) {
			return fmt.Errorf("keys %q (slot %d) and %q (slot %d) are in different cluster slots",
				keys[0], Slot(keys[0]), k, Slot(k))
		}
	}
	return nil
}

// slotHook fails the test on any command or MULTI block that a Redis
// Cluster would reject with CROSSSLOT.
type slotHook struct{ t testing.TB }

func (h slotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h slotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := CrossSlot(CommandKeys(cmd.Args())); err != nil {
			h.t.Errorf("storagetest: %s: %v", cmd.Name(), err)
		}
		return next(ctx, cmd)
	}
}

func (h slotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var tx []string
		inTx := false
		for _, cmd := range cmds {
			ks := CommandKeys(cmd.Args())
			if err := CrossSlot(ks); err != nil {
				h.t.Errorf("storagetest: pipelined %s: %v", cmd.Name(), err)
			}
			switch cmd.Name() {
			case "multi":
				inTx, tx = true, nil
			case "exec":
				if err := CrossSlot(tx); err != nil {
					h.t.Errorf("storagetest: MULTI block: %v", err)
				}
				inTx = false
			default:
				if inTx {
					tx = append(tx, ks...)
				}
			}
		}
		return next(ctx, cmds)
	}
}
