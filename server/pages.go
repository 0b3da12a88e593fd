package server

import (
	"github.com/labstack/echo/v5"
)

// Pages are what browsers load — the widget script, the inbox page, the
// demo page — served from the embedded web assets. They are not API
// routes (not in Routes nor the OpenAPI document): they take no
// credentials and answer files.
func (s *Server) pageRoutes(e *echo.Echo) {
	s.inboxPage(e)
	// The chat widget (web/dist/widget.js) and each workspace's demo page
	// with the widget on it (widget.go).
	e.GET("/widget.js", serveWidget)
	e.HEAD("/widget.js", serveWidget)
	e.GET("/demo/:workspace", s.serveDemo)
}
