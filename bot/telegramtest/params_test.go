package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestParamEncodings sends the same call in each encoding the Bot API takes
// and checks that the fake records the same parameters.
func TestParamEncodings(t *testing.T) {
	const markup = `{"inline_keyboard":[[{"text":"أ","callback_data":"a"}]]}`
	want := map[string]string{"chat_id": "42", "text": "عاجل", "parse_mode": "HTML", "reply_markup": markup}
	form := url.Values{}
	for k, v := range want {
		form.Set(k, v)
	}
	multipartBody := func() (string, io.Reader) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range want {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return w.FormDataContentType(), &buf
	}
	tests := map[string]func(base string) (*http.Request, error){
		"query string": func(base string) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+"?"+form.Encode(), nil)
		},
		"urlencoded": func(base string) (*http.Request, error) {
			r, err := http.NewRequest(http.MethodPost, base, strings.NewReader(form.Encode()))
			if err == nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return r, err
		},
		"multipart": func(base string) (*http.Request, error) {
			ct, body := multipartBody()
			r, err := http.NewRequest(http.MethodPost, base, body)
			if err == nil {
				r.Header.Set("Content-Type", ct)
			}
			return r, err
		},
		"JSON": func(base string) (*http.Request, error) {
			body := `{"chat_id":42,"text":"عاجل","parse_mode":"HTML","reply_markup":` + markup + `}`
			r, err := http.NewRequest(http.MethodPost, base, strings.NewReader(body))
			if err == nil {
				r.Header.Set("Content-Type", "application/json; charset=utf-8")
			}
			return r, err
		},
	}
	for name, build := range tests {
		t.Run(name, func(t *testing.T) {
			srv := NewServer(Options{})
			defer srv.Close()
			req, err := build(srv.URL() + "/bot" + srv.Token() + "/sendMessage")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := readAll(t, resp)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("answer %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			calls := srv.Calls("sendMessage")
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded", len(calls))
			}
			if diff := cmp.Diff(want, calls[0].Params); diff != "" {
				t.Errorf("params mismatch (-want +got):\n%s", diff)
			}
			var got struct {
				OK     bool `json:"ok"`
				Result struct {
					Text        string          `json:"text"`
					ReplyMarkup json.RawMessage `json:"reply_markup"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if !got.OK || got.Result.Text != "عاجل" || string(got.Result.ReplyMarkup) != markup {
				t.Errorf("result = %s", body)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	srv := NewServer(Options{Token: "1:t"})
	defer srv.Close()
	tests := map[string]struct {
		path, ct, body string
		wantStatus     int
		wantBody       string
	}{
		"no bot prefix": {"/getMe", "", "", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		"bad token":     {"/bot1:x/getMe", "", "", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
		"invalid UTF-8": {"/bot1:t/sendMessage", "application/x-www-form-urlencoded", "chat_id=1&text=%FF", 400,
			`{"ok":false,"error_code":400,"description":"Bad Request: strings must be encoded in UTF-8"}`},
		"bad JSON": {"/bot1:t/sendMessage", "application/json", "{", 400,
			`{"ok":false,"error_code":400,"description":"Bad Request: can't parse JSON object"}`},
		"bad integer": {"/bot1:t/getUpdates", "application/x-www-form-urlencoded", "offset=x", 400,
			`{"ok":false,"error_code":400,"description":"Bad Request: invalid offset specified"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Post(srv.URL()+tt.path, tt.ct, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := readAll(t, resp); resp.StatusCode != tt.wantStatus || got != tt.wantBody {
				t.Errorf("answer = %d %s\nwant   %d %s", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestHandlerOnOwnListener checks the local-mode path: an unstarted server's
// Handler mounted under a mux of the caller's.
func TestHandlerOnOwnListener(t *testing.T) {
	srv := NewUnstarted(Options{Token: "9:x"})
	defer srv.Close()
	if srv.URL() != "" {
		t.Errorf("unstarted URL = %q, want empty", srv.URL())
	}
	rec := newRecorder()
	req, _ := http.NewRequest(http.MethodPost, "/bot9:x/getMe", nil)
	srv.Handler().ServeHTTP(rec, req)
	if rec.code != 200 || !strings.Contains(rec.body.String(), `"username":"akhbar_test_bot"`) {
		t.Errorf("getMe through Handler = %d %s", rec.code, rec.body.String())
	}
}

type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}, code: 200} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
