package generate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/tools"
)

func stripAccents(s string) string { return suggest.StripAccents(s) }

// actionVerbs start a step that is an action rather than a question or a
// message (folded).
var actionVerbs = []string{"notifier", "notify", "envoyer", "send", "taguer", "tagger", "etiqueter", "tag", "ajouter le tag",
	"assigner", "assign", "attribuer", "transferer", "transfer", "mettre a jour", "update", "creer", "create", "fermer",
	"clore", "close", "rediriger", "redirect", "notification"}

func isActionVerb(s string) bool {
	_, ok := cutVerb(s, actionVerbs)
	return ok
}

var (
	urlRe  = regexp.MustCompile(`https?://\S+`)
	teamRe = regexp.MustCompile(`(?i)(?:l['’]\s*)?[ée]quipe\s+(?:de\s+|du\s+|des\s+|d['’]\s*)?(.+)$|(?:the\s+)?(.+?)\s+team\b|team\s+(.+)$`)
)

// teamName reads the team a text names: « à l'Équipe de Planification »
// (capitalised: kept as written), « l'équipe de support » → "Support",
// "the support team" → "Support", "to Sales" → "Sales".
func teamName(s, lang string) string {
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	if q := keywordsQuoted(s); q != "" {
		return q
	}
	// Cut at the preposition that introduces the team.
	f := fold(s)
	for _, p := range []string{" a l'", " a l’", " avec l'", " avec l’", " a ", " avec ", " to the ", " with the ", " to ", " with "} {
		if i := strings.LastIndex(f, p); i >= 0 {
			r := []rune(s)
			s = strings.TrimSpace(string(r[len([]rune(f[:i]))+len([]rune(p)):]))
			if strings.HasSuffix(p, "'") || strings.HasSuffix(p, "’") {
				if r := []rune(s); len(r) > 0 && strings.ToUpper(string(r[0])) == string(r[0]) {
					return s // « à l'Équipe de Planification »
				}
				s = "l'" + s
			}
			break
		}
	}
	if s == "" {
		return ""
	}
	first := []rune(s)[0]
	if strings.ToUpper(string(first)) == string(first) && !strings.HasPrefix(fold(s), "l'") {
		return s // « Équipe de Planification », "Sales": a name as written
	}
	if m := teamRe.FindStringSubmatch(s); m != nil {
		for _, g := range m[1:] {
			if g = strings.TrimSpace(g); g != "" {
				s = g
				break
			}
		}
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "l'"), "l’")
	if s == "" || fold(s) == "votre" || fold(s) == "your" {
		return ""
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func keywordsQuoted(s string) string {
	if m := quotedRe.FindStringSubmatch(s); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				return g
			}
		}
	}
	return ""
}

// after returns what follows the last of words in s ("" when none).
func after(s string, words []string) string {
	f := fold(s)
	best := -1
	size := 0
	for _, w := range words {
		if i := strings.LastIndex(f, w); i > best {
			best, size = i, len([]rune(w))
		}
	}
	if best < 0 {
		return ""
	}
	r := []rune(s)
	start := len([]rune(f[:best])) + size
	if start > len(r) {
		return ""
	}
	return strings.Trim(strings.TrimSpace(string(r[start:])), ".:«»\"")
}

// action maps an action line to an action node of the catalogue
// (tools.Names), or reports why it cannot.
func (d *draft) action(line int, body string) (segment, bool) {
	f := " " + strings.Join(splitWords(body), " ") + " "
	lang := d.lang
	var at string
	params := map[string]any{}
	switch {
	case strings.Contains(f, " crm "):
		at = tools.CRMUpsert
	case containsAny(f, []string{" courriel", " email", " e mail ", " mail "}):
		at = tools.SendEmail
		d.f.Variables = map[string]any{"team_email": text(lang, "notify.address")}
		d.f.Description = strings.TrimSpace(d.f.Description + " " + map[string]string{
			"fr": "(Mettez l'adresse de votre équipe dans la variable team_email.)",
			"en": "(Put your team's address in the variable team_email.)"}[lang])
		var list []string
		for _, v := range d.asked {
			list = append(list, fmt.Sprintf("%s : {{%s}}", v, v))
		}
		params["to"] = "{{team_email}}"
		params["subject"] = fmt.Sprintf(text(lang, "email.subject"), cmpOr(d.f.Name, d.f.ID))
		params["body"] = fmt.Sprintf(text(lang, "email.body"), "{{contact.name}}", cmpOr(d.f.Name, d.f.ID), strings.Join(list, "\n"))
	case containsAny(f, []string{" tag ", " taguer ", " tagger ", " etiquet", " etiquette ", " label "}):
		at = tools.TagContact
		tag := keywordsQuoted(body)
		if tag == "" {
			w := strings.Fields(body)
			tag = strings.Trim(w[len(w)-1], ".«»\"")
		}
		params["tag"] = tag
	case containsAny(f, []string{" cycle de vie ", " etape de vie ", " stage ", " lifecycle ", " statut "}):
		at = tools.UpdateLifecycleStage
		stage := keywordsQuoted(body)
		if stage == "" {
			stage = after(body, []string{" à ", " a ", " en ", " to "})
		}
		if stage == "" {
			d.problem(line, "which lifecycle stage? write it after « à » / \"to\", e.g. « Passer le stage de vie à Lead Qualifié »")
			return segment{}, false
		}
		params["stage"] = stage
	case containsAny(f, []string{" assign", " attribuer ", " transferer ", " transfer "}):
		at = tools.Assign
		team := teamName(body, lang)
		if team == "" {
			d.problem(line, "which team? name it, e.g. « Assigner à l'équipe Ventes » or \"Assign to the Sales team\"")
			return segment{}, false
		}
		params["team"] = team
	case containsAny(f, []string{" tache ", " task "}):
		at = tools.CreateTask
		params["title"] = text(lang, "task.title")
		params["description"] = body
	case containsAny(f, []string{" fermer ", " clore ", " close "}):
		at = tools.CloseConversation
	case urlRe.MatchString(body):
		at = dsl.ActionRedirect
		params["url"] = strings.TrimRight(urlRe.FindString(body), ".,)")
	default:
		d.problem(line, "cannot map action %q to the action catalogue: say what it does — a notification by e-mail (send_email), "+
			"the CRM (crm_upsert), a tag (tag_contact), a lifecycle stage (update_lifecycle_stage), assigning to a team "+
			"(assign), a task (create_task), closing (close_conversation), a link (redirect); the catalogue: %s",
			body, strings.Join(tools.Names(), ", "))
		return segment{}, false
	}
	params["action_type"] = at
	id := d.add(dsl.KindAction, body, params)
	return segment{entry: id, outs: [][2]string{{id, ""}}}, true
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
