package generate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/source"
)

// DescriptionFile names the description in the problems of Offline,
// FromSteps and FromMermaid (a caller that read it from a file may set
// Problem.File to the file's path).
const DescriptionFile = "description"

// modelHint ends every problem of the offline generators.
const modelHint = "; or describe the flow in plain language and run `causerie flow generate` without --offline, once a model is configured"

// Offline generates a flow from a structured description — a step list
// (French or English, numbered or bulleted) or a Mermaid flowchart (a
// first line starting with graph or flowchart) — without a model, then
// finishes it (Finish). A description it cannot map gets source.Problems
// that say which line and why, and suggest the model path. lang "" is
// told from the text.
func Offline(name, text, lang string) (*dsl.Flow, error) {
	if lang == "" {
		lang = detectLang(text)
	}
	for _, line := range strings.Split(text, "\n") {
		w := strings.Fields(strings.ToLower(line))
		if len(w) == 0 || strings.HasPrefix(w[0], "%%") {
			continue
		}
		if w[0] == "graph" || w[0] == "flowchart" {
			return FromMermaid(name, text, lang)
		}
		break
	}
	return FromSteps(name, text, lang)
}

// detectLang tells French from English by a few frequent words.
func detectLang(text string) string {
	fr, en := 0, 0
	for _, w := range splitWords(text) {
		switch w {
		case "le", "la", "les", "de", "des", "du", "demander", "etape", "declencheur", "votre", "leur", "et", "quel", "quelle":
			fr++
		case "the", "ask", "step", "trigger", "your", "their", "and", "what", "which", "to":
			en++
		}
	}
	if en > fr {
		return "en"
	}
	return "fr"
}

var (
	bulletRe = regexp.MustCompile(`^\s*(?:[-*•·–]+|\d+\s*[.)\-:]|[a-z]\))\s*`)
	prefixRe = regexp.MustCompile(`(?i)^\s*(d[ée]clencheurs?|triggers?|mots?[- ]cl[ée]s?|keywords?|[ée]tapes?|steps?|actions?)\s*(\d+)?\s*[:：.)-]\s*`)
	quotedRe = regexp.MustCompile(`«\s*([^»]+?)\s*»|"([^"]+)"|“([^”]+)”`)
)

// draft is a flow being built from a description.
type draft struct {
	lang     string
	f        *dsl.Flow
	keywords []string
	vars     map[string]bool
	asked    []string // question variables, in order, for the confirmation and the notification
	problems source.Problems
}

func newDraft(name, lang string) *draft {
	id := Slug(name, 6)
	if id == "" {
		id = "flux"
	}
	return &draft{lang: lang, vars: map[string]bool{}, f: &dsl.Flow{ID: id, Name: strings.TrimSpace(name),
		Nodes: []dsl.Node{}, Edges: []dsl.Edge{}}}
}

func (d *draft) problem(line int, format string, args ...any) {
	d.problems = append(d.problems, source.Problem{File: DescriptionFile, Line: line, Column: 1,
		Message: fmt.Sprintf(format, args...) + modelHint})
}

// add appends a node with a provisional id and returns that id.
func (d *draft) add(kind, label string, params map[string]any) string {
	id := fmt.Sprintf("%s%d", newPrefix, len(d.f.Nodes)+1000)
	d.f.Nodes = append(d.f.Nodes, dsl.Node{ID: id, Type: kind, Data: dsl.NodeData{Label: label, Parameters: params}})
	return id
}

func (d *draft) edge(from, handle, to string) {
	d.f.Edges = append(d.f.Edges, dsl.Edge{Source: from, SourceHandle: handle, Target: to})
}

// finish runs Finish on the draft unless the description had problems.
func (d *draft) finish() (*dsl.Flow, error) {
	if len(d.problems) > 0 {
		d.problems.Sort()
		return nil, d.problems
	}
	if len(d.f.Nodes) == 0 {
		return nil, source.Problems{{File: DescriptionFile, Line: 1, Column: 1,
			Message: "no step found: write one step a line (« Étape 1 : Demander … », \"- Ask …\")" + modelHint}}
	}
	if d.f.Name == "" {
		d.f.Name = d.f.ID
	}
	if len(d.keywords) == 0 {
		d.keywords = []string{strings.ToLower(d.f.Name)}
	}
	if err := Finish(d.f, FinishOptions{Lang: d.lang, Keywords: d.keywords}); err != nil {
		return d.f, err
	}
	return d.f, nil
}

// segment is what one step adds: where it is entered, and the ways out
// that lead to the next step.
type segment struct {
	entry string
	outs  [][2]string // (node, handle)
}

// FromSteps generates a flow from a step list: « Déclencheur : « a », « b » »
// / "Trigger: "a", "b"" lines give the trigger's keywords; « Étape N : … »,
// "Step N: …" and bulleted or numbered lines are steps (asking → a
// question, with the validation an e-mail, a phone or a date implies, or a
// choice when the step lists options after a colon or in parentheses;
// telling → a message; confirming or thanking → the end); « Action : … »
// lines are actions of the catalogue (see action), run after the steps,
// before the end. A line before the first step that is none of these is
// the flow's description.
func FromSteps(name, src, lang string) (*dsl.Flow, error) {
	if lang == "" {
		lang = detectLang(src)
	}
	d := newDraft(name, lang)
	var steps, actions []segment
	var end *step
	lines := strings.Split(src, "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") && len(steps) == 0 && d.f.Description == "" && !bulletRe.MatchString(line) {
			if strings.HasPrefix(line, "#") {
				d.setTitle(name, strings.TrimLeft(line, "# "))
			}
			continue
		}
		bulleted := bulletRe.MatchString(line)
		body := bulletRe.ReplaceAllString(line, "")
		kind := ""
		if m := prefixRe.FindStringSubmatch(body); m != nil {
			kind = strings.ToLower(m[1])
			body = strings.TrimSpace(body[len(m[0]):])
		}
		n := i + 1
		switch {
		case strings.HasPrefix(kind, "d") || strings.HasPrefix(kind, "t") || strings.HasPrefix(kind, "k") || strings.HasPrefix(kind, "m"):
			kw := keywords(body)
			if len(kw) == 0 {
				d.problem(n, "no keyword in this trigger line: quote them, « rendez-vous », « réserver » or \"booking\", \"book\"")
			}
			d.keywords = append(d.keywords, kw...)
		case strings.HasPrefix(kind, "a"):
			if seg, ok := d.action(n, body); ok {
				actions = append(actions, seg)
			}
		case kind != "" || bulleted:
			if body == "" {
				d.problem(n, "this step is empty")
				continue
			}
			if end != nil {
				d.problem(end.line, "only the last step can end the flow (%q); move it last or say what it asks or tells", end.text)
				end = nil
			}
			st := classify(n, body, lang)
			switch st.kind {
			case "":
				if isActionVerb(body) {
					if seg, ok := d.action(n, body); ok {
						steps = append(steps, seg)
					}
					continue
				}
				d.problem(n, "cannot tell what step %q does: start it with what the bot does — Demander/Collecter/Ask/Collect "+
					"(a question), Proposer … : A ou B/Offer … (A or B) (a choice), Dire/Fournir/Tell/Provide (a message), "+
					"Confirmer/Confirm (the end), or an action (Notifier par courriel, Assigner à l'équipe X, Taguer X…)", body)
			case dsl.KindEnd:
				end = &st
			default:
				steps = append(steps, d.step(st)...)
			}
		case len(steps) == 0 && len(actions) == 0:
			d.setTitle(name, line)
		default:
			d.problem(n, "this line is neither a step, a trigger nor an action; number it or start it with - , « Étape N : » or « Action : »")
		}
	}
	all := append(steps, actions...)
	if end != nil {
		params := map[string]any{"text": d.confirmation()}
		all = append(all, segment{entry: d.add(dsl.KindEnd, end.text, params)})
	}
	for i := 1; i < len(all); i++ {
		for _, o := range all[i-1].outs {
			d.edge(o[0], o[1], all[i].entry)
		}
	}
	return d.finish()
}

// setTitle takes a heading or an introduction line as the flow's
// description, and as its name when none was given.
func (d *draft) setTitle(name, line string) {
	line = strings.TrimRight(strings.TrimSpace(line), ":¶ ")
	if d.f.Description == "" {
		d.f.Description = line
	}
	if strings.TrimSpace(name) == "" && d.f.Name == "" {
		d.f.Name = line
		if id := Slug(line, 6); id != "" {
			d.f.ID = id
		}
	}
}

// keywords reads a trigger's keywords: quoted, else separated by commas.
func keywords(s string) []string {
	var out []string
	for _, m := range quotedRe.FindAllStringSubmatch(s, -1) {
		for _, g := range m[1:] {
			if g = strings.TrimSpace(g); g != "" {
				out = append(out, g)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, k := range strings.Split(s, ",") {
		if k = strings.Trim(strings.TrimSpace(k), "'\"."); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// step is one step of a description, classified.
type step struct {
	line    int
	text    string // as written, the node's label
	kind    string // a node kind, "" when it cannot be told
	subject string // what it asks or tells, the verb left out
	to      bool   // "ask them to describe …": subject is a verb phrase
	options []string
	team    string // a choice offering to connect with a team
}

var (
	// Verbs that start a step, folded (lower case, no accents).
	askVerbs  = []string{"leur demander", "demander", "demandez", "demande", "collecter", "recueillir", "obtenir", "poser", "ask", "collect", "gather", "get", "request", "capture"}
	offerVerb = []string{"offrir", "proposer", "offer", "propose", "suggest", "suggerer"}
	tellVerbs = []string{"fournir", "donner", "dire", "envoyer un message", "informer", "expliquer", "accueillir", "saluer", "souhaiter la bienvenue",
		"presenter", "provide", "give", "say", "tell", "send a message", "inform", "explain", "welcome", "greet", "share", "show", "accueil", "bienvenue", "greeting"}
	endVerbs = []string{"confirmer", "remercier", "terminer", "conclure", "fin", "confirm", "thank", "end", "finish", "wrap up"}
	// Connect-with-a-team words in an offer.
	connectWords = []string{"connecter", "mettre en relation", "transferer", "passer", "connect", "transfer", "hand"}
)

// cutVerb removes the first of verbs text starts with (folded); ok is
// false when none.
func cutVerb(text string, verbs []string) (string, bool) {
	folded := fold(text)
	for _, v := range verbs {
		if folded == v || strings.HasPrefix(folded, v+" ") || strings.HasPrefix(folded, v+":") {
			return strings.TrimSpace(strings.TrimLeft(text[byteIndex(text, len([]rune(v))):], ": ")), true
		}
	}
	return "", false
}

// byteIndex is the byte offset of rune n of s.
func byteIndex(s string, n int) int {
	i := 0
	for b := range s {
		if i == n {
			return b
		}
		i++
	}
	return len(s)
}

// fold lowers s and strips its accents, keeping its length in runes.
func fold(s string) string {
	return strings.ToLower(stripAccents(s))
}

// classify tells what a step does.
func classify(line int, label, lang string) step {
	st := step{line: line, text: label}
	text := strings.TrimRight(strings.TrimSpace(label), ".")
	if rest, ok := cutVerb(text, askVerbs); ok {
		st.kind, st.subject = dsl.KindQuestion, rest
		if r, ok := cutPrefixFold(rest, []string{"them to ", "de ", "d'", "d’"}); ok && !strings.HasPrefix(fold(rest), "de leur") {
			st.subject, st.to = r, true
		}
	} else if rest, ok := cutVerb(text, offerVerb); ok {
		st.kind, st.subject = dsl.KindChoice, rest
		if containsAny(fold(rest), connectWords) {
			st.team = teamName(rest, lang)
			if st.team == "" {
				st.team = "Support"
			}
			return st
		}
	} else if rest, ok := cutVerb(text, endVerbs); ok {
		st.kind, st.subject = dsl.KindEnd, rest
		return st
	} else if rest, ok := cutVerb(text, tellVerbs); ok {
		st.kind, st.subject = dsl.KindMessage, rest
		return st
	} else {
		return st
	}
	// Options after a colon or in parentheses: « Coupe ou Coloration ».
	subject, opts := splitOptions(st.subject)
	if len(opts) >= 2 {
		st.kind, st.subject, st.options = dsl.KindChoice, subject, opts
	} else if st.kind == dsl.KindChoice {
		st.kind = dsl.KindQuestion
	}
	return st
}

func cutPrefixFold(s string, prefixes []string) (string, bool) {
	f := fold(s)
	for _, p := range prefixes {
		if strings.HasPrefix(f, p) {
			return strings.TrimSpace(s[byteIndex(s, len([]rune(p))):]), true
		}
	}
	return "", false
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var optionSepRe = regexp.MustCompile(`(?i)\s*(?:,|/|\bou\b|\bor\b)\s*`)

// splitOptions finds a list of options after a colon or in parentheses.
func splitOptions(s string) (string, []string) {
	var head, list string
	if i := strings.LastIndex(s, "("); i >= 0 && strings.HasSuffix(s, ")") {
		head, list = s[:i], s[i+1:len(s)-1]
	} else if i := strings.Index(s, ":"); i >= 0 {
		head, list = s[:i], s[i+1:]
	} else {
		return s, nil
	}
	var opts []string
	for _, o := range optionSepRe.Split(list, -1) {
		o = strings.Trim(strings.TrimSpace(o), "«»\"“”?.")
		o = strings.TrimSpace(o)
		if o != "" && !slices.ContainsFunc(opts, func(x string) bool { return fold(x) == fold(o) }) {
			opts = append(opts, o)
		}
	}
	if len(opts) < 2 {
		return s, nil
	}
	return strings.TrimSpace(head), opts
}

// collected lists what a collect step asks for, in order: name, e-mail,
// phone (« coordonnées », "contact details" are e-mail and phone).
func collected(subject string) []string {
	f := " " + strings.Join(splitWords(subject), " ") + " "
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if containsAny(f, []string{" nom ", " name ", " prenom "}) {
		add("name")
	}
	if containsAny(f, []string{" coordonnees ", " contact details ", " contact info", " coordinates "}) {
		add("email")
		add("phone")
	}
	if containsAny(f, []string{" courriel ", " email ", " e mail ", " mail "}) {
		add("email")
	}
	if containsAny(f, []string{" telephone ", " phone ", " portable ", " mobile "}) {
		add("phone")
	}
	return out
}

// knownNouns name a question's variable when its subject has one.
var knownNouns = map[string]string{
	"service": "service", "budget": "budget", "date": "date", "rendez": "date", "appointment": "date",
	"produit": "produit", "product": "product", "probleme": "probleme", "problem": "problem", "issue": "issue",
	"couleur": "couleur", "color": "color", "colour": "colour", "details": "details", "echeancier": "echeancier",
	"timeline": "timeline", "delai": "delai", "heure": "heure", "time": "time", "courriel": "email", "email": "email",
}

// variableFor names the variable of a question about subject.
func (d *draft) variableFor(subject string) string {
	words := splitWords(subject)
	name := ""
	for _, w := range words {
		if v, ok := knownNouns[w]; ok {
			name = v
			break
		}
	}
	if name == "" {
		name = strings.ReplaceAll(Slug(subject, 2), "-", "_")
	}
	if name == "" {
		name = "reponse"
	}
	base := name
	for k := 2; d.vars[name]; k++ {
		name = fmt.Sprintf("%s_%d", base, k)
	}
	d.vars[name] = true
	return name
}

// validationOf is the validation a question's subject implies.
func validationOf(subject string) string {
	f := " " + strings.Join(splitWords(subject), " ") + " "
	switch {
	case containsAny(f, []string{" courriel ", " email ", " e mail ", " mail "}):
		return "email"
	case containsAny(f, []string{" telephone ", " phone ", " portable ", " mobile "}):
		return "phone"
	case containsAny(f, []string{" date ", " jour ", " rendez vous ", " appointment ", " day ", " when "}):
		return "date"
	case containsAny(f, []string{" combien ", " nombre de ", " how many ", " number of "}):
		return "number"
	}
	return "text"
}

// you turns "their company" into "your company", « leur entreprise »
// into « votre entreprise ».
func you(s, lang string) string {
	repl := strings.NewReplacer(" leurs ", " vos ", " leur ", " votre ", " ils ont ", " vous avez ", " ils utilisent ", " vous utilisez ", " ils ", " vous ",
		" elles ", " vous ", " utilisent ", " utilisez ", " their ", " your ", " they ", " you ", " them ", " you ")
	return strings.TrimSpace(repl.Replace(" " + s + " "))
}

// step makes the nodes of a classified step.
func (d *draft) step(st step) []segment {
	lang := d.lang
	switch st.kind {
	case dsl.KindMessage:
		t := st.text
		if containsAny(fold(st.text), []string{"accueil", "bienvenue", "welcome", "greet", "saluer"}) {
			t = text(lang, "welcome")
		}
		id := d.add(dsl.KindMessage, st.text, map[string]any{"text": t})
		return []segment{{entry: id, outs: [][2]string{{id, ""}}}}
	case dsl.KindChoice:
		if st.team != "" {
			yes, no := text(lang, "yes"), text(lang, "no")
			id := d.add(dsl.KindChoice, st.text, map[string]any{"text": fmt.Sprintf(text(lang, "offer"), st.team),
				"options": []any{yes, no}, "variable": d.variableFor("connect")})
			h := d.add(dsl.KindHandoff, st.text, map[string]any{"team": st.team, "text": fmt.Sprintf(text(lang, "handoff"), st.team)})
			d.edge(id, yes, h)
			return []segment{{entry: id, outs: [][2]string{{id, no}}}}
		}
		opts := make([]any, len(st.options))
		outs := make([][2]string, len(st.options))
		v := d.variableFor(st.subject)
		q := st.subject
		if !strings.HasSuffix(q, "?") {
			q = d.question(st)
		}
		id := d.add(dsl.KindChoice, st.text, map[string]any{"text": q, "options": opts, "variable": v})
		for i, o := range st.options {
			opts[i], outs[i] = o, [2]string{id, o}
		}
		d.asked = append(d.asked, v)
		return []segment{{entry: id, outs: outs}}
	}
	// A question, or several when a collect step names several details.
	var segs []segment
	items := collected(st.subject)
	if len(items) <= 1 || st.to {
		items = []string{""}
	}
	for _, item := range items {
		var params map[string]any
		var v string
		switch item {
		case "name", "email", "phone":
			v = d.variableFor(map[string]string{"name": map[string]string{"fr": "nom", "en": "name"}[lang], "email": "email", "phone": map[string]string{"fr": "telephone", "en": "phone"}[lang]}[item])
			params = map[string]any{"text": text(lang, "q."+item), "variable": v}
			if item != "name" {
				params["validation"] = item
				params["retry_message"] = text(lang, "retry."+item)
			}
		default:
			val := validationOf(st.subject)
			if one := collected(st.subject); len(one) == 1 && !st.to {
				val = map[string]string{"name": "text", "email": "email", "phone": "phone"}[one[0]]
			}
			v = d.variableFor(st.subject)
			q := d.question(st)
			if val == "date" {
				q = text(lang, "q.date")
			}
			params = map[string]any{"text": q, "variable": v}
			if val != "text" {
				params["validation"] = val
				params["retry_message"] = text(lang, "retry."+val)
			}
		}
		id := d.add(dsl.KindQuestion, st.text, params)
		d.asked = append(d.asked, v)
		segs = append(segs, segment{entry: id, outs: [][2]string{{id, ""}}})
	}
	// Chain the questions of one step.
	for i := 1; i < len(segs); i++ {
		d.edge(segs[i-1].entry, "", segs[i].entry)
	}
	return []segment{{entry: segs[0].entry, outs: segs[len(segs)-1].outs}}
}

// question writes what a question step asks, to the visitor.
func (d *draft) question(st step) string {
	s := you(st.subject, d.lang)
	if strings.HasSuffix(s, "?") {
		return s
	}
	if st.to {
		return fmt.Sprintf(text(d.lang, "ask.to"), s)
	}
	return fmt.Sprintf(text(d.lang, "ask"), s)
}

// confirmation is the end's text: thanks, and what was collected.
func (d *draft) confirmation() string {
	return text(d.lang, "confirm")
}
