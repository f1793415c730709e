package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// runPreview is `akhbar preview`: it fetches (or reads) a feed, parses it,
// and prints each item's card as a reader will see it in Telegram, with
// what the cleaning took away, without Telegram or Redis. It is the way to
// check a source before adding it.
//
//	akhbar preview [-html] [-n N] [-lang ar|en] [-articles=false] [-allow-private] [-config FILE] <feed URL | file | source id>
func runPreview(ctx context.Context, args []string, e environment, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	html := fs.Bool("html", false, "print each card's exact HTML and buttons too")
	n := fs.Int("n", 0, "show at most N items, newest first (0: all)")
	lang := fs.String("lang", "ar", "language of the cards: ar or en")
	articles := fs.Bool("articles", true, "fetch the article page when the feed carries only an excerpt, as the bot does")
	allowPrivate := fs.Bool("allow-private", false, "allow a feed on a loopback or private address (the bot needs allow_private_addresses for it too)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: akhbar preview [flags] <feed URL | file | source id from -config>")
		fs.PrintDefaults()
	}
	// The flags may come before or after the feed.
	var target string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(fs, args, e)
	if err != nil {
		fmt.Fprintln(stderr, "preview:", err)
		return 2
	}
	if target == "" && fs.NArg() == 1 {
		target = fs.Arg(0)
	} else if target == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if cfg == nil {
		if cfg, err = ParseConfig("defaults", nil); err != nil {
			fmt.Fprintln(stderr, "preview:", err)
			return 1
		}
	}
	if *lang != "ar" && *lang != "en" {
		fmt.Fprintf(stderr, "preview: -lang %q: want ar or en\n", *lang)
		return 2
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		fmt.Fprintln(stderr, "preview: timezone:", err)
		return 1
	}
	fetcher := feeds.NewFetcher(feeds.FetcherOptions{UserAgent: cfg.Fetch.UserAgent, Timeout: cfg.Fetch.Timeout,
		MaxBytes: cfg.Fetch.MaxBytes, AllowPrivate: *allowPrivate || cfg.Fetch.AllowPrivate})
	src, items, feedTitle, err := previewFeed(ctx, fetcher, cfg, target)
	if err != nil {
		fmt.Fprintln(stderr, "preview:", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := bot.New(bot.Config{Sources: []feeds.Source{src}, Location: loc, SummaryChars: cfg.Defaults.SummaryChars,
		CardButtons: cfg.Cards.Buttons, CardImages: *cfg.Cards.Images, NoArticleFetch: !*articles}, nil, fetcher, nil, log, nil)

	// Newest first, as the reader's chat fills; undated items are dated
	// now, as a poll dates them.
	now := time.Now()
	for i := range items {
		if items[i].Published.IsZero() || items[i].Published.After(now) {
			items[i].Published = now
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Published.After(items[j].Published) })
	shown := len(items)
	if *n > 0 {
		shown = min(shown, *n)
	}
	fmt.Fprintf(stdout, "%s — %s\n%d item(s), %d shown; cards in %s, times in %s\n", feedTitle, src.URL, len(items), shown, *lang, loc)
	for i, it := range items[:shown] {
		raw := it
		enriched, m := b.Preview(ctx, src, it, *lang)
		fmt.Fprintf(stdout, "\n════ %d/%d · %s ════\n", i+1, shown, raw.Link)
		printCard(stdout, m, b.ShareMenu(enriched, storage.Chat{Lang: *lang}), *html)
		printCleaned(stdout, raw, enriched)
	}
	return 0
}

// previewFeed reads the feed named by target: a source of the config (by
// id), an http(s) URL (fetched with the bot's fetcher and its guard), or a
// file.
func previewFeed(ctx context.Context, fetcher *feeds.Fetcher, cfg *Config, target string) (feeds.Source, []feeds.Item, string, error) {
	for _, s := range cfg.FeedSources() {
		if s.ID == target {
			fr, err := fetcher.FetchFeed(ctx, s, feeds.Validators{})
			if err != nil {
				return s, nil, "", err
			}
			return s, fr.Items, s.Name, nil
		}
	}
	src := feeds.Source{ID: "preview", URL: target, SummaryChars: cfg.Defaults.SummaryChars}
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		fr, err := fetcher.FetchFeed(ctx, src, feeds.Validators{})
		if err != nil {
			return src, nil, "", err
		}
		src.Name = fr.Title
		if src.Name == "" {
			src.Name = u.Host
		}
		return src, fr.Items, src.Name, nil
	}
	f, err := os.Open(target)
	if err != nil {
		return src, nil, "", err
	}
	defer f.Close()
	// The same bound the fetcher puts on a feed's body.
	limit := cfg.Fetch.MaxBytes
	if limit <= 0 {
		limit = feeds.DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return src, nil, "", err
	}
	if int64(len(body)) > limit {
		return src, nil, "", fmt.Errorf("%s: %w (over %d bytes)", target, feeds.ErrTooLarge, limit)
	}
	src.Name = strings.TrimSuffix(filepath.Base(target), filepath.Ext(target))
	items, err := feeds.Parse(src, body, "")
	if err != nil {
		return src, nil, "", fmt.Errorf("%s: %w", target, err)
	}
	return src, items, src.Name, nil
}

// printCard prints a card as the reader sees it (the text Telegram shows
// after parsing the HTML, the photo, the buttons) and, with html, the
// exact HTML and each button's action.
func printCard(w io.Writer, m bot.Message, shareMenu [][]bot.Button, html bool) {
	if m.Photo != "" {
		fmt.Fprintf(w, "[photo: %s]\n", m.Photo)
	}
	if m.PreviewURL != "" {
		fmt.Fprintf(w, "[link preview: %s]\n", m.PreviewURL)
	}
	text := m.Text
	if m.HTML {
		shown, err := telegramtest.ShownText(m.Text)
		if err != nil {
			// Telegram would refuse it: a rendering bug, shown as such.
			shown = "!! Telegram would refuse this card: " + err.Error()
		}
		text = shown
	}
	fmt.Fprintln(w, text)
	printRows := func(rows [][]bot.Button) {
		for _, row := range rows {
			var cells []string
			for _, b := range row {
				cells = append(cells, "["+b.Text+"]")
			}
			fmt.Fprintln(w, strings.Join(cells, " "))
		}
	}
	printRows(m.Buttons)
	if len(shareMenu) > 0 {
		fmt.Fprintln(w, "share menu:")
		printRows(shareMenu)
	}
	if !html {
		return
	}
	fmt.Fprintln(w, "──── HTML ────")
	fmt.Fprintln(w, m.Text)
	if len(m.Buttons) > 0 {
		fmt.Fprintln(w, "──── buttons ────")
	}
	for _, row := range append(slices.Clip(m.Buttons), shareMenu...) {
		for _, b := range row {
			action := ""
			switch {
			case b.URL != "":
				action = "url: " + b.URL
			case b.CopyText != "":
				action = "copy: " + b.CopyText
			case b.CallbackData != "":
				action = "callback: " + b.CallbackData
			case b.SwitchInline != "":
				action = "inline: " + b.SwitchInline
			}
			fmt.Fprintf(w, "[%s] %s\n", b.Text, action)
		}
		fmt.Fprintln(w, "--")
	}
}

// printCleaned prints what the cleaning took away from the feed's title and
// text: a site name after the title, datelines, share and "read also"
// lines, credits, signatures, an excerpt's cut tail. When the summary is
// not drawn from the feed's text, the article page supplied it.
func printCleaned(w io.Writer, raw, enriched feeds.Item) {
	var lines []string
	title := foldLine(raw.Title)
	if ct := enriched.Title; ct != title && strings.HasPrefix(title, ct) {
		lines = append(lines, "title: …"+strings.TrimPrefix(title, ct))
	} else if ct != title {
		lines = append(lines, "title: "+title)
	}
	text := arabic.TextFromHTML(raw.Content)
	cleaned := arabic.Clean(text)
	for _, r := range cleanedAway(text, cleaned) {
		lines = append(lines, "- "+r)
	}
	if enriched.Summary != "" && !summaryFrom(enriched.Summary, cleaned) {
		lines = append(lines, "(the summary comes from the article page: the feed's text is too short)")
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "✂ nothing cleaned away")
		return
	}
	fmt.Fprintln(w, "✂ cleaned away:")
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

// summaryFrom reports whether every sentence of a summary is in text.
func summaryFrom(summary, text string) bool {
	for _, s := range arabic.Sentences(summary) {
		if !strings.Contains(text, strings.TrimSpace(strings.TrimSuffix(s, "…"))) {
			return false
		}
	}
	return true
}

// minKept is how much of the cleaned text a line's kept part must start
// with to be found in the line: a shorter match is a coincidence.
const minKept = 12

// cleanedAway lists what of text's lines is missing from cleaned: whole
// lines, and the parts cut from a line's start (a dateline) or end (an
// excerpt's cut sentence, a footer). The cleaning keeps the lines' order
// and only joins them, so the lines are walked along the cleaned text: a
// line is kept where the cleaned text goes on with it.
func cleanedAway(text, cleaned string) []string {
	var out []string
	rest := cleaned
	for _, line := range strings.Split(text, "\n") {
		line = foldLine(line)
		if line == "" {
			continue
		}
		rest = strings.TrimLeft(rest, " \n")
		if strings.HasPrefix(rest, line) {
			rest = rest[len(line):]
			continue
		}
		// The cleaned text may go on with a part of the line: find where
		// its next words start in the line, and how far they agree.
		next := rest
		if k := runeOffset(rest, minKept); k < len(rest) {
			next = rest[:k]
		}
		i := -1
		if next != "" {
			i = strings.Index(line, next)
		}
		if i < 0 {
			out = append(out, line)
			continue
		}
		common := commonPrefix(line[i:], rest)
		head, tail := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+common:])
		rest = rest[common:]
		switch {
		case head != "" && tail != "":
			out = append(out, head+" … "+tail)
		case head != "":
			out = append(out, head+" …")
		case tail != "":
			out = append(out, "… "+tail)
		}
	}
	return out
}

// runeOffset is the byte offset of s's n-th rune (len(s) if it has fewer).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// commonPrefix is the length in bytes of the longest common prefix of a
// and b, cut back to a rune boundary.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	for n > 0 && n < len(a) && !utf8.RuneStart(a[n]) {
		n--
	}
	return n
}

// foldLine folds a line's spaces and drops the invisible characters the
// cleaning drops, so it compares with the cleaned text.
func foldLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfeff, r == 0x061c:
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
