package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBody bounds a request body; Telegram takes 50 MB uploads.
const maxBody = 50 << 20

// readParams collects the parameters of a call from the query string and the
// body, whichever of the Bot API's encodings it uses: urlencoded form,
// multipart form (uploads become "upload:<filename>", their bytes in files) or
// a JSON object (string values unquoted, other values as raw JSON).
func readParams(w http.ResponseWriter, r *http.Request) (p map[string]string, files map[string][]byte, _ *apiError) {
	p = make(map[string]string)
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return p, files, checkUTF8(p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return p, files, errorf(http.StatusBadRequest, "Bad Request: can't read request body")
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, files, checkUTF8(p)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, files, errorf(http.StatusBadRequest, "Bad Request: can't parse JSON object")
		}
		for k, raw := range obj {
			var str string
			if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
				p[k] = str
			} else {
				p[k] = string(raw)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return p, files, errorf(http.StatusBadRequest, "Bad Request: can't parse multipart form")
		}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			p[k] = "upload:" + fhs[0].Filename
			f, err := fhs[0].Open()
			if err != nil {
				return p, files, errorf(http.StatusBadRequest, "Bad Request: can't read the uploaded file")
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return p, files, errorf(http.StatusBadRequest, "Bad Request: can't read the uploaded file")
			}
			if files == nil {
				files = map[string][]byte{}
			}
			files[k] = data
		}
		_ = r.MultipartForm.RemoveAll()
	default:
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return p, files, errorf(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			}
			return p, files, errorf(http.StatusBadRequest, "Bad Request: can't parse request body")
		}
		for k, v := range r.PostForm {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
	}
	return p, files, checkUTF8(p)
}

func checkUTF8(p map[string]string) *apiError {
	for _, v := range p {
		if !utf8.ValidString(v) {
			return errorf(http.StatusBadRequest, "Bad Request: strings must be encoded in UTF-8")
		}
	}
	return nil
}

// intParam parses an optional integer parameter; absent is def.
func intParam(p map[string]string, name string, def int64) (int64, *apiError) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "Bad Request: invalid "+name+" specified")
	}
	return n, nil
}

// boolParam parses an optional boolean the way the Bot API does.
func boolParam(p map[string]string, name string) bool {
	switch strings.ToLower(p[name]) {
	case "true", "1":
		return true
	}
	return false
}
