package storage

import "strconv"

// keys builds every Redis key the Store uses. It is the only place key names
// are spelled, so the schema in the package doc and the hash-tag rule can be
// checked here: a brace pair marks the hash tag shared by keys that one
// operation touches together.
type keys struct{ p string }

func (k keys) seen(sourceID string) string  { return k.p + "src:{" + sourceID + "}:seen" }
func (k keys) state(sourceID string) string { return k.p + "src:{" + sourceID + "}:state" }
func (k keys) srcLatest(sourceID string) string {
	return k.p + "src:{" + sourceID + "}:latest"
}
func (k keys) item(id string) string           { return k.p + "item:{" + id + "}" }
func (k keys) latest() string                  { return k.p + "latest" }
func (k keys) topicLatest(topic string) string { return k.p + "topic:{" + topic + "}:latest" }
func (k keys) breakingLatest() string          { return k.p + "breaking:latest" }

func (k keys) chat(id int64) string     { return k.chatOf(itoa(id)) }
func (k keys) chatSubs(id int64) string { return k.p + "chat:{" + itoa(id) + "}:subs" }
func (k keys) subs(target string) string {
	return k.p + "subs:{" + target + "}"
}
func (k keys) chats() string { return k.p + "chats" }

func (k keys) sent(chat int64) string    { return k.sentOf(itoa(chat)) }
func (k keys) sentMsg(chat int64) string { return k.sentMsgOf(itoa(chat)) }

// The per-chat keys the hot path reads, of a chat id already formatted
// (checked, sentRecords): each key's name is written once, here.
func (k keys) chatOf(id string) string    { return k.p + "chat:{" + id + "}" }
func (k keys) sentOf(id string) string    { return k.p + "sent:{" + id + "}" }
func (k keys) sentMsgOf(id string) string { return k.p + "sentmsg:{" + id + "}" }
func (k keys) parkOf(id string) string    { return k.p + "park:{" + id + "}" }

// checked are park(chat), sent(chat) and k.chat(chat), which CheckSend
// reads for every send, with the id formatted once.
func (k keys) checked(chat int64) (park, sent, settings string) {
	id := itoa(chat)
	return k.parkOf(id), k.sentOf(id), k.chatOf(id)
}

// sentRecords are sent(chat) and sentMsg(chat), the keys of recordSent,
// with the id formatted once.
func (k keys) sentRecords(chat int64) []string {
	id := itoa(chat)
	return []string{k.sentOf(id), k.sentMsgOf(id)}
}

// The delivery streams: one shared stream per shard of chats, and per big
// fan-out (a lane) one stream per shard, the chats it still owes, and the
// registry of open lanes; the shards' owners and the replicas' heartbeats.
// All share the {deliveries} tag, so an ack, a dead letter, a retry and a
// read of many streams stay single-slot commands on Redis Cluster.
func (k keys) shard(n int) string { return k.p + "{deliveries}:" + strconv.Itoa(n) }
func (k keys) dead() string       { return k.p + "{deliveries}:dead" }
func (k keys) lane(id string, shard int) string {
	return k.p + "{deliveries}:lane:" + id + ":" + strconv.Itoa(shard)
}
func (k keys) laneChats(id string) string { return k.p + "{deliveries}:lane:" + id + ":chats" }
func (k keys) lanes() string              { return k.p + "{deliveries}:lanes" }
func (k keys) laneSeq() string            { return k.p + "{deliveries}:lane-seq" }
func (k keys) shardOwner(n int) string    { return k.p + "{deliveries}:owner:" + strconv.Itoa(n) }
func (k keys) replicas() string           { return k.p + "{deliveries}:replicas" }

// streamOf is the stream a delivery of lane ("" for none) and shard was
// read from.
func (k keys) streamOf(lane string, shard int) string {
	if lane == "" {
		return k.shard(shard)
	}
	return k.lane(lane, shard)
}

func (k keys) lease(name string) string { return k.p + "lease:" + name }

// pollLock is the lock on polling a source, a lease named "polling:<id>";
// pollTick is the source's lease for one tick of its schedule. TakePoll
// takes both in one script, so they share a hash slot: the tick's key is
// tagged with the whole lock key (which has no tag of its own), and the
// lock keeps the name replicas of earlier versions use, so during a
// rolling deploy old and new replicas still never poll a source at once.
func (k keys) pollLock(sourceID string) string { return k.lease(PollLockName(sourceID)) }
func (k keys) pollTick(sourceID string, tick int64) string {
	return k.p + "lease:poll:{" + k.pollLock(sourceID) + "}:" + itoa(tick)
}
func (k keys) park(chat int64) string { return k.parkOf(itoa(chat)) }
func (k keys) offset() string         { return k.p + "updates:offset" }
func (k keys) admin(chat, user int64) string {
	return k.p + "admin:{" + itoa(chat) + "}:" + itoa(user)
}

// rate is the GCRA bucket key. It lives under the prefix like every other
// key (redis_rate's own "rate:" in front of the prefix put it outside, where
// a prefix-scoped Redis ACL refuses it and a shared Redis mixes bots).
func (k keys) rate(key string) string { return k.p + "rl:" + key }

// group is the consumer group of the delivery stream.
const group = "senders"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
