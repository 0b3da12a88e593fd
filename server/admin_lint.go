package server

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/workspace"
)

// LintRequest is the body of POST /v1/admin/lint: a workspace file to
// lint, or a draft of one AI agent's instructions to lint against the
// stored workspace, or nothing (the stored workspace).
type LintRequest struct {
	// File is a workspace file's text (YAML or JSON), linted against its
	// own entities.
	File string `json:"file,omitempty"`
	// Agent names the AI agent whose draft Instructions are linted
	// against the stored workspace (an editor's live lint).
	Agent        string  `json:"agent,omitempty"`
	Instructions *string `json:"instructions,omitempty"`
}

// LintResult is what `causerie lint` prints, as JSON.
type LintResult struct {
	Findings lint.Findings `json:"findings"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
	Infos    int           `json:"infos"`
	Summary  string        `json:"summary"`
}

func lintResult(fs lint.Findings) LintResult {
	if fs == nil {
		fs = lint.Findings{}
	}
	return LintResult{Findings: fs, Errors: fs.Count(lint.Error), Warnings: fs.Count(lint.Warning),
		Infos: fs.Count(lint.Info), Summary: fs.Summary()}
}

// lint is `causerie lint`: findings never fail the request (200); a file
// that does not parse answers 400 with its problems.
func (a *admin) lint(c *echo.Context) error {
	var req LintRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	switch {
	case req.File != "" && (req.Agent != "" || req.Instructions != nil):
		return badRequest("lint a file, or an agent's draft instructions, not both",
			FieldError{Field: "file", Detail: "leave out agent and instructions when sending a file"})
	case (req.Agent == "") != (req.Instructions == nil):
		field := "agent"
		if req.Agent != "" {
			field = "instructions"
		}
		return badRequest("a draft needs both the agent's name and its instructions", FieldError{Field: field, Detail: "required with " + map[string]string{"agent": "instructions", "instructions": "agent"}[field]})
	}
	if req.File != "" {
		f, err := workspace.Parse("workspace.yaml", []byte(req.File))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, lintResult(lint.Workspace(f)))
	}
	ctx := c.Request().Context()
	f, err := workspace.ExportPositioned(ctx, a.store, who(c).ws.Slug)
	if err != nil {
		return err
	}
	if req.Agent == "" {
		return c.JSON(http.StatusOK, lintResult(lint.Workspace(f)))
	}
	fs, err := lint.Instructions(f, req.Agent, *req.Instructions)
	if err != nil {
		return badRequest(err.Error(), FieldError{Field: "agent", Detail: err.Error()})
	}
	return c.JSON(http.StatusOK, lintResult(fs))
}
