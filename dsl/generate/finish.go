package generate

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/suggest"
)

// Layout of Finish: one column per layer (longest path from the start),
// one row per node of a layer.
const (
	ColumnWidth = 280
	RowHeight   = 140
)

// newPrefix marks the provisional id of a node Finish adds; it is never
// kept (see readableID).
const newPrefix = "\x00new-"

// Finish makes a draft flow deterministic and ready for an editor (see
// the package doc); it returns an error listing what it could not fix.
// In order: triggers from o.Keywords when the draft has none; an end
// node for each node whose ways out lead nowhere; an error edge from
// every question and choice (the steps that wait for the visitor) to an
// exit end node, on top of the exit words every run understands
// (dsl.DefaultExitWords or the flow's exit_words); readable unique node
// ids; edge ids; a layered left-to-right layout. Finish of a finished
// flow changes nothing. The error is the validator's problems
// (source.Problems) of the finished flow, if any.
func Finish(f *dsl.Flow, o FinishOptions) error {
	if f == nil {
		return errors.New("generate: no flow to finish")
	}
	lang := o.Lang
	if lang == "" {
		lang = "fr"
	}
	if len(f.Triggers) == 0 {
		var kw []string
		for _, k := range o.Keywords {
			if k = strings.TrimSpace(k); k != "" && !slices.Contains(kw, k) {
				kw = append(kw, k)
			}
		}
		if len(kw) > 0 {
			f.Triggers = []dsl.Trigger{{Keywords: kw, Match: dsl.MatchContains}}
		}
	}
	if f.Nodes == nil {
		f.Nodes = []dsl.Node{}
	}
	if f.Edges == nil {
		f.Edges = []dsl.Edge{}
	}
	added := 0
	addEnd := func(label, text string) string {
		added++
		id := newPrefix + strconv.Itoa(added)
		n := dsl.Node{ID: id, Type: dsl.KindEnd, Data: dsl.NodeData{Label: label}}
		if text != "" {
			n.Data.Parameters = map[string]any{"text": text}
		}
		f.Nodes = append(f.Nodes, n)
		return id
	}
	closeDangling(f, lang, addEnd)
	addExits(f, lang, addEnd)
	assignIDs(f)
	edgeIDs(f)
	layout(f)
	if ps := dsl.Validate(f, dsl.Options{}); len(ps) > 0 {
		return ps
	}
	return nil
}

// defaultHandles name the next step (as dsl reads them).
var defaultHandles = []string{"", "next", "default", "success", "out"}

// ways lists the ways out a node must have an edge for: "" (next),
// options, branches, else. Error edges are optional.
func ways(n *dsl.Node) []string {
	p := n.Data.Parameters
	switch n.Type {
	case dsl.KindMessage, dsl.KindQuestion, dsl.KindAction, dsl.KindAIReply, dsl.KindHandoff, dsl.KindSetVariable:
		return []string{""}
	case dsl.KindChoice:
		return labels(p["options"], "")
	case dsl.KindCondition:
		if c, ok := p["cases"]; ok {
			return append(labels(c, "label"), dsl.HandleElse)
		}
		return []string{dsl.HandleTrue, dsl.HandleFalse}
	}
	return nil
}

// labels reads option labels (key "") or case labels (key "label").
func labels(v any, key string) []string {
	list, _ := v.([]any)
	if ss, ok := v.([]string); ok {
		for _, s := range ss {
			list = append(list, s)
		}
	}
	var out []string
	for _, e := range list {
		s, _ := e.(string)
		if key != "" {
			m, _ := e.(map[string]any)
			s, _ = m[key].(string)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// handleWay maps an edge's sourceHandle to the way of n it takes ("" for
// none it knows).
func handleWay(n *dsl.Node, h string, ws []string) (string, bool) {
	h = strings.TrimSpace(h)
	if h == dsl.HandleError {
		return dsl.HandleError, true
	}
	for _, w := range ws {
		switch {
		case w == "" && slices.Contains(defaultHandles, h):
			return "", true
		case w == dsl.HandleElse && (h == dsl.HandleElse || slices.Contains(defaultHandles, h)):
			return w, true
		case w != "" && suggest.Fold(w) == suggest.Fold(h):
			return w, true
		}
	}
	if n.Type == dsl.KindChoice {
		num := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(h), "option"), "s"), "-_ ")
		if i, err := strconv.Atoi(num); err == nil && i >= 1 && i <= len(ws) {
			return ws[i-1], true
		}
	}
	return "", false
}

// taken lists, by node id, the ways out that have an edge.
func taken(f *dsl.Flow) map[string]map[string]bool {
	at := map[string]*dsl.Node{}
	for i := range f.Nodes {
		if _, dup := at[f.Nodes[i].ID]; !dup {
			at[f.Nodes[i].ID] = &f.Nodes[i]
		}
	}
	out := map[string]map[string]bool{}
	for _, e := range f.Edges {
		n := at[e.Source]
		if n == nil {
			continue
		}
		if w, ok := handleWay(n, e.SourceHandle, ways(n)); ok {
			if out[n.ID] == nil {
				out[n.ID] = map[string]bool{}
			}
			out[n.ID][w] = true
		}
	}
	return out
}

// closeDangling adds an end node for each node with ways out that have
// no edge: the path stops there, so it ends there.
func closeDangling(f *dsl.Flow, lang string, addEnd func(label, text string) string) {
	has := taken(f)
	count := len(f.Nodes)
	for i := 0; i < count; i++ {
		n := &f.Nodes[i]
		var missing []string
		for _, w := range ways(n) {
			if !has[n.ID][w] {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			continue
		}
		id := n.ID
		end := addEnd(text(lang, "end.label"), text(lang, "end.text"))
		for _, w := range missing {
			f.Edges = append(f.Edges, dsl.Edge{Source: id, SourceHandle: w, Target: end})
		}
	}
}

// addExits gives every question and choice an error edge, to one exit
// end node: a visitor who cannot or will not answer leaves the flow
// politely instead of being stuck.
func addExits(f *dsl.Flow, lang string, addEnd func(label, text string) string) {
	has := taken(f)
	exit := ""
	count := len(f.Nodes)
	for i := 0; i < count; i++ {
		n := &f.Nodes[i]
		if (n.Type != dsl.KindQuestion && n.Type != dsl.KindChoice) || has[n.ID][dsl.HandleError] {
			continue
		}
		if exit == "" {
			exit = addEnd(text(lang, "exit.label"), text(lang, "exit.text"))
		}
		f.Edges = append(f.Edges, dsl.Edge{Source: n.ID, SourceHandle: dsl.HandleError, Target: exit})
	}
}

var (
	slugRe    = regexp.MustCompile(`^[a-z][a-z0-9]*([-_][a-z0-9]+)*$`)
	genericRe = regexp.MustCompile(`^(n|node|step|etape|s)[-_]?[0-9]+$`)
)

// readableID reports whether id is kept as it is: a lower-case slug of
// at least two characters that is not a bare number ("n3", "step-2").
func readableID(id string) bool {
	return len(id) >= 2 && slugRe.MatchString(id) && !genericRe.MatchString(id)
}

// assignIDs keeps the readable unique ids and gives the other nodes a
// slug of their role or text, deduplicated with -2, -3…
func assignIDs(f *dsl.Flow) {
	used := map[string]bool{}
	keep := make([]bool, len(f.Nodes))
	for i, n := range f.Nodes {
		if readableID(n.ID) && !used[n.ID] {
			used[n.ID], keep[i] = true, true
		}
	}
	rename := map[string]string{}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if keep[i] {
			continue
		}
		base := nodeSlug(n)
		id := base
		for k := 2; used[id]; k++ {
			id = fmt.Sprintf("%s-%d", base, k)
		}
		used[id] = true
		if _, seen := rename[n.ID]; !seen && n.ID != "" {
			rename[n.ID] = id
		}
		n.ID = id
	}
	if len(rename) == 0 {
		return
	}
	for i := range f.Edges {
		e := &f.Edges[i]
		if r, ok := rename[e.Source]; ok {
			e.Source = r
		}
		if r, ok := rename[e.Target]; ok {
			e.Target = r
		}
	}
	if r, ok := rename[f.Start]; ok {
		f.Start = r
	}
}

// nodeSlug is a node's readable id: a question's or choice's variable,
// else the first words of its label or text, else its kind.
func nodeSlug(n *dsl.Node) string {
	p := n.Data.Parameters
	if n.Type == dsl.KindQuestion || n.Type == dsl.KindChoice {
		if v, _ := p["variable"].(string); v != "" {
			if s := Slug(v, 3); s != "" {
				return s
			}
		}
	}
	for _, s := range []string{n.Data.Label, str(p["text"]), str(p["action_type"])} {
		if s := Slug(s, 3); len(s) >= 2 {
			return s
		}
	}
	if s := Slug(n.Type, 3); s != "" {
		return s
	}
	return "node"
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// stopWords are left out of slugs and variable names.
var stopWords = map[string]bool{
	"le": true, "la": true, "les": true, "l": true, "de": true, "du": true, "des": true, "d": true, "a": true,
	"au": true, "aux": true, "et": true, "un": true, "une": true, "votre": true, "vos": true, "leur": true,
	"leurs": true, "ils": true, "elles": true, "ont": true, "quel": true, "quelle": true, "quels": true,
	"quelles": true, "en": true, "pour": true, "par": true, "sur": true, "avec": true, "s": true, "qu": true,
	"the": true, "an": true, "of": true, "to": true, "your": true, "their": true, "and": true, "they": true,
	"them": true, "what": true, "which": true, "for": true, "with": true, "on": true, "in": true, "is": true,
	"etape": true, "step": true,
}

// Slug makes a readable id of text: lower case, no accents, at most
// words significant words joined by "-" ("Demander la couleur" →
// "demander-couleur").
func Slug(text string, words int) string {
	var out []string
	for _, w := range splitWords(text) {
		if stopWords[w] || (len(w) == 1 && (w[0] < '0' || w[0] > '9')) {
			continue
		}
		out = append(out, w)
		if len(out) == words {
			break
		}
	}
	s := strings.Join(out, "-")
	for s != "" && (s[0] >= '0' && s[0] <= '9') {
		s = strings.TrimLeft(s, "0123456789-")
	}
	return s
}

// splitWords folds text (lower case, no accents) and splits it into
// words of letters and digits.
func splitWords(text string) []string {
	return strings.FieldsFunc(suggest.StripAccents(strings.ToLower(text)), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
}

// edgeIDs gives edges without an id, or with one already used, the id
// e-<source>-<way>-<target>.
func edgeIDs(f *dsl.Flow) {
	used := map[string]bool{}
	for _, e := range f.Edges {
		if e.ID != "" {
			used[e.ID] = true
		}
	}
	seen := map[string]bool{}
	for i := range f.Edges {
		e := &f.Edges[i]
		if e.ID != "" && !seen[e.ID] {
			seen[e.ID] = true
			continue
		}
		parts := []string{"e", e.Source}
		if h := Slug(e.SourceHandle, 3); h != "" {
			parts = append(parts, h)
		}
		base := strings.Join(append(parts, e.Target), "-")
		id := base
		for k := 2; used[id]; k++ {
			id = fmt.Sprintf("%s-%d", base, k)
		}
		used[id], seen[id] = true, true
		e.ID = id
	}
}

// startOf is the flow's first node, as dsl reads it: Start, else the
// first node no edge enters that has a way out, else the first node no
// edge enters, else the first node.
func startOf(f *dsl.Flow) string {
	if f.Start != "" {
		return f.Start
	}
	entered, leaves := map[string]bool{}, map[string]bool{}
	for _, e := range f.Edges {
		if e.Source != e.Target {
			entered[e.Target] = true
		}
		leaves[e.Source] = true
	}
	for _, n := range f.Nodes {
		if !entered[n.ID] && leaves[n.ID] {
			return n.ID
		}
	}
	for _, n := range f.Nodes {
		if !entered[n.ID] {
			return n.ID
		}
	}
	if len(f.Nodes) > 0 {
		return f.Nodes[0].ID
	}
	return ""
}

// layout places the nodes left to right: a node's column is the longest
// path to it from the start (back edges of loops left out), its row its
// rank among its column's nodes in breadth-first order; each column is
// centred on y = 0. Nodes the start does not reach go in a last column.
func layout(f *dsl.Flow) {
	next := map[string][]string{}
	for _, e := range f.Edges {
		next[e.Source] = append(next[e.Source], e.Target)
	}
	start := startOf(f)
	// Depth-first from the start: the order of finishing gives a
	// topological order of the graph without its back edges.
	state := map[string]int{} // 1 on the stack, 2 done
	var post []string
	back := map[[2]string]bool{}
	var dfs func(id string)
	dfs = func(id string) {
		state[id] = 1
		for _, t := range next[id] {
			switch state[t] {
			case 0:
				dfs(t)
			case 1:
				back[[2]string{id, t}] = true
			}
		}
		state[id] = 2
		post = append(post, id)
	}
	exists := map[string]bool{}
	for _, n := range f.Nodes {
		exists[n.ID] = true
	}
	if exists[start] {
		dfs(start)
	}
	layer := map[string]int{}
	for i := len(post) - 1; i >= 0; i-- {
		id := post[i]
		for _, t := range next[id] {
			if !back[[2]string{id, t}] && exists[t] && layer[t] < layer[id]+1 {
				layer[t] = layer[id] + 1
			}
		}
	}
	// Breadth-first order from the start orders the rows.
	order := map[string]int{}
	if exists[start] {
		order[start] = 0
		queue := []string{start}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			for _, t := range next[id] {
				if _, ok := order[t]; !ok && exists[t] {
					order[t] = len(order)
					queue = append(queue, t)
				}
			}
		}
	}
	last := 0
	for _, l := range layer {
		last = max(last, l)
	}
	columns := map[int][]int{} // layer → node indexes
	for i, n := range f.Nodes {
		l, ok := layer[n.ID], state[n.ID] == 2
		if !ok {
			l = last + 1
		}
		columns[l] = append(columns[l], i)
	}
	for l, idx := range columns {
		slices.SortStableFunc(idx, func(a, b int) int {
			oa, okA := order[f.Nodes[a].ID]
			ob, okB := order[f.Nodes[b].ID]
			switch {
			case okA && okB:
				return oa - ob
			case okA:
				return -1
			case okB:
				return 1
			}
			return a - b
		})
		for row, i := range idx {
			f.Nodes[i].Position = dsl.Position{
				X: float64(l * ColumnWidth),
				Y: (float64(row) - float64(len(idx)-1)/2) * RowHeight,
			}
		}
	}
}
