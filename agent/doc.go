// Package agent owns the conversation turn: it loads the workspace,
// contact and history, has package prompts render the system prompt,
// calls the model with the AI agent's enabled actions as tools, runs the
// tool calls through package tools before the reply, applies the
// conversation rules (no reply after unassign, no reopening) and writes
// summaries. The Model interface and its OpenAI-compatible implementation
// live here; agent/agenttest holds a scripted model server for tests.
package agent
