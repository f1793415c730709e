package telegramtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVisibleText(t *testing.T) {
	bold := func(off, n int) MessageEntity { return MessageEntity{Type: "bold", Offset: off, Length: n} }
	tests := map[string]struct {
		in           string
		entities     []MessageEntity
		want         string
		wantEntities []MessageEntity
	}{
		"plain":                 {in: "عاجل", want: "عاجل"},
		"trailing newlines":     {in: "عاجل\n\n ", want: "عاجل"},
		"leading spaces":        {in: " \n عاجل", want: "عاجل"},
		"tab becomes space":     {in: "a\tb", want: "a b"},
		"carriage return drops": {in: "a\r\nb", want: "a\nb"},
		"bidi embedding drops":  {in: "\u202bعاجل\u202c: خبر", want: "عاجل: خبر"},
		"line separator drops":  {in: "a\u2028b", want: "ab"},
		"rlm stays":             {in: "\u200fعاجل", want: "\u200fعاجل"},
		"nbsp is not space":     {in: "\u00a0", want: "\u00a0"},
		"only spaces":           {in: " \n\t\r ", want: ""},
		"entity shifts": {
			in: "\u202b" + "عاجل\u202c خبر", entities: []MessageEntity{bold(1, 5)},
			want: "عاجل خبر", wantEntities: []MessageEntity{bold(0, 4)},
		},
		"entity cut at the end": {
			in: "خبر  ", entities: []MessageEntity{bold(0, 5)},
			want: "خبر", wantEntities: []MessageEntity{bold(0, 3)},
		},
		"trailing entity of spaces drops": {
			in: "خبر  ", entities: []MessageEntity{bold(4, 1)},
			want: "خبر",
		},
		"left trim stops at an entity": {
			in: "  خبر", entities: []MessageEntity{bold(1, 2)},
			want: " خبر", wantEntities: []MessageEntity{bold(0, 2)},
		},
		"astral characters count two": {
			in: "😀\u202bx", entities: []MessageEntity{bold(3, 1)},
			want: "😀x", wantEntities: []MessageEntity{bold(2, 1)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, gotEntities := visibleText(tt.in, tt.entities)
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantEntities, gotEntities, cmpEmptyNil); diff != "" {
				t.Errorf("entities mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpEmptyNil treats nil and empty entity lists as equal.
var cmpEmptyNil = cmp.FilterValues(func(a, b []MessageEntity) bool { return len(a) == 0 && len(b) == 0 }, cmp.Comparer(func(a, b []MessageEntity) bool { return true }))

func TestSendCleansLikeTelegram(t *testing.T) {
	srv, bot := newBot(t, Options{})
	// A feed's bidi controls and a renderer's trailing newline.
	m, err := bot.MakeRequest("sendMessage", map[string]string{"chat_id": "42", "parse_mode": "HTML", "text": "<b>\u202bعاجل\u202c</b>: خبر\n\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Sent()[0].ParsedText; got != "عاجل: خبر" {
		t.Errorf("visible text = %q; raw result %s", got, m.Result)
	}
	_, err = bot.MakeRequest("sendMessage", map[string]string{"chat_id": "42", "text": "\u202b \r\n"})
	if e := apiErr(t, err); e.Message != "Bad Request: message text is empty" {
		t.Errorf("blank text = %q", e.Message)
	}
}
