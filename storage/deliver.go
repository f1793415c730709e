package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/redis/go-redis/v9"
)

// The delivery hot path. A sender makes one round trip before a send
// (CheckSend: park, the chat's limit, sent records, chat settings, items),
// shared with other senders' checks, and its sent record goes with a later
// check's round trip (RecordAndCheck) or, when none comes soon, in one of
// its own shared with other senders' records (DeliveredMany);
// the bot-wide rate is booked in batches of slots (HoldMany). Every
// multi-command call here is a pipeline, never a MULTI or a multi-key
// script, so it runs unchanged on Redis Cluster, where go-redis splits a
// pipeline per node.

// gcra is redis_rate v10's allowN script (Copyright (c) 2017 Pavel
// Pravosud, MIT; github.com/go-redis/redis_rate/lua.go), unchanged: the
// library only runs its scripts outside pipelines, and the hot path queues
// the check in a shared pipeline. Store.Allow runs the same script, so
// every path moves one bucket with one algorithm.
var gcra = redis.NewScript(`
-- this script has side-effects, so it requires replicate commands mode
redis.replicate_commands()

local rate_limit_key = KEYS[1]
local burst = ARGV[1]
local rate = ARGV[2]
local period = ARGV[3]
local cost = tonumber(ARGV[4])

local emission_interval = period / rate
local increment = emission_interval * cost
local burst_offset = emission_interval * burst

-- redis returns time as an array containing two integers: seconds of the epoch
-- time (10 digits) and microseconds (6 digits). for convenience we need to
-- convert them to a floating point number. the resulting number is 16 digits,
-- bordering on the limits of a 64-bit double-precision floating point number.
-- adjust the epoch to be relative to Jan 1, 2017 00:00:00 GMT to avoid floating
-- point problems. this approach is good until "now" is 2,483,228,799 (Wed, 09
-- Sep 2048 01:46:39 GMT), when the adjusted value is 16 digits.
local jan_1_2017 = 1483228800
local now = redis.call("TIME")
now = (now[1] - jan_1_2017) + (now[2] / 1000000)

local tat = redis.call("GET", rate_limit_key)

if not tat then
  tat = now
else
  tat = tonumber(tat)
end

tat = math.max(tat, now)

local new_tat = tat + increment
local allow_at = new_tat - burst_offset

local diff = now - allow_at
local remaining = diff / emission_interval

if remaining < 0 then
  local reset_after = tat - now
  local retry_after = diff * -1
  return {
    0, -- allowed
    0, -- remaining
    tostring(retry_after),
    tostring(reset_after),
  }
end

local reset_after = new_tat - now
if reset_after > 0 then
  redis.call("SET", rate_limit_key, new_tat, "EX", math.ceil(reset_after))
end
local retry_after = -1
return {cost, remaining, tostring(retry_after), tostring(reset_after)}
`)

// gcraResult is the script's answer.
type gcraResult struct {
	allowed                int
	retryAfter, resetAfter time.Duration
}

func (s *Store) queueGCRA(ctx context.Context, p redis.Pipeliner, key string, l Limit, n int) *redis.Cmd {
	return gcra.EvalSha(ctx, p, []string{s.k.rate(key)}, max(l.Burst, 1), l.Rate, l.Period.Seconds(), n)
}

func parseGCRA(cmd *redis.Cmd) (gcraResult, error) {
	v, err := cmd.Slice()
	if err != nil {
		return gcraResult{}, err
	}
	if len(v) != 4 {
		return gcraResult{}, fmt.Errorf("gcra: %d values", len(v))
	}
	allowed, _ := v[0].(int64)
	// The script answers both as strings (tostring); a type assertion
	// reads them without fmt.Sprint's copy.
	ras, _ := v[2].(string)
	ra, err := strconv.ParseFloat(ras, 64)
	if err != nil {
		return gcraResult{}, fmt.Errorf("gcra retry_after: %w", err)
	}
	rss, _ := v[3].(string)
	rs, err := strconv.ParseFloat(rss, 64)
	if err != nil {
		return gcraResult{}, fmt.Errorf("gcra reset_after: %w", err)
	}
	r := gcraResult{allowed: int(allowed), resetAfter: seconds(rs)}
	if ra >= 0 {
		r.retryAfter = seconds(ra)
	}
	return r, nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// pipelined runs fill in a pipeline. When Redis lost scripts (a restart,
// SCRIPT FLUSH, a failover to a node that never loaded them) the scripts
// are loaded and the commands that need it run again, in a second
// pipeline, in the order fill queued them:
//
//   - every command that answered NOSCRIPT: it did nothing;
//   - every read (readCommands) queued after the first of them: it
//     answered without the writes of the failed scripts queued before it,
//     and must see them.
//
// Nothing else runs again. A read queued before the first failure
// answered as it would have with every script known (no failed write
// precedes it), and run again it could see a write queued after it. A
// write that ran, a plain command or a script Redis knew, keeps its
// answer wherever it stands: Redis may know some scripts and not others
// (one reloading them one by one, a cluster node's failover), and a write
// is not safe to repeat in general (the GCRA takes a token, holdMany books
// slots, XAUTOCLAIM takes jobs its caller must keep). So the callers need
// no guard of their own. The cost: a write queued after a failed script
// took effect before the script's instead of after it, so a pipeline must
// not queue a write whose effect depends on a script queued before it
// (none here does: their writes after a script are scripts on keys of
// their own). Likewise a read queued after a failed script runs again
// after every write that ran, those queued after the read too: a pipeline
// must not queue, after a script, a read and then a write of the key it
// reads (none here does: RecordAndCheck's reads after its scripts read no
// key a later command writes; TestPipelineNoScriptReadBeforeLaterWrite,
// skipped, shows the wrong answer). On a cluster the order is per node (go-redis splits the
// pipeline), and a read that runs again on another node than the failed
// script's merely answers twice.
//
// When Redis loses the scripts again before the second pipeline (another
// flush), the same rule applies to it, three times at most. The error is
// the first command's that failed, as go-redis's Pipelined gives it.
func (s *Store) pipelined(ctx context.Context, fill func(p redis.Pipeliner) error) ([]redis.Cmder, error) {
	cmds, err := s.rdb.Pipelined(ctx, fill)
	if err == nil {
		return cmds, nil
	}
	first := firstNoScript(cmds)
	if first < 0 {
		return cmds, err
	}
	redo := cmds
	for range 3 {
		for _, sc := range pipelineScripts {
			if lerr := sc.Load(ctx, s.rdb).Err(); lerr != nil {
				return cmds, fmt.Errorf("load script: %w", lerr)
			}
		}
		redo = rerunAfterNoScript(redo, first)
		p := s.rdb.Pipeline()
		for _, c := range redo {
			_ = p.Process(ctx, c) // queues it; the answer lands in c
		}
		_, _ = p.Exec(ctx) // each command's error is in it
		if first = firstNoScript(redo); first < 0 {
			break
		}
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return cmds, err
		}
	}
	return cmds, nil
}

// rerunAfterNoScript picks, of cmds whose first NOSCRIPT is cmds[first],
// the commands to run again once the scripts are loaded (see pipelined).
func rerunAfterNoScript(cmds []redis.Cmder, first int) []redis.Cmder {
	redo := make([]redis.Cmder, 0, len(cmds)-first)
	for _, c := range cmds[first:] {
		if isNoScript(c.Err()) || readCommands[c.Name()] {
			redo = append(redo, c)
		}
	}
	return redo
}

// readCommands are the commands that change nothing, which pipelined
// runs again after a failed script queued before them. A command missing
// here is taken for a write and never run twice.
var readCommands = map[string]bool{
	"get": true, "mget": true, "strlen": true, "exists": true, "ttl": true, "pttl": true, "type": true,
	"hget": true, "hmget": true, "hgetall": true, "hexists": true, "hlen": true, "hkeys": true, "hvals": true,
	"smembers": true, "sismember": true, "smismember": true, "scard": true,
	"zscore": true, "zmscore": true, "zcard": true, "zcount": true, "zrank": true, "zrevrank": true,
	"zrange": true, "zrangebyscore": true, "zrevrange": true, "zrevrangebyscore": true,
	"llen": true, "lrange": true, "lindex": true,
	"xlen": true, "xrange": true, "xrevrange": true, "xpending": true,
}

// pipelineScripts are the scripts queued in pipelines (EvalSha), loaded
// again when Redis has lost them.
var pipelineScripts = []*redis.Script{gcra, holdMany, pushLimit, recordSent, releaseLease, indexTerm, settleJobs, balanceShards}

// firstNoScript is the index of the first command of cmds that failed
// because Redis did not know its script (NOSCRIPT: it did nothing), -1
// when none did.
func firstNoScript(cmds []redis.Cmder) int {
	for i, c := range cmds {
		if isNoScript(c.Err()) {
			return i
		}
	}
	return -1
}

// isNoScript reports whether err is a NOSCRIPT error.
func isNoScript(err error) bool {
	// redis.Nil, the common error here, is told apart by a comparison:
	// HasErrorPrefix allocates for every error it looks at.
	return err != nil && err != redis.Nil && redis.HasErrorPrefix(err, "NOSCRIPT")
}

// SendCheck is what a sender must know before it sends to a chat.
type SendCheck struct {
	// ParkedUntil is when a 429 for the chat runs out; zero when not parked.
	ParkedUntil time.Time
	// Wait is how long the chat's limit wants before the next send; zero
	// means a token was taken and the send may go now.
	Wait time.Duration
	// Held is, when a token was taken, a time (this process's clock) the
	// chat's bucket surely holds its next token until: a Push whose
	// interval from its At ends by then moves nothing (Push.Moves). Zero
	// when unknown (no token, or Redis's clock not yet estimated).
	Held time.Time
	// Sent says, per item id asked, whether it was delivered already.
	Sent []bool
	// Chat is the chat's settings, the zero Chat (defaults) when unknown.
	Chat Chat
	// Items holds the fetched items that exist; an absent one expired.
	Items map[string]feeds.Item
	// Owed says, per lane asked, whether the lane still owes the chat its
	// item (its job for the chat is not settled yet).
	Owed []bool
}

// SendQuery asks CheckSend about one chat.
type SendQuery struct {
	ChatID int64
	// LimitKey and Limit name the chat's bucket (shared with Allow).
	LimitKey string
	Limit    Limit
	// ItemIDs are the items about to be sent; Fetch the ones the caller
	// has no copy of.
	ItemIDs, Fetch []string
	// Lanes are open lanes whose items may be owed to the chat.
	Lanes []string
}

// CheckSend reads, in one round trip for all the queries, whether each
// chat is parked, takes a token of its limit, whether each of its items
// was delivered to it, its settings, and the items to fetch. A token is
// taken even when the chat turns out parked or every item sent: that
// costs the chat one interval, never a limit. Many senders' queries share
// one pipeline, so the round trip is paid once per batch, not per chat.
func (s *Store) CheckSend(ctx context.Context, qs []SendQuery) ([]SendCheck, error) {
	return s.RecordAndCheck(ctx, nil, qs)
}

// RecordAndCheck writes the records of sent, as DeliveredMany does, and
// makes the checks of qs, as CheckSend does, in one round trip: the
// senders' checks carry the sends waiting to be recorded, so under load
// the records cost no round trip of their own. The records go first in
// the pipeline, so a check of a chat just sent to reads its record. An
// error means the records may not be written (writing them again is
// safe) and the checks have no answer.
func (s *Store) RecordAndCheck(ctx context.Context, sent []Sent, qs []SendQuery) ([]SendCheck, error) {
	for _, q := range qs {
		if q.Limit.Rate <= 0 || q.Limit.Period <= 0 {
			return nil, fmt.Errorf("check send %d: invalid limit %d/%v", q.ChatID, q.Limit.Rate, q.Limit.Period)
		}
	}
	type pending struct {
		rate  *redis.Cmd
		park  *redis.StringCmd
		sent  *redis.FloatSliceCmd
		chat  *redis.MapStringStringCmd
		items []*redis.MapStringStringCmd
		owed  []*redis.BoolCmd
	}
	ps := make([]pending, len(qs))
	recorded := 0 // the records' commands, first in the pipeline
	// Every GCRA below runs after this, on Redis's clock, so before
	// (less the clock estimate's error) bounds its "now" from below.
	before := time.Now()
	cmds, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		s.queueDelivered(ctx, p, sent)
		recorded = p.Len()
		for i, q := range qs {
			c := pending{items: make([]*redis.MapStringStringCmd, len(q.Fetch))}
			// The GCRA answer comes first: a pipeline whose first command
			// answers nil (an unparked chat's GET) costs go-redis a pass
			// of allocating error checks (shouldRetry, isBadConn).
			c.rate = s.queueGCRA(ctx, p, q.LimitKey, q.Limit, 1)
			park, sent, chat := s.k.checked(q.ChatID)
			c.park = p.Get(ctx, park)
			if len(q.ItemIDs) > 0 {
				c.sent = p.ZMScore(ctx, sent, q.ItemIDs...)
			}
			c.chat = p.HGetAll(ctx, chat)
			for j, id := range q.Fetch {
				c.items[j] = p.HGetAll(ctx, s.k.item(id))
			}
			c.owed = make([]*redis.BoolCmd, len(q.Lanes))
			for j, lane := range q.Lanes {
				c.owed[j] = p.SIsMember(ctx, s.k.laneChats(lane), q.ChatID)
			}
			ps[i] = c
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("check send %d chats, record %d: %w", len(qs), len(sent), err)
	}
	// The pipeline's error is its first command's that failed, a park's
	// redis.Nil as often as not: each record's is looked at.
	for _, c := range cmds[:min(recorded, len(cmds))] {
		if err := c.Err(); err != nil {
			return nil, fmt.Errorf("delivered %d: %w", len(sent), err)
		}
	}
	now := s.opts.Now()
	out := make([]SendCheck, len(qs))
	for i, q := range qs {
		c, sc := ps[i], &out[i]
		r, err := parseGCRA(c.rate)
		if err != nil {
			return nil, fmt.Errorf("check send %d: %w", q.ChatID, err)
		}
		if r.allowed == 0 {
			sc.Wait = max(r.retryAfter, time.Millisecond)
		} else if slack, ok := s.redisClock.slack(before); ok {
			// The script set the bucket to its "now" plus resetAfter.
			sc.Held = before.Add(r.resetAfter - slack)
		}
		if v, err := c.park.Result(); err == nil {
			if until := parseMillis(v); until.After(now) {
				sc.ParkedUntil = until
			}
		}
		sc.Sent = make([]bool, len(q.ItemIDs))
		if c.sent != nil {
			// ZMSCORE answers 0 for a member it does not have; a sent
			// record's score is its send's time in ms, never 0.
			scores, err := c.sent.Result()
			if err != nil {
				return nil, fmt.Errorf("check send %d: sent records: %w", q.ChatID, err)
			}
			if len(scores) != len(q.ItemIDs) {
				return nil, fmt.Errorf("check send %d: %d sent records for %d items", q.ChatID, len(scores), len(q.ItemIDs))
			}
			for j, score := range scores {
				sc.Sent[j] = score != 0
			}
		}
		if m := c.chat.Val(); len(m) > 0 {
			sc.Chat = decodeChat(q.ChatID, m)
		}
		if len(q.Lanes) > 0 {
			sc.Owed = make([]bool, len(q.Lanes))
			for j, cmd := range c.owed {
				sc.Owed[j] = cmd.Val()
			}
		}
		if len(q.Fetch) > 0 {
			sc.Items = make(map[string]feeds.Item, len(q.Fetch))
			for j, cmd := range c.items {
				if m := cmd.Val(); len(m) > 0 {
					sc.Items[q.Fetch[j]] = decodeItem(q.Fetch[j], m)
				}
			}
		}
	}
	return out, nil
}

// ParkGlobal stops every replica's sends until the given time (a 429 from
// Telegram's bulk limit) and slows the bot-wide rate by factor (0, 1) for
// slowFor, so the bot settles below the limit it hit.
func (s *Store) ParkGlobal(ctx context.Context, until time.Time, factor float64, slowFor time.Duration) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if d := until.Sub(s.opts.Now()); d >= time.Millisecond {
			p.Set(ctx, s.k.parkGlobal(), until.UnixMilli(), d)
		}
		if factor > 0 && factor < 1 && slowFor >= time.Millisecond {
			p.Set(ctx, s.k.slowGlobal(), strconv.FormatFloat(factor, 'f', 3, 64), slowFor)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("park global: %w", err)
	}
	return nil
}

// Sent is one delivery Telegram accepted.
type Sent struct {
	Delivery
	MessageID int
	// Photo says the message is a photo whose caption is the card (edited
	// with editMessageCaption); false, a text message (editMessageText).
	Photo bool
	At    time.Time
}

// DeliveredMany is Delivered for many sends in one round trip: the sent
// records first (recordSent, one script call each), then one call of
// settleJobs for the entries and the lanes' chats settled.
// Everything it queues is idempotent, so a retry after an error is safe.
func (s *Store) DeliveredMany(ctx context.Context, sent []Sent) error {
	if len(sent) == 0 {
		return nil
	}
	_, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		s.queueDelivered(ctx, p, sent)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delivered %d: %w", len(sent), err)
	}
	return nil
}

// queueDelivered queues DeliveredMany's commands for sent (none when it
// is empty).
func (s *Store) queueDelivered(ctx context.Context, p redis.Pipeliner, sent []Sent) {
	if len(sent) == 0 {
		return
	}
	ds := make([]Delivery, 0, len(sent))
	// Boxed once for the batch, not once per send.
	retention := any(s.opts.SentRetention.Milliseconds())
	for _, d := range sent {
		cutoff := ""
		if shouldTrim(d.ItemID) {
			cutoff = strconv.FormatInt(d.At.Add(-s.opts.SentRetention).UnixMilli(), 10)
		}
		recordSent.EvalSha(ctx, p, s.k.sentRecords(d.ChatID),
			d.At.UnixMilli(), d.ItemID, sentValue(d.MessageID, d.Photo), retention, cutoff)
		ds = append(ds, d.Delivery)
	}
	s.queueSettleScript(ctx, p, ds)
}

// parkGlobal and slowGlobal hold a bulk-limit 429's effect on every replica.
func (k keys) parkGlobal() string { return k.p + "park:global" }
func (k keys) slowGlobal() string { return k.p + "pace:global:slow" }
