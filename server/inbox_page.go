package server

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/web"
)

// inboxPage serves the human agents' inbox (web/inbox): a page and its
// script, which talk to the inbox API with the agent key the user signs
// in with. The page takes no credentials itself.
func (s *Server) inboxPage(e *echo.Echo) {
	files := map[string]string{"/inbox/": "inbox/index.html", "/inbox/inbox.js": "inbox/inbox.js", "/inbox/inbox.css": "inbox/inbox.css"}
	for path, file := range files {
		e.GET(path, func(c *echo.Context) error {
			h := c.Response().Header()
			// Only this origin's script and styles; no framing.
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set(echo.HeaderCacheControl, "no-cache")
			return c.FileFS(file, web.FS)
		})
	}
	e.GET("/inbox", func(c *echo.Context) error { return c.Redirect(http.StatusFound, "/inbox/") })
}
