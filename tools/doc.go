// Package tools is the action catalogue: every platform action an AI agent
// can call as an LLM tool and a flow can run as an action block — close a
// conversation, assign it, update contact fields, call an HTTP API… One
// implementation serves both callers and knows neither.
package tools
