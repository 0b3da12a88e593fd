package dsl

import (
	"slices"
	"testing"

	"github.com/causerie/causerie/tools"
)

// Every registered action has a parameter table, derived from its
// argument struct: types, bounds, defaults, one-of groups and the
// parameters the action renders itself.
func TestActionTablesDerivedFromDeclarations(t *testing.T) {
	t.Parallel()
	for _, name := range tools.Names() {
		if _, ok := actionBlock(name); !ok {
			t.Errorf("no parameter table for action %s", name)
		}
	}
	http, _ := actionBlock(tools.HTTPRequest)
	timeout, ok := http.param("timeout_seconds")
	if !ok || timeout.typ != pNumber || timeout.min != 1 || timeout.max != 60 || timeout.def != "10" {
		t.Errorf("http_request timeout_seconds = %+v, want a number from 1 to 60, default \"10\"", timeout)
	}
	if m, _ := http.param("http_method"); !m.required || !slices.Equal(m.enum, []string{"GET", "POST", "PUT", "DELETE"}) {
		t.Errorf("http_method = %+v, want a required enum GET, POST, PUT, DELETE", m)
	}
	for _, p := range []string{"url", "headers_json", "body_json", "body_text"} {
		if !http.selfRendered(p) {
			t.Errorf("http_request renders %s itself (with the escaping its place needs); the table says not", p)
		}
	}
	if u, _ := http.param("url"); u.typ != pURL {
		t.Errorf("url type = %v, want pURL", u.typ)
	}
	mail, _ := actionBlock(tools.SendEmail)
	if to, _ := mail.param("to"); to.typ != pAddresses || !to.required || !to.self {
		t.Errorf("send_email to = %+v, want required addresses rendered by the action", to)
	}
	assign, _ := actionBlock(tools.Assign)
	if !slices.Equal(assign.oneOf, []string{"team", "user", "ai_agent"}) {
		t.Errorf("assign one-of = %v", assign.oneOf)
	}
	if team, _ := assign.param("team"); team.typ != pTemplate {
		t.Errorf("assign team type = %v, want a template", team.typ)
	}
	crm, _ := actionBlock(tools.CRMUpsert)
	if f, _ := crm.param("crm_champ_email"); f.typ != pText {
		t.Errorf("crm_champ_email type = %v, want plain text", f.typ)
	}
	kb, _ := actionBlock(tools.SearchKnowledge)
	if k, _ := kb.param("top_k"); k.typ != pInt || k.min != 1 || k.max != 20 || k.def != "4" {
		t.Errorf("top_k = %+v, want a whole number from 1 to 20, default 4", k)
	}
	fields, _ := actionBlock(tools.UpdateContactFields)
	if f, _ := fields.param("fields"); f.typ != pFields || !f.required {
		t.Errorf("fields = %+v", f)
	}
}

// FormatSpec lists every kind and action type with the parameters
// validation knows.
func TestFormatSpec(t *testing.T) {
	t.Parallel()
	s := FormatSpec()
	if len(s.Kinds) != len(Kinds) {
		t.Fatalf("%d kinds, want %d", len(s.Kinds), len(Kinds))
	}
	var http *BlockSpec
	for i := range s.Actions {
		if s.Actions[i].Name == "http_request" {
			http = &s.Actions[i]
		}
	}
	if http == nil {
		t.Fatal("no http_request action")
	}
	for _, p := range http.Params {
		if p.Name == "timeout_seconds" && (!p.HasRange || p.Max != 60 || p.Type != "integer" && p.Type != "number") {
			t.Errorf("timeout_seconds: %+v", p)
		}
	}
	for _, k := range s.Kinds {
		for _, p := range k.Params {
			if p.Type == "" {
				t.Errorf("%s.%s has no type name", k.Name, p.Name)
			}
		}
	}
}
