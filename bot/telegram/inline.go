package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
)

// AnswerInline answers an inline query with article results; it
// implements bot.InlineAnswerer. It goes through MakeRequest because the
// library's InlineConfig drops cache_time=0 (omitempty) and predates
// thumbnail_url and copy_text buttons.
func (c *Client) AnswerInline(ctx context.Context, queryID string, a bot.InlineAnswer) error {
	results, err := inlineResultsJSON(a.Results)
	if err != nil {
		return fmt.Errorf("telegram answerInlineQuery: %w", err)
	}
	p := map[string]string{
		"inline_query_id": queryID,
		"results":         results,
		"cache_time":      strconv.Itoa(a.CacheTime),
		"is_personal":     strconv.FormatBool(a.IsPersonal),
	}
	if a.NextOffset != "" {
		p["next_offset"] = a.NextOffset
	}
	_, err = c.call(ctx, "answerInlineQuery", p)
	return err
}

// inlineResultsJSON encodes results as InlineQueryResultArticle objects
// whose message is Telegram HTML without a link preview (the card has its
// own "read" button).
func inlineResultsJSON(rs []bot.InlineResult) (string, error) {
	type content struct {
		MessageText        string          `json:"message_text"`
		ParseMode          string          `json:"parse_mode"`
		LinkPreviewOptions json.RawMessage `json:"link_preview_options"`
	}
	type article struct {
		Type                string          `json:"type"`
		ID                  string          `json:"id"`
		Title               string          `json:"title"`
		InputMessageContent content         `json:"input_message_content"`
		ReplyMarkup         json.RawMessage `json:"reply_markup,omitempty"`
		URL                 string          `json:"url,omitempty"`
		Description         string          `json:"description,omitempty"`
		ThumbnailURL        string          `json:"thumbnail_url,omitempty"`
	}
	out := make([]article, len(rs))
	for i, r := range rs {
		out[i] = article{
			Type: "article", ID: r.ID, Title: r.Title, URL: r.URL, Description: r.Description, ThumbnailURL: r.Thumbnail,
			InputMessageContent: content{MessageText: r.Text, ParseMode: "HTML", LinkPreviewOptions: json.RawMessage(`{"is_disabled":true}`)},
		}
		if len(r.Buttons) > 0 {
			out[i].ReplyMarkup = json.RawMessage(card.KeyboardJSON(r.Buttons))
		}
	}
	// Without HTML escaping, so each reply_markup reaches Telegram as
	// bot.KeyboardJSON wrote and measured it (json.Marshal would turn every
	// "&" of a share URL into \u0026, six bytes).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

var _ bot.InlineAnswerer = (*Client)(nil)
