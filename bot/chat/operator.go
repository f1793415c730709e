package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// operatorStore is what the operator commands read and change;
// storage.Store implements it.
type operatorStore interface {
	Broadcast(ctx context.Context, id string) (storage.Broadcast, error)
	Broadcasts(ctx context.Context, n int) ([]storage.Broadcast, error)
	CancelBroadcast(ctx context.Context, id string) (bool, error)
	ChatCount(ctx context.Context) (int64, error)
	CreateBroadcast(ctx context.Context, b storage.Broadcast) (string, error)
	Daily(ctx context.Context, day string) (map[string]int64, error)
	DeadLetterCount(ctx context.Context) (int64, error)
	DeadLetters(ctx context.Context, n int) ([]storage.DeadLetter, error)
	Enqueue(ctx context.Context, jobs []storage.Job) error
	Items(ctx context.Context, ids []string) ([]feeds.Item, error)
	ItemsSince(ctx context.Context, sourceIDs []string, since time.Time) ([]int64, error)
	Queue(ctx context.Context) (storage.QueueStats, error)
	RetryDeadLetter(ctx context.Context, streamID string) (storage.Job, error)
	SourceStates(ctx context.Context, ids []string) ([]storage.SourceState, error)
	StartBroadcast(ctx context.Context, id string, total int, chatID int64, messageID int) (bool, error)
	SubscribedChats(ctx context.Context) ([]int64, error)
}

// Operator commands. The Telegram users named in Config.Operators get, in
// their private chat with the bot, /stats, /health, /deadletters,
// /broadcast, and OPML export and import (opml.go). Anyone else, and an operator anywhere but the private chat,
// gets what an unknown command gets: nothing says these commands exist.
// Their buttons are callbacks of kind KindOperator and are refused the same way.

// Operator views and actions, as a KindOperator callback's argument.
const (
	opStats       = "st"
	opHealth      = "hl"
	opDead        = "dl"
	opRetry       = "dr:" // + dead letter entry id
	opRetryAll    = "da"
	opBroadcast   = "bc:" // + broadcast id: confirm
	opCancelBcast = "bx:" // + broadcast id: cancel
)

// Limits of the operator views.
const (
	deadShown = 10 // dead letters listed, each with a retry button
	// retryAllMax bounds the dead letters one "retry all" press re-enqueues.
	retryAllMax = 1000
	// viewChars keeps an operator view within one message with room for
	// its markup.
	viewChars = 3800
)

// isOperator reports whether the sender is an operator writing in their
// private chat with the bot.
func (h *turn) isOperator(c tg.Chat, from tg.User) bool {
	return c.Type == "private" && from.ID != 0 && c.ID == from.ID && slices.Contains(h.cfg.Operators, from.ID)
}

// operatorCommand answers an operator's command; it reports false for
// anyone else and for other commands, which then go on as usual.
func (h *turn) operatorCommand(ctx context.Context, m *tg.InMessage, cmd, lang string) (bool, error) {
	if !h.isOperator(m.Chat, m.From) {
		return false, nil
	}
	var (
		text    string
		buttons [][]tg.Button
		err     error
	)
	switch cmd {
	case "stats":
		text, buttons, err = h.statsView(ctx, lang)
	case "health":
		text, buttons, err = h.healthView(ctx, lang)
	case "deadletters":
		text, buttons, err = h.deadView(ctx, lang)
	case "broadcast":
		text, buttons, err = h.broadcastDraft(ctx, m, lang)
	case "export":
		return true, h.ExportOPML(ctx, m, lang)
	case "import":
		text = OPMLImportUsage(lang)
	default:
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, h.out.Reply(ctx, tg.Message{ChatID: m.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
}

// operatorCallback handles the buttons of the operator views; code is the
// callback's argument (opStats…).
func (h *turn) operatorCallback(ctx context.Context, cb *tg.Callback, code string) error {
	if !h.isOperator(cb.Chat, cb.From) {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	lang, err := h.userLang(ctx, cb.From) // the operator's private chat
	if err != nil {
		return err
	}
	t := opTexts(lang)
	toast := ""
	var (
		text    string
		buttons [][]tg.Button
	)
	switch {
	case code == opStats:
		text, buttons, err = h.statsView(ctx, lang)
	case code == opHealth:
		text, buttons, err = h.healthView(ctx, lang)
	case code == opDead:
		text, buttons, err = h.deadView(ctx, lang)
	case strings.HasPrefix(code, opRetry):
		n, rerr := h.retryDead(ctx, []string{strings.TrimPrefix(code, opRetry)})
		if rerr != nil {
			return rerr
		}
		toast = fmt.Sprintf(t.Retried, t.Requeued.Format(n))
		if n == 0 {
			toast = t.RetryGone
		}
		text, buttons, err = h.deadView(ctx, lang)
	case code == opRetryAll:
		n, rerr := h.retryAllDead(ctx)
		if rerr != nil {
			return rerr
		}
		toast = fmt.Sprintf(t.Retried, t.Requeued.Format(n))
		text, buttons, err = h.deadView(ctx, lang)
	case strings.HasPrefix(code, opBroadcast):
		return h.startBroadcast(ctx, cb, strings.TrimPrefix(code, opBroadcast), lang)
	case strings.HasPrefix(code, opCancelBcast):
		ok, cerr := h.store.CancelBroadcast(ctx, strings.TrimPrefix(code, opCancelBcast))
		if cerr != nil {
			return cerr
		}
		if !ok {
			return h.sender.AnswerCallback(ctx, cb.ID, t.BroadcastNotDraft)
		}
		text = t.BroadcastCancelled
	default:
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	if err != nil {
		return err
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, toast); err != nil {
		return err
	}
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
}

// viewButtons switch between the operator views, editing the message.
func viewButtons(t *opText) []tg.Button {
	return []tg.Button{
		{Text: t.StatsButton, CallbackData: CallbackData(KindOperator, opStats)},
		{Text: t.HealthButton, CallbackData: CallbackData(KindOperator, opHealth)},
		{Text: t.DeadButton, CallbackData: CallbackData(KindOperator, opDead)},
	}
}

// statsView is /stats: sources, chats, today's items, the delivery queue's
// depth and age, today's 429s, the dead letters, and the fan-outs running
// (broadcasts and big items' lanes) with their progress.
func (h *turn) statsView(ctx context.Context, lang string) (string, [][]tg.Button, error) {
	t := opTexts(lang)
	now := h.now()
	c := h.cat()
	ids := make([]string, len(c.list))
	for i, s := range c.list {
		ids[i] = s.ID
	}
	loc := h.cfg.Location
	y, mo, d := now.In(loc).Date()
	midnight := time.Date(y, mo, d, 0, 0, 0, 0, loc)
	today, err := h.store.ItemsSince(ctx, ids, midnight)
	if err != nil {
		return "", nil, err
	}
	var items int64
	for _, n := range today {
		items += n
	}
	chats, err := h.store.ChatCount(ctx)
	if err != nil {
		return "", nil, err
	}
	q, err := h.store.Queue(ctx)
	if err != nil {
		return "", nil, err
	}
	daily, err := h.store.Daily(ctx, DayOf(now, loc))
	if err != nil {
		return "", nil, err
	}
	dead, err := h.store.DeadLetterCount(ctx)
	if err != nil {
		return "", nil, err
	}
	running, err := RunningBroadcasts(ctx, h.store)
	if err != nil {
		return "", nil, err
	}

	var sb strings.Builder
	sb.WriteString(t.StatsTitle + "\n")
	fmt.Fprintf(&sb, t.Sources+"\n", len(c.list), len(c.topics))
	fmt.Fprintf(&sb, t.Chats+"\n", chats)
	fmt.Fprintf(&sb, t.Today+"\n", items)
	if q.Jobs == 0 {
		sb.WriteString(t.QueueEmpty + "\n")
	} else {
		fmt.Fprintf(&sb, t.Queue+"\n", q.Jobs, compactDuration(lang, now.Sub(q.Oldest)))
	}
	fmt.Fprintf(&sb, t.RateLimited+"\n", daily[DailyRateLimited])
	fmt.Fprintf(&sb, t.Dead+"\n", dead)

	var lines []string
	for _, bc := range running {
		lines = append(lines, fmt.Sprintf(t.BroadcastLine, bc.ID, bc.Sent, bc.Total, bc.Failed))
	}
	var laneItems []string
	for _, l := range q.Lanes {
		if _, isBroadcast := storage.BroadcastOf(l.ItemID); !isBroadcast {
			laneItems = append(laneItems, l.ItemID)
		}
	}
	titles := map[string]string{}
	if len(laneItems) > 0 {
		its, err := h.store.Items(ctx, laneItems)
		if err != nil {
			return "", nil, err
		}
		for _, it := range its {
			titles[it.ID] = it.Title
		}
	}
	for _, l := range q.Lanes {
		if _, isBroadcast := storage.BroadcastOf(l.ItemID); isBroadcast || l.Jobs == 0 {
			continue
		}
		title := titles[l.ItemID]
		if title == "" {
			title = l.ItemID
		}
		format := t.LaneLine
		if l.Edit {
			format = t.LaneEditLine
		}
		// The line opens with the title: a mark first keeps it in the
		// language's direction, Embed keeps the count after it apart.
		lines = append(lines, card.LineMark(lang)+fmt.Sprintf(format, card.Escape(card.Embed(lang, card.Truncate(card.OneLine(title), 60))), t.ChatsLeft.Format(int(l.Jobs))))
	}
	if len(lines) > 0 {
		sb.WriteString("\n" + t.Fanouts + "\n" + strings.Join(lines, "\n") + "\n")
	}
	return sb.String(), [][]tg.Button{viewButtons(t)}, nil
}

// BroadcastLister lists the recent broadcasts; storage.Store implements it.
type BroadcastLister interface {
	Broadcasts(ctx context.Context, n int) ([]storage.Broadcast, error)
}

// RunningBroadcasts are the recent broadcasts still being sent: for
// /stats, and for bot's progress metrics.
func RunningBroadcasts(ctx context.Context, s BroadcastLister) ([]storage.Broadcast, error) {
	recent, err := s.Broadcasts(ctx, 20)
	if err != nil {
		return nil, err
	}
	var out []storage.Broadcast
	for _, bc := range recent {
		if bc.State == storage.BroadcastSending && !bc.Done() {
			out = append(out, bc)
		}
	}
	return out, nil
}

// healthView is /health: each source's last success, its failures and
// last error, and its back-off (when the next poll may run). Failing
// sources come first, then the ones never polled, then the healthy ones.
func (h *turn) healthView(ctx context.Context, lang string) (string, [][]tg.Button, error) {
	t := opTexts(lang)
	now := h.now()
	c := h.cat()
	if len(c.list) == 0 {
		return t.HealthTitle + "\n" + card.Texts(lang).NoSources, [][]tg.Button{viewButtons(t)}, nil
	}
	ids := make([]string, len(c.list))
	for i, s := range c.list {
		ids[i] = s.ID
	}
	states, err := h.store.SourceStates(ctx, ids)
	if err != nil {
		return "", nil, err
	}
	loc := h.cfg.Location
	y, mo, d := now.In(loc).Date()
	today, err := h.store.ItemsSince(ctx, ids, time.Date(y, mo, d, 0, 0, 0, 0, loc))
	if err != nil {
		return "", nil, err
	}
	type row struct {
		rank int
		text string
	}
	rows := make([]row, len(c.list))
	for i, s := range c.list {
		st := states[i]
		name := card.Escape(card.Embed(lang, s.Name)) // "CNN بالعربية" must not turn the line left to right
		lastOK := t.Never
		if !st.LastOK.IsZero() {
			lastOK = fmt.Sprintf(t.Ago, compactDuration(lang, now.Sub(st.LastOK)))
		}
		switch {
		case st.Failures > 0:
			next := t.Now
			if st.NextTry.After(now) {
				next = fmt.Sprintf(t.In, compactDuration(lang, st.NextTry.Sub(now)))
			}
			rows[i] = row{0, fmt.Sprintf(t.HealthFailing, name, t.Failures.Format(st.Failures), card.Escape(card.Truncate(card.OneLine(st.LastError), 160)), next, lastOK)}
		case st.LastPoll.IsZero():
			rows[i] = row{1, fmt.Sprintf(t.HealthNever, name)}
		default:
			rows[i] = row{2, fmt.Sprintf(t.HealthOK, name, lastOK, t.ItemsToday.Format(int(today[i])))}
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return a.rank - b.rank })
	var sb strings.Builder
	sb.WriteString(t.HealthTitle + "\n")
	for i, r := range rows {
		if utf8.RuneCountInString(sb.String())+utf8.RuneCountInString(r.text) > viewChars {
			fmt.Fprintf(&sb, "\n"+t.More, len(rows)-i)
			break
		}
		sb.WriteString("\n" + card.LineMark(lang) + r.text)
	}
	return sb.String(), [][]tg.Button{viewButtons(t)}, nil
}

// deadView is /deadletters: the newest dead letters with Telegram's
// answer that killed each, and a button to retry each or all of them.
func (h *turn) deadView(ctx context.Context, lang string) (string, [][]tg.Button, error) {
	t := opTexts(lang)
	total, err := h.store.DeadLetterCount(ctx)
	if err != nil {
		return "", nil, err
	}
	dead, err := h.store.DeadLetters(ctx, deadShown)
	if err != nil {
		return "", nil, err
	}
	if len(dead) == 0 {
		return t.DeadNone, [][]tg.Button{viewButtons(t)}, nil
	}
	var itemIDs []string
	for _, d := range dead {
		if _, ok := storage.BroadcastOf(d.ItemID); !ok {
			itemIDs = append(itemIDs, d.ItemID)
		}
	}
	its, err := h.store.Items(ctx, itemIDs)
	if err != nil {
		return "", nil, err
	}
	titles := map[string]string{}
	for _, it := range its {
		titles[it.ID] = it.Title
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, t.DeadTitle+"\n", total, len(dead))
	var rows [][]tg.Button
	var row []tg.Button
	for i, d := range dead {
		what := t.ItemGone
		if id, ok := storage.BroadcastOf(d.ItemID); ok {
			what = fmt.Sprintf(t.BroadcastItem, id)
		} else if title, ok := titles[d.ItemID]; ok {
			what = fmt.Sprintf(t.Quoted, card.Escape(card.Embed(lang, card.Truncate(card.OneLine(title), 60))))
		}
		fmt.Fprintf(&sb, "\n"+t.DeadLine, i+1, d.ChatID, what, t.Attempts.Format(d.Attempt), d.Time.In(h.cfg.Location).Format("02/01 15:04"),
			card.Escape(card.Truncate(card.OneLine(d.Reason), 160)))
		row = append(row, tg.Button{Text: "↻ " + strconv.Itoa(i+1), CallbackData: CallbackData(KindOperator, opRetry+d.StreamID)})
		if len(row) == 5 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []tg.Button{{Text: t.RetryAll, CallbackData: CallbackData(KindOperator, opRetryAll)}}, viewButtons(t))
	return sb.String(), rows, nil
}

// retryDead re-enqueues the given dead letters and returns how many were
// still there.
func (h *turn) retryDead(ctx context.Context, streamIDs []string) (int, error) {
	n := 0
	for _, id := range streamIDs {
		j, err := h.store.RetryDeadLetter(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
		h.log.Info("dead letter retried", "chat_id", j.ChatID, "item_id", j.ItemID)
	}
	return n, nil
}

// retryAllDead re-enqueues the dead letters, newest first, up to
// retryAllMax.
func (h *turn) retryAllDead(ctx context.Context) (int, error) {
	dead, err := h.store.DeadLetters(ctx, retryAllMax)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(dead))
	for i, d := range dead {
		ids[i] = d.StreamID
	}
	return h.retryDead(ctx, ids)
}

// maxBroadcastChars is Telegram's limit on a message's text.
const maxBroadcastChars = card.MaxMessageChars

// broadcastDraft answers /broadcast <text>: it keeps the text as a draft
// and asks for a confirmation, naming how many chats it would reach.
func (h *turn) broadcastDraft(ctx context.Context, m *tg.InMessage, lang string) (string, [][]tg.Button, error) {
	t := opTexts(lang)
	text := ""
	if i := strings.IndexFunc(m.Text, unicode.IsSpace); i >= 0 {
		text = strings.TrimSpace(m.Text[i:]) // the text as written, its lines kept
	}
	switch {
	case text == "":
		return t.BroadcastUsage, nil, nil
	case utf8.RuneCountInString(text) > maxBroadcastChars:
		return fmt.Sprintf(t.BroadcastTooLong, t.Chars.Format(maxBroadcastChars)), nil, nil
	}
	chats, err := h.store.SubscribedChats(ctx)
	if err != nil {
		return "", nil, err
	}
	if len(chats) == 0 {
		return t.BroadcastNobody, nil, nil
	}
	id, err := h.store.CreateBroadcast(ctx, storage.Broadcast{Text: text, By: m.From.ID, Lang: lang})
	if err != nil {
		return "", nil, err
	}
	preview := card.Escape(card.Truncate(text, 1000))
	return fmt.Sprintf(t.BroadcastConfirm, t.ToChats.Format(len(chats)), preview), [][]tg.Button{{
		{Text: fmt.Sprintf(t.Send, t.ToChats.Format(len(chats))), CallbackData: CallbackData(KindOperator, opBroadcast+id)},
		{Text: t.Cancel, CallbackData: CallbackData(KindOperator, opCancelBcast+id)},
	}}, nil
}

// startBroadcast runs a confirmed broadcast: one delivery job per chat
// subscribed now, on the same streams as the cards, so it goes through the
// same limits, parks, retries and dead letters; the confirmation message
// becomes its progress, edited by the senders as results come in. A second
// press, or another operator's, starts nothing.
func (h *turn) startBroadcast(ctx context.Context, cb *tg.Callback, id, lang string) error {
	t := opTexts(lang)
	chats, err := h.store.SubscribedChats(ctx)
	if err != nil {
		return err
	}
	ok, err := h.store.StartBroadcast(ctx, id, len(chats), cb.Chat.ID, cb.MessageID)
	if err != nil {
		return err
	}
	if !ok {
		return h.sender.AnswerCallback(ctx, cb.ID, t.BroadcastNotDraft)
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		h.log.Warn("answer broadcast confirmation", "error", err)
	}
	bc, err := h.store.Broadcast(ctx, id)
	if err != nil {
		return err
	}
	// The message shows the start before any job exists, so no sender's
	// progress can be overwritten by it.
	if err := h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: BroadcastProgress(bc), HTML: true, DisablePreview: true}); err != nil {
		h.log.Warn("show broadcast progress", "broadcast", id, "error", err)
	}
	jobs := make([]storage.Job, len(chats))
	for i, c := range chats {
		jobs[i] = storage.Job{ChatID: c, ItemID: storage.BroadcastItem(id)}
	}
	if err := h.store.Enqueue(ctx, jobs); err != nil {
		return fmt.Errorf("broadcast %s: %w", id, err)
	}
	h.metrics.Jobs.Add(float64(len(jobs)))
	h.log.Info("broadcast started", "broadcast", id, "operator", cb.From.ID, "jobs", len(jobs))
	return nil
}

// BroadcastProgress is a broadcast's progress message.
func BroadcastProgress(bc storage.Broadcast) string {
	t := opTexts(bc.Lang)
	if bc.Done() {
		return fmt.Sprintf(t.BroadcastDone, bc.ID, compactDuration(bc.Lang, bc.Finished.Sub(bc.Started)), bc.Sent, bc.Failed)
	}
	return fmt.Sprintf(t.BroadcastSending, bc.ID, t.ToChats.Format(bc.Total), bc.Sent, bc.Failed, max(0, bc.Total-bc.Sent-bc.Failed))
}

// DailyRateLimited counts the 429s of a day (Store.Daily).
const DailyRateLimited = "rate_limited"

// DayOf names the day of t in loc.
func DayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// compactDuration is a duration as operators read it, in their language:
// 45s, 3m20s, 2h05m, 3d04h in English; «45 ث», «3 د 20 ث», «7 د», «2 س 05 د»,
// «3 ي 04 س» in Arabic (the units' usual abbreviations: ثانية، دقيقة، ساعة،
// يوم), which an Arabic line reads right to left as it should. English is
// embedded in its own direction, as before.
func compactDuration(lang string, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	type unit struct {
		n      int64
		ar, en string
	}
	var big, small unit
	switch s := int64(d / time.Second); {
	case s < 60:
		big = unit{s, "ث", "s"}
	case s < 3600:
		big, small = unit{s / 60, "د", "m"}, unit{s % 60, "ث", "s"}
	case s < 48*3600:
		big, small = unit{s / 3600, "س", "h"}, unit{s % 3600 / 60, "د", "m"}
	default:
		big, small = unit{s / 86400, "ي", "d"}, unit{s % 86400 / 3600, "س", "h"}
	}
	if lang == "ar" {
		if small.ar == "" || small.n == 0 {
			return fmt.Sprintf("%d %s", big.n, big.ar)
		}
		return fmt.Sprintf("%d %s %02d %s", big.n, big.ar, small.n, small.ar)
	}
	if small.en == "" {
		return card.Embed(lang, fmt.Sprintf("%d%s", big.n, big.en))
	}
	return card.Embed(lang, fmt.Sprintf("%d%s%02d%s", big.n, big.en, small.n, small.en))
}

// opText is the operator views' wording.
type opText struct {
	StatsTitle, Sources, Chats, Today, Queue, QueueEmpty, RateLimited, Dead string
	Fanouts, LaneLine, LaneEditLine, BroadcastLine                          string
	StatsButton, HealthButton, DeadButton                                   string
	HealthTitle, HealthOK, HealthFailing, HealthNever, Never, Now, Ago, In  string
	More                                                                    string
	DeadTitle, DeadNone, DeadLine, RetryAll, Retried, RetryGone, ItemGone   string
	Quoted                                                                  string // a title quoted in a line
	BroadcastItem, BroadcastUsage, BroadcastTooLong, BroadcastNobody        string
	BroadcastConfirm, Send, Cancel, BroadcastNotDraft, BroadcastCancelled   string
	BroadcastSending, BroadcastDone                                         string
	// Counted nouns, each for its place in a sentence: the chats a
	// fan-out has left (nominative), the chats a broadcast goes to (after
	// a preposition), a source's items today, its failures in a row, a
	// dead letter's attempts, the most characters of a broadcast, the
	// messages queued again.
	ChatsLeft, ToChats, ItemsToday, Failures, Attempts, Chars, Requeued card.Plural
}

var opAr = opText{
	StatsTitle:         "📊 <b>الإحصاءات</b>",
	Sources:            "المصادر: %d (المواضيع: %d)",
	Chats:              "المحادثات: %d",
	Today:              "أخبار اليوم: %d",
	Queue:              "طابور الإرسال: %d، أقدمها منذ %s",
	QueueEmpty:         "طابور الإرسال: فارغ",
	RateLimited:        "ردود 429 اليوم: %d",
	Dead:               "رسائل متعذّرة: %d",
	Fanouts:            "<b>قيد التوزيع:</b>",
	LaneLine:           "• %s: بقيت %s",
	LaneEditLine:       "• ✎ %s: بقيت %s",
	BroadcastLine:      "• 📣 البث %s: أُرسل %d من %d، تعذّر %d",
	StatsButton:        "📊 الإحصاءات",
	HealthButton:       "🩺 المصادر",
	DeadButton:         "📭 المتعذّرة",
	HealthTitle:        "🩺 <b>حالة المصادر</b>",
	HealthOK:           "✅ <b>%s</b>: آخر نجاح %s، %s اليوم",
	HealthFailing:      "⚠️ <b>%s</b>: %s: %s\n    المحاولة التالية %s، آخر نجاح %s",
	HealthNever:        "⏳ <b>%s</b>: لم يُجلب بعد",
	Never:              "لم يحدث",
	Now:                "الآن",
	Ago:                "منذ %s",
	In:                 "بعد %s",
	More:               "… و%d غيرها",
	DeadTitle:          "📭 <b>رسائل متعذّرة: %d</b> (أحدث %d)",
	DeadNone:           "📭 لا رسائل متعذّرة.",
	DeadLine:           "%d. المحادثة %d · %s · %s · %s\n    %s",
	RetryAll:           "↻ إعادة إرسالها كلها",
	Retried:            "↻ أُعيدت %s إلى الطابور",
	RetryGone:          "أُعيدت من قبل أو لم تعد موجودة",
	ItemGone:           "(خبر انتهت مدته)",
	Quoted:             "«%s»",
	BroadcastItem:      "📣 البث %s",
	BroadcastUsage:     "يُكتب نص الرسالة بعد الأمر: " + card.Cmd("/broadcast") + " نص الرسالة",
	BroadcastTooLong:   "الرسالة أطول من %s.",
	BroadcastNobody:    "📣 لا محادثات مشتركة تصلها الرسالة.",
	BroadcastConfirm:   "📣 <b>إرسال هذه الرسالة إلى %s؟</b>\n\n%s",
	Send:               "✅ الإرسال إلى %s",
	Cancel:             "✖️ إلغاء",
	BroadcastNotDraft:  "هذا البث بدأ أو أُلغي من قبل.",
	BroadcastCancelled: "✖️ أُلغي البث.",
	BroadcastSending:   "📣 <b>البث %s</b>: يُرسل إلى %s\n✅ أُرسل %d · ⚠️ تعذّر %d · ⏳ بقي %d",
	BroadcastDone:      "📣 <b>البث %s</b>: اكتمل في %s\n✅ أُرسل %d · ⚠️ تعذّر %d",
	ChatsLeft:          card.Plural{One: "محادثة واحدة", Two: "محادثتان", Few: "%d محادثات", Many: "%d محادثة", Other: "%d محادثة"},
	ToChats:            card.Plural{One: "محادثة واحدة", Two: "محادثتين", Few: "%d محادثات", Many: "%d محادثة", Other: "%d محادثة"},
	ItemsToday:         card.Plural{Zero: "لا أخبار", One: "خبر واحد", Two: "خبران", Few: "%d أخبار", Many: "%d خبراً", Other: "%d خبر"},
	Failures: card.Plural{One: "إخفاق واحد", Two: "إخفاقان متتاليان", Few: "%d إخفاقات متتالية",
		Many: "%d إخفاقاً متتالياً", Other: "%d إخفاق متتالٍ"},
	Attempts: card.Plural{One: "محاولة واحدة", Two: "محاولتان", Few: "%d محاولات", Many: "%d محاولة", Other: "%d محاولة"},
	Chars:    card.Plural{One: "حرف واحد", Two: "حرفين", Few: "%d أحرف", Many: "%d حرفاً", Other: "%d حرف"},
	Requeued: card.Plural{One: "رسالة واحدة", Two: "رسالتان", Few: "%d رسائل", Many: "%d رسالة", Other: "%d رسالة"},
}

var opEn = opText{
	StatsTitle:         "📊 <b>Stats</b>",
	Sources:            "Sources: %d (topics: %d)",
	Chats:              "Chats: %d",
	Today:              "Stories today: %d",
	Queue:              "Delivery queue: %d jobs, the oldest %s old",
	QueueEmpty:         "Delivery queue: empty",
	RateLimited:        "429s today: %d",
	Dead:               "Dead letters: %d",
	Fanouts:            "<b>Fan-outs running:</b>",
	LaneLine:           "• %s: %s left",
	LaneEditLine:       "• ✎ %s: %s left",
	BroadcastLine:      "• 📣 Broadcast %s: %d of %d sent, %d failed",
	StatsButton:        "📊 Stats",
	HealthButton:       "🩺 Sources",
	DeadButton:         "📭 Dead letters",
	HealthTitle:        "🩺 <b>Sources</b>",
	HealthOK:           "✅ <b>%s</b>: last success %s, %s today",
	HealthFailing:      "⚠️ <b>%s</b>: %s: %s\n    next try %s, last success %s",
	HealthNever:        "⏳ <b>%s</b>: not polled yet",
	Never:              "never",
	Now:                "now",
	Ago:                "%s ago",
	In:                 "in %s",
	More:               "… and %d more",
	DeadTitle:          "📭 <b>Dead letters: %d</b> (newest %d)",
	DeadNone:           "📭 No dead letters.",
	DeadLine:           "%d. chat %d · %s · %s · %s\n    %s",
	RetryAll:           "↻ Retry all",
	Retried:            "↻ %s queued again",
	RetryGone:          "Already retried, or gone",
	ItemGone:           "(expired story)",
	Quoted:             "“%s”",
	BroadcastItem:      "📣 broadcast %s",
	BroadcastUsage:     "Write the message after the command: /broadcast your text",
	BroadcastTooLong:   "The message is longer than %s.",
	BroadcastNobody:    "📣 No subscribed chats to send it to.",
	BroadcastConfirm:   "📣 <b>Send this to %s?</b>\n\n%s",
	Send:               "✅ Send to %s",
	Cancel:             "✖️ Cancel",
	BroadcastNotDraft:  "This broadcast was already started or cancelled.",
	BroadcastCancelled: "✖️ Broadcast cancelled.",
	BroadcastSending:   "📣 <b>Broadcast %s</b>: sending to %s\n✅ %d sent · ⚠️ %d failed · ⏳ %d left",
	BroadcastDone:      "📣 <b>Broadcast %s</b>: done in %s\n✅ %d sent · ⚠️ %d failed",
	ChatsLeft:          card.Plural{One: "1 chat", Other: "%d chats"},
	ToChats:            card.Plural{One: "1 chat", Other: "%d chats"},
	ItemsToday:         card.Plural{One: "1 story", Other: "%d stories"},
	Failures:           card.Plural{One: "1 failure", Other: "%d failures in a row"},
	Attempts:           card.Plural{One: "1 attempt", Other: "%d attempts"},
	Chars:              card.Plural{One: "1 character", Other: "%d characters"},
	Requeued:           card.Plural{One: "1 message", Other: "%d messages"},
}

func opTexts(lang string) *opText { return card.Pick(lang, &opAr, &opEn) }
