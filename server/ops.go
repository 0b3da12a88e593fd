package server

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpenAPI is the API's OpenAPI 3.1 document (openapi.json in this
// package's folder).
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) opsRoutes() []Route {
	metrics := echo.WrapHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	return []Route{
		{Method: http.MethodGet, Path: "/healthz", Access: Public, handle: func(c *echo.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
		}},
		{Method: http.MethodGet, Path: "/readyz", Access: Public, handle: s.ready},
		{Method: http.MethodGet, Path: "/metrics", Access: Public, handle: metrics},
		{Method: http.MethodGet, Path: "/openapi.json", Access: Public, handle: func(c *echo.Context) error {
			return c.Blob(http.StatusOK, "application/json", OpenAPI)
		}},
	}
}

// ready answers 200 when the store answers and has the newest migration
// (its stream table), 503 otherwise — and while shutting down, so that a
// load balancer stops sending requests.
func (s *Server) ready(c *echo.Context) error {
	if s.shuttingDown() {
		return problem(http.StatusServiceUnavailable, "shutting-down", "the server is shutting down")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.ListStreamEvents(ctx, "", "", 0, 1); err != nil {
		return problem(http.StatusServiceUnavailable, "not-ready", "the %s store does not answer or lacks migrations: %v", s.store.Dialect(), err)
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready", "store": s.store.Dialect()})
}
