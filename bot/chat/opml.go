package chat

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
)

// Operators export the config's sources as an OPML file (/export) and
// import one by sending it to the bot: the same as `akhbar sources export`
// and `akhbar sources import`, from Telegram. The bot only carries the
// file and shows the progress; the config file is the program's
// (SourceList).

// SourceList is the config file's list of sources.
type SourceList interface {
	// ExportOPML is the sources as an OPML 2.0 document.
	ExportOPML(ctx context.Context) ([]byte, error)
	// ImportOPML adds an OPML document's new feeds to the config file,
	// each checked once (progress is called after each check), and
	// applies the file as a reload does. It returns a summary for the
	// operator; an error says why nothing changed.
	ImportOPML(ctx context.Context, opml []byte, progress func(done, total int)) (summary string, err error)
}

// Documents is what OPML over Telegram needs of the Sender: sending a file
// and downloading one. bot/telegram implements it.
type Documents interface {
	SendDocument(ctx context.Context, chatID int64, name string, data []byte, caption string) error
	Download(ctx context.Context, fileID string, maxBytes int64) ([]byte, error)
}

// maxOPMLDownload bounds an OPML file an operator sends: a subscription
// list is kilobytes.
const maxOPMLDownload = 4 << 20

// importTimeout bounds an import: the checks run a few at a time, each
// bounded by the program.
const importTimeout = 5 * time.Minute

// opmlFiles reports what OPML over Telegram can use, or why not.
func (c *Conversation) opmlFiles() (SourceList, Documents, bool) {
	docs, ok := c.sender.(Documents)
	if c.cfg.SourceList == nil || !ok {
		return nil, nil, false
	}
	return c.cfg.SourceList, docs, true
}

// ExportOPML is /export: the sources as an OPML file.
func (c *Conversation) ExportOPML(ctx context.Context, m *tg.InMessage, lang string) error {
	t := opmlTexts(lang)
	list, docs, ok := c.opmlFiles()
	if !ok {
		return c.out.Reply(ctx, tg.Message{ChatID: m.Chat.ID, Text: t.NoFile, HTML: true})
	}
	data, err := list.ExportOPML(ctx)
	if err != nil {
		return fmt.Errorf("export OPML: %w", err)
	}
	name := "akhbar-sources-" + c.cfg.Now().In(c.cfg.Location).Format("2006-01-02") + ".opml"
	if err := c.out.Pace(ctx, m.Chat.ID); err != nil {
		return err
	}
	return docs.SendDocument(ctx, m.Chat.ID, name, data, fmt.Sprintf(t.Exported, len(c.cat.Lineup().Sources())))
}

// ImportOPML takes an operator's OPML file: a progress message, edited as
// the feeds are checked, then the import's summary or why it was refused,
// in lang (the operator's chat's, as every other answer there).
func (c *Conversation) ImportOPML(ctx context.Context, m *tg.InMessage, lang string) error {
	t := opmlTexts(lang)
	reply := func(text string) (int, error) {
		return c.out.PacedSend(ctx, tg.Message{ChatID: m.Chat.ID, Text: text, HTML: true, DisablePreview: true})
	}
	list, docs, ok := c.opmlFiles()
	if !ok {
		_, err := reply(t.NoFile)
		return err
	}
	if m.Document.Size > maxOPMLDownload {
		_, err := reply(fmt.Sprintf(t.TooBig, maxOPMLDownload>>20))
		return err
	}
	name := card.Escape(card.Truncate(card.OneLine(m.Document.Name), 60))
	data, err := docs.Download(ctx, m.Document.FileID, maxOPMLDownload)
	if err != nil {
		c.log.Warn("OPML import: download", "operator", m.From.ID, "file", m.Document.Name, "error", err)
		_, rerr := reply(fmt.Sprintf(t.Refused, name, card.Escape(t.NoDownload)))
		return rerr
	}
	progressID, err := reply(fmt.Sprintf(t.Checking, name))
	if err != nil {
		return err
	}
	edit := func(text string) {
		if err := c.out.Pace(ctx, m.Chat.ID); err != nil {
			return
		}
		if err := c.sender.Edit(ctx, m.Chat.ID, progressID, tg.Message{ChatID: m.Chat.ID, Text: text, HTML: true, DisablePreview: true}); err != nil {
			c.log.Debug("edit import progress", "error", err)
		}
	}
	// The checks report from several goroutines; the message is edited
	// every ProgressEvery at most, and never after the final answer.
	var (
		mu   sync.Mutex
		last time.Time
		over bool
	)
	progress := func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if over || c.cfg.Now().Sub(last) < ProgressEvery {
			return
		}
		last = c.cfg.Now()
		edit(fmt.Sprintf(t.Progress, name, done, total))
	}
	ictx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	summary, err := list.ImportOPML(ictx, data, progress)
	mu.Lock()
	over = true
	mu.Unlock()
	// The summary and the errors quote the file (names, addresses):
	// sanitized and escaped as feed text is.
	if err != nil {
		c.log.Info("OPML import refused", "operator", m.From.ID, "file", m.Document.Name, "error", err)
		edit(fmt.Sprintf(t.Refused, name, card.Escape(card.Truncate(card.Sanitize(err.Error()), 3000))))
		return nil
	}
	c.log.Info("OPML imported", "operator", m.From.ID, "file", m.Document.Name)
	edit(fmt.Sprintf(t.Imported, name, card.Escape(card.Truncate(card.Sanitize(summary), 3000))))
	return nil
}

// opmlText is the OPML replies' wording.
type opmlText struct {
	NoFile, Exported, ImportUsage, TooBig, NoDownload, Checking, Progress, Refused, Imported string
}

var opmlAr = opmlText{
	NoFile:      "لا ملف إعدادات يُكتب فيه: أعمل بإعدادات مدمجة.",
	Exported:    "📤 المصادر (%d) بصيغة OPML. لإضافة مصادر من ملف OPML يكفي إرساله إلى هنا.",
	ImportUsage: "📥 لإضافة مصادر يُرسل ملف OPML (من قارئ أخبار، أو من " + card.Cmd("/export") + ") إلى هذه المحادثة: أفحص كل خلاصة مرة وأضيف الجديدة إلى الإعدادات.",
	TooBig:      "الملف أكبر من %d ميغابايت: ليس قائمة اشتراكات.",
	NoDownload:  "تعذّر تنزيل الملف من تيليغرام؛ يمكن إرساله مرة أخرى.",
	Checking:    "📥 <b>%s</b>: فحص الخلاصات…",
	Progress:    "📥 <b>%s</b>: فُحص %d من %d…",
	Refused:     "⚠️ <b>%s</b>: لم يتغيّر شيء.\n%s",
	Imported:    "✅ <b>%s</b>\n%s",
}

var opmlEn = opmlText{
	NoFile:      "There is no config file to write to: I run on an embedded config.",
	Exported:    "📤 The sources (%d) as OPML. Send an OPML file here to add its feeds.",
	ImportUsage: "📥 Send an OPML file (from a feed reader, or from /export) to this chat: each feed is checked once and the new ones are added to the config.",
	TooBig:      "The file is over %d MB: not a subscription list.",
	NoDownload:  "The file could not be downloaded from Telegram; it can be sent again.",
	Checking:    "📥 <b>%s</b>: checking the feeds…",
	Progress:    "📥 <b>%s</b>: %d of %d checked…",
	Refused:     "⚠️ <b>%s</b>: nothing changed.\n%s",
	Imported:    "✅ <b>%s</b>\n%s",
}

func opmlTexts(lang string) *opmlText { return card.Pick(lang, &opmlAr, &opmlEn) }

// OPMLImportUsage is /import's answer: how to import an OPML file.
func OPMLImportUsage(lang string) string { return opmlTexts(lang).ImportUsage }
