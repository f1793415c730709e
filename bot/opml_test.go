package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
)

// fakeSourceList is a config file's sources: an export, and imports it
// records, reporting the progress of checks it pretends to run.
type fakeSourceList struct {
	mu       sync.Mutex
	imported [][]byte
	refuse   error
}

const exported = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>akhbar sources</title></head><body>
<outline type="rss" text="المملكة" xmlUrl="https://www.almamlakatv.com/rss"/></body></opml>
`

func (f *fakeSourceList) ExportOPML(context.Context) ([]byte, error) { return []byte(exported), nil }

func (f *fakeSourceList) ImportOPML(_ context.Context, opml []byte, progress func(done, total int)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		return "", f.refuse
	}
	f.imported = append(f.imported, opml)
	for i := 1; i <= 3; i++ {
		progress(i, 3)
	}
	return "3 feed(s) from telegram: 3 checked ok, 0 failed <ok>\u202e", nil
}

// TestOPMLFromTelegram: an operator exports the sources as an OPML file
// and imports one by sending it to the bot, which shows the checks'
// progress in a message it edits, then the summary. Anyone else's file is
// ignored, and /export is an unknown command for them.
func TestOPMLFromTelegram(t *testing.T) {
	// Parallel: it waits on the per-chat pace of the progress messages and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	list := &fakeSourceList{}
	h := newHarness(t, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", BotID: telegramtest.BotID, Location: time.UTC,
		Operators: []int64{operatorID}, SourceList: list, Now: func() time.Time { return now }}, telegramtest.Options{})
	ctx := context.Background()
	opDM := telegramtest.Chat{ID: operatorID, Type: "private"}
	opUser := telegramtest.User{ID: operatorID, FirstName: "مشرف", LanguageCode: "ar"}

	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, operator, "/export")))
	sent := h.tg.SentTo(operatorID)
	if len(sent) != 1 || sent[0].Document == nil {
		t.Fatalf("/export sent %+v, want one document", sent)
	}
	doc := sent[0].Document
	data, ok := h.tg.File(doc.FileID)
	if !ok || string(data) != exported || doc.FileName != "akhbar-sources-2026-11-28.opml" || !strings.Contains(sent[0].ParsedText, "OPML") {
		t.Errorf("exported document %+v (caption %q):\n%s\nwant the list's OPML as akhbar-sources-2026-11-28.opml", doc, sent[0].ParsedText, data)
	}

	// The operator sends a file: it is downloaded, imported with progress.
	opml := []byte(`<opml version="2.0"><body><outline text="x" xmlUrl="https://example.com/rss"/></body></opml>`)
	id, fileID := h.tg.UserDocument(opDM, opUser, "reader <export>.opml", opml, "")
	must(t, h.bot.HandleUpdate(ctx, bot.Update{Message: &bot.InMessage{ID: id, Chat: operatorDM, From: operator,
		Document: &bot.Document{FileID: fileID, Name: "reader <export>.opml", Size: int64(len(opml))}}}))
	if len(list.imported) != 1 || string(list.imported[0]) != string(opml) {
		t.Fatalf("imported %q, want the operator's file", list.imported)
	}
	sent = h.tg.SentTo(operatorID)[1:]
	var texts []string
	for _, m := range sent {
		texts = append(texts, m.ParsedText)
	}
	// The progress message: sent, edited with the checks, then the summary.
	want := []string{"📥 reader <export>.opml: فحص الخلاصات…", "📥 reader <export>.opml: فُحص 1 من 3…",
		"✅ reader <export>.opml\n3 feed(s) from telegram: 3 checked ok, 0 failed <ok>"}
	if strings.Join(texts, "\n--\n") != strings.Join(want, "\n--\n") {
		t.Errorf("import messages:\n%s\nwant:\n%s", strings.Join(texts, "\n--\n"), strings.Join(want, "\n--\n"))
	}
	if last := sent[len(sent)-1]; strings.ContainsRune(last.Text, '\u202e') {
		t.Errorf("the summary's bidi override reached the message: %q", last.Text)
	}
	for _, m := range sent[1:] {
		if !m.Edited || m.MessageID != sent[0].MessageID {
			t.Errorf("message %d (edited %v): want edits of the progress message %d", m.MessageID, m.Edited, sent[0].MessageID)
		}
	}

	// A refused import says why, and that nothing changed.
	list.refuse = errors.New("no new feeds")
	id, fileID = h.tg.UserDocument(opDM, opUser, "same.opml", opml, "")
	must(t, h.bot.HandleUpdate(ctx, bot.Update{Message: &bot.InMessage{ID: id, Chat: operatorDM, From: operator,
		Document: &bot.Document{FileID: fileID, Name: "same.opml", Size: int64(len(opml))}}}))
	all := h.tg.SentTo(operatorID)
	if last := all[len(all)-1]; last.ParsedText != "⚠️ same.opml: لم يتغيّر شيء.\nno new feeds" {
		t.Errorf("refused import answer = %q", last.ParsedText)
	}

	// A file Telegram cannot hand over: the operator is told.
	must(t, h.bot.HandleUpdate(ctx, bot.Update{Message: &bot.InMessage{ID: id + 1, Chat: operatorDM, From: operator,
		Document: &bot.Document{FileID: "gone", Name: "gone.opml", Size: 10}}}))
	all = h.tg.SentTo(operatorID)
	if last := all[len(all)-1]; !strings.HasPrefix(last.ParsedText, "⚠️ gone.opml: لم يتغيّر شيء.\nتعذّر تنزيل الملف") {
		t.Errorf("answer to a file that cannot be downloaded = %q", last.ParsedText)
	}

	// The operator chose English for their chat (Telegram still says
	// Arabic): the import answers in the chat's language, as /export and
	// every other reply there do.
	c, err := h.store.Chat(ctx, operatorID)
	must(t, err)
	c.Lang = "en"
	must(t, h.store.SaveChat(ctx, c))
	list.refuse = nil
	id, fileID = h.tg.UserDocument(opDM, opUser, "en.opml", opml, "")
	must(t, h.bot.HandleUpdate(ctx, bot.Update{Message: &bot.InMessage{ID: id, Chat: operatorDM, From: operator,
		Document: &bot.Document{FileID: fileID, Name: "en.opml", Size: int64(len(opml))}}}))
	all = h.tg.SentTo(operatorID)
	if first := all[len(all)-3]; first.ParsedText != "📥 en.opml: checking the feeds…" {
		t.Errorf("import's first message in an English chat = %q", first.ParsedText)
	}

	// A reader's file and /export: nothing imported, no document sent.
	reader := bot.User{ID: 11, FirstName: "ليلى", LanguageCode: "ar"}
	readerDM := bot.Chat{ID: 11, Type: "private"}
	id, fileID = h.tg.UserDocument(telegramtest.Chat{ID: 11, Type: "private"}, telegramtest.User{ID: 11, FirstName: "ليلى"}, "x.opml", opml, "")
	must(t, h.bot.HandleUpdate(ctx, bot.Update{Message: &bot.InMessage{ID: id, Chat: readerDM, From: reader,
		Document: &bot.Document{FileID: fileID, Name: "x.opml", Size: int64(len(opml))}}}))
	must(t, h.bot.HandleUpdate(ctx, msg(readerDM, reader, "/export")))
	if len(list.imported) != 2 { // the operator's two files
		t.Errorf("a reader's file was imported")
	}
	for _, m := range h.tg.SentTo(11) {
		if m.Document != nil {
			t.Errorf("a reader got a document: %+v", m.Document)
		}
	}
}

// TestOPMLWithoutAConfigFile: with no file to write (local mode), the
// operator is told so.
func TestOPMLWithoutAConfigFile(t *testing.T) {
	h := newHarness(t, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", BotID: telegramtest.BotID, Location: time.UTC,
		Operators: []int64{operatorID}}, telegramtest.Options{})
	must(t, h.bot.HandleUpdate(context.Background(), msg(operatorDM, operator, "/export")))
	sent := h.tg.SentTo(operatorID)
	if len(sent) != 1 || sent[0].Document != nil || !strings.Contains(sent[0].ParsedText, "لا ملف إعدادات") {
		t.Errorf("/export without a config file sent %+v", sent)
	}
}
