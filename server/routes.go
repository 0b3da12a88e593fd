package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"
)

// Route is one route of the API. Routes lists them all: the OpenAPI
// document is checked against it, and the isolation tests walk it.
type Route struct {
	Method string
	// Path in echo's syntax: /v1/inbox/conversations/:id.
	Path   string
	Access Access
	// Upload routes take multipart bodies up to Options.MaxUploadBytes;
	// the others take JSON up to Options.MaxBodyBytes.
	Upload bool
	// Stream routes answer text/event-stream.
	Stream bool
	// MaxBytes, when set, is the route's own body cap.
	MaxBytes int64

	handle     echo.HandlerFunc
	middleware []echo.MiddlewareFunc
}

// OpenAPIPath is the path in OpenAPI's syntax: /v1/inbox/conversations/{id}.
func (r Route) OpenAPIPath() string {
	parts := strings.Split(r.Path, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// Routes lists every route the server registers.
func (s *Server) Routes() []Route { return s.routes() }

func (s *Server) routes() []Route {
	return slices.Concat(s.opsRoutes(), s.visitorRoutes(), s.inboxRoutes(), s.adminRoutes(), s.openaiRoutes())
}

// guard wraps a route's handler: the body cap, CORS and rate limits of
// visitor routes, and authentication for its access.
func (s *Server) guard(r Route) echo.HandlerFunc {
	limit := s.opts.MaxBodyBytes
	if r.Upload {
		limit = s.opts.MaxUploadBytes
	}
	if r.MaxBytes > 0 {
		limit = r.MaxBytes
	}
	return func(c *echo.Context) error {
		req := c.Request()
		if req.ContentLength > limit {
			return problem(http.StatusRequestEntityTooLarge, "too-large", "the request body is %d bytes; the limit of this route is %d bytes", req.ContentLength, limit)
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		visitorSide := strings.HasPrefix(r.Path, "/v1/workspaces/")
		if visitorSide {
			// CORS first, so that a page of an allowed origin can read
			// even a 429 (and wait for its Retry-After).
			if origin := req.Header.Get(echo.HeaderOrigin); origin != "" && !sameOrigin(c, origin) {
				if ws, err := s.store.GetWorkspaceBySlug(req.Context(), c.Param("workspace")); err == nil {
					if err := s.cors(c, &principal{ws: ws}); err != nil {
						return err
					}
				}
			}
			if p := s.limits.ip(c.RealIP()); p != nil {
				return p
			}
		}
		switch r.Access {
		case Visitor:
			p, err := s.authVisitor(c, r.Stream)
			if err != nil {
				return err
			}
			if err := s.cors(c, p); err != nil {
				return err
			}
			if lp := s.limits.visitor(p.visitor.ConversationID); lp != nil {
				return lp
			}
			s.enter(c, p)
		case Agent, Admin:
			p, err := s.authKey(c, r.Access, r.Stream)
			if err != nil {
				return err
			}
			s.enter(c, p)
		}
		return r.handle(c)
	}
}

func (s *Server) enter(c *echo.Context, p *principal) {
	c.Set(ctxPrincipal, p)
	a := attrs(c)
	a.workspace = p.ws.ID
	if p.visitor != nil {
		a.conversation = p.visitor.ConversationID
	}
}
