package poll

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// story is a feed item long enough to have fingerprints.
func story(id, title string, published time.Time) feeds.Item {
	return feeds.Item{ID: id, Title: title, Published: published,
		Content: "<p>قالت الحكومة في بيان رسمي صدر صباح اليوم إن الأمطار الغزيرة التي هطلت على المناطق الشمالية خلال الليل تسببت في فيضانات واسعة. " +
			"وأضاف البيان أن فرق الدفاع المدني أجلت مئات العائلات من القرى المنكوبة إلى مراكز إيواء مؤقتة أقيمت في المدارس.</p>"}
}

// chatsOf lists the chats of jobs, sorted, and whether each job is an edit.
func chatsOf(jobs []storage.Job) (chats []int64, edits int) {
	for _, j := range jobs {
		chats = append(chats, j.ChatID)
		if j.Edit {
			edits++
		}
	}
	slices.Sort(chats)
	return chats, edits
}

// count is what c counted: the series with the label value given, or all.
func count(t *testing.T, c prometheus.Collector, label string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					n += m.GetCounter().GetValue()
				}
			}
			if label == "" {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// TestPollNewSeenFirstSight: which items of a feed are news (fanned out),
// which are history (saved, sent to no chat) and which were seen before.
func TestPollNewSeenFirstSight(t *testing.T) {
	now := t0
	for name, tc := range map[string]struct {
		firstTry    time.Time // a first attempt recorded before (zero: this poll is it)
		seen        []string  // items seen before, with the baseline recorded; nil: first sight
		newest      bool      // SendNewestOnFirstSight
		items       []feeds.Item
		wantNew     []string
		wantHistory []string
	}{
		"first sight: the feed's items are history": {
			items:       []feeds.Item{story("a", "خبر أ", now.Add(-2*time.Hour)), story("b", "خبر ب", now.Add(-time.Hour))},
			wantHistory: []string{"a", "b"},
		},
		"first sight after a failed first try: what came since is news": {
			firstTry: now.Add(-3 * time.Hour),
			items:    []feeds.Item{story("a", "خبر أ", now.Add(-4*time.Hour)), story("b", "خبر ب", now.Add(-time.Hour))},
			wantNew:  []string{"b"}, wantHistory: []string{"a"},
		},
		"first sight: since the first try but older than a day is history": {
			firstTry:    now.Add(-72 * time.Hour),
			items:       []feeds.Item{story("a", "خبر أ", now.Add(-30*time.Hour))},
			wantHistory: []string{"a"},
		},
		"first sight: dated in the future is history": {
			firstTry:    now.Add(-3 * time.Hour),
			items:       []feeds.Item{story("a", "خبر أ", now.Add(time.Hour))},
			wantHistory: []string{"a"},
		},
		"first sight: undated is history": {
			firstTry:    now.Add(-3 * time.Hour),
			items:       []feeds.Item{story("a", "خبر أ", time.Time{})},
			wantHistory: []string{"a"},
		},
		"first sight with SendNewestOnFirstSight: the newest is news": {
			newest:  true,
			items:   []feeds.Item{story("b", "خبر ب", now.Add(-time.Hour)), story("a", "خبر أ", now.Add(-2*time.Hour))},
			wantNew: []string{"b"}, wantHistory: []string{"a"},
		},
		"after the baseline: an unseen item is news": {
			seen:    []string{"a"},
			items:   []feeds.Item{story("a", "خبر أ", now.Add(-2*time.Hour)), story("b", "خبر ب", now.Add(-time.Hour))},
			wantNew: []string{"b"},
		},
		"after the baseline: an unseen item is news however old": {
			seen:    []string{},
			items:   []feeds.Item{story("a", "خبر أ", now.Add(-30*24*time.Hour))},
			wantNew: []string{"a"},
		},
		"after the baseline: seen items are sent nothing": {
			seen:  []string{"a", "b"},
			items: []feeds.Item{story("a", "خبر أ", now.Add(-2*time.Hour)), story("b", "خبر ب", now.Add(-time.Hour))},
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newTestPoller(now, "src")
			src := feeds.Source{ID: "src", SendNewestOnFirstSight: tc.newest}
			p.store.subscribe(SourceTarget("src"), 1, 2)
			if !tc.firstTry.IsZero() {
				p.store.states["src"] = storage.SourceState{FirstTry: tc.firstTry}
			}
			if tc.seen != nil {
				if err := p.store.MarkSeen(ctx, "src", tc.seen, now.Add(-time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			p.feeds.set("src", tc.items...)
			res, err := p.Poll(ctx, src, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want := Result{FirstSight: tc.seen == nil, Items: len(tc.items), New: len(tc.wantNew), History: len(tc.wantHistory),
				Jobs: 2 * len(tc.wantNew)}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			var jobs []storage.Job
			for _, id := range tc.wantNew {
				jobs = append(jobs, storage.Job{ChatID: 1, ItemID: id}, storage.Job{ChatID: 2, ItemID: id})
			}
			if diff := cmp.Diff(jobs, p.store.takeJobs()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			for _, id := range append(slices.Clone(tc.wantNew), tc.wantHistory...) {
				it, err := p.store.Item(ctx, id)
				if err != nil {
					t.Fatalf("%s not saved: %v", id, err)
				}
				if it.History != slices.Contains(tc.wantHistory, id) {
					t.Errorf("%s saved with History %v", id, it.History)
				}
				if !slices.Contains(p.index.ids, id) {
					t.Errorf("%s not indexed for search", id)
				}
			}
			var ids []string
			for _, it := range tc.items {
				ids = append(ids, it.ID)
			}
			if unseen, first, _ := p.store.Unseen(ctx, "src", ids); len(unseen) > 0 || first {
				t.Errorf("after the poll: unseen %v, first sight %v; want every item seen and a baseline", unseen, first)
			}
		})
	}
}

// TestPollNoticesEdits: an item the publisher changed within editWindow of
// its publication is saved again and its card edited in the chats it
// reaches; outside the window, unchanged, gone from the store, or sent to
// no chat (history), no card is edited.
func TestPollNoticesEdits(t *testing.T) {
	now := t0
	for name, tc := range map[string]struct {
		age        time.Duration // of the item's publication
		changed    bool
		history    bool // the stored item was history
		expired    bool // the stored item is gone
		wantEdited int
		wantSaved  bool // the new title saved
	}{
		"an edit inside the window":       {age: 2 * time.Hour, changed: true, wantEdited: 1, wantSaved: true},
		"an edit just inside the window":  {age: editWindow - time.Minute, changed: true, wantEdited: 1, wantSaved: true},
		"an edit outside the window":      {age: editWindow + time.Minute, changed: true},
		"unchanged":                       {age: 2 * time.Hour},
		"an edit of a history item":       {age: 2 * time.Hour, changed: true, history: true, wantSaved: true},
		"an edit of an item that expired": {age: 2 * time.Hour, changed: true, expired: true},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newTestPoller(now, "src")
			src := feeds.Source{ID: "src"}
			p.store.subscribe(SourceTarget("src"), 1)
			before := story("a", "عنوان أول", now.Add(-tc.age))
			before.SourceID = "src"
			if !tc.expired {
				saved := p.Enrich(ctx, src, before)
				saved.History = tc.history
				if err := p.store.SaveItem(ctx, saved); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.store.MarkSeen(ctx, "src", []string{"a"}, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := p.store.SetItemHashes(ctx, "src", map[string]string{"a": contentHash(before)}); err != nil {
				t.Fatal(err)
			}
			after := before
			if tc.changed {
				after.Title = "عنوان معدل"
			}
			p.feeds.set("src", after)
			res, err := p.Poll(ctx, src, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if res.Edited != tc.wantEdited || res.New != 0 {
				t.Errorf("edited %d, new %d; want %d edited, none new", res.Edited, res.New, tc.wantEdited)
			}
			chats, edits := chatsOf(p.store.takeJobs())
			if want := tc.wantEdited; len(chats) != want || edits != want {
				t.Errorf("jobs to %v (%d edits); want %d edit jobs", chats, edits, want)
			}
			it, err := p.store.Item(ctx, "a")
			switch {
			case tc.expired:
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("an expired item saved again: %+v, %v", it, err)
				}
			case err != nil:
				t.Fatal(err)
			case (it.Title == "عنوان معدل") != tc.wantSaved:
				t.Errorf("stored title %q; saved the edit: want %v", it.Title, tc.wantSaved)
			case !it.Published.Equal(before.Published) || it.History != tc.history:
				t.Errorf("the edit moved the item: published %v history %v", it.Published, it.History)
			}
			if h, _ := p.store.ItemHashes(ctx, "src", []string{"a"}); h[0] != contentHash(after) {
				t.Errorf("stored hash %q is not the feed's current one", h[0])
			}
		})
	}
}

// TestPollFansOutByTopic: an item reaches its source's subscribers and
// those of the topics it takes: from its feed categories, else from the
// subject model, else none.
func TestPollFansOutByTopic(t *testing.T) {
	const vague, sport = "امرأة تسرد قصتها", "المنتخب يفوز على ضيفه بثلاثية في تصفيات كأس آسيا"
	for name, tc := range map[string]struct {
		title      string
		categories []string
		wantTopics []string
		wantChats  []int64
	}{
		"a category names the subject":                {vague, []string{"رياضة"}, []string{"رياضة"}, []int64{10, 30}},
		"no category: the subject model":              {sport, nil, []string{"رياضة"}, []int64{10, 30}},
		"a category names a subject the source lacks": {sport, []string{"صحة"}, nil, []int64{30}},
		"neither: the source's subscribers only":      {vague, nil, nil, []int64{30}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newTestPoller(t0, "src")
			src := feeds.Source{ID: "src", Topics: []string{"رياضة", "اقتصاد"}}
			p.store.subscribe(TopicTarget("رياضة"), 10)
			p.store.subscribe(TopicTarget("اقتصاد"), 20)
			p.store.subscribe(SourceTarget("src"), 30)
			if err := p.store.MarkSeen(ctx, "src", nil, t0); err != nil {
				t.Fatal(err)
			}
			p.feeds.set("src", feeds.Item{ID: "a", Title: tc.title, Categories: tc.categories, Published: t0.Add(-time.Minute)})
			if _, err := p.Poll(ctx, src, time.Minute); err != nil {
				t.Fatal(err)
			}
			it, err := p.store.Item(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantTopics, it.Topics); diff != "" {
				t.Errorf("topics (-want +got):\n%s", diff)
			}
			if chats, _ := chatsOf(p.store.takeJobs()); !slices.Equal(chats, tc.wantChats) {
				t.Errorf("sent to %v, want %v", chats, tc.wantChats)
			}
		})
	}
}

// TestPollBreaking: an item is breaking news by a mark at the head of its
// title (cut from the title shown) or by a category; then it reaches the
// chats subscribed to breaking news too.
func TestPollBreaking(t *testing.T) {
	for name, tc := range map[string]struct {
		rule         feeds.BreakingRule
		title        string
		categories   []string
		wantBreaking bool
		wantTitle    string
	}{
		"a mark at the head":          {title: "عاجل: زلزال يضرب الشمال", wantBreaking: true, wantTitle: "زلزال يضرب الشمال"},
		"a mark after an emoji":       {title: "🔴 عاجل | زلزال يضرب الشمال", wantBreaking: true, wantTitle: "زلزال يضرب الشمال"},
		"a category":                  {title: "زلزال يضرب الشمال", categories: []string{"أخبار عاجلة"}, wantBreaking: true, wantTitle: "زلزال يضرب الشمال"},
		"the word inside the title":   {title: "دعوات لتدخل عاجل في غزة", wantTitle: "دعوات لتدخل عاجل في غزة"},
		"an ordinary category":        {title: "زلزال يضرب الشمال", categories: []string{"محليات"}, wantTitle: "زلزال يضرب الشمال"},
		"the source's own pattern":    {rule: feeds.BreakingRule{Patterns: []string{"الآن"}}, title: "الآن: زلزال يضرب الشمال", wantBreaking: true, wantTitle: "زلزال يضرب الشمال"},
		"a default mark it overrides": {rule: feeds.BreakingRule{Patterns: []string{"الآن"}, Categories: []string{}}, title: "عاجل: زلزال يضرب الشمال", wantTitle: "عاجل: زلزال يضرب الشمال"},
		"a source with breaking off":  {rule: feeds.BreakingRule{Off: true}, title: "زلزال يضرب الشمال", categories: []string{"عاجل"}, wantTitle: "زلزال يضرب الشمال"},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newTestPoller(t0, "src")
			src := feeds.Source{ID: "src", Breaking: tc.rule}
			p.store.subscribe(SourceTarget("src"), 30)
			p.store.subscribe(BreakingTarget, 40)
			if err := p.store.MarkSeen(ctx, "src", nil, t0); err != nil {
				t.Fatal(err)
			}
			p.feeds.set("src", feeds.Item{ID: "a", Title: tc.title, Categories: tc.categories, Published: t0.Add(-time.Minute)})
			if _, err := p.Poll(ctx, src, time.Minute); err != nil {
				t.Fatal(err)
			}
			it, err := p.store.Item(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			if it.Breaking != tc.wantBreaking || it.Title != tc.wantTitle {
				t.Errorf("breaking %v, title %q; want %v, %q", it.Breaking, it.Title, tc.wantBreaking, tc.wantTitle)
			}
			want := []int64{30}
			if tc.wantBreaking {
				want = []int64{30, 40}
			}
			if chats, _ := chatsOf(p.store.takeJobs()); !slices.Equal(chats, want) {
				t.Errorf("sent to %v, want %v", chats, want)
			}
		})
	}
}

// TestBackoff: a failing source waits its interval doubled per failure,
// within ±20%, at most maxBackoff (±20%), and at least the server's
// Retry-After.
func TestBackoff(t *testing.T) {
	for name, tc := range map[string]struct {
		interval   time.Duration
		failures   int
		retryAfter time.Duration
		min, max   time.Duration
	}{
		"one failure":                        {time.Minute, 1, 0, 48 * time.Second, 72 * time.Second},
		"three failures":                     {time.Minute, 3, 0, 192 * time.Second, 288 * time.Second},
		"no interval counts as a minute":     {0, 2, 0, 96 * time.Second, 144 * time.Second},
		"capped":                             {time.Hour, 30, 0, maxBackoff * 8 / 10, maxBackoff * 12 / 10},
		"at least Retry-After":               {time.Minute, 1, 2 * time.Hour, 2 * time.Hour, 2 * time.Hour},
		"Retry-After shorter than the delay": {time.Hour, 2, time.Minute, 96 * time.Minute, 144 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			lo, hi := time.Duration(1<<62), time.Duration(0)
			for range 200 {
				d := backoff(tc.interval, tc.failures, tc.retryAfter)
				lo, hi = min(lo, d), max(hi, d)
			}
			if lo < tc.min || hi > tc.max {
				t.Errorf("waits from %v to %v, want within [%v, %v]", lo, hi, tc.min, tc.max)
			}
			if tc.min != tc.max && hi-lo < (tc.max-tc.min)/4 {
				t.Errorf("waits from %v to %v: no jitter", lo, hi)
			}
		})
	}
}

// TestPollBacksOff: a failed fetch counts a failure and sets the next try
// (here by the server's Retry-After); a poll before it is skipped without
// fetching; a good fetch after it clears the failures.
func TestPollBacksOff(t *testing.T) {
	ctx := context.Background()
	p := newTestPoller(t0, "src")
	src := feeds.Source{ID: "src"}
	p.feeds.set("src")
	p.feeds.err = &feeds.StatusError{URL: "https://example.com/feed", Code: 503, RetryAfter: 2 * time.Hour}
	if _, err := p.Poll(ctx, src, time.Minute); err == nil {
		t.Fatal("a failed fetch polled without an error")
	}
	st := p.store.states["src"]
	if st.Failures != 1 || st.NextTry.Before(t0.Add(2*time.Hour)) || st.LastError == "" || !st.FirstTry.Equal(t0) {
		t.Fatalf("after a failure: %+v; want 1 failure, next try after Retry-After, the error, first try now", st)
	}
	*p.clock = t0.Add(time.Hour)
	p.feeds.err = nil
	if res, err := p.Poll(ctx, src, time.Minute); err != nil || !res.Skipped {
		t.Fatalf("a poll before the next try: %+v, %v; want skipped", res, err)
	}
	if got := count(t, p.metrics.Polls, "skipped"); got != 1 {
		t.Errorf("polls skipped = %v, want 1", got)
	}
	*p.clock = t0.Add(3 * time.Hour)
	if res, err := p.Poll(ctx, src, time.Minute); err != nil || res.Skipped {
		t.Fatalf("a poll after the next try: %+v, %v", res, err)
	}
	if st := p.store.states["src"]; st.Failures != 0 || !st.NextTry.IsZero() || st.ETag != "v1" {
		t.Errorf("after a good fetch: %+v; want no failures, no next try, the validators", st)
	}
}

// TestPollNotModified: a feed that answers 304 to the poll's validators
// is a good poll that handles no item: it clears the failures before it,
// records the poll, keeps the validators and counts as not_modified; a
// changed feed is read again in full.
func TestPollNotModified(t *testing.T) {
	ctx := context.Background()
	p := newTestPoller(t0, "src")
	src := feeds.Source{ID: "src"}
	p.store.subscribe(SourceTarget("src"), 1)
	p.feeds.set("src", story("a", "خبر أ", t0.Add(-time.Hour)))
	if res, err := p.Poll(ctx, src, time.Minute); err != nil || res.NotModified || res.History != 1 {
		t.Fatalf("first poll: %+v, %v; want the feed read, its item history", res, err)
	}
	p.feeds.err = errors.New("connection reset")
	*p.clock = t0.Add(time.Minute)
	if _, err := p.Poll(ctx, src, time.Minute); err == nil {
		t.Fatal("a failed fetch polled without an error")
	}
	p.feeds.err = nil
	*p.clock = t0.Add(time.Hour)
	res, err := p.Poll(ctx, src, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{NotModified: true}, res); diff != "" {
		t.Errorf("unchanged feed: result (-want +got):\n%s", diff)
	}
	st := p.store.states["src"]
	if st.Failures != 0 || st.LastError != "" || !st.NextTry.IsZero() || !st.LastPoll.Equal(t0.Add(time.Hour)) || st.ETag != "v1" {
		t.Errorf("after a 304: %+v; want no failures, no next try, the poll recorded, the validators kept", st)
	}
	if got := count(t, p.metrics.Polls, "not_modified"); got != 1 {
		t.Errorf("polls not_modified = %v, want 1", got)
	}
	if jobs := p.store.takeJobs(); len(jobs) != 0 {
		t.Errorf("a 304 enqueued %v", jobs)
	}

	p.feeds.set("src", story("a", "خبر أ", t0.Add(-time.Hour)), story("b", "خبر ب", t0.Add(30*time.Minute)))
	*p.clock = t0.Add(2 * time.Hour)
	if res, err := p.Poll(ctx, src, time.Minute); err != nil || res.NotModified || res.New != 1 || res.Jobs != 1 {
		t.Fatalf("changed feed: %+v, %v; want read in full, one new item sent to one chat", res, err)
	}
	if st := p.store.states["src"]; st.ETag != "v2" {
		t.Errorf("after the changed feed: ETag %q, want v2", st.ETag)
	}
}

// TestPollSkipsChatsThatHadTheStory: a chat sent a story from one source
// is not sent it again from another; a chat that follows only the second
// still gets it, and so does every chat once the first source left the
// configuration.
func TestPollSkipsChatsThatHadTheStory(t *testing.T) {
	for name, tc := range map[string]struct {
		catalog   []string
		wantChats []int64 // of the second source's item
	}{
		"both sources configured": {[]string{"one", "two"}, []int64{2}},
		"the first source left":   {[]string{"two"}, []int64{1, 2}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := newTestPoller(t0, tc.catalog...)
			p.store.subscribe(SourceTarget("one"), 1)
			p.store.subscribe(SourceTarget("two"), 1, 2)
			for _, id := range []string{"one", "two"} {
				if err := p.store.MarkSeen(ctx, id, nil, t0); err != nil {
					t.Fatal(err)
				}
			}
			p.feeds.set("one", story("one-a", "فيضانات في الشمال وإجلاء مئات العائلات", t0.Add(-time.Hour)))
			p.feeds.set("two", story("two-a", "فيضانات في الشمال وإجلاء مئات العائلات", t0.Add(-time.Minute)))
			if _, err := p.Poll(ctx, feeds.Source{ID: "one"}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if chats, _ := chatsOf(p.store.takeJobs()); !slices.Equal(chats, []int64{1}) {
				t.Fatalf("the first source's item went to %v, want [1]", chats)
			}
			if _, err := p.Poll(ctx, feeds.Source{ID: "two"}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if chats, _ := chatsOf(p.store.takeJobs()); !slices.Equal(chats, tc.wantChats) {
				t.Errorf("the same story from the second source went to %v, want %v", chats, tc.wantChats)
			}
			skipped := 2 - len(tc.wantChats)
			if got := count(t, p.metrics.SameStory, ""); got != float64(skipped) {
				t.Errorf("same-story skips = %v, want %d", got, skipped)
			}
		})
	}
}
