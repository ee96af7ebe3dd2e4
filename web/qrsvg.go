package web

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/yeqown/go-qrcode/v2"
)

// qrSVG draws text as a QR code in SVG (go-qrcode encodes it; this writes
// its matrix as one path, with the four-module quiet zone the standard
// asks for), for a code's page.
func qrSVG(text string) (template.HTML, error) {
	q, err := qrcode.New(text)
	if err != nil {
		return "", fmt.Errorf("qr image: %w", err)
	}
	var w svgWriter
	if err := q.Save(&w); err != nil {
		return "", fmt.Errorf("qr image: %w", err)
	}
	return template.HTML(w.buf.String()), nil
}

type svgWriter struct{ buf bytes.Buffer }

func (w *svgWriter) Write(m qrcode.Matrix) error {
	const quiet = 4
	size := m.Width() + 2*quiet
	fmt.Fprintf(&w.buf, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, size, size)
	dark := make([][]bool, m.Height())
	for y := range dark {
		dark[y] = make([]bool, m.Width())
	}
	m.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if y < len(dark) && x < len(dark[y]) {
			dark[y][x] = v.IsSet()
		}
	})
	// One rectangle per run of dark modules in a row.
	for y, row := range dark {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			n := 1
			for x+n < len(row) && row[x+n] {
				n++
			}
			fmt.Fprintf(&w.buf, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, n, n)
			x += n
		}
	}
	w.buf.WriteString(`"/></svg>`)
	return nil
}

func (w *svgWriter) Close() error { return nil }
