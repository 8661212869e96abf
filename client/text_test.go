package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// charsetHandler answers with the request's body, and with the
// Content-Type given in the "ct" query parameter (none if absent).
func charsetHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct, ok := r.URL.Query()["ct"]; ok {
			w.Header()["Content-Type"] = ct
		} else {
			w.Header()["Content-Type"] = nil // no sniffing by the server
		}
		body, _ := io.ReadAll(r.Body)
		w.Write(body)
	})
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func utf16be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

func utf32le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

func utf32be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func ptr[T any](v T) *T { return &v }

// TestTextEncoding covers test_get_encoding_from_headers,
// test__parse_content_type_header, TestContentEncodingDetection,
// TestGuessJSONUTF and test_response_decode_unicode: which character set
// Text decodes with, and what it gives.
func TestTextEncoding(t *testing.T) {
	eachProto(t, charsetHandler(), func(t *testing.T, srv server) {
		s := srv.session(t)
		const jsonDoc = `{"k": "ü"}`
		tests := []struct {
			name     string
			ct       *string
			body     []byte
			wantEnc  string
			wantText string
		}{
			{"charset param", ptr("text/plain; charset=ISO-8859-1"), []byte("caf\xe9"), "windows-1252", "café"},
			{"quoted charset", ptr(`text/plain; charset="latin1"`), []byte("caf\xe9"), "windows-1252", "café"},
			{"charset with spaces", ptr("application/json ; Charset = utf-8"), []byte(jsonDoc), "utf-8", jsonDoc},
			{"charset after empty params", ptr("text/plain;; charset=iso-8859-2"), []byte("\xb1"), "iso-8859-2", "ą"},
			{"unterminated quote", ptr(`text/html; charset="koi8-r`), []byte("\xc1"), "koi8-r", "а"},
			{"unknown charset", ptr("text/plain; charset=no-such"), []byte("ü"), "utf-8", "ü"},
			{"text/plain, UTF-8", ptr("text/plain"), []byte("ü"), "utf-8", "ü"},
			{"text/plain, not UTF-8", ptr("text/plain"), []byte("caf\xe9"), "windows-1252", "café"},
			{"no content type, binary", nil, []byte{0x93, 0x94}, "windows-1252", "“”"},
			{"UTF-8 BOM beats charset", ptr("text/plain; charset=iso-8859-1"), []byte("\xef\xbb\xbfü"), "utf-8", "ü"},
			{"UTF-16LE BOM", ptr("text/plain"), cat([]byte{0xff, 0xfe}, utf16le("hé")), "utf-16le", "hé"},
			{"UTF-16BE BOM", ptr("text/plain"), cat([]byte{0xfe, 0xff}, utf16be("hé")), "utf-16be", "hé"},
			{"HTML meta charset", ptr("text/html"),
				[]byte(`<html><head><meta charset="shift_jis"></head><body>` + "\x93\xfa\x96\x7b</body>"),
				"shift_jis", `<html><head><meta charset="shift_jis"></head><body>日本</body>`},
			{"HTML http-equiv", ptr("text/html"),
				[]byte(`<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">` + "\xcf"),
				"windows-1251", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">П`},
			{"HTML meta says latin1, body UTF-8", ptr("text/html"), []byte(`<meta charset="iso-8859-1">é`), "windows-1252", `<meta charset="iso-8859-1">Ã©`},
			{"HTML meta, no content type", nil, []byte(`<meta charset="iso-8859-5">` + "\xb0"), "iso-8859-5", `<meta charset="iso-8859-5">А`},
			{"header beats meta", ptr("text/html; charset=utf-8"), []byte(`<meta charset="iso-8859-5">ü`), "utf-8", `<meta charset="iso-8859-5">ü`},
			{"meta ignored in text/plain", ptr("text/plain"), []byte(`<meta charset="iso-8859-5">ü`), "utf-8", `<meta charset="iso-8859-5">ü`},
			{"HTML without meta, UTF-8", ptr("text/html"), []byte("<p>ü</p>"), "utf-8", "<p>ü</p>"},
			{"HTML without meta, not UTF-8", ptr("text/html"), []byte("<p>\xfc</p>"), "windows-1252", "<p>ü</p>"},
			{"XML declaration", ptr("application/xml"),
				[]byte(`<?xml version="1.0" encoding="ISO-8859-2"?><a>` + "\xb1</a>"),
				"iso-8859-2", `<?xml version="1.0" encoding="ISO-8859-2"?><a>ą</a>`},
			{"XML declaration, single quotes", ptr("text/xml"),
				[]byte(`<?xml version='1.0' encoding='windows-1250'?>` + "\x9a"),
				"windows-1250", `<?xml version='1.0' encoding='windows-1250'?>š`},
			{"JSON is UTF-8", ptr("application/json"), []byte(jsonDoc), "utf-8", jsonDoc},
			{"JSON, invalid UTF-8", ptr("application/json"), []byte("\"\xff\""), "utf-8", "\"\ufffd\""},
			{"JSON, UTF-8 BOM", ptr("application/json"), []byte("\xef\xbb\xbf" + jsonDoc), "utf-8", jsonDoc},
			{"JSON, UTF-16LE", ptr("application/json"), utf16le(jsonDoc), "utf-16le", jsonDoc},
			{"JSON, UTF-16BE", ptr("application/json"), utf16be(jsonDoc), "utf-16be", jsonDoc},
			{"JSON, UTF-16LE BOM", ptr("application/problem+json"), cat([]byte{0xff, 0xfe}, utf16le(jsonDoc)), "utf-16le", jsonDoc},
			{"JSON, UTF-32LE", ptr("application/json"), utf32le(jsonDoc), "utf-32le", jsonDoc},
			{"JSON, UTF-32BE", ptr("application/json"), utf32be(jsonDoc), "utf-32be", jsonDoc},
			{"JSON, UTF-32LE BOM", ptr("application/json"), cat([]byte{0xff, 0xfe, 0, 0}, utf32le(jsonDoc)), "utf-32le", jsonDoc},
			{"JSON, UTF-32BE BOM", ptr("application/json"), cat([]byte{0, 0, 0xfe, 0xff}, utf32be(jsonDoc)), "utf-32be", jsonDoc},
			{"JSON with charset", ptr("application/json; charset=utf-16be"), utf16be(jsonDoc), "utf-16be", jsonDoc},
			{"empty body", ptr("text/plain"), nil, "utf-8", ""},
		}
		for _, tt := range tests {
			opts := []client.RequestOption{client.Body(bytes.NewReader(tt.body))}
			if tt.ct != nil {
				opts = append(opts, client.Param("ct", *tt.ct))
			}
			resp, err := s.Post(context.Background(), srv.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Encoding(); got != tt.wantEnc {
				t.Errorf("%s: Encoding() = %q, want %q", tt.name, got, tt.wantEnc)
			}
			if got, err := resp.Text(); err != nil || got != tt.wantText {
				t.Errorf("%s: Text() = %q, %v; want %q", tt.name, got, err, tt.wantText)
			}
			if strings.HasPrefix(tt.wantText, "{") {
				var v map[string]string
				if err := resp.JSON(&v); err != nil || v["k"] != "ü" {
					t.Errorf("%s: JSON() = %v, %v; want k: ü", tt.name, v, err)
				}
			}
		}
	})
}

// TestHTTPBinUTF8 reads go-httpbin's UTF-8 demo page.
func TestHTTPBinUTF8(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/encoding/utf8")
		if err != nil {
			t.Fatal(err)
		}
		text, err := resp.Text()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Encoding() != "utf-8" || !strings.Contains(text, "∮ E⋅da = Q") {
			t.Errorf("Encoding() = %q, text has no UTF-8 sample", resp.Encoding())
		}
	})
}

// TestJSONErrors covers test_json_decode_compatibility,
// test_empty_response_has_content_none and
// test_response_json_when_content_is_None: decoding errors carry the
// encoding/json cause but never the body.
func TestJSONErrors(t *testing.T) {
	eachProto(t, charsetHandler(), func(t *testing.T, srv server) {
		s := srv.session(t)
		const secret = "s3cr3t"
		tests := []struct {
			name   string
			body   string
			target func() any
			as     func(error) bool
		}{
			{"not JSON", secret + " is not json", func() any { return new(any) }, isSyntaxError},
			{"truncated", `{"token": "` + secret, func() any { return new(any) }, isSyntaxError},
			{"empty", "", func() any { return new(any) }, isSyntaxError},
			{"bad character", `{"a": ` + secret + `}`, func() any { return new(any) }, isSyntaxError},
			{"wrong type", `{"n": 987654321}`, func() any { return new(struct{ N string }) }, isTypeError},
			{"wrong type in array", `[12345678]`, func() any { return new([]bool) }, isTypeError},
		}
		for _, tt := range tests {
			resp, err := s.Post(context.Background(), srv.URL, client.Body(strings.NewReader(tt.body)), client.Param("ct", "application/json"))
			if err != nil {
				t.Fatal(err)
			}
			err = resp.JSON(tt.target())
			if err == nil {
				t.Errorf("%s: no error", tt.name)
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "987654321") || strings.Contains(msg, "12345678") {
				t.Errorf("%s: error %q quotes the body", tt.name, msg)
			}
			if !tt.as(err) {
				t.Errorf("%s: error %v does not wrap the encoding/json error", tt.name, err)
			}
		}
	})
}

func isSyntaxError(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// TestDecodeJSON decodes go-httpbin's /json into a typed value.
func TestDecodeJSON(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/json")
		if err != nil {
			t.Fatal(err)
		}
		type slideshow struct {
			Slideshow struct {
				Author string `json:"author"`
				Slides []struct {
					Title string `json:"title"`
				} `json:"slides"`
			} `json:"slideshow"`
		}
		v, err := client.DecodeJSON[slideshow](resp)
		if err != nil {
			t.Fatal(err)
		}
		if v.Slideshow.Author == "" || len(v.Slideshow.Slides) == 0 {
			t.Errorf("decoded %+v, want a slideshow", v)
		}
		if _, err := client.DecodeJSON[int](resp); !isTypeError(err) {
			t.Errorf("DecodeJSON[int]: got %v, want a type error", err)
		}
	})
}
