package web

import "net/http"

// The operator's own keys (operator_keys.go): list, create, rotate,
// revoke. Creating and rotating answer the secret once and keep no
// response for replay, like members' tokens.

// operatorKeyJSON is a key, with its secret when it was just made.
type operatorKeyJSON struct {
	OperatorKey
	Key string `json:"key,omitempty"`
}

func callerKey(r *http.Request) string {
	p, _ := PrincipalFrom(r.Context())
	return p.ID
}

func (s *Server) apiOperatorKeys(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := apiQuery(r); err != nil {
		return err
	}
	keys, err := ListOperatorKeys(r.Context(), s.db)
	if err != nil {
		return err
	}
	out := apiList[OperatorKey]{Data: keys}
	if out.Data == nil {
		out.Data = []OperatorKey{}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateOperatorKey(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	secret, k, err := CreateOperatorKey(r.Context(), s.db, req.Name, callerKey(r), s.clock())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, operatorKeyJSON{OperatorKey: k, Key: secret})
}

func (s *Server) apiRotateOperatorKey(w http.ResponseWriter, r *http.Request, _ []byte) error {
	secret, k, err := s.RotateOperatorKey(r.Context(), r.PathValue("id"), callerKey(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, operatorKeyJSON{OperatorKey: k, Key: secret})
}

func (s *Server) apiRevokeOperatorKey(w http.ResponseWriter, r *http.Request, _ []byte) error {
	k, err := s.RevokeOperatorKey(r.Context(), r.PathValue("id"), callerKey(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, operatorKeyJSON{OperatorKey: k})
}
