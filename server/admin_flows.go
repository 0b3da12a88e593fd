package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
)

// FlowView is a stored flow, as `causerie flow list` shows it.
type FlowView struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Enabled  bool   `json:"enabled"`
	Priority int    `json:"priority"`
	Version  int64  `json:"version"`
	// ActiveRuns counts the conversations walking the flow now.
	ActiveRuns int       `json:"active_runs"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// FlowDetail is a flow with its document.
type FlowDetail struct {
	FlowView
	// Document is the flow file, as JSON.
	Document json.RawMessage `json:"document"`
}

// FlowPage is a page of flows, by key.
type FlowPage struct {
	Flows []FlowView `json:"flows"`
	// Next is the cursor of the next page (cursor=), absent on the last.
	Next string `json:"next,omitempty"`
}

// FlowApplied says what a PUT of a flow did.
type FlowApplied struct {
	// Op is created, updated or unchanged.
	Op   dsl.Op     `json:"op"`
	Flow FlowDetail `json:"flow"`
}

func (a *admin) flowView(c *echo.Context, f *store.Flow) (FlowView, error) {
	runs, err := a.store.ListFlowRuns(c.Request().Context(), f.WorkspaceID, store.FlowRunFilter{FlowID: f.ID, Status: store.FlowRunActive})
	if err != nil {
		return FlowView{}, err
	}
	return FlowView{Key: f.Key, Name: f.Name, Enabled: f.Enabled, Priority: f.Priority, Version: f.Version,
		ActiveRuns: len(runs), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}, nil
}

func (a *admin) flowDetail(c *echo.Context, f *store.Flow) (FlowDetail, error) {
	v, err := a.flowView(c, f)
	return FlowDetail{FlowView: v, Document: f.Document}, err
}

func (a *admin) listFlows(c *echo.Context) error {
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	flows, err := a.store.ListFlows(c.Request().Context(), who(c).ws.ID, store.FlowFilter{})
	if err != nil {
		return err
	}
	slices.SortFunc(flows, func(x, y *store.Flow) int { return strings.Compare(x.Key, y.Key) })
	items, next := page(flows, func(f *store.Flow) string { return f.Key }, c.QueryParam("cursor"), limit)
	out := FlowPage{Flows: []FlowView{}, Next: next}
	for _, f := range items {
		v, err := a.flowView(c, f)
		if err != nil {
			return err
		}
		out.Flows = append(out.Flows, v)
	}
	return c.JSON(http.StatusOK, out)
}

// flowOf returns the flow of the path's key; a key the workspace does not
// have (whether another workspace has it or not) is a 404 listing the
// workspace's flows, as the CLI's message does.
func (a *admin) flowOf(c *echo.Context) (*store.Flow, error) {
	key, err := pathParam(c, "key")
	if err != nil {
		return nil, err
	}
	ws := who(c).ws
	f, err := a.store.GetFlowByKey(c.Request().Context(), ws.ID, key)
	if err != nil {
		return nil, a.flowNotFound(c, key, err)
	}
	return f, nil
}

func (a *admin) flowNotFound(c *echo.Context, key string, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	flows, lerr := a.store.ListFlows(c.Request().Context(), who(c).ws.ID, store.FlowFilter{})
	if lerr != nil {
		return lerr
	}
	keys := []string{}
	for _, f := range flows {
		keys = append(keys, f.Key)
	}
	slices.Sort(keys)
	return unknownName("flow", "path.key", key, keys)
}

func (a *admin) getFlow(c *echo.Context) error {
	f, err := a.flowOf(c)
	if err != nil {
		return err
	}
	d, err := a.flowDetail(c, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// idSkeleton locates a flow file's id.
type idSkeleton struct {
	ID string `yaml:"id"`
}

// putFlow is `causerie flow apply` on the request's body: the file is
// checked (every problem with its line, column, node and field), then
// what its nodes name in the workspace, and stored — created, or updated
// when the workspace has a flow with its id. The key in the path must be
// the file's id.
func (a *admin) putFlow(c *echo.Context) error {
	key, err := pathParam(c, "key")
	if err != nil {
		return err
	}
	ext, err := fileFormat(c)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	name := key + ext
	f, err := dsl.Check(name, data, dsl.Options{Production: a.opts.Production})
	if err != nil {
		return err
	}
	if f.ID != key {
		fe := locate(name, data, &idSkeleton{}, source.Problem{Path: "id",
			Message: fmt.Sprintf("the file is flow %q, and the path names flow %q: the key in the path must be the file's id", f.ID, key),
			Valid:   []string{key}})
		fe.Field = "id"
		return badRequest("the flow's id must be the key in the path", fe)
	}
	ctx := c.Request().Context()
	ws := who(c).ws
	ps, err := dsl.CheckWorkspace(ctx, a.store, ws.ID, f)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return ps
	}
	var sf *store.Flow
	var op dsl.Op
	err = a.store.InTx(ctx, func(q store.Queries) error {
		sf, op, err = dsl.Apply(ctx, q, ws.ID, f)
		return err
	})
	if err != nil {
		return err
	}
	d, err := a.flowDetail(c, sf)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if op == dsl.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, FlowApplied{Op: op, Flow: d})
}

// enableFlow is `causerie flow enable|disable`.
func (a *admin) enableFlow(enable bool) echo.HandlerFunc {
	return func(c *echo.Context) error {
		key, err := pathParam(c, "key")
		if err != nil {
			return err
		}
		sf, err := dsl.SetEnabled(c.Request().Context(), a.store, who(c).ws.ID, key, enable)
		if err != nil {
			return a.flowNotFound(c, key, err)
		}
		v, err := a.flowView(c, sf)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
}

// deleteFlow is `causerie flow rm`: the flow and its runs.
func (a *admin) deleteFlow(c *echo.Context) error {
	f, err := a.flowOf(c)
	if err != nil {
		return err
	}
	if err := a.store.DeleteFlow(c.Request().Context(), f.WorkspaceID, f.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
