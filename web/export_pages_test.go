package web

// PageRoutes lists the web app's pages as "METHOD pattern", for the tests
// that walk every page (pages_text_edge_test.go).
func PageRoutes() []string {
	var s Server
	var out []string
	for _, pr := range s.pageTable() {
		out = append(out, pr.method+" "+pr.pattern)
	}
	return out
}
