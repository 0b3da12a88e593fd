// Package server owns the HTTP surface: the JSON API (echo), SSE
// streaming of replies, the OpenAI-compatible endpoint, the web widget and
// the admin pages, served from embedded assets.
package server
