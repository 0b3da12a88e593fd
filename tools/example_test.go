package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

// Executing an action: arguments are checked against the action's schema
// and the workspace, and a failure says what would be valid.
func ExampleCatalogue_Execute() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "causerie-example")
	defer os.RemoveAll(dir)
	s, _ := sqlite.Open(ctx, filepath.Join(dir, "causerie.db"))
	defer s.Close()
	f, _ := workspace.Load("../examples/salon/workspace.yaml")
	res, _ := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
	contact := &store.Contact{WorkspaceID: res.Workspace.ID, Name: "Camille"}
	_ = s.CreateContact(ctx, contact)

	cat := tools.New(s, tools.Options{})
	call := tools.Call{WorkspaceID: res.Workspace.ID, ContactID: contact.ID, Actor: "user:example",
		Action: "update_lifecycle_stage", Args: json.RawMessage(`{"stage": "Qualifié"}`)}
	r, _ := cat.Execute(ctx, call)
	fmt.Println(r.OK, r.Error.Code, r.Error.Valid)

	call.Args = json.RawMessage(`{"stage": "Lead Qualifié"}`)
	r, _ = cat.Execute(ctx, call)
	fmt.Println(r.OK, r.Message)
	// Output:
	// false unknown_stage [Lead Qualifié Client Nouveau Lead]
	// true lifecycle stage set to "Lead Qualifié"
}
