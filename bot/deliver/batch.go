package deliver

import (
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// breakingApart keeps breaking news out of digests: when the batch about to
// go as one message holds breaking news, a breaking item at its head goes
// alone, as a card, and otherwise the batch stops before the first one,
// which then heads the next message. sent runs beside batch; known holds
// the batch's items (missing ones expired).
func breakingApart(batch []storage.Delivery, sent []bool, known map[string]feeds.Item) ([]storage.Delivery, []bool) {
	if len(batch) < 2 {
		return batch, sent
	}
	for i, d := range batch {
		if it, ok := known[d.ItemID]; ok && it.Breaking && !sent[i] {
			n := max(i, 1)
			return batch[:n], sent[:n]
		}
	}
	return batch, sent
}

// digestCandidates are the jobs at the head of a chat's queue its next
// message may carry: the first alone, unless more than threshold wait or
// items owed ahead (ahead) may tip the chat into a digest; then every job
// a digest could take, up to maxDigestSize, stopping at an edit or a
// broadcast, which go alone.
func digestCandidates(jobs []storage.Delivery, threshold int, ahead bool) []storage.Delivery {
	batch := jobs[:1]
	if len(jobs) > threshold || ahead {
		for len(batch) < min(len(jobs), maxDigestSize) && !jobs[len(batch)].Edit && !isBroadcast(jobs[len(batch)].ItemID) {
			batch = jobs[:len(batch)+1]
		}
	}
	return batch
}

// messageShape decides whether a chat's next message is one card or a
// digest, and of what: how many of the items it is owed ahead of its own
// jobs (owed of them still unsent, oldest first) and of its checked
// candidates (batch, of jobs queued in all) it carries. With nothing owed,
// one card while no more than threshold jobs wait, a digest of the
// candidates otherwise. With items owed, the oldest alone while it and
// the chat's jobs are no more than threshold (the chat's own follow), else
// one digest of the owed items first and then the chat's own, at most
// maxDigestSize in all.
func messageShape(owed, batch, jobs, threshold int) (takeOwed, takeBatch int) {
	switch {
	case owed == 0 && jobs <= threshold:
		return 0, min(batch, 1)
	case owed > 0 && owed+jobs <= threshold:
		return 1, 0
	case owed > 0:
		owed = min(owed, maxDigestSize)
		return owed, min(batch, maxDigestSize-owed)
	}
	return 0, batch
}
