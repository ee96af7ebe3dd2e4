package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
)

// readBody checks that the request carries JSON and reads at most limit
// bytes of it. Every failure is the client's: invalid (400), too_large (413)
// or unsupported_media_type (415); never internal.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	var buf []byte
	if n := r.ContentLength; n > 0 {
		// +1 so that a body that matches its declared length needs no
		// second allocation to discover EOF.
		buf = make([]byte, 0, n+1)
	} else {
		buf = make([]byte, 0, 512)
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge(limit)
			}
			return nil, nestegg.Errorf(nestegg.Invalid, "could not read the request body")
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

func tooLarge(limit int64) error {
	return nestegg.Errorf(nestegg.TooLarge, "request body is over this endpoint's limit of %d bytes", limit)
}

// checkContentType accepts application/json, with an optional utf-8 charset.
func checkContentType(ct string) error {
	if ct == "application/json" {
		return nil // the common case, without parsing
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &nestegg.Error{Code: codeUnsupportedMediaType, Param: "Content-Type",
		Message: "Content-Type must be application/json"}
}

// decodeJSON decodes body, which must be exactly one JSON object, into v (a
// pointer to a struct). Unknown fields, values of the wrong type, trailing
// data and empty bodies are Invalid errors naming the field where one is at
// fault.
func decodeJSON(body []byte, v any) error {
	i := skipSpace(body, 0)
	if i == len(body) {
		return nestegg.Errorf(nestegg.Invalid, "request body is empty; send a JSON object")
	}
	if body[i] != '{' {
		return nestegg.Errorf(nestegg.Invalid, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if end := int(dec.InputOffset()); skipSpace(body, end) != len(body) {
		return nestegg.Errorf(nestegg.Invalid, "unexpected data after the JSON object at byte %d", end)
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// decodeError explains a json.Decoder error to the client.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ne *nestegg.Error
	switch {
	case errors.As(err, &syn):
		return nestegg.Errorf(nestegg.Invalid, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return nestegg.Errorf(nestegg.Invalid, "request body must be a JSON object")
		}
		return nestegg.ParamErrorf(nestegg.Invalid, typ.Field, "%s must be %s", typ.Field, typeName(typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return nestegg.Errorf(nestegg.Invalid, "malformed JSON: unexpected end of input")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this; the format has been
		// stable since Go 1.10.
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if u, uerr := strconv.Unquote(name); uerr == nil {
			name = u
		}
		return nestegg.ParamErrorf(nestegg.Invalid, name, "unknown field %q", name)
	case errors.As(err, &ne) && ne.Code == nestegg.Invalid:
		return err // a field's own UnmarshalJSON said why
	default:
		return nestegg.Errorf(nestegg.Invalid, "malformed JSON: %v", err)
	}
}

// typeName says in words what JSON a Go type accepts.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer (in range, without a fraction or exponent)"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return typeName(t.Elem())
	default:
		return "an object"
	}
}
