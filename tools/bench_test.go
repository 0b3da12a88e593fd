package tools_test

import (
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
)

func benchStores(b *testing.B, fn func(b *testing.B, fx *fixture)) {
	for _, open := range []func(testing.TB) store.Store{storetest.OpenSQLite, storetest.OpenPostgres} {
		s := open(b)
		b.Run(s.Dialect(), func(b *testing.B) {
			fx := newFixture(b, s, tools.Options{})
			fn(b, fx)
		})
	}
}

// BenchmarkAssignRoundRobin: one assign to a team by round robin, with its
// transaction, row locks, cursor update and events.
func BenchmarkAssignRoundRobin(b *testing.B) {
	benchStores(b, func(b *testing.B, fx *fixture) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "assign",
				Args: []byte(`{"team": "Équipe de Planification"}`), Actor: "ai_agent:bench"})
			if err != nil || !r.OK {
				b.Fatal(err, r.JSON())
			}
		}
	})
}

// BenchmarkUpdateContactFields: three typed fields in one call.
func BenchmarkUpdateContactFields(b *testing.B) {
	benchStores(b, func(b *testing.B, fx *fixture) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "update_contact_fields",
				Args:  []byte(`{"fields": [{"field": "budget", "value": "150"}, {"field": "bookingdate", "value": "2026-12-05"}, {"field": "service", "value": "Coupe"}]}`),
				Actor: "ai_agent:bench"})
			if err != nil || !r.OK {
				b.Fatal(err, r.JSON())
			}
		}
	})
}
