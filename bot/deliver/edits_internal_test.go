package deliver

import (
	"context"
	"errors"
	"testing"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
)

// TestEditWanted: an edited item's card is edited only where the chat got
// it as a card; a chat that never got it, or got it in a digest, is
// skipped; a record that could not be read is retried.
func TestEditWanted(t *testing.T) {
	for _, c := range []struct {
		name        string
		msgID       int
		err         error
		edit, retry bool
	}{
		{"sent as a card", 42, nil, true, false},
		{"never sent", 0, storage.ErrNotFound, false, false},
		{"inside a digest", -42, nil, false, false},
		{"no message id kept", 0, nil, false, false},
		{"Redis failed", 0, errors.New("i/o timeout"), false, true},
	} {
		edit, retry := editWanted(c.msgID, c.err)
		if edit != c.edit || retry != c.retry {
			t.Errorf("%s: edit %v retry %v, want %v %v", c.name, edit, retry, c.edit, c.retry)
		}
	}
}

// editSender is a fake Telegram that records edits and answers each with
// the next of its errors.
type editSender struct {
	edits []card.Message
	errs  []error
}

func (s *editSender) Send(context.Context, card.Message) (int, error) {
	return 0, errors.New("no sends")
}

func (s *editSender) Edit(_ context.Context, _ int64, _ int, m card.Message) error {
	s.edits = append(s.edits, m)
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

// TestEditCardMethod: an edit uses the method of what was sent (a photo's
// caption, a text), whatever the new render is; a record from before the
// kind was kept takes the new render's kind, and the other once Telegram
// says it is the wrong one.
func TestEditCardMethod(t *testing.T) {
	withPhoto := card.Card{Item: feeds.Item{ID: "i", Title: "عنوان", Link: "https://example.com/a", Image: "https://example.com/a.jpg"}, Images: true}
	textOnly := card.Card{Item: feeds.Item{ID: "i", Title: "عنوان", Link: "https://example.com/a"}}
	wrong := tg.ErrWrongEditKind
	for _, c := range []struct {
		name    string
		kind    storage.SentKind
		c       card.Card
		errs    []error
		want    []bool // each edit: a caption (true) or a text
		wantErr error
	}{
		{"photo", storage.SentPhoto, textOnly, nil, []bool{true}, nil},
		{"text", storage.SentText, withPhoto, nil, []bool{false}, nil},
		{"text, refused", storage.SentText, withPhoto, []error{wrong}, []bool{false}, wrong},
		{"unknown, renders a photo", storage.SentUnknown, withPhoto, nil, []bool{true}, nil},
		{"unknown, renders text", storage.SentUnknown, textOnly, nil, []bool{false}, nil},
		{"unknown, was the other kind", storage.SentUnknown, withPhoto, []error{wrong}, []bool{true, false}, nil},
		{"unknown, neither", storage.SentUnknown, textOnly, []error{wrong, wrong}, []bool{false, true}, wrong},
		{"unknown, another error", storage.SentUnknown, textOnly, []error{tg.ErrChatGone}, []bool{false}, tg.ErrChatGone},
	} {
		s := &editSender{errs: c.errs}
		e := &Engine{sender: s}
		err := e.editCard(t.Context(), 1, 7, c.kind, c.c, storage.Chat{ID: 1})
		var got []bool
		for _, m := range s.edits {
			got = append(got, m.EditCaption)
		}
		if !cmp.Equal(got, c.want) || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("%s: edits as caption %v, err %v; want %v, %v", c.name, got, err, c.want, c.wantErr)
		}
	}
}
