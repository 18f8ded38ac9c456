package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	"github.com/konflux-ci/kite"
)

// decodeBody reads exactly one JSON value from the request body into v.
// Unknown fields are ignored because the original clients send extra keys;
// everything else that is not one well-formed JSON object of the right
// shape is the caller's error, never a 500.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	// A declared length over the limit is refused before reading, so an
	// oversize body is a 413 whatever its first bytes look like.
	if r.ContentLength > limit {
		return decodeError(&http.MaxBytesError{Limit: limit}, limit)
	}
	body := http.MaxBytesReader(rootWriter(w), r.Body, limit)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return invalidBody("request body is empty")
		}
		return decodeError(err, limit)
	}
	// A second Decode must hit the end of input; anything else is trailing
	// data that a lenient parser would silently drop.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return invalidBody("request body must hold a single JSON value")
	default:
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err, limit)
		}
		return invalidBody("request body must hold a single JSON value")
	}
}

func decodeError(err error, limit int64) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &kite.Error{
			Code:    kite.ETOOLARGE,
			Message: "Request body too large",
			Details: fmt.Sprintf("the request body is limited to %d bytes", limit),
		}
	case errors.As(err, &syntax):
		return invalidBody(fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error()))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return invalidBody(fmt.Sprintf("request body must be a JSON object, not %s", typ.Value))
		}
		return &kite.Error{
			Code:    kite.EINVALID,
			Field:   typ.Field,
			Message: "Invalid request body",
			Details: fmt.Sprintf("%s must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value),
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidBody("malformed JSON: unexpected end of input")
	default:
		return invalidBody(err.Error())
	}
}

func invalidBody(details string) error {
	return &kite.Error{Code: kite.EINVALID, Message: "Invalid request body", Details: details}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a number"
	}
}

// rootWriter returns the http.ResponseWriter underneath our wrappers, so
// that MaxBytesReader can tell the server to close the connection after an
// oversized body instead of draining it.
func rootWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
