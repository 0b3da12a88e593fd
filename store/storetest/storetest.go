package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/causerie/causerie/store"
)

// Test is one conformance test. Each gets the shared store and creates
// its own workspace, so tests run in parallel without seeing each other.
type Test struct {
	Name string
	Run  func(t *testing.T, s store.Store)
}

// Tests is the conformance suite.
var Tests = []Test{
	{"Workspaces", testWorkspaces},
	{"Users", testUsers},
	{"Teams", testTeams},
	{"AIAgents", testAIAgents},
	{"ContactFields", testContactFields},
	{"LifecycleStages", testLifecycleStages},
	{"Labels", testLabels},
	{"KnowledgeBases", testKnowledgeBases},
	{"Contacts", testContacts},
	{"ContactOptimisticConflict", testContactOptimisticConflict},
	{"ContactConcurrentFieldUpdates", testContactConcurrentFieldUpdates},
	{"ContactConcurrentReadModifyWrite", testContactConcurrentReadModifyWrite},
	{"Conversations", testConversations},
	{"MessageOrdering", testMessageOrdering},
	{"ConcurrentMessageAppends", testConcurrentMessageAppends},
	{"Events", testEvents},
	{"Tasks", testTasks},
	{"TeamLock", testTeamLock},
	{"ConversationLock", testConversationLock},
	{"CountOpenConversations", testCountOpenConversations},
	{"ActionRuns", testActionRuns},
	{"TurnLock", testTurnLock},
	{"KnowledgeDocuments", testKnowledgeDocuments},
	{"KnowledgeSearch", testKnowledgeSearch},
	{"WorkspaceIsolation", testWorkspaceIsolation},
	{"TransactionRollback", testTransactionRollback},
	{"TransactionPanicRollsBack", testTransactionPanic},
	{"TransactionCommit", testTransactionCommit},
	{"DeleteWorkspaceCascades", testDeleteWorkspaceCascades},
	{"Flows", testFlows},
	{"FlowRuns", testFlowRuns},
	{"FlowRunConcurrentStart", testFlowRunConcurrentStart},
	{"ResponseRules", testResponseRules},
	{"FlowIsolation", testFlowIsolation},
}

// Run runs every conformance test, in parallel, against s. When
// CAUSERIE_CONFORMANCE_DIR is set and every test passed, it writes a
// one-line report there named after the dialect: `make test` checks that
// both dialects reported, so a suite that silently did not run fails CI.
func Run(t *testing.T, s store.Store) {
	var passed atomic.Int64
	t.Run("conformance", func(t *testing.T) {
		for _, tc := range Tests {
			t.Run(tc.Name, func(t *testing.T) {
				t.Parallel()
				tc.Run(t, s)
				if !t.Failed() {
					passed.Add(1)
				}
			})
		}
	})
	dir := os.Getenv("CAUSERIE_CONFORMANCE_DIR")
	if dir == "" || t.Failed() || int(passed.Load()) != len(Tests) {
		return
	}
	line := fmt.Sprintf("%s: %d conformance tests passed\n", s.Dialect(), passed.Load())
	if err := os.WriteFile(filepath.Join(dir, s.Dialect()), []byte(line), 0o644); err != nil {
		t.Errorf("write conformance report: %v", err)
	}
}

var slugs atomic.Int64

// NewWorkspace creates a workspace with a unique slug for one test.
func NewWorkspace(t testing.TB, s store.Queries) *store.Workspace {
	t.Helper()
	w := &store.Workspace{
		Slug:     fmt.Sprintf("ws-%s-%d", store.NewID("t")[2:], slugs.Add(1)),
		Name:     "Test workspace",
		Language: "fr",
	}
	if err := s.CreateWorkspace(context.Background(), w); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	return w
}

// NewContact creates a contact in w.
func NewContact(t testing.TB, s store.Queries, w *store.Workspace) *store.Contact {
	t.Helper()
	c := &store.Contact{WorkspaceID: w.ID, Name: "Camille", Email: "camille@example.fr"}
	if err := s.CreateContact(context.Background(), c); err != nil {
		t.Fatalf("create contact: %v", err)
	}
	return c
}

// NewConversation creates an open conversation with a new contact in w.
func NewConversation(t testing.TB, s store.Queries, w *store.Workspace) *store.Conversation {
	t.Helper()
	c := NewContact(t, s, w)
	conv := &store.Conversation{WorkspaceID: w.ID, ContactID: c.ID, Channel: "web"}
	if err := s.CreateConversation(context.Background(), conv); err != nil {
		t.Fatalf("create conversation: %v", err)
	}
	return conv
}
