package poll

import (
	"context"
	"testing"

	"github.com/akhbar/akhbar/feeds"
)

// TestCaptionIsNoSummary: an item whose description is only its picture's caption, when
// the article page cannot be read, is saved without a summary, so its card shows the title
// alone (issue 12); a real description is still summarised.
func TestCaptionIsNoSummary(t *testing.T) {
	p := New(Config{SummaryChars: 400, FullTextBelow: 1000, NoArticleFetch: true}, nil, nil, nil, nil)
	src := feeds.Source{ID: "alaraby", Name: "العربي الجديد"}
	for _, tc := range []struct{ content, want string }{
		{"الممثل المصري حسين فهمي (ربيع مغربي/ فرانس برس)", ""},
		{"<p>ميكانيكي يجهّز السيارة قبل رشها بالدهان في كولومبيا، 15 مايو 2025 (Getty)</p>", ""},
		{"<p>أعلن مهرجان القاهرة السينمائي، الأحد، تكريم الممثل حسين فهمي في دورته المقبلة.</p>",
			"أعلن مهرجان القاهرة السينمائي، الأحد، تكريم الممثل حسين فهمي في دورته المقبلة."},
	} {
		it := p.Enrich(context.Background(), src, feeds.Item{ID: "x", Title: "حسين فهمي يعود إلى السينما", Content: tc.content, Link: "https://example.com/a"})
		if it.Summary != tc.want {
			t.Errorf("content %q: summary %q, want %q", tc.content, it.Summary, tc.want)
		}
	}
}
