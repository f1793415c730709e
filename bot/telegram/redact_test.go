package telegram

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestConnectErrorsNeverCarryTheToken covers the ways New's getMe fails
// before Telegram answers: a token ending in a newline (a Kubernetes secret
// file) fails URL parsing, whose error quotes the URL with the newline
// escaped; a token with a space reaches the network escaped in the URL.
// Neither form is the token as given, and the error printed it.
func TestConnectErrorsNeverCarryTheToken(t *testing.T) {
	const secret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached the server: %s", r.URL.Path)
	}))
	defer up.Close()
	tests := map[string]struct{ token, apiURL string }{
		"trailing newline":           {"123456:" + secret + "\n", up.URL},
		"trailing CRLF":              {"123456:" + secret + "\r\n", up.URL},
		"space inside, unreachable":  {"123456:" + secret[:10] + " " + secret[10:], "http://" + closedAddr(t)},
		"newline inside":             {"123456:" + secret[:10] + "\n" + secret[10:], up.URL},
		"plain token, unreachable":   {"123456:" + secret, "http://" + closedAddr(t)},
		"percent sign, unreachable":  {"123456:" + secret[:10] + "%" + secret[10:], "http://" + closedAddr(t)},
		"leading space, unreachable": {" 123456:" + secret, "http://" + closedAddr(t)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), tc.token, tc.apiURL, nil)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, part := range []string{secret[:10], secret[10:]} {
				if strings.Contains(err.Error(), part) {
					t.Fatalf("error carries the token: %v", err)
				}
			}
			if !strings.Contains(err.Error(), "<token>") {
				t.Errorf("error lost the redacted URL: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	const tok = "42:abc-DEF_ghi"
	tests := map[string]struct {
		err  error
		want string
	}{
		"url error": {&url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + tok + "/sendMessage", Err: errors.New("EOF")},
			`Post "https://api.telegram.org/bot<token>/sendMessage": EOF`},
		"wrapped url error": {errors.Join(errors.New("x"), &url.Error{Op: "Get", URL: "/bot" + tok + "/getMe", Err: errors.New("EOF")}),
			"x\nGet \"/bot<token>/getMe\": EOF"},
		"query escaped":  {errors.New("bad token=42%3Aabc-DEF_ghi"), "bad token=<token>"},
		"no token":       {errors.New("connection refused"), "connection refused"},
		"token in inner": {&url.Error{Op: "Post", URL: "/x", Err: errors.New("read " + tok)}, `Post "/x": read <token>`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := redact(tc.err, tok)
			if got.Error() != tc.want {
				t.Errorf("redact = %q, want %q", got.Error(), tc.want)
			}
			if !errors.Is(got, tc.err) && got != tc.err {
				// A redacted url.Error is rebuilt; its cause must survive.
				var ue *url.Error
				if !errors.As(got, &ue) {
					t.Errorf("redact lost the error chain: %#v", got)
				}
			}
		})
	}
}
