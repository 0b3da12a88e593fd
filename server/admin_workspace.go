package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/workspace"
)

// ChangeView is one entity an apply created, updated or deleted.
type ChangeView struct {
	Op   workspace.Op `json:"op"`
	Kind string       `json:"kind"`
	Name string       `json:"name"`
	// Text is the change as the CLI prints it: `created tag "vip"`.
	Text string `json:"text"`
}

// UseView is one thing that still uses what an apply deletes.
type UseView struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	By   string `json:"by"`
	Text string `json:"text"`
}

// ApplyResult says what applying a workspace file did, or in a dry run
// would do.
type ApplyResult struct {
	Workspace string `json:"workspace"`
	// DryRun: nothing was applied.
	DryRun  bool         `json:"dry_run"`
	Changes []ChangeView `json:"changes"`
	// Warnings are what the file may do but probably should not, each
	// where it is in the file.
	Warnings []FieldError `json:"warnings"`
	// Dangling lists what a forced apply left pointing at something it
	// deleted.
	Dangling []string `json:"dangling"`
	// Lint is what `causerie lint` finds in the file: applied anyway,
	// unless ?strict=true refused it.
	Lint LintResult `json:"lint"`
	// Refused, in a dry run without force, lists why the apply would be
	// refused.
	Refused []UseView `json:"refused,omitempty"`
	// Summary is the CLI's last line.
	Summary string `json:"summary"`
}

// sections name the file section of each kind of entity, for the field of
// a problem about it.
var sections = map[string]string{"user": "users", "team": "teams", "tag": "tags", "contact field": "contact_fields",
	"lifecycle stage": "lifecycle_stages", "closing note": "closing_notes", "classification": "classifications",
	"knowledge base": "knowledge_bases", "AI agent": "ai_agents", "response rule": "response_rules"}

func useViews(e *workspace.InUseError) []UseView {
	out := make([]UseView, len(e.Uses))
	for i, u := range e.Uses {
		out[i] = UseView{Kind: u.Deleted.Kind, Name: u.Deleted.Name, By: u.By, Text: u.String()}
	}
	return out
}

// slugSkeleton locates workspace.slug in a workspace file.
type slugSkeleton struct {
	Workspace struct {
		Slug string `yaml:"slug"`
	} `yaml:"workspace"`
}

// applyWorkspace is `causerie apply -f` on the request's body: the file
// (YAML or JSON) is parsed and validated, every problem with its line,
// column and field, then applied in one transaction (or, with
// ?dry_run=true, its changes computed and rolled back).
func (a *admin) applyWorkspace(c *echo.Context) error {
	p := who(c)
	ext, err := fileFormat(c)
	if err != nil {
		return err
	}
	var opts workspace.ApplyOptions
	if opts.DryRun, err = boolQuery(c, "dry_run"); err != nil {
		return err
	}
	if opts.Force, err = boolQuery(c, "force"); err != nil {
		return err
	}
	strict, err := boolQuery(c, "strict")
	if err != nil {
		return err
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	name := "workspace" + ext
	f, err := workspace.Parse(name, data)
	if err != nil {
		return err
	}
	if f.Workspace.Slug != p.ws.Slug {
		fe := locate(name, data, &slugSkeleton{}, source.Problem{Path: "workspace.slug",
			Message: fmt.Sprintf("the file is for workspace %q; it must be the key's workspace slug, %q (an admin key applies its own workspace only)",
				f.Workspace.Slug, p.ws.Slug), Valid: []string{p.ws.Slug}})
		fe.Field = "workspace.slug"
		return badRequest("the file's workspace.slug must be the key's workspace slug", fe)
	}
	findings := lint.Workspace(f)
	if strict && findings.Fails(true) {
		pr := problem(http.StatusUnprocessableEntity, "lint", "nothing was applied: with ?strict=true, lint errors and warnings refuse the file (%s); "+
			"fix them, or apply without strict", findings.Summary())
		for _, fd := range findings {
			if fd.Severity != lint.Info {
				pr.Errors = append(pr.Errors, FieldError{Field: fd.Path, Detail: fd.String()})
			}
		}
		return pr
	}
	ctx := c.Request().Context()
	res, err := workspace.Apply(ctx, a.store, f, opts)
	var inUse *workspace.InUseError
	switch {
	case errors.As(err, &inUse):
		pr := problem(http.StatusConflict, "in-use", "nothing was applied: the file no longer lists what is still in use; keep them in the file, "+
			"change what uses them first, or apply with ?force=true to delete them anyway (what they leave dangling is reported)")
		for _, u := range inUse.Uses {
			pr.Errors = append(pr.Errors, FieldError{Field: sections[u.Deleted.Kind], Detail: u.String()})
		}
		return pr
	case errors.Is(err, store.ErrDuplicate):
		return problem(http.StatusConflict, "duplicate", "%s", err.Error())
	case err != nil:
		return err
	}
	out := ApplyResult{Workspace: res.Workspace.Slug, DryRun: res.DryRun, Changes: []ChangeView{},
		Warnings: sourceErrors(res.Warnings), Dangling: res.Dangling, Lint: lintResult(findings)}
	for _, ch := range res.Changes {
		out.Changes = append(out.Changes, ChangeView{Op: ch.Op, Kind: ch.Kind, Name: ch.Name, Text: ch.String()})
	}
	if out.Dangling == nil {
		out.Dangling = []string{}
	}
	if res.Refused != nil {
		out.Refused = useViews(res.Refused)
	}
	switch {
	case res.DryRun:
		out.Summary = fmt.Sprintf("dry run: %d changes to workspace %q, none applied", len(res.Changes), res.Workspace.Slug)
	case len(res.Changes) == 0:
		out.Summary = fmt.Sprintf("workspace %q is up to date (%s store)", res.Workspace.Slug, a.store.Dialect())
	default:
		out.Summary = fmt.Sprintf("workspace %q applied: %d changes (%s store)", res.Workspace.Slug, len(res.Changes), a.store.Dialect())
	}
	return c.JSON(http.StatusOK, out)
}

// wantsYAML reports whether the request's Accept prefers YAML to JSON.
func wantsYAML(c *echo.Context) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml":
			return true
		case "application/json":
			return false
		}
	}
	return false
}

// exportWorkspace is `causerie export`: the workspace as a file that,
// applied back, changes nothing. JSON by default (the same keys as the
// YAML), YAML with Accept: application/yaml.
func (a *admin) exportWorkspace(c *echo.Context) error {
	f, err := workspace.Export(c.Request().Context(), a.store, who(c).ws.Slug)
	if err != nil {
		return err
	}
	if wantsYAML(c) {
		data, err := workspace.Marshal(f)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/yaml", data)
	}
	// The file's own keys (its yaml tags), every string quoted: not the
	// YAML converted, whose plain scalars JSON may read otherwise.
	raw, err := yaml.MarshalWithOptions(f, yaml.JSON())
	if err != nil {
		return fmt.Errorf("export as JSON: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("export as JSON: %w", err)
	}
	buf.WriteByte('\n')
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, buf.Bytes())
}
