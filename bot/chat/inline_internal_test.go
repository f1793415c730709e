package chat

import (
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/tg"
	"github.com/google/go-cmp/cmp"
)

// TestSimplerInlineNeverRepeats: the answer sent after a refusal differs
// from the refused one in what Telegram checks: results that had nothing
// optional to drop give way to no results at all.
func TestSimplerInlineNeverRepeats(t *testing.T) {
	full := tg.InlineResult{ID: "a", Title: "عنوان", Description: "وصف", Text: "<b>عنوان</b>",
		Buttons: [][]tg.Button{{{Text: "اقرأ", URL: "https://example.com/1"}}}, URL: "https://example.com/1", Thumbnail: "https://example.com/1.jpg"}
	bare := tg.InlineResult{ID: "a", Title: "عنوان", Description: "وصف", Text: "<b>عنوان</b>"}
	tests := map[string]struct {
		in       tg.InlineAnswer
		want     tg.InlineAnswer
		wantStep string
	}{
		"optional parts dropped": {
			in:       tg.InlineAnswer{Results: []tg.InlineResult{full, bare}, NextOffset: "20", CacheTime: inlineCacheTime},
			want:     tg.InlineAnswer{Results: []tg.InlineResult{bare, bare}, NextOffset: "20", CacheTime: inlineFallbackCacheTime},
			wantStep: "inline_bare",
		},
		"nothing to drop": {
			in:       tg.InlineAnswer{Results: []tg.InlineResult{bare}, NextOffset: "20", CacheTime: inlineCacheTime},
			want:     tg.InlineAnswer{CacheTime: inlineFallbackCacheTime},
			wantStep: "inline_empty",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, step := simplerInline(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" || step != tc.wantStep {
				t.Errorf("step %q (want %q); answer mismatch (-want +got):\n%s", step, tc.wantStep, diff)
			}
		})
	}
}

func TestCheckInlineResult(t *testing.T) {
	ok := tg.InlineResult{ID: "a", Title: "عنوان", Text: "<b>نص</b>", URL: "https://example.com/a", Thumbnail: "https://example.com/a.jpg",
		Buttons: [][]tg.Button{{{Text: "اقرأ", URL: "https://example.com/a"}}}}
	fixed := ok
	fixed.URL, fixed.Thumbnail = "https://localhost/a", "https://example.com/"+strings.Repeat("i", 2000)
	fixed.Buttons = [][]tg.Button{{{Text: "اقرأ", URL: "https://example.com/a"}, {Text: "نسخ", CopyText: strings.Repeat("خ", 300)}}}
	tests := map[string]struct {
		in     tg.InlineResult
		want   tg.InlineResult
		wantOK bool
	}{
		"valid":                          {in: ok, want: ok, wantOK: true},
		"optional parts fixed":           {in: fixed, want: tg.InlineResult{ID: "a", Title: "عنوان", Text: "<b>نص</b>", Buttons: ok.Buttons}, wantOK: true},
		"no id":                          {in: tg.InlineResult{Title: "t", Text: "x"}},
		"id over 64 bytes":               {in: tg.InlineResult{ID: strings.Repeat("i", 65), Title: "t", Text: "x"}},
		"no title":                       {in: tg.InlineResult{ID: "a", Title: " ", Text: "x"}},
		"empty message":                  {in: tg.InlineResult{ID: "a", Title: "t", Text: "<b> </b>"}},
		"message over 4096 once parsed":  {in: tg.InlineResult{ID: "a", Title: "t", Text: strings.Repeat("خ", 4097)}},
		"entities count one: 4096 is ok": {in: tg.InlineResult{ID: "a", Title: "t", Text: "<b>" + strings.Repeat("&amp;", 4096) + "</b>"}, want: tg.InlineResult{ID: "a", Title: "t", Text: "<b>" + strings.Repeat("&amp;", 4096) + "</b>"}, wantOK: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, gotOK := checkInlineResult(tt.in)
			if gotOK != tt.wantOK {
				t.Fatalf("ok = %v, want %v", gotOK, tt.wantOK)
			}
			if !gotOK {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
