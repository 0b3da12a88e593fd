package evals

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
)

// verdict is a judge's answer.
type verdict struct {
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
}

// judge grades a transcript against a rubric with the model (recorded
// and replayed like the agent's own calls).
func judge(ctx context.Context, m agent.Model, j *Judge, transcript []string) (verdict, error) {
	system, err := prompts.RenderJudge(prompts.Judge{Rubric: j.Rubric})
	if err != nil {
		return verdict{}, err
	}
	zero := 0.0
	resp, err := m.Chat(ctx, agent.Request{Model: j.Model, Temperature: &zero, Messages: []agent.Message{
		{Role: agent.RoleSystem, Content: system},
		{Role: agent.RoleUser, Content: strings.Join(transcript, "\n")},
	}})
	if err != nil {
		return verdict{}, err
	}
	text := strings.TrimSpace(resp.Content)
	text = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(text, "```json"), "```"), "```"))
	var v verdict
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return verdict{}, fmt.Errorf("the judge did not answer with {\"pass\", \"reason\"}: %q", resp.Content)
	}
	return v, nil
}

// visited lists the flow nodes ("flow/node") and edges ("flow/a->b") a
// trial's events show it went through.
func visited(events []*store.Event) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range events {
		if e.Type != "flow.node_visited" {
			continue
		}
		var p struct {
			Flow string `json:"flow"`
			Node string `json:"node"`
			From string `json:"from"`
		}
		if json.Unmarshal(e.Payload, &p) != nil {
			continue
		}
		for _, k := range []string{p.Flow + "/" + p.Node, edgeKey(p.Flow, p.From, p.Node)} {
			if k != "" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func edgeKey(flow, from, to string) string {
	if from == "" {
		return ""
	}
	return flow + "/" + from + "->" + to
}

// coverage measures the visited nodes and edges against each flow's.
func coverage(flows []*dsl.Flow, visited []string) []FlowCoverage {
	seen := map[string]bool{}
	for _, v := range visited {
		seen[v] = true
	}
	var out []FlowCoverage
	for _, f := range flows {
		fc := FlowCoverage{Flow: f.ID}
		for _, n := range f.Nodes {
			fc.NodeCount[1]++
			if seen[f.ID+"/"+n.ID] {
				fc.NodeCount[0]++
			} else {
				fc.MissedNodes = append(fc.MissedNodes, n.ID)
			}
		}
		for _, e := range f.Edges {
			fc.EdgeCount[1]++
			if seen[edgeKey(f.ID, e.Source, e.Target)] {
				fc.EdgeCount[0]++
			} else {
				fc.MissedEdges = append(fc.MissedEdges, e.Source+"->"+e.Target)
			}
		}
		out = append(out, fc)
	}
	return out
}
