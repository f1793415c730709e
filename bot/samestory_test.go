package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// storyFeed serves an RSS feed whose single item appears when shown.
type storyFeed struct {
	mu    sync.Mutex
	shown bool
	item  string
}

func (f *storyFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	item := ""
	if f.shown {
		item = f.item
	}
	f.mu.Unlock()
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>%s</channel></rss>`, item)
}

func (f *storyFeed) show() { f.mu.Lock(); f.shown = true; f.mu.Unlock() }

func storyItem(guid, title, body string) string {
	return fmt.Sprintf(`<item><title>%s</title><link>https://news.example/%s</link><guid>%s</guid>
<pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>`, title, guid, guid, time.Now().UTC().Format(time.RFC1123Z), body)
}

// TestSameStoryFromTwoSourcesReachesEachChatOnce: the same story from a
// second source is not sent to chats that follow the first, and is sent to
// chats that follow only the second.
func TestSameStoryFromTwoSourcesReachesEachChatOnce(t *testing.T) {
	ctx := context.Background()
	body := `<p>عمّان - المملكة</p><p>فاز المنتخب الوطني لكرة القدم على ضيفه بثلاثة أهداف دون رد، في المباراة التي جرت مساء الجمعة على ستاد عمّان الدولي ضمن التصفيات المؤهلة لكأس آسيا.</p>
<p>وسجّل أهداف المنتخب موسى التعمري في الدقيقة 12، ويزن النعيمات في الدقيقة 58، وعلي علوان من ركلة جزاء في الدقيقة 81.</p>
<p>وبهذا الفوز رفع المنتخب رصيده إلى 10 نقاط في صدارة المجموعة، بفارق ثلاث نقاط عن أقرب ملاحقيه.</p>`
	rewrite := `<p>عمان (رويترز) -</p><p>وسجّل أهداف المنتخب موسى التعمري في الدقيقة 12، ويزن النعيمات في الدقيقة 58، وعلي علوان من ركلة جزاء في الدقيقة 81.</p>
<p>فاز المنتخب الوطني لكرة القدم على ضيفه بثلاثة أهداف دون رد، في المباراة التي جرت مساء الجمعة على ستاد عمّان الدولي ضمن التصفيات المؤهلة لكأس آسيا.</p>
<p>وبهذا الفوز رفع المنتخب رصيده إلى 10 نقاط في صدارة المجموعة، بفارق ثلاث نقاط عن أقرب ملاحقيه.</p>`
	other := `<p>ارتفعت أسعار الذهب في السوق المحلية، السبت، 40 قرشاً للغرام الواحد مقارنة بأسعار أمس، وفق النقابة العامة لأصحاب محلات الحلي والمجوهرات.</p>
<p>وبلغ سعر بيع غرام الذهب من عيار 21 الأكثر طلباً لدى المواطنين 56.70 ديناراً.</p>`
	feedA := &storyFeed{item: storyItem("a1", "النشامى يفوزون بثلاثية في تصفيات كأس آسيا | المملكة", body)}
	feedB := &storyFeed{item: storyItem("b1", "المنتخب يتصدر مجموعته في التصفيات الآسيوية", rewrite)} // another headline, the copy reordered
	feedC := &storyFeed{item: storyItem("c1", "ارتفاع أسعار الذهب محلياً", other)}
	var srcs []feeds.Source
	for id, f := range map[string]*storyFeed{"a": feedA, "b": feedB, "c": feedC} {
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		srcs = append(srcs, feeds.Source{ID: id, Name: "مصدر " + id, URL: srv.URL, AllowPrivate: true})
	}
	tg := telegramtest.NewServer(telegramtest.Options{Token: "9:story"})
	t.Cleanup(tg.Close)
	client, err := telegram.New(ctx, "9:story", tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.New(t)
	b := bot.New(bot.Config{Sources: srcs, NoArticleFetch: true}, store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)
	src := map[string]feeds.Source{}
	for _, s := range srcs {
		src[s.ID] = s
	}
	sub := func(chat int64, ids ...string) {
		for _, id := range ids {
			if _, err := store.Subscribe(ctx, chat, bot.SourceTarget(id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	sub(1, "a", "b", "c") // follows all three
	sub(2, "b")           // follows only the second source
	sub(3, "c")
	poll := func(id string) bot.PollResult {
		res, err := b.PollSource(ctx, src[id], time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, id := range []string{"a", "b", "c"} {
		poll(id) // baseline: empty feeds
	}
	feedA.show()
	if res := poll("a"); res.Jobs != 1 {
		t.Fatalf("source a: %+v, want 1 job (chat 1)", res)
	}
	feedB.show()
	if res := poll("b"); res.Jobs != 1 {
		t.Fatalf("source b: %+v, want 1 job: chat 2 only, chat 1 already has the story", res)
	}
	feedC.show()
	if res := poll("c"); res.Jobs != 2 {
		t.Fatalf("source c (a different story): %+v, want 2 jobs", res)
	}
}
