package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// jsonError is the error of [Response.JSON]. Its message never quotes the
// body, which may hold secrets: encoding/json puts a character of the input
// in a syntax error and a number's digits in a type error, so the message is
// built from offsets and types instead. The cause stays available through
// Unwrap.
type jsonError struct {
	status string
	size   int // of the body
	err    error
}

func (e *jsonError) Error() string {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	msg := e.err.Error() // an Unmarshaler's own error, or a bad target
	switch {
	case errors.As(e.err, &se) && se.Offset >= int64(e.size):
		msg = "unexpected end of JSON input"
	case errors.As(e.err, &se):
		msg = fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(e.err, &te):
		kind, _, _ := strings.Cut(te.Value, " ")
		msg = fmt.Sprintf("cannot store a JSON %s in a Go value of type %s", kind, te.Type)
		if te.Field != "" {
			msg += fmt.Sprintf(" (field %s)", te.Field)
		}
	}
	return fmt.Sprintf("client: decoding JSON body of %s: %s", e.status, msg)
}

func (e *jsonError) Unwrap() error { return e.err }
