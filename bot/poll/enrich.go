package poll

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// Enrich turns the feed's content into the card's summary. When the feed
// carries only an excerpt, the article page is fetched and extracted; a
// failure there is logged and the excerpt is used.
//
// It also decides what the item is: breaking news or not (its title then
// loses the mark, which the card shows as 🔴), and which of the source's
// topics it is about (topicPlan). Poll calls it on every new or edited
// item; bot's preview, on the item an operator checks.
func (p *Poller) Enrich(ctx context.Context, src feeds.Source, it feeds.Item) feeds.Item {
	// The mark first: "عاجل | …" is no site name for CleanTitle to cut.
	it.Breaking, it.Title = breaking(src.Breaking, it.Title, it.Categories)
	it.Title = arabic.CleanTitle(it.Title)
	text := arabic.Clean(arabic.TextFromHTML(it.Content))
	if utf8.RuneCountInString(text) < p.cfg.FullTextBelow && it.Link != "" && !p.cfg.NoArticleFetch {
		actx, cancel := context.WithTimeout(ctx, 20*time.Second)
		art, err := p.fetcher.Article(actx, it.Link)
		cancel()
		switch {
		case err != nil:
			p.log.Warn("article fetch", "source_id", src.ID, "item_id", it.ID, "error", err)
		default:
			if full := arabic.Clean(art.Text); utf8.RuneCountInString(full) > utf8.RuneCountInString(text) {
				text = full
			}
			// The page is a third party's: its image URL is bounded like
			// the feed's own (longer ones are dropped, not cut).
			if it.Image == "" && len(art.Image) <= feeds.MaxURLBytes {
				it.Image = art.Image
			}
		}
	}
	budget := src.SummaryChars
	if budget <= 0 {
		budget = p.cfg.SummaryChars
	}
	it.Summary = strings.Join(arabic.Summarize(it.Title, arabic.DropCaption(text), arabic.Budget{Chars: budget, Sentences: 3}), " ")
	it.Fingerprint, it.BodyFingerprint = arabic.Fingerprints(it.Title, text)
	it.Topics = newTopicPlan(src, p.places).itemTopics(it, it.Title, text)
	it.Content, it.Categories = "", nil
	return it
}
