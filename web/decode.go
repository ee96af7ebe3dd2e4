package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

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
// data, empty bodies and text that is not text (invalid UTF-8, control
// characters, strings over maxTextChars; see checkBodyText) are Invalid
// errors naming the field where one is at fault.
func decodeJSON(body []byte, v any) error {
	i := skipSpace(body, 0)
	if i == len(body) {
		return nestegg.Errorf(nestegg.Invalid, "request body is empty; send a JSON object")
	}
	if body[i] != '{' {
		return nestegg.Errorf(nestegg.Invalid, "request body must be a JSON object")
	}
	if err := checkBodyText(body); err != nil {
		return err
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

// Text at the edge. PostgreSQL refuses a NUL byte and invalid UTF-8 in
// text (SQLSTATE 22021) where SQLite stores them, so the same request was
// a 500 on one database and stored junk on the other. Every path value,
// query parameter and JSON string is checked here, once, before any
// handler sees it; domains keep their own, tighter rules (lengths, what a
// handle may hold).

// maxTextChars bounds every string of a request. It is a ceiling, not a
// field's limit: the longest field a domain takes (a product's content,
// 2,000 characters) fits, and a domain's own limit is tighter.
const maxTextChars = 8192

// textFault says what is wrong with s as request text, or "" when nothing:
// not valid UTF-8, over maxTextChars characters, or holding a control
// character (C0 or DEL). free allows tab, newline and carriage return,
// which free text (a note, a post) may hold and an id may not.
func textFault(s string, free bool) string {
	n := 0
	for i, c := range s {
		switch {
		case c == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return "is not valid UTF-8"
		case c == 0:
			return "holds a NUL character"
		case c < 0x20 && !(free && (c == '\t' || c == '\n' || c == '\r')), c == 0x7f:
			return "holds a control character"
		}
		n++
	}
	if n > maxTextChars {
		return fmt.Sprintf("is over %d characters", maxTextChars)
	}
	return ""
}

func textError(param, fault string) error {
	return nestegg.ParamErrorf(nestegg.Invalid, param, "%s %s", param, fault)
}

// checkURLText checks the route's path values (the {name} wildcards of
// pattern), which are ids and may hold no control character at all, and
// every query parameter's name and values.
func checkURLText(pattern string, r *http.Request) error {
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		rest = rest[i+j+1:]
		if name == "$" {
			continue
		}
		if fault := textFault(r.PathValue(name), false); fault != "" {
			return textError(name, fault)
		}
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	for name, vs := range r.URL.Query() {
		if fault := textFault(name, false); fault != "" {
			return textError("query parameter", fault)
		}
		for _, v := range vs {
			if fault := textFault(v, true); fault != "" {
				return textError(name, fault)
			}
		}
	}
	return nil
}

// checkBodyText checks every string of a JSON body, keys included. The
// body must be valid UTF-8 (checked first: encoding/json would silently
// turn each bad byte into U+FFFD, storing what the client never sent), and
// JSON forbids raw control characters inside strings, so the only way one
// arrives is an escape (\u0000, \b, \f): the body is walked only when a
// scan finds such an escape or a long string.
func checkBodyText(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if !utf8.Valid(body) {
		// Name the string holding the first bad byte: the one whose token
		// ends past it.
		bad := firstInvalid(body)
		err := walkText(dec, "", func(param, _ string, _ bool) error {
			if dec.InputOffset() > int64(bad) {
				return textError(param, "is not valid UTF-8")
			}
			return nil
		})
		if err == nil {
			err = nestegg.Errorf(nestegg.Invalid, "request body is not valid UTF-8 (byte %d)", bad)
		}
		return err
	}
	if !mayHoldBadText(body) {
		return nil
	}
	return walkText(dec, "", func(param, s string, key bool) error {
		if fault := textFault(s, !key); fault != "" {
			return textError(param, fault)
		}
		return nil
	})
}

// firstInvalid is the offset of body's first byte that is not UTF-8.
func firstInvalid(body []byte) int {
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(body)
}

// mayHoldBadText is a cheap over-estimate, one pass without allocation:
// false only when no string of body can hold a control character (an
// escape \u00XX, \b or \f) or exceed maxTextChars (counted in bytes, at
// least the characters).
func mayHoldBadText(body []byte) bool {
	in, n := false, 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !in {
			in, n = c == '"', 0
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 < len(body) {
				switch e := body[i+1]; {
				case e == 'b' || e == 'f', e == 'u' && bytes.HasPrefix(body[i+2:], []byte("00")):
					return true
				}
			}
			i++
		}
		if n++; n > maxTextChars {
			return true
		}
	}
	return false
}

// walkText calls visit with every string of the next JSON value, keys
// included, and its place in the body ("transfers[3].reference", a key as
// "transfers[3].reference key"), stopping at the first error. Malformed
// JSON ends the walk quietly: decodeJSON explains it.
func walkText(dec *json.Decoder, path string, visit func(param, s string, key bool) error) error {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	switch tok := tok.(type) {
	case string:
		return visit(paramName(path), tok, false)
	case json.Delim:
		switch tok {
		case '{':
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil
				}
				k, _ := key.(string)
				if err := visit(paramName(path)+" key", k, true); err != nil {
					return err
				}
				if err := walkText(dec, join(path, k), visit); err != nil {
					return err
				}
			}
			dec.Token()
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walkText(dec, fmt.Sprintf("%s[%d]", path, i), visit); err != nil {
					return err
				}
			}
			dec.Token()
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func paramName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
