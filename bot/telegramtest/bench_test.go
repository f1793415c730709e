package telegramtest

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

const benchText = `<b>عاجل:</b> أعلنت وزارة الصحة في غزة ارتفاع عدد الضحايا، وقالت مصادر طبية إن المستشفيات تعمل بطاقتها القصوى. <a href="https://example.com/news/1?utm=x&amp;y=2">المصدر</a>`

const benchMarkup = `{"inline_keyboard":[[{"text":"المصدر","url":"https://example.com/news/1"},{"text":"شارك","url":"https://t.me/share/url?url=https%3A%2F%2Fexample.com"}]]}`

func benchServer(b *testing.B) (*Server, *http.Client, string) {
	srv := NewServer(Options{})
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return srv, client, srv.URL() + "/bot" + srv.Token() + "/sendMessage"
}

// benchForm is the encoded card without its chat_id, so the client side of
// the benchmarks spends as little CPU as a client can.
var benchForm = url.Values{"text": {benchText}, "parse_mode": {"HTML"}, "reply_markup": {benchMarkup}}.Encode()

func benchSend(b *testing.B, client *http.Client, endpoint string, chat int) {
	body := "chat_id=" + strconv.Itoa(chat) + "&" + benchForm
	resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkSendMessage measures one client sending HTML cards with a keyboard
// over loopback, one request at a time.
func BenchmarkSendMessage(b *testing.B) {
	_, client, endpoint := benchServer(b)
	i := 0
	cpu := ProcessCPU()
	for b.Loop() {
		i++
		benchSend(b, client, endpoint, 1+i%100000)
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process CPU time per operation since start (client
// and server together for the network benchmarks).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(ProcessCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkSendMessageParallel is the load-test shape: many senders at once.
func BenchmarkSendMessageParallel(b *testing.B) {
	_, client, endpoint := benchServer(b)
	b.SetParallelism(8)
	cpu := ProcessCPU()
	defer reportCPU(b, cpu)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			benchSend(b, client, endpoint, 1+i%100000)
		}
	})
}

func BenchmarkParseHTML(b *testing.B) {
	for b.Loop() {
		if _, err := ParseHTML(benchText); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandlerSendMessage measures the fake's own work per send, without
// the network: the request goes straight to Handler. It also reports the
// heap each recorded message keeps (retained-B/msg), with and without the
// call log, which bounds the size of a load test.
func BenchmarkHandlerSendMessage(b *testing.B) {
	for _, noLog := range []bool{false, true} {
		name := "calllog"
		if noLog {
			name = "nocalllog"
		}
		b.Run(name, func(b *testing.B) { benchHandler(b, Options{NoCallLog: noLog}) })
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func benchHandler(b *testing.B, opts Options) {
	srv := NewUnstarted(opts)
	b.Cleanup(srv.Close)
	heap := heapAlloc()
	h := srv.Handler()
	path := "/bot" + srv.Token() + "/sendMessage"
	i := 0
	cpu := ProcessCPU()
	defer reportCPU(b, cpu)
	for b.Loop() {
		i++
		body := "chat_id=" + strconv.Itoa(1+i%100000) + "&" + benchForm
		req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		if rec.code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.code, rec.body.String())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(heapAlloc()-heap)/float64(b.N), "retained-B/msg")
	runtime.KeepAlive(srv)
}
