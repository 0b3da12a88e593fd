package main

import (
	"strings"
	"testing"
)

func TestPickNamed(t *testing.T) {
	t.Parallel()
	c := choice{workspace: "salon", one: "AI agent", many: "AI agents", flag: "--agent", section: "ai_agents"}
	id := func(s string) string { return s }
	cases := []struct {
		items   []string
		want    string
		got     string
		wantErr string
	}{
		{items: []string{"Léa"}, want: "", got: "Léa"},
		{items: []string{"Léa", "Max"}, want: "Max", got: "Max"},
		{items: nil, want: "", wantErr: `workspace "salon" has no AI agent; declare one under ai_agents in its workspace file`},
		{items: []string{"Léa", "Max"}, want: "", wantErr: `workspace "salon" has 2 AI agents: choose one with --agent (Léa, Max)`},
		{items: []string{"Léa"}, want: "Zoé", wantErr: `workspace "salon" has no AI agent "Zoé"; its AI agents: Léa`},
	}
	for _, tc := range cases {
		got, err := pickNamed(tc.items, id, tc.want, c)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("pickNamed(%q, %q) error = %v, want %q", tc.items, tc.want, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.got {
			t.Errorf("pickNamed(%q, %q) = %q, %v; want %q", tc.items, tc.want, got, err, tc.got)
		}
	}
}
