package workspace

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Load reads and validates the workspace file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workspace file: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a workspace file; name is the file name
// used in messages. On failure the error is source.Problems, listing every
// problem found.
func Parse(name string, data []byte) (*File, error) {
	var f File
	d, err := parseYAML(name, data, &f)
	if err != nil {
		return nil, err
	}
	d.validate(&f)
	if err := d.Err(); err != nil {
		return nil, err
	}
	f.Warnings = d.warnings(&f)
	f.decoder = d.Decoder
	return &f, nil
}

// MaxInstructionTokens is the size of an AI agent's instructions above
// which apply warns: they are sent with every turn (a 1 MiB text is some
// 300,000 tokens).
const MaxInstructionTokens = 8000

func (d *decoder) warnings(f *File) source.Problems {
	var out source.Problems
	for i, a := range f.AIAgents {
		// A token is at least a byte: shorter texts need no count (nor the
		// tokenizer's tables loaded).
		if len(a.Instructions) <= MaxInstructionTokens {
			continue
		}
		if n := prompts.Tokens(a.Instructions); n > MaxInstructionTokens {
			out = append(out, d.Locate(source.Problem{Path: fmt.Sprintf("ai_agents[%d].instructions", i),
				Message: fmt.Sprintf("the instructions of %q are about %d tokens, sent to the model with every turn (cost, latency, "+
					"and the model's context); keep them under %d — move reference material into a knowledge base", a.Name, n, MaxInstructionTokens)}))
		}
	}
	return out
}

var (
	slugRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	fieldKeyRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	countryRe  = regexp.MustCompile(`^[A-Za-z]{2}$`)
	langRe     = regexp.MustCompile(`^[a-z]{2}$`)
	hostRe     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// names checks a list of names for emptiness and duplicates (ignoring case
// and accents) and returns the set of names.
func (d *decoder) names(kind string, n int, name func(i int) (string, string)) []string {
	seen := map[string]int{}
	var out []string
	for i := range n {
		v, path := name(i)
		if strings.TrimSpace(v) == "" {
			d.missing(path, "%s needs a name", kind)
			continue
		}
		if j, dup := seen[suggest.Fold(v)]; dup {
			_, other := name(j)
			d.at(path, "%s %q is defined twice (also at %s); names must be unique", kind, v, other)
			continue
		}
		seen[suggest.Fold(v)] = i
		out = append(out, v)
	}
	return out
}

// ref checks that value is one of valid, exactly.
func (d *decoder) ref(path, kind, value string, valid []string) {
	if slices.Contains(valid, value) {
		return
	}
	msg := fmt.Sprintf("%q is not a %s of this workspace", value, kind)
	if c := suggest.Close(value, valid); c != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", c)
	}
	d.at(path, "%s; valid: %s", msg, suggest.List(suggest.Nearest(value, valid), 10))
}

func (d *decoder) oneOf(path, what, value string, valid []string) {
	if !slices.Contains(valid, value) {
		d.at(path, "%s %q is not valid; use one of: %s", what, value, strings.Join(valid, ", "))
	}
}

func (d *decoder) validate(f *File) {
	h := f.Workspace
	if h.Slug == "" {
		d.missing("workspace.slug", "every workspace file needs `workspace.slug` (lower-case letters, digits and dashes), its key in the store")
	} else if !slugRe.MatchString(h.Slug) {
		d.at("workspace.slug", "%q is not a valid slug: use lower-case letters, digits and dashes, e.g. \"salon\"", h.Slug)
	}
	if c := h.Settings.DefaultCountry; c != "" && !countryRe.MatchString(c) {
		d.at("workspace.settings.default_country", "%q is not a country code; use a two-letter ISO 3166 code such as FR, BE, CA or US", c)
	}
	for i, r := range h.Settings.EmailRecipients {
		domain, isDomain := strings.CutPrefix(r, "@")
		switch addr, err := mail.ParseAddress(r); {
		case isDomain && hostRe.MatchString(strings.ToLower(domain)) && strings.Contains(domain, "."):
		case !isDomain && err == nil && addr.Address == r:
		default:
			d.at(fmt.Sprintf("workspace.settings.email_recipients[%d]", i),
				"%q is neither an e-mail address (planning@salon.fr) nor a domain written @salon.fr", r)
		}
	}
	d.httpActions(h.Settings.HTTPActions)
	for i, o := range h.Settings.WidgetOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			d.at(fmt.Sprintf("workspace.settings.widget_origins[%d]", i),
				"%q is not a web origin; write the scheme and host (and port) of the site, e.g. https://salon.fr or http://localhost:3000", o)
		}
	}
	if sec := h.Settings.IdentitySecret; sec != "" {
		if name, ok := strings.CutPrefix(sec, "env:"); ok {
			if !envNameRe.MatchString(name) {
				d.at("workspace.settings.identity_secret", "%q is not an environment variable name; write env:NAME, e.g. env:SALON_IDENTITY_SECRET", name)
			}
		} else if len(sec) < 16 {
			d.at("workspace.settings.identity_secret", "the identity secret is %d characters long; use at least 16 random characters (or env:NAME to read it from the environment)", len(sec))
		}
	}
	for i, e := range h.Settings.HTTPAllowlist {
		if _, err := tools.ParseAllowEntry(e); err != nil {
			d.at(fmt.Sprintf("workspace.settings.http_allowlist[%d]", i), "%v", err)
		}
	}
	if c := h.Settings.CRM; c != nil {
		if u, err := url.Parse(c.URL); c.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			d.at("workspace.settings.crm.url", "%q is not an http(s) URL; give the CRM endpoint contacts are posted to, e.g. https://crm.example.com/contacts", c.URL)
		}
	}
	if strings.TrimSpace(h.Name) == "" {
		d.missing("workspace.name", "give the workspace a display name")
	}

	var emails []string
	seenEmail := map[string]int{}
	for i, u := range f.Users {
		p := fmt.Sprintf("users[%d]", i)
		switch addr, err := mail.ParseAddress(u.Email); {
		case u.Email == "":
			d.missing(p+".email", "a user needs an email (it is their key)")
		case err != nil || addr.Address != u.Email:
			d.at(p+".email", "%q is not a valid email address", u.Email)
		}
		if j, dup := seenEmail[strings.ToLower(u.Email)]; dup && u.Email != "" {
			d.at(p+".email", "user %q is defined twice (also at users[%d].email); emails must be unique", u.Email, j)
		}
		seenEmail[strings.ToLower(u.Email)] = i
		emails = append(emails, u.Email)
		if strings.TrimSpace(u.Name) == "" {
			d.missing(p+".name", "a user needs a name")
		}
		if u.Availability != "" {
			d.oneOf(p+".availability", "availability", u.Availability, avail())
		}
	}

	teamNames := d.names("team", len(f.Teams), func(i int) (string, string) { return f.Teams[i].Name, fmt.Sprintf("teams[%d].name", i) })
	if t := h.Settings.FallbackTeam; t != "" {
		d.ref("workspace.settings.fallback_team", "team", t, teamNames)
	}
	langs := make([]string, 0, len(h.Settings.FallbackMessages))
	for l := range h.Settings.FallbackMessages {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		p := "workspace.settings.fallback_messages." + l
		if !langRe.MatchString(l) {
			d.at(p, "%q is not a language code; use a two-letter code such as fr or en", l)
		}
		if strings.TrimSpace(h.Settings.FallbackMessages[l]) == "" {
			d.at(p, "the fallback text is empty; write what the visitor reads when the AI agent or a flow fails, or remove the entry")
		}
	}
	for i, t := range f.Teams {
		seen := map[string]bool{}
		for j, m := range t.Members {
			p := fmt.Sprintf("teams[%d].members[%d]", i, j)
			if seen[m] {
				d.at(p, "%q is listed twice in team %q", m, t.Name)
			}
			seen[m] = true
			d.ref(p, "user email", m, emails)
		}
	}

	kbs := d.names("knowledge base", len(f.KnowledgeBases), func(i int) (string, string) {
		return f.KnowledgeBases[i].Name, fmt.Sprintf("knowledge_bases[%d].name", i)
	})
	for i, kb := range f.KnowledgeBases {
		if kb.Language != "" {
			d.oneOf(fmt.Sprintf("knowledge_bases[%d].language", i), "language", kb.Language, store.KnowledgeBaseLanguages)
		}
	}

	d.names("AI agent", len(f.AIAgents), func(i int) (string, string) { return f.AIAgents[i].Name, fmt.Sprintf("ai_agents[%d].name", i) })
	for i, a := range f.AIAgents {
		p := fmt.Sprintf("ai_agents[%d]", i)
		if strings.TrimSpace(a.Instructions) == "" {
			d.missing(p+".instructions", "write the agent's instructions in prose")
		}
		if t := a.Model.Temperature; t != nil && (*t < store.MinTemperature || *t > store.MaxTemperature) {
			d.at(p+".model.temperature", "%g is out of range; use a number from %g to %g (lower is steadier)", *t,
				store.MinTemperature, store.MaxTemperature)
		}
		switch n := a.Model.MaxOutputTokens; {
		case n < 0:
			d.at(p+".model.max_output_tokens", "%d is negative; use a positive number of tokens up to %d, or leave it out", n, store.MaxOutputTokens)
		case n > store.MaxOutputTokens:
			d.at(p+".model.max_output_tokens", "%d is more than the maximum of %d tokens; use %d or less", n, store.MaxOutputTokens, store.MaxOutputTokens)
		}
		for j, act := range a.Actions {
			ap := fmt.Sprintf("%s.actions[%d]", p, j)
			if names := append(tools.Names(), httpActionNames(f)...); !slices.Contains(names, act) {
				msg := fmt.Sprintf("%q is not an action", act)
				humans := false
				if a := tools.Named(act); a != nil && a.HumansOnly {
					msg, humans = fmt.Sprintf("%q is an action only human agents take (from the inbox); an AI agent cannot be given it", act), true
				}
				if c := suggest.Close(act, names); c != "" && !humans {
					msg += fmt.Sprintf(" (did you mean %q?)", c)
				}
				d.at(ap, "%s; valid actions: %s", msg, strings.Join(names, ", "))
			}
		}
		for j, kb := range a.KnowledgeBases {
			d.ref(fmt.Sprintf("%s.knowledge_bases[%d]", p, j), "knowledge base", kb, kbs)
		}
		if k := a.Knowledge; k.TopK < 0 || k.TopK > tools.MaxTopK {
			d.at(p+".knowledge.top_k", "%d is out of range; use 1 to %d passages", k.TopK, tools.MaxTopK)
		}
		if k := a.Knowledge; (k.Ground || k.MessageBefore != "") && len(a.KnowledgeBases) == 0 {
			d.at(p+".knowledge", "the agent has no knowledge_bases to ground its answers in or to search")
		}
	}

	seenKey := map[string]int{}
	d.names("contact field", len(f.ContactFields), func(i int) (string, string) {
		return f.ContactFields[i].Name, fmt.Sprintf("contact_fields[%d].name", i)
	})
	for i, cf := range f.ContactFields {
		p := fmt.Sprintf("contact_fields[%d]", i)
		switch {
		case cf.ID == "":
			d.missing(p+".id", "a contact field needs a stable id, used in instructions and templates as $contact.<id>")
		case !fieldKeyRe.MatchString(cf.ID):
			d.at(p+".id", "%q is not a valid field id: start with a letter, then letters, digits or _ (e.g. bookingdate)", cf.ID)
		case slices.Contains(tools.ReservedFieldIDs, strings.ToLower(cf.ID)):
			d.at(p+".id", "%q is the contact's own attribute ($contact.%s), so a custom field with that id would never be read; "+
				"use another id (e.g. %s_2, or work_%s); reserved ids: %s", cf.ID, strings.ToLower(cf.ID), strings.ToLower(cf.ID),
				strings.ToLower(cf.ID), strings.Join(tools.ReservedFieldIDs, ", "))
		}
		if j, dup := seenKey[strings.ToLower(cf.ID)]; dup && cf.ID != "" {
			d.at(p+".id", "field id %q is defined twice (also at contact_fields[%d].id); ids must be unique", cf.ID, j)
		}
		seenKey[strings.ToLower(cf.ID)] = i
		if cf.Type == "" {
			d.missing(p+".type", "use one of %s", fieldTypes())
		} else if !store.FieldType(cf.Type).Valid() {
			msg := fmt.Sprintf("%q is not a field type", cf.Type)
			if c := suggest.Close(cf.Type, fieldTypesList()); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			d.at(p+".type", "%s; use one of %s", msg, fieldTypes())
		}
		if cf.Type == string(store.FieldSelect) && len(cf.Options) == 0 {
			d.missing(p+".options", "a select field needs options: the values a contact may have")
		}
		if cf.Type != string(store.FieldSelect) && len(cf.Options) > 0 {
			d.at(p+".options", "only select fields have options; this field's type is %q", cf.Type)
		}
	}

	stages := d.names("lifecycle stage", len(f.LifecycleStages), func(i int) (string, string) {
		return f.LifecycleStages[i], fmt.Sprintf("lifecycle_stages[%d]", i)
	})
	if s := h.Settings.DefaultLifecycleStage; s != "" {
		d.ref("workspace.settings.default_lifecycle_stage", "lifecycle stage", s, stages)
	}
	for _, l := range []struct {
		key, kind string
		list      []Label
	}{{"closing_notes", "closing note", f.ClosingNotes}, {"tags", "tag", f.Tags}, {"classifications", "classification", f.Classifications}} {
		d.names(l.kind, len(l.list), func(i int) (string, string) { return l.list[i].Name, fmt.Sprintf("%s[%d]", l.key, i) })
	}
	d.responseRules(f.ResponseRules, entityNames(f))
}

// entityNames lists what the file defines, by the kind of entity an
// action argument names (tools.RefTeam…).
func entityNames(f *File) map[string][]string {
	refs := map[string][]string{}
	for _, u := range f.Users {
		refs[tools.RefUser] = append(refs[tools.RefUser], u.Name, u.Email)
	}
	for _, t := range f.Teams {
		refs[tools.RefTeam] = append(refs[tools.RefTeam], t.Name)
	}
	refs[tools.RefUserOrTeam] = append(slices.Clone(refs[tools.RefTeam]), refs[tools.RefUser]...)
	for _, a := range f.AIAgents {
		refs[tools.RefAIAgent] = append(refs[tools.RefAIAgent], a.Name)
	}
	refs[tools.RefStage] = slices.Clone(f.LifecycleStages)
	for _, l := range f.Tags {
		refs[tools.RefTag] = append(refs[tools.RefTag], l.Name)
	}
	for _, l := range f.ClosingNotes {
		refs[tools.RefClosingNote] = append(refs[tools.RefClosingNote], l.Name)
	}
	for _, cf := range f.ContactFields {
		refs[tools.RefContactField] = append(refs[tools.RefContactField], cf.ID, cf.Name)
	}
	return refs
}

// envNameRe is what an environment variable name may be.
var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// matchModes are the match modes of response rules (dsl.MatchModes; not
// imported, to keep workspace files free of the flow runtime).
var matchModes = []string{"contains", "exact", "regex"}

func (d *decoder) responseRules(rules []ResponseRule, refs map[string][]string) {
	d.names("response rule", len(rules), func(i int) (string, string) { return rules[i].Name, fmt.Sprintf("response_rules[%d].name", i) })
	names := tools.Names()
	for i, r := range rules {
		p := fmt.Sprintf("response_rules[%d]", i)
		if len(r.Keywords) == 0 {
			d.missing(p+".keywords", "the words that trigger the reply, e.g. [horaires, ouvert]")
		}
		if r.Match != "" && !slices.Contains(matchModes, r.Match) {
			msg := fmt.Sprintf("%q is not a match mode", r.Match)
			if c := suggest.Close(r.Match, matchModes); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			d.at(p+".match", "%s; use one of: %s", msg, strings.Join(matchModes, ", "))
		}
		for j, k := range r.Keywords {
			kp := fmt.Sprintf("%s.keywords[%d]", p, j)
			if strings.TrimSpace(k) == "" {
				d.at(kp, "an empty keyword would match every message; remove it")
			} else if r.Match == "regex" {
				if _, err := regexp.Compile("(?i)" + k); err != nil {
					d.at(kp, "%q is not a valid regular expression: %v", k, err)
				}
			}
		}
		if strings.TrimSpace(r.Reply) == "" {
			d.missing(p+".reply", "the reply to send, e.g. \"Nous sommes ouverts du mardi au samedi, de 9 h à 19 h.\"")
		}
		for j, a := range r.Actions {
			ap := fmt.Sprintf("%s.actions[%d]", p, j)
			act := tools.Named(a.Action)
			if act == nil {
				if a.Action == "" {
					d.missing(ap+".action", "the action to run, one of: %s", strings.Join(names, ", "))
					continue
				}
				msg := fmt.Sprintf("%q is not an action", a.Action)
				if c := suggest.Close(a.Action, names); c != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", c)
				}
				d.at(ap+".action", "%s; valid actions: %s", msg, strings.Join(names, ", "))
				continue
			}
			valid := argumentNames(act)
			keys := make([]string, 0, len(a.Args))
			for k := range a.Args {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			misnamed := false
			for _, k := range keys {
				if !slices.Contains(valid, k) {
					misnamed = true
					msg := fmt.Sprintf("%s has no argument %q", a.Action, k)
					if c := suggest.Close(k, valid); c != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", c)
					}
					d.at(ap+".args."+k, "%s; its arguments: %s", msg, strings.Join(valid, ", "))
				}
			}
			if !misnamed { // the values are checked once the names are right
				d.ruleArgs(ap, act, a.Args, refs)
			}
		}
	}
}

// ruleArgs checks a rule action's argument values as a flow's action block
// is checked: against the action's schema (what Execute would refuse at
// the visitor's message) and, for the arguments that name a workspace
// entity, against the file. Values with {{variables}} are known only at
// run time.
func (d *decoder) ruleArgs(ap string, act *tools.Action, args map[string]any, refs map[string][]string) {
	for _, pr := range act.Check(args) {
		path := ap + ".args"
		if pr.Path != "" {
			path += "." + strings.ReplaceAll(pr.Path, "/", ".")
		}
		msg := pr.Message
		if len(pr.Valid) > 0 {
			v, _ := args[pr.Path].(string)
			if c := suggest.Close(v, pr.Valid); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			msg += "; valid: " + strings.Join(pr.Valid, ", ")
		}
		d.at(path, "%s", msg)
	}
	for _, p := range act.Params() {
		if p.Ref == "" {
			continue
		}
		v, ok := args[p.Name].(string)
		if !ok || strings.TrimSpace(v) == "" || strings.Contains(v, "{{") || tools.Known(v, refs[p.Ref]) {
			continue
		}
		valid := refs[p.Ref]
		msg := fmt.Sprintf("%q is not a %s of this workspace", v, p.Ref)
		if c := suggest.Close(v, valid); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		if len(valid) == 0 {
			d.at(ap+".args."+p.Name, "%s; the file defines none", msg)
			continue
		}
		d.at(ap+".args."+p.Name, "%s; valid: %s", msg, suggest.List(suggest.Nearest(v, valid), 10))
	}
}

// argumentNames lists an action's arguments, sorted.
func argumentNames(a *tools.Action) []string {
	var out []string
	for _, p := range a.Params() {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func avail() []string {
	out := make([]string, len(store.Availabilities))
	for i, a := range store.Availabilities {
		out[i] = string(a)
	}
	return out
}

func fieldTypesList() []string {
	out := make([]string, len(store.FieldTypes))
	for i, t := range store.FieldTypes {
		out[i] = string(t)
	}
	return out
}

func fieldTypes() string { return strings.Join(fieldTypesList(), ", ") }

var (
	identRe    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	methods    = []string{"GET", "POST", "PUT", "DELETE"}
	reservedVa = []string{"contact", "conversation", "workspace", "message", "http", "error"}
)

// httpActionNames lists the file's named HTTP actions.
func httpActionNames(f *File) []string {
	var out []string
	for _, a := range f.Workspace.Settings.HTTPActions {
		out = append(out, a.Name)
	}
	return out
}

// httpActions checks the named HTTP actions: a tool name of their own, a
// method, an http(s) URL, and templates that name only declared
// parameters or the contact, conversation and workspace.
func (d *decoder) httpActions(actions []store.HTTPAction) {
	seen := map[string]int{}
	for i, a := range actions {
		p := fmt.Sprintf("workspace.settings.http_actions[%d]", i)
		switch {
		case a.Name == "":
			d.missing(p+".name", "the tool name the AI agent calls, in snake_case, e.g. check_order_status")
		case !identRe.MatchString(a.Name):
			d.at(p+".name", "%q is not a tool name: use lower-case letters, digits and _, starting with a letter", a.Name)
		case tools.Named(a.Name) != nil:
			d.at(p+".name", "%q is a built-in action; give the named HTTP action its own name", a.Name)
		}
		if j, dup := seen[a.Name]; dup && a.Name != "" {
			d.at(p+".name", "%q is defined twice (also at workspace.settings.http_actions[%d])", a.Name, j)
		}
		seen[a.Name] = i
		if strings.TrimSpace(a.Description) == "" {
			d.missing(p+".description", "tell the model what the call does and when to make it")
		}
		if !slices.Contains(methods, a.Method) {
			d.at(p+".method", "%q is not a method; use one of: %s", a.Method, strings.Join(methods, ", "))
		}
		if u, err := url.Parse(strings.Split(a.URL, "{{")[0]); a.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			d.at(p+".url", "%q is not an http(s) URL; write it in full, e.g. https://api.example.com/orders/{{order_id}}", a.URL)
		}
		declared := []string{}
		for j, prm := range a.Parameters {
			pp := fmt.Sprintf("%s.parameters[%d].name", p, j)
			switch {
			case !identRe.MatchString(prm.Name):
				d.at(pp, "%q is not a parameter name: use lower-case letters, digits and _", prm.Name)
			case slices.Contains(reservedVa, prm.Name):
				d.at(pp, "%q is a template variable of its own ({{%s.…}}); name the parameter otherwise", prm.Name, prm.Name)
			}
			declared = append(declared, prm.Name)
		}
		texts := map[string]string{p + ".url": a.URL, p + ".body": a.Body}
		for k, v := range a.Headers {
			texts[p+".headers."+k] = v
		}
		paths := make([]string, 0, len(texts))
		for k := range texts {
			paths = append(paths, k)
		}
		slices.Sort(paths)
		for _, path := range paths {
			for _, ph := range tools.Placeholders(texts[path]) {
				root, _, _ := strings.Cut(ph, ".")
				if slices.Contains(declared, root) || slices.Contains([]string{"contact", "conversation", "workspace"}, root) {
					continue
				}
				d.at(path, "{{%s}} is neither a declared parameter (%s) nor contact, conversation or workspace", ph,
					strings.Join(declared, ", "))
			}
		}
	}
}
