package tg

// InlineQuery is an inline query: a user typing "@bot words" in any chat.
type InlineQuery struct {
	ID       string
	From     User
	Query    string // up to 256 characters
	Offset   string // the next_offset of the previous answer, "" for the first page
	ChatType string // sender, private, group, supergroup or channel; may be empty
}

// InlineResult is one article in an inline answer: choosing it inserts
// Text (Telegram HTML) with Buttons into the chat.
type InlineResult struct {
	ID          string // 1–64 bytes, unique within the answer
	Title       string
	Description string
	Text        string
	Buttons     [][]Button
	URL         string
	Thumbnail   string // image URL, optional
}

// InlineAnswer is the answer to one inline query.
type InlineAnswer struct {
	Results    []InlineResult // at most 50
	NextOffset string         // at most 64 bytes; "" when there are no more results
	CacheTime  int            // seconds; 0 is sent as 0, not as the default
	IsPersonal bool           // results depend on who asked
}
