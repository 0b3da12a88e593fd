// Command peers is the side-by-side peer benchmark (issue 16): one
// customer-conversation turn — a visitor message, two tool calls (update
// a contact field, tag the contact), the final reply — through Causerie
// and through two agent frameworks, on the same scripted
// OpenAI-compatible model server on loopback that answers at once, so
// that what is measured is each runtime's own cost:
//
//   - Causerie in process (conversation.Runtime.Handle: the real
//     pipeline, the salon workspace of examples/salon, the
//     OpenAI-compatible client), on SQLite and on PostgreSQL;
//   - Causerie's HTTP API (POST …/messages?wait=true to the server
//     package in a process of its own), on SQLite and on PostgreSQL;
//   - langchaingo v0.1.14's OpenAI functions agent in an Executor, with
//     two in-memory tools;
//   - the OpenAI Agents SDK for JavaScript (@openai/agents, pinned in
//     js/package-lock.json) with its Chat Completions model and two
//     function tools, run by js/run.mjs in a node child process.
//
// Each turn is a new conversation (a new contact), as conversation's
// BenchmarkTurn and server's BenchmarkMessageWait do. Blocks of turns are
// interleaved over several rounds, at 1 and 8 concurrent conversations;
// the report gives p50/p99 wall time per turn, CPU per turn (the
// runtime's process, plus PostgreSQL's processes for the PostgreSQL
// runs), turns/s, the bytes of each model request as the model server
// received them, and the ratios. Every block checks that each turn ran
// both tools (Causerie: the contact read back from the store; the peers:
// their tools' executions and in-memory contacts) and fails otherwise.
//
// Run it with `make bench-peers` from the repository's root (it installs
// the JavaScript packages with npm ci and starts PostgreSQL with
// scripts/postgres.sh), or `go run . -h` here for the flags.
//
// It is a module of its own (bench/peers/go.mod, with a replace of
// github.com/causerie/causerie to ../..) so that the main module does not
// depend on the peers: langchaingo's agents and the benchmark's other
// imports stay out of Causerie's go.mod, and the main module's `go test
// ./...`, `go vet ./...` and `go mod tidy` do not see this folder (a
// nested module is outside ./...). Its own `go test ./...` runs a few
// turns of every runtime, so that the harness cannot rot unnoticed.
package main
