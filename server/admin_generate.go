package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/store"
)

// GenerateFlowRequest is the body of POST /v1/admin/flows/generate, as
// `causerie flow generate` takes it.
type GenerateFlowRequest struct {
	Description string `json:"description"`
	// Lang is fr or en (default: the workspace's language).
	Lang string `json:"lang,omitempty"`
	// MaxRepairs bounds the repair rounds (default 3; 0 keeps the
	// default, -1 for none).
	MaxRepairs int `json:"max_repairs,omitempty"`
	// Edit is a flow key of the workspace to change.
	Edit string `json:"edit,omitempty"`
	// Offline generates from a step list or a Mermaid flowchart, without
	// a model (also when the server has no model).
	Offline bool `json:"offline,omitempty"`
	// Apply stores the flow, as PUT /v1/admin/flows/{key} does.
	Apply bool `json:"apply,omitempty"`
}

// GeneratedFlow is a generated flow: its document, how it was made and,
// for an edit, what changed.
type GeneratedFlow struct {
	// Flow is the flow document.
	Flow *dsl.Flow `json:"flow"`
	// Format is the response format the model answered in (json_schema,
	// json_object or text), "offline" without a model.
	Format  string           `json:"format"`
	Repairs int              `json:"repairs"`
	Rounds  []generate.Round `json:"rounds,omitempty"`
	Diff    *generate.Diff   `json:"diff,omitempty"`
	// Op is what apply did (created, updated, unchanged), absent without
	// apply.
	Op dsl.Op `json:"op,omitempty"`
}

// generateFlow is `causerie flow generate`: a flow that PUT …/flows/{key}
// accepts, checked against the key's workspace; a draft the model never
// repaired answers 422 with what is still wrong.
func (a *admin) generateFlow(c *echo.Context) error {
	var req GenerateFlowRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Description == "" {
		return badRequest("describe the flow to generate", FieldError{Field: "description", Detail: "required"})
	}
	if req.Lang != "" && req.Lang != "fr" && req.Lang != "en" {
		return badRequest("lang is fr or en", FieldError{Field: "lang", Detail: "use fr or en"})
	}
	ctx := c.Request().Context()
	ws := who(c).ws
	lang := req.Lang
	if lang == "" {
		lang = "fr"
		if len(ws.Language) >= 2 && ws.Language[:2] == "en" {
			lang = "en"
		}
	}
	var old *dsl.Flow
	if req.Edit != "" {
		sf, err := a.store.GetFlowByKey(ctx, ws.ID, req.Edit)
		if errors.Is(err, store.ErrNotFound) {
			return problem(http.StatusNotFound, "not-found", "this workspace has no flow %q", req.Edit)
		}
		if err != nil {
			return err
		}
		if old, err = dsl.Check(req.Edit+".json", sf.Document, dsl.Options{}); err != nil {
			return err
		}
	}
	model := a.rt.Model()
	out := GeneratedFlow{}
	if req.Offline || model == nil {
		if old != nil {
			return problem(http.StatusConflict, "no-model", "editing a flow needs a model endpoint; this server has none")
		}
		f, err := generate.Offline("", req.Description, lang)
		if err != nil {
			return badRequest(err.Error(), FieldError{Field: "description", Detail: err.Error()})
		}
		f, err = dsl.Check("generated.json", f.JSON(), dsl.Options{Production: a.opts.Production})
		if err != nil {
			return err
		}
		ps, err := dsl.CheckWorkspace(ctx, a.store, ws.ID, f)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			return ps
		}
		out.Flow, out.Format = f, "offline"
	} else {
		maxRepairs := req.MaxRepairs
		g := &generate.Generator{Model: conversation.FlowGenerator(model), Store: a.store, WorkspaceID: ws.ID,
			MaxRepairs: maxRepairs, Finish: a.opts.FinishFlow, Production: a.opts.Production}
		res, err := g.Generate(ctx, generate.Input{Description: req.Description, Lang: lang, Edit: old})
		var fe *generate.FailedError
		if errors.As(err, &fe) {
			p := problem(http.StatusUnprocessableEntity, "flow-not-repaired", "%s", "the generated flow still has problems after the repair rounds")
			for _, line := range fe.Problems {
				p.Errors = append(p.Errors, FieldError{Field: "flow", Detail: line})
			}
			return p
		}
		if err != nil {
			return err
		}
		out.Flow, out.Format, out.Repairs, out.Rounds, out.Diff = res.Flow, res.Format, res.Repairs(), res.Rounds, res.Diff
	}
	if req.Apply {
		err := a.store.InTx(ctx, func(q store.Queries) error {
			var err error
			_, out.Op, err = dsl.Apply(ctx, q, ws.ID, out.Flow)
			return err
		})
		if err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}
