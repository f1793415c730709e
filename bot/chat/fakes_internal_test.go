package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// The fakes below stand in for the store, Telegram and the delivery
// engine in memory, so the conversation's decisions are tested without
// Redis or a Telegram server. Each embeds the interface it fakes: a call
// the test did not expect reaches the nil interface and panics.

// fakeStore keeps chats and subscriptions in maps.
type fakeStore struct {
	Store
	mu       sync.Mutex
	chats    map[int64]storage.Chat
	subs     map[int64][]string
	settings map[int64]storage.Settings
	items    map[string]feeds.Item
}

func newFakeStore() *fakeStore {
	return &fakeStore{chats: map[int64]storage.Chat{}, subs: map[int64][]string{}, settings: map[int64]storage.Settings{}}
}

func (s *fakeStore) Chat(_ context.Context, id int64) (storage.Chat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[id]
	if !ok {
		return storage.Chat{}, storage.ErrNotFound
	}
	return c, nil
}

func (s *fakeStore) Item(_ context.Context, id string) (feeds.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return feeds.Item{}, storage.ErrNotFound
	}
	return it, nil
}

func (s *fakeStore) SaveChat(_ context.Context, c storage.Chat) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[c.ID] = c
	return nil
}

func (s *fakeStore) SetSettings(_ context.Context, chatID int64, st storage.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[chatID] = st
	return nil
}

func (s *fakeStore) CachedAdmin(context.Context, int64, int64) (bool, bool, error) {
	return false, false, nil
}

func (s *fakeStore) CacheAdmin(context.Context, int64, int64, bool, time.Duration) error { return nil }

func (s *fakeStore) Subscribe(_ context.Context, chatID int64, target string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.subs[chatID], target) {
		return false, nil
	}
	s.subs[chatID] = append(s.subs[chatID], target)
	return true, nil
}

func (s *fakeStore) Unsubscribe(_ context.Context, chatID int64, target string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.subs[chatID], target)
	if i < 0 {
		return false, nil
	}
	s.subs[chatID] = slices.Delete(s.subs[chatID], i, i+1)
	return true, nil
}

func (s *fakeStore) Subscriptions(_ context.Context, chatID int64) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.subs[chatID]), nil
}

// fakeSender answers getChatMember and getChat from maps and records the
// callback answers and edits.
type fakeSender struct {
	Sender
	status  map[[2]int64]string // chat, user → status
	chats   map[string]tg.Chat  // "@username" → chat
	asked   int                 // getChatMember calls
	answers []string            // callback answers' texts
	edits   int
}

func (f *fakeSender) ChatMemberStatus(_ context.Context, chatID, userID int64) (string, error) {
	f.asked++
	if s, ok := f.status[[2]int64{chatID, userID}]; ok {
		return s, nil
	}
	return "", fmt.Errorf("no member %d in %d", userID, chatID)
}

func (f *fakeSender) ChatInfo(_ context.Context, ref string) (tg.Chat, error) {
	if c, ok := f.chats[ref]; ok {
		return c, nil
	}
	return tg.Chat{}, errors.New("chat not found")
}

func (f *fakeSender) AnswerCallback(_ context.Context, _ string, text string) error {
	f.answers = append(f.answers, text)
	return nil
}

func (f *fakeSender) Edit(context.Context, int64, int, tg.Message) error {
	f.edits++
	return nil
}

// fakeOutbox records the replies. Its cards name their source from cat,
// read at each card as the bot's renderer reads its live catalog.
type fakeOutbox struct {
	Outbox
	replies []tg.Message
	cat     Catalog
	store   *fakeStore // where ReplyChange makes its change
}

func (o *fakeOutbox) Card(it feeds.Item, c storage.Chat) card.Card {
	return card.Card{Item: it, SourceName: o.cat.Lineup().SourceName(it.SourceID), Loc: time.UTC, Lang: c.Lang}
}

func (o *fakeOutbox) Reply(_ context.Context, m tg.Message) error {
	o.replies = append(o.replies, m)
	return nil
}

func (o *fakeOutbox) ReplyIn(ctx context.Context, m tg.Message, _ storage.Chat) error {
	return o.Reply(ctx, m)
}

// ReplyChange makes the change in the fake store, then replies: the bot
// does both in one round trip, in this order.
func (o *fakeOutbox) ReplyChange(ctx context.Context, _ storage.Chat, ch storage.SubChange, reply func(changed bool) tg.Message) error {
	change := o.store.Subscribe
	if ch.Remove {
		change = o.store.Unsubscribe
	}
	changed, err := change(ctx, ch.ChatID, ch.Target)
	if err != nil {
		return err
	}
	return o.Reply(ctx, reply(changed))
}

func (o *fakeOutbox) Location(string) *time.Location { return time.UTC }

// lastReply is the text of the last reply, "" when there was none.
func (o *fakeOutbox) lastReply() string {
	if len(o.replies) == 0 {
		return ""
	}
	return o.replies[len(o.replies)-1].Text
}

// testSources are a catalog's sources: two with topics.
var testSources = []feeds.Source{
	{ID: "s0", Name: "الجزيرة", Topics: []string{"سياسة", "اقتصاد"}},
	{ID: "bbc", Name: "BBC عربي", Topics: []string{"رياضة"}},
}

// newTestConversation wires a conversation to the fakes, with the bot's
// own user id botID.
func newTestConversation(botID int64) (*Conversation, *fakeStore, *fakeSender, *fakeOutbox) {
	store, sender := newFakeStore(), &fakeSender{status: map[[2]int64]string{}, chats: map[string]tg.Chat{}}
	out := &fakeOutbox{store: store}
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	c := New(Config{BotID: botID, Now: func() time.Time { return now }}, store, sender, out, staticCatalog{NewLineup(testSources)}, nil)
	return c, store, sender, out
}
