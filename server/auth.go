package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/store"
)

// Access says who may call a route.
type Access string

// Accesses.
const (
	// Public routes need no credentials (health, the OpenAPI document,
	// creating a visitor conversation).
	Public Access = "public"
	// Visitor routes need the visitor token of the conversation in the
	// path.
	Visitor Access = "visitor"
	// Agent routes need an agent key (a human agent's) or an admin key.
	Agent Access = "agent"
	// Admin routes need an admin key.
	Admin Access = "admin"
)

// principal is who a request is from, once authenticated.
type principal struct {
	ws *store.Workspace
	// key is the API key (agent and admin routes).
	key *store.APIKey
	// user is the agent key's user.
	user *store.User
	// visitor is the visitor token (visitor routes).
	visitor *store.VisitorToken
}

const ctxPrincipal = "causerie.principal"

func who(c *echo.Context) *principal {
	p, _ := c.Get(ctxPrincipal).(*principal)
	return p
}

func unauthorized(detail string) *Problem {
	return problem(http.StatusUnauthorized, "unauthorized", "%s", detail)
}

// bearer returns the request's bearer token: the Authorization header,
// or for streams (EventSource cannot set headers) the access_token query
// parameter.
func bearer(c *echo.Context, allowQuery bool) string {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	if allowQuery {
		return c.QueryParam("access_token")
	}
	return ""
}

// authKey authenticates an API key of the role the route needs; a
// stream route also takes it from ?access_token=.
func (s *Server) authKey(c *echo.Context, need Access, stream bool) (*principal, error) {
	secret := bearer(c, stream)
	if secret == "" {
		return nil, unauthorized("this route needs an API key: send Authorization: Bearer csk_… (create one with causerie key create)")
	}
	if !strings.HasPrefix(secret, store.APIKeyPrefix) {
		return nil, unauthorized("the bearer token is not an API key (they start with " + store.APIKeyPrefix + "); visitor tokens open only their conversation's routes")
	}
	ctx := c.Request().Context()
	k, err := s.store.GetAPIKeyByHash(ctx, store.HashAPIKey(secret))
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.RevokedAt != nil) {
		return nil, unauthorized("the API key is unknown or revoked")
	}
	if err != nil {
		return nil, err
	}
	if need == Admin && k.Role != store.KeyAdmin {
		return nil, problem(http.StatusForbidden, "forbidden", "this route needs an admin key; key %s is an %s key", k.Prefix, k.Role)
	}
	ws, err := s.store.GetWorkspace(ctx, k.WorkspaceID)
	if err != nil {
		return nil, err
	}
	p := &principal{ws: ws, key: k}
	if k.Role == store.KeyAgent {
		u, err := s.store.GetUser(ctx, ws.ID, k.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, unauthorized("the agent key's user no longer exists in the workspace; revoke the key and create one for an existing user")
		}
		if err != nil {
			return nil, err
		}
		p.user = u
	}
	return p, nil
}

// authVisitor authenticates the visitor token of the conversation in the
// path. A token of another conversation (or workspace) answers 404, like
// a conversation that does not exist. A stream route also takes it from
// ?access_token=.
func (s *Server) authVisitor(c *echo.Context, stream bool) (*principal, error) {
	secret := bearer(c, stream)
	if secret == "" {
		return nil, unauthorized("this route needs the conversation's visitor token: send Authorization: Bearer cvt_… (returned when the conversation was created)")
	}
	ctx := c.Request().Context()
	t, err := s.store.GetVisitorTokenByHash(ctx, store.HashAPIKey(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, unauthorized("the visitor token is unknown")
	}
	if err != nil {
		return nil, err
	}
	ws, err := s.store.GetWorkspace(ctx, t.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if ws.Slug != c.Param("workspace") || t.ConversationID != c.Param("id") {
		return nil, notFound("the conversation")
	}
	return &principal{ws: ws, visitor: t}, nil
}

// identitySecret is the workspace's identity verification secret, "" when
// it has none.
func identitySecret(ws *store.Workspace) string {
	sec := ws.Settings.IdentitySecret
	if name, ok := strings.CutPrefix(sec, "env:"); ok {
		return os.Getenv(name)
	}
	return sec
}

// verifyIdentity checks identifier_hash = hex(HMAC-SHA256(secret,
// identifier)) in constant time.
func verifyIdentity(secret, identifier, hash string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(identifier))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(strings.ToLower(hash))
	return err == nil && hmac.Equal(want, got)
}

// mayOrigin reports whether a page of origin may call the workspace's
// visitor API.
func mayOrigin(ws *store.Workspace, origin string) bool {
	return slices.ContainsFunc(ws.Settings.WidgetOrigins, func(o string) bool {
		return strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	})
}
