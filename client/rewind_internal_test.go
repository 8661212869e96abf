package client

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"testing"
)

// seekOnly hides the concrete type of a *bytes.Reader, so that a file
// part is read as a caller's io.ReadSeeker rather than as memory.
type seekOnly struct{ *bytes.Reader }

// TestMultipartLateWriterOfOlderSend: the writer of an older send that
// reaches a file part after a newer send has begun reading it must not
// rewind the reader under the newer send. A server that answers a 307
// before reading the body leaves the first send's writer running while the
// redirect's send starts.
func TestMultipartLateWriterOfOlderSend(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB
	r := NewRequest("POST", "http://example.test/", Files{"f": {Reader: seekOnly{bytes.NewReader(content)}}}, Form{"k": "v"})
	first, _, getBody, ctype, err := r.openMultipart()
	if err != nil {
		t.Fatal(err)
	}
	if getBody == nil {
		t.Fatal("got no GetBody for a body that can be rewound")
	}
	second, err := getBody()
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	defer first.(io.Closer).Close()

	// The newer send reads into its file part; the older one's writer then
	// starts and reaches the file part; the newer send reads on.
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(second, head); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(first); err == nil {
		t.Error("the older send read its file part in full after a newer send claimed it")
	}
	rest, err := io.ReadAll(second)
	if err != nil {
		t.Fatalf("newer send: %v", err)
	}

	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(append(head, rest...)), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			t.Fatal("got no file part")
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.FormName() != "f" {
			continue
		}
		got, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content) {
			t.Fatalf("file part: got %d bytes, want the %d written", len(got), len(content))
		}
		return
	}
}
