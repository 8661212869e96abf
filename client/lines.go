package client

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"iter"
)

// Lines returns an iterator over the lines of the body, for line-based
// streams such as NDJSON or logs. Lines end with "\n" or "\r\n", which are
// not part of the line; a final line without an end is yielded too, and an
// empty body has no lines. A lone "\r" is part of the line, unlike Requests'
// iter_lines (which also splits on "\r" and invents a blank line when a
// "\r\n" is split across two reads; here it never does). Lines are the body's
// bytes after content decoding, not decoded from their character set.
//
// For a streamed response (see [Stream]) the lines are read as they
// arrive, a line may be of any length up to the maximum body size (else the
// iterator yields [ErrBodyTooLarge]), and the body is closed when the loop
// ends, whether it read every line, broke out early or met an error: the
// body can be iterated once. For a body read into memory, Lines can be
// called any number of times.
//
// A read error is yielded once, with an empty line, and ends the iteration.
func (r *Response) Lines() iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if r.read || r.Body == nil {
			memoryLines(r.content, r.readErr, yield)
			return
		}
		defer r.Close()
		br := bufio.NewReaderSize(r.Body, 32<<10)
		var long []byte // a line longer than br's buffer, so far
		for {
			frag, err := br.ReadSlice('\n')
			line := frag
			if len(long) > 0 || err == bufio.ErrBufferFull {
				long = append(long, frag...)
				line = long
			}
			if r.maxBody >= 0 && int64(len(trimEOL(line))) > r.maxBody {
				yield("", fmt.Errorf("%w: a line of more than %d bytes", ErrBodyTooLarge, r.maxBody))
				return
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if len(line) > 0 && (err == nil || err == io.EOF) {
				if !yield(string(trimEOL(line)), nil) {
					return
				}
				long = long[:0]
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				yield("", err)
				return
			}
		}
	}
}

func memoryLines(data []byte, err error, yield func(string, error) bool) {
	if err != nil {
		yield("", err)
		return
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if !yield(string(trimEOL(line)), nil) {
			return
		}
	}
}

// trimEOL removes a trailing "\n" or "\r\n", and a "\r" that ends the body.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'})
}

// DefaultChunkSize is the chunk size of [Response.Chunks] when it is given
// a size of zero or less.
const DefaultChunkSize = 32 << 10

// Chunks returns an iterator over the body in chunks of at most n bytes
// (n <= 0 means [DefaultChunkSize]). For a streamed response (see [Stream])
// each chunk is what one read returned, as it arrived, so a chunk may be
// shorter than n; the maximum body size does not apply; and the body is
// closed when the loop ends, whether it read every chunk, broke out early or
// met an error: the body can be iterated once. For a body read into memory
// every chunk but the last has n bytes, and Chunks can be called any number
// of times.
//
// The chunks share one buffer: a chunk is valid only until the loop body
// returns, and the next chunk overwrites it. Copy a chunk to keep it.
//
// A read error is yielded once, with a nil chunk, and ends the iteration.
func (r *Response) Chunks(n int) iter.Seq2[[]byte, error] {
	if n <= 0 {
		n = DefaultChunkSize
	}
	return func(yield func([]byte, error) bool) {
		if r.read || r.Body == nil {
			if r.readErr != nil {
				yield(nil, r.readErr)
				return
			}
			buf := make([]byte, min(n, len(r.content)))
			for data := r.content; len(data) > 0; {
				k := copy(buf, data)
				data = data[k:]
				if !yield(buf[:k], nil) {
					return
				}
			}
			return
		}
		defer r.Close()
		buf := make([]byte, n)
		for {
			k, err := r.Body.Read(buf)
			if k > 0 && !yield(buf[:k], nil) {
				return
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
		}
	}
}
