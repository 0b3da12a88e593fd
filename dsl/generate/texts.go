package generate

// texts are the visitor-facing texts the generators and Finish write, by
// language; "fr" is the default.
var texts = map[string]map[string]string{
	"fr": {
		"end.label":      "Fin",
		"end.text":       "Merci, à bientôt !",
		"exit.label":     "Sortie",
		"exit.text":      "Pas de souci, je m'arrête là. Écrivez-nous quand vous voulez.",
		"welcome":        "Bonjour ! Je vais vous aider. Vous pouvez écrire « annuler » à tout moment pour arrêter.",
		"ask":            "Pouvez-vous m'indiquer %s ?",
		"ask.to":         "Pouvez-vous %s ?",
		"q.name":         "Quel est votre nom ?",
		"q.email":        "Quelle est votre adresse courriel ?",
		"q.phone":        "Quel numéro de téléphone pour vous joindre ?",
		"q.date":         "Quelle date vous conviendrait ? (par exemple 05/12/2026)",
		"retry.email":    "Cette adresse ne semble pas valide. Écrivez-la comme nom@exemple.fr, s'il vous plaît.",
		"retry.phone":    "Ce numéro ne semble pas valide. Écrivez-le comme +33 6 12 34 56 78, s'il vous plaît.",
		"retry.date":     "Je n'ai pas compris la date. Écrivez-la comme 05/12/2026, s'il vous plaît.",
		"retry.number":   "Indiquez un nombre, s'il vous plaît.",
		"confirm":        "Merci ! Votre demande est bien enregistrée, nous revenons vers vous très vite.",
		"offer":          "Souhaitez-vous que je vous mette en relation avec l'équipe %s ?",
		"yes":            "Oui",
		"no":             "Non",
		"handoff":        "Je vous mets en relation avec l'équipe %s.",
		"email.subject":  "Nouvelle demande : %s",
		"email.body":     "%s a fait une demande (%s) :\n%s",
		"notify.address": "equipe@exemple.fr",
		"task.title":     "Suivre la demande de {{contact.name}}",
	},
	"en": {
		"end.label":      "End",
		"end.text":       "Thank you, goodbye!",
		"exit.label":     "Exit",
		"exit.text":      "No problem, I'll stop here. Write to us any time.",
		"welcome":        "Hello! I'll help you with that. You can type \"stop\" at any time to leave.",
		"ask":            "Could you tell me %s?",
		"ask.to":         "Could you %s?",
		"q.name":         "What is your name?",
		"q.email":        "What is your email address?",
		"q.phone":        "What phone number can we reach you on?",
		"q.date":         "Which date would suit you? (for example 2026-12-05)",
		"retry.email":    "That address does not look valid. Please write it like name@example.com.",
		"retry.phone":    "That number does not look valid. Please write it like +1 555 123 4567.",
		"retry.date":     "I did not understand the date. Please write it like 2026-12-05.",
		"retry.number":   "Please give a number.",
		"confirm":        "Thank you! Your request is registered; we will get back to you shortly.",
		"offer":          "Would you like me to connect you with the %s team?",
		"yes":            "Yes",
		"no":             "No",
		"handoff":        "I'm connecting you with the %s team.",
		"email.subject":  "New request: %s",
		"email.body":     "%s made a request (%s):\n%s",
		"notify.address": "team@example.com",
		"task.title":     "Follow up {{contact.name}}'s request",
	},
}

// text returns the text of key in lang (French when lang has none).
func text(lang, key string) string {
	if t, ok := texts[lang][key]; ok {
		return t
	}
	return texts["fr"][key]
}
