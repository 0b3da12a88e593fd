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
// its own workspace, so tests run in parallel without seeing each other;
// a test that needs a database to itself (counting rows, several
// processes on one database: see Reopen) sets Own.
type Test struct {
	Name string
	Run  func(t *testing.T, s store.Store)
	// Own gives the test a store of its own from the factory.
	Own bool
}

// Tests is the conformance suite.
var Tests = []Test{
	{Name: "Workspaces", Run: testWorkspaces},
	{Name: "WorkspaceVersion", Run: testWorkspaceVersion},
	{Name: "Users", Run: testUsers},
	{Name: "Teams", Run: testTeams},
	{Name: "AIAgents", Run: testAIAgents},
	{Name: "ContactFields", Run: testContactFields},
	{Name: "LifecycleStages", Run: testLifecycleStages},
	{Name: "Labels", Run: testLabels},
	{Name: "KnowledgeBases", Run: testKnowledgeBases},
	{Name: "Contacts", Run: testContacts},
	{Name: "ContactOptimisticConflict", Run: testContactOptimisticConflict},
	{Name: "ContactConcurrentFieldUpdates", Run: testContactConcurrentFieldUpdates},
	{Name: "ContactConcurrentReadModifyWrite", Run: testContactConcurrentReadModifyWrite},
	{Name: "Conversations", Run: testConversations},
	{Name: "MessageOrdering", Run: testMessageOrdering},
	{Name: "UnhandledMessages", Run: testUnhandledMessages},
	{Name: "ConcurrentMessageAppends", Run: testConcurrentMessageAppends},
	{Name: "Events", Run: testEvents},
	{Name: "Tasks", Run: testTasks},
	{Name: "TeamLock", Run: testTeamLock},
	{Name: "ConversationLock", Run: testConversationLock},
	{Name: "CountOpenConversations", Run: testCountOpenConversations},
	{Name: "ActionRuns", Run: testActionRuns},
	{Name: "TurnLock", Run: testTurnLock},
	{Name: "TwoProcessesOneConversation", Run: testTwoProcessesOneConversation, Own: true},
	{Name: "KnowledgeDocuments", Run: testKnowledgeDocuments},
	{Name: "APIKeys", Run: testAPIKeys},
	{Name: "StreamEvents", Run: testStreamEvents},
	{Name: "ConcurrentStreamAppends", Run: testConcurrentStreamAppends},
	{Name: "VisitorTokens", Run: testVisitorTokens},
	{Name: "IdempotencyKeys", Run: testIdempotencyKeys},
	{Name: "ConversationFilters", Run: testConversationFilters},
	{Name: "ContactFilters", Run: testContactFilters},
	{Name: "MessageFilters", Run: testMessageFilters},
	{Name: "EventFilters", Run: testEventFilters},
	{Name: "KnowledgeSearch", Run: testKnowledgeSearch},
	{Name: "ConcurrentIngestionNewVectorSize", Run: testConcurrentIngestionNewVectorSize, Own: true},
	{Name: "WorkspaceIsolation", Run: testWorkspaceIsolation},
	{Name: "TransactionRollback", Run: testTransactionRollback},
	{Name: "TransactionPanicRollsBack", Run: testTransactionPanic},
	{Name: "TransactionCommit", Run: testTransactionCommit},
	{Name: "DeleteWorkspaceCascades", Run: testDeleteWorkspaceCascades},
	{Name: "Flows", Run: testFlows},
	{Name: "FlowRuns", Run: testFlowRuns},
	{Name: "FlowRunConcurrentStart", Run: testFlowRunConcurrentStart},
	{Name: "ResponseRules", Run: testResponseRules},
	{Name: "FlowIsolation", Run: testFlowIsolation},
}

// Run runs every conformance test, in parallel, against stores that open
// makes (OpenSQLite, OpenPostgres): one shared by the tests, and one more
// for each test that needs its own. When CAUSERIE_CONFORMANCE_DIR is set
// and every test passed, it writes a one-line report there named after
// the dialect: `make test` checks that both dialects reported, so a suite
// that silently did not run fails CI.
func Run(t *testing.T, open func(t testing.TB) store.Store) {
	s := open(t)
	var passed atomic.Int64
	t.Run("conformance", func(t *testing.T) {
		for _, tc := range Tests {
			t.Run(tc.Name, func(t *testing.T) {
				t.Parallel()
				ts := s
				if tc.Own {
					ts = open(t)
				}
				tc.Run(t, ts)
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
