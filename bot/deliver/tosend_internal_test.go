package deliver

import (
	"log/slog"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
)

// TestToSendCountsWhatItSettles: the jobs a message leaves out unsent, a
// job sent before (a crash) and one whose item expired, are acked and
// counted by why, so that the sends by result add up to the jobs.
func TestToSendCountsWhatItSettles(t *testing.T) {
	st := &policyStore{}
	e := &Engine{cfg: Config{Now: time.Now}, store: st, log: slog.New(slog.DiscardHandler), metrics: testMetrics(),
		dl: newDeliveryState(st, 30)}
	batch := []storage.Delivery{
		{Job: storage.Job{ChatID: 5, ItemID: "sent-before"}},
		{Job: storage.Job{ChatID: 5, ItemID: "b"}},
		{Job: storage.Job{ChatID: 5, ItemID: "expired"}},
	}
	known := map[string]feeds.Item{"sent-before": {ID: "sent-before"}, "b": {ID: "b", Title: "b"}}
	items, pending, ok := e.toSend(t.Context(), storage.Chat{ID: 5}, nil, batch, []bool{true, false, false}, known, time.Now())
	if !ok || len(items) != 1 || items[0].ID != "b" || len(pending) != 1 || pending[0].ItemID != "b" {
		t.Fatalf("toSend: items %v, pending %v, ok %v; want b alone", items, pending, ok)
	}
	if diff := cmp.Diff([]string{"ack 2"}, st.calls); diff != "" {
		t.Errorf("store writes (-want +got):\n%s", diff)
	}
	for result, want := range map[string]float64{"duplicate": 1, "expired": 1} {
		var m dto.Metric
		if err := e.metrics.Sends.WithLabelValues(result).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("sends %q: %v, want %v", result, got, want)
		}
	}
}
