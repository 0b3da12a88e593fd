package lint

import (
	"regexp"

	"github.com/causerie/causerie/tools"
)

// The lexicon: French and English wordings of the actions, the cues that
// introduce a name, and the words of seed 002's pitfalls. Every pattern
// matches the folded text (lower case, no accents, plain apostrophes).

// reply is the pseudo-action of saying something to the contact: it is
// not a tool, but its place after a hand-off or with a time matters.
const reply = "reply"

// actionPatterns find the mentions of each action. Order matters where
// two patterns could match the same words: the first wins.
var actionPatterns = []struct {
	action string
	re     *regexp.Regexp
}{
	{tools.Unassign, regexp.MustCompile(`\b(?:desassign|desattribu|unassign|de-assign)\w*|\bretir\w*\s+l'assignation\b|\bremove\s+the\s+assignment\b|\bunassign_conversation\b`)},
	{tools.CloseConversation, regexp.MustCompile(`\b(?:ferm|clotur)\w*(?:-la)?\s+(?:la\s+|cette\s+|ta\s+)?(?:conversation|discussion)\b|\bclos(?:e|es|ed|ing)\s+(?:the\s+|this\s+)?(?:conversation|chat|ticket)\b|\bclose_conversation\b`)},
	{tools.Assign, regexp.MustCompile(`\b(?:re)?(?:assign|attribu)(?:e|er|es|ez|ed|ing|s)?\b|\btransf[e]r\w*\s+(?:la\s+conversation|the\s+conversation|the\s+chat|a|au|to)\b|\bescalad\w*|\bescalat\w*|\bhand(?:s|ed|ing)?\s+(?:it\s+|the\s+conversation\s+|them\s+)?(?:off|over)\b|\bpass\w*\s+la\s+main\b`)},
	{tools.UpdateLifecycleStage, regexp.MustCompile(`\b(?:stage|stade|etape)s?\s+(?:de\s+(?:la\s+)?vie|du\s+cycle\s+de\s+vie)\b|\blifecycle(?:\s+stage)?\b|\bupdate_lifecycle_stage\b`)},
	{tools.CreateTask, regexp.MustCompile(`\b(?:cree|creer|creez|create|creates|add|ajoute|ajouter|ouvre|open)\s+(?:une\s+|un\s+|a\s+|la\s+|the\s+|an\s+)?(?:nouvelle\s+|new\s+|follow-up\s+|sales\s+)?(?:tache|task)\b|\btache\s+commerciale\b|\bcreate_task\b`)},
	{tools.SendEmail, regexp.MustCompile(`\b(?:envoi|envoy|send|sends|ecri|write)\w*\s+(?:[\w'-]+\s+){0,4}?(?:e-?mails?|courriels?|mails?)\b|\bnotification\s+par\s+(?:e-?mail|courriel)\b|\bsend_email\b`)},
	{tools.HTTPRequest, regexp.MustCompile(`\bhttp_request\b|\b(?:appel\w*|call\w*|interroge\w*|query|queries)\s+(?:l'|le\s+|la\s+|the\s+|our\s+|notre\s+)?(?:api|webhook|endpoint|url|service\s+web)\b|\b(?:get|post|put|patch|delete)\s+https?://`)},
	{tools.CRMUpsert, regexp.MustCompile(`\bcrm(?:_upsert)?\b`)},
	{tools.TagContact, regexp.MustCompile(`\b(?:tag|tags|tague|taguer|tagge|tagger|tagged)\b|\betiquet\w*|\btag_contact\b`)},
	{tools.UpdateContactFields, regexp.MustCompile(`\b(?:enregistr|sauvegard|stock)\w*|\b(?:save|saves|store|stores|record|records)\b|\bmets?\s+a\s+jour\s+(?:le|les)\s+champs?\b|\bupdate\s+(?:the\s+)?(?:contact\s+)?fields?\b|\bupdate_contact_fields\b|\bchamps?\b|\bfields?\b`)},
	{tools.SearchKnowledge, regexp.MustCompile(`\bsearch_knowledge\b|\bbases?\s+de\s+connaissances?\b|\bknowledge\s+bases?\b`)},
	{reply, regexp.MustCompile(`\b(?:reponds?|repondre|repondez|dis-lui|dites|dis|dire|informe\w*|indique\w*|previen\w*|remercie\w*|relance\w*|recontacte\w*|rappelle\w*|reply|replies|respond\w*|answer|tell|say|says|thank|follow\s+up|remind\w*)\b|\blet\s+(?:them|him|her|the\s+\w+)\s+know\b`)},
}

// negatedRe matches the end of the words before a negated action ("ne
// ferme pas", "do not close", "never assign").
var negatedRe = regexp.MustCompile(`(?:\bne\s+(?:\w+\s+)?|\bn'|\bdo\s+not\s+|\bdon't\s+|\bdoes\s+not\s+|\bnever\s+|\bnot\s+|\bjamais\s+|\bsans\s+|\bwithout\s+|\bni\s+)$`)

// Cues that introduce a name, ending where the name starts.
var (
	stageCue = regexp.MustCompile(`\b(?:stage|stade|etape)s?\s+(?:de\s+(?:la\s+)?vie|du\s+cycle\s+de\s+vie)(?:\s+du\s+(?:contact|client))?\s*(?:a|en|au|vers|sur|:|=)\s+|\blifecycle(?:\s+stage)?(?:\s+of\s+the\s+(?:contact|customer|lead))?\s*(?:to|as|into|:|=)\s+`)
	noteCue  = regexp.MustCompile(`\bnotes?\s+de\s+cloture\s*(?::|=)?\s*|\bclosing\s+notes?\s*(?::|=)?\s*`)
	tagCue   = regexp.MustCompile(`\b(?:tag|tague|taguer|tagge|tagger)(?:\s+(?:le\s+contact|la\s+conversation|the\s+contact|the\s+customer|the\s+conversation|them|it|le|la))?(?:\s+(?:avec|with|as|comme|en))?\s+|\b(?:ajoute|ajouter|ajoutez|add|applique|appliquer|apply|mets|put)\s+(?:l'|le\s+|la\s+|the\s+|a\s+|une\s+|un\s+)?(?:etiquette|tag)\s*:?\s*`)
	fieldCue = regexp.MustCompile(`\bchamps?(?:\s+(?:de|du)\s+contact|\s+contact)?\s*:?\s+|\bfields?\s*:?\s+|\b(?:enregistr|sauvegard|stock)\w*(?:-le|-la|-les|\s+l'|\s+les?|\s+la)?\s+(?:comme|dans|en\s+tant\s+que|sous)\s+(?:le\s+|la\s+|les\s+)?(?:champs?\s+)?|\b(?:save|store|record)\w*\s+(?:it|them|this|that)\s+(?:as|in|into|under)\s+(?:the\s+)?(?:field\s+)?`)
	// fieldBeforeCue finds "the company field": the name is before.
	fieldBeforeCue = regexp.MustCompile(`\b(?:the|a|its|their|le|son|sa)\s+([\p{L}\p{N}_-]+)\s+field\b`)
	// assignTo follows an assignment to its target.
	assignTo = regexp.MustCompile(`^(?:\s+(?:la\s+conversation|the\s+conversation|the\s+chat|it|them|-la|-le|le\s+contact))?\s*(?:a\s+l'|a\s+la\s+|a\s+|au\s+|aux\s+|to\s+the\s+|to\s+|vers\s+|with\s+the\s+|with\s+|l'|la\s+)`)
	// targetKind is the word that says what the target is.
	targetKind   = regexp.MustCompile(`^(?:(equipe|team)|(agent\s+ia|ai\s+agent)|(utilisateur|user|agent|conseill\w+|membre|member))\s+`)
	roundRobinRe = regexp.MustCompile(`\bround[\s-]?robin\b|\ba\s+tour\s+de\s+role\b|\ben\s+rotation\b|\brotation\b`)
	// branchRe starts another branch of a scenario: what follows is
	// another condition's action, not a contradiction.
	branchRe = regexp.MustCompile(`\b(?:sinon|otherwise|else|autrement|dans\s+le\s+cas\s+contraire|if\s+not|si\s+ce\s+n'est\s+pas\s+le\s+cas)\b|(?:[,;]|\bet|\band|\bor|\bou)\s+(?:si|if|when|quand|lorsque|lorsqu')\b`)
	// clauseEnd ends a clause (a target, a time, is looked for within it).
	clauseEnd = regexp.MustCompile(`[.;!?\n]|,\s+(?:puis|then|et|and)\b|\bpuis\b|\bthen\b`)
)

// Words that end a name written without quotes.
var stopWords = map[string]bool{
	"par": true, "by": true, "si": true, "if": true, "et": true, "and": true, "puis": true, "then": true,
	"avec": true, "with": true, "pour": true, "for": true, "quand": true, "when": true, "lorsque": true,
	"ou": true, "or": true, "en": true, "in": true, "au": true, "a": true, "dans": true, "sur": true,
	"on": true, "at": true, "via": true, "selon": true, "apres": true, "after": true, "avant": true,
	"before": true, "sinon": true, "otherwise": true, "mais": true, "but": true, "qui": true, "who": true,
	"que": true, "that": true, "using": true, "once": true, "des": false, "unless": true, "sauf": true,
	"le": true, "la": true, "les": true, "the": true, "un": true, "une": true, "an": true, "from": true,
	"depuis": true, "vers": true, "to": true, "as": true, "comme": true, "s'il": true,
	"field": true, "fields": true, "puisque": true, "since": true, "because": true, "car": true, "parce": true,
}

// Connectors a name may hold between its words: "Équipe des Ventes".
var nameConnectors = map[string]bool{"de": true, "des": true, "du": true, "d'": true, "of": true, "la": true, "le": true, "et": true, "&": true, "and": true}

// Time: what seed 002 says an AI agent cannot do later.
var (
	// clockRe is a time of day: "à 17 h", "at 5pm", "at 17:00", "à midi".
	clockRe = regexp.MustCompile(`\b(?:a|vers|des|at|around|by)\s+(?:\d{1,2}\s?h(?:\s?\d{2})?\b|\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\d{1,2}:\d{2}\b|midi\b|minuit\b|noon\b|midnight\b)`)
	// dayRe is a later day: "demain", "tomorrow", "lundi prochain".
	dayRe = regexp.MustCompile(`\b(?:demain|apres-demain|ce\s+soir|cet\s+apres-midi|la\s+semaine\s+prochaine|le\s+mois\s+prochain|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+prochain|tomorrow|tonight|this\s+(?:evening|afternoon)|next\s+(?:week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b`)
	// delayRe is a delay: "dans deux heures", "in 2 hours", "plus tard".
	delayRe = regexp.MustCompile(`\b(?:dans|d'ici|in|after|apres)\s+(?:\d+|un|une|deux|trois|quatre|cinq|six|dix|quinze|trente|quelques|an?|one|two|three|four|five|six|ten|fifteen|thirty|a\s+few)\s+(?:minutes?|heures?|jours?|semaines?|hours?|days?|weeks?)\b|\bplus\s+tard\b|\blater(?:\s+(?:today|on))?\b`)
	// conditionRe starts a condition: a time after it is a condition on the
	// current time, evaluated at once ("if within business hours").
	conditionRe = regexp.MustCompile(`\b(?:si|s'il|if|when|whenever|lorsque|lorsqu'|quand|pendant|during|within|entre|between|avant|before|apres|after|en\s+dehors|outside|unless|sauf\s+si|once|une\s+fois)\b`)
)

// vagueRe finds seed 002's vague conditions.
var vagueRe = regexp.MustCompile(`\bpeut-etre\b|\bou\s+(?:quelque\s+chose|autre\s+chose|un\s+truc)\b|\bsi\s+on\s+a\s+l'impression\b|\bsi\s+(?:ca|cela)\s+(?:semble|parait)\b|\bsi\s+(?:tu\s+sens|vous\s+sentez)\b|\beventuellement\b|\bprobablement\b|\ble\s+cas\s+echeant\b|\bsi\s+(?:besoin|necessaire)\b|\bor\s+something\b|\bor\s+whatever\b|\bmaybe\b|\bperhaps\b|\bif\s+it\s+(?:feels|seems|looks)\s+like\b|\bif\s+you\s+feel\b|\bsomehow\b|\bif\s+(?:needed|necessary)\b|\bas\s+needed\b|\bwhen\s+appropriate\b`)

// availabilityRe finds an assignment by presence, which the AI cannot see.
var availabilityRe = regexp.MustCompile(`\b(?:prochain|premier)\s+(?:\w+\s+){0,2}disponible\b|\bnext\s+(?:\w+\s+){0,2}available\b|\b(?:currently|actuellement)\s+(?:online|active|available|en\s+ligne|actif|active|disponible)\b|\bqui\s+est\s+(?:en\s+ligne|disponible|connecte)\b|\bwho(?:'s|\s+is)\s+(?:online|available)\b|\ben\s+ligne\b|\bonline\b`)

// Summaries: asked for, or forbidden.
var (
	summaryRe   = regexp.MustCompile(`\bresum\w*|\bsummar\w*`)
	noSummaryRe = regexp.MustCompile(`\b(?:ne|n')\s*(?:\w+\s+){0,2}(?:pas|ni|jamais|aucun)\s+(?:de\s+|d'|un\s+)?resume\b|\bni\s+(?:de\s+)?resume\b|\bsans\s+(?:\w+\s+)?resum\w*|\bpas\s+de\s+resume\b|\b(?:do\s+not|don't|never|no\s+need\s+to)\s+(?:\w+\s+){0,2}summar\w*|\bwithout\s+(?:a\s+|any\s+)?summar\w*|\bno\s+summar\w*`)
)
