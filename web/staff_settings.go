package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/settings"
)

// The console's settings: every business setting (package settings'
// catalog) with its value, default and last change; admin and finance
// change them, with a reason, and every serve process applies the change
// within a second or so (settings.Service.Watch).

type settingRow struct {
	settings.Def
	Value, Default string // as people read them
	Input          string // the value as the form takes it back
	Changed        bool   // not the default
	Last           *changeRow
}

type changeRow struct {
	settings.Change
	Title, Who, Value, Previous string
}

type settingGroup struct {
	Name string
	Rows []settingRow
}

type staffSettingsPage struct {
	Base
	Version, Applied int64
	Groups           []settingGroup
	History          []changeRow
	// Error is a refused change, shown at its setting (ErrorKey) with the
	// value that was typed (Typed).
	Error, ErrorKey, Typed string
}

func (s *Server) needSettings() error {
	if s.settings == nil {
		return nestegg.Errorf(nestegg.Unavailable, "settings are not configured on this server")
	}
	return nil
}

func (s *Server) staffSettingsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	d, err := s.settingsData(r, pc)
	if err != nil {
		return err
	}
	return s.render(pc, "staff_settings", d)
}

func (s *Server) settingsData(r *http.Request, pc *pageCtx) (*staffSettingsPage, error) {
	if err := s.needSettings(); err != nil {
		return nil, err
	}
	ctx := r.Context()
	hist, err := s.settings.History(ctx, "", 200)
	if err != nil {
		return nil, err
	}
	d := &staffSettingsPage{Base: pc.base("Settings"), Applied: s.settings.Current().Version()}
	names := map[string]string{}
	row := func(c settings.Change) changeRow {
		def, _ := settings.Lookup(c.Key)
		who, ok := names[c.By]
		if !ok {
			who = c.By
			if u, err := s.social.UserByID(ctx, c.By); err == nil {
				who = "@" + u.Handle
			}
			names[c.By] = who
		}
		return changeRow{Change: c, Title: def.Title, Who: who, Value: def.Format(c.Value), Previous: def.Format(c.Previous)}
	}
	last := map[string]*changeRow{}
	for i, c := range hist {
		if i == 0 {
			d.Version = c.Version
		}
		cr := row(c)
		if i < 20 {
			d.History = append(d.History, cr)
		}
		if last[c.Key] == nil {
			last[c.Key] = &cr
		}
	}
	cur := s.settings.Current()
	for _, def := range settings.Catalog() {
		v, dv := cur.Int(def.Key), s.settings.Default(def.Key)
		sr := settingRow{Def: def, Value: def.Format(v), Default: def.Format(dv), Input: def.Input(v), Changed: v != dv, Last: last[def.Key]}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Name != def.Group {
			d.Groups = append(d.Groups, settingGroup{Name: def.Group})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, sr)
	}
	return d, nil
}

// staffSettingSubmit changes the setting {key} to the form's value. A
// refused value shows the page again, with the error at the setting.
func (s *Server) staffSettingSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needSettings(); err != nil {
		return err
	}
	def, err := settings.Lookup(r.PathValue("key"))
	if err != nil {
		return err
	}
	typed := r.PostForm.Get("value")
	expect, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	v, err := def.Parse(typed)
	if err == nil {
		_, err = s.settings.Set(r.Context(), def.Key, v, expect, pc.me.ID, r.PostForm.Get("reason"))
	}
	if err != nil {
		code := nestegg.ErrorCode(err)
		if code != nestegg.Invalid && code != nestegg.Conflict {
			return err
		}
		d, derr := s.settingsData(r, pc)
		if derr != nil {
			return derr
		}
		d.Error, d.ErrorKey, d.Typed = nestegg.ErrorMessage(err), def.Key, typed
		status := http.StatusBadRequest
		if code == nestegg.Conflict {
			status = http.StatusConflict
		}
		s.renderStatus(pc, status, "staff_settings", d)
		return nil
	}
	return s.seeOther(pc, "/staff/settings#"+settingAnchor(def.Key), def.Title+" is now "+def.Format(v)+".")
}

// settingAnchor is a setting's row id on the page.
func settingAnchor(key string) string { return "set-" + strings.ReplaceAll(key, ".", "-") }

type settingJSON struct {
	Key     string `json:"key"`
	Group   string `json:"group"`
	Title   string `json:"title"`
	Unit    string `json:"unit"`
	Value   int64  `json:"value"`
	Display string `json:"display"`
	Default int64  `json:"default"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	Doc     string `json:"doc"`
}

type changeJSON struct {
	Version  int64     `json:"version"`
	Key      string    `json:"key"`
	Value    int64     `json:"value"`
	Previous int64     `json:"previous"`
	By       string    `json:"changed_by"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"changed_at"`
}

func jsonChange(c settings.Change) changeJSON {
	return changeJSON{c.Version, c.Key, c.Value, c.Previous, c.By, c.Reason, c.At}
}

// apiStaffSettings lists every setting with its value in this process
// (applied_version: the change it includes) and the newest changes.
func (s *Server) apiStaffSettings(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.needSettings(); err != nil {
		return err
	}
	hist, err := s.settings.History(r.Context(), r.URL.Query().Get("key"), 50)
	if err != nil {
		return err
	}
	cur := s.settings.Current()
	out := []settingJSON{}
	for _, d := range settings.Catalog() {
		v := cur.Int(d.Key)
		out = append(out, settingJSON{d.Key, d.Group, d.Title, string(d.Unit), v, d.Format(v), s.settings.Default(d.Key), d.Min, d.Max, d.Doc})
	}
	changes := []changeJSON{}
	for _, c := range hist {
		changes = append(changes, jsonChange(c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"applied_version": cur.Version(), "data": out, "changes": changes})
}

// apiSetSetting changes {key} to value, an integer in the setting's unit.
func (s *Server) apiSetSetting(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		Value         *int64 `json:"value"`
		Reason        string `json:"reason"`
		ExpectVersion int64  `json:"expect_version"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	me, _ := Member(r.Context())
	return s.staffAction(w, r, req.Reason, func(w http.ResponseWriter) error {
		if err := s.needSettings(); err != nil {
			return err
		}
		def, err := settings.Lookup(r.PathValue("key"))
		if err != nil {
			return err
		}
		if req.Value == nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "value", "give the value, a whole number of %s", def.Unit)
		}
		c, err := s.settings.Set(r.Context(), def.Key, *req.Value, req.ExpectVersion, me.ID, req.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, jsonChange(c))
	})
}
