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
