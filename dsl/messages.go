package dsl

// Texts the interpreter sends when the flow does not say, by workspace
// language (English when the language has none).
var (
	// DefaultExitWords leave a flow when they are the visitor's whole
	// message (seed 001: always give an exit).
	DefaultExitWords = []string{"stop", "annuler", "quitter", "arrêter", "cancel", "quit", "exit"}

	defaultExit = map[string]string{
		"fr": "D'accord, on s'arrête là. N'hésitez pas si vous avez une autre question.",
		"en": "Alright, let's stop here. Feel free to ask if you have another question.",
	}
	defaultFallback = map[string]string{
		"fr": "Désolé, une erreur est survenue. Un membre de l'équipe va reprendre votre demande.",
		"en": "Sorry, something went wrong. A member of the team will follow up on your request.",
	}
	retryHints = map[string]map[string]string{
		"fr": {
			"text":   "Je n'ai pas reçu de réponse. Pouvez-vous répondre ?",
			"email":  "Cette adresse e-mail ne semble pas valide. Pouvez-vous la vérifier ? (par exemple marie@exemple.fr)",
			"phone":  "Ce numéro de téléphone ne semble pas valide. Pouvez-vous le vérifier ? (par exemple 06 12 34 56 78)",
			"number": "J'attends un nombre (par exemple 150). Pouvez-vous le préciser ?",
			"date":   "Je n'ai pas compris la date. Pouvez-vous l'écrire comme 05/12/2026 ?",
			"regex":  "Cette réponse n'a pas le format attendu. Pouvez-vous la vérifier ?",
			"choice": "Je n'ai pas compris votre choix. Répondez par le numéro ou le nom d'une option :",
		},
		"en": {
			"text":   "I did not get an answer. Could you reply?",
			"email":  "That email address does not look valid. Could you check it? (e.g. alex@example.com)",
			"phone":  "That phone number does not look valid. Could you check it? (e.g. +1 415 555 0100)",
			"number": "I need a number (e.g. 150). Could you give one?",
			"date":   "I did not understand the date. Could you write it like 2026-12-05?",
			"regex":  "That answer is not in the expected form. Could you check it?",
			"choice": "I did not understand your choice. Reply with the number or the name of an option:",
		},
	}
)

func byLanguage(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	return m["en"]
}

func retryHint(lang, validation string) string {
	hints, ok := retryHints[lang]
	if !ok {
		hints = retryHints["en"]
	}
	if validation == "" {
		validation = "text"
	}
	return hints[validation]
}
