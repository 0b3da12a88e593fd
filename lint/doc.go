// Package lint checks what admins write in prose — AI agents'
// instructions, response rules' replies — against their workspace and the
// pitfalls of seed 002, without a model: names that do not match exactly
// (an @mention, a field, a stage, a closing note, a tag), actions asked
// for but not enabled, actions scheduled for later, contradictory or
// overloaded scenarios, round robin outside one team, a reply after a
// hand-off, vague conditions, a summary both forbidden and asked for.
//
// Each finding has a stable kind (Kinds documents them), a severity, the
// position of its words in the file (inside the YAML block scalar), the
// words, why they are a problem and a fix with the nearest valid names.
//
// The analysis is lexical, in French and English: a text is folded
// (lower case, no accents) once, split into scenarios (bullets, or
// sentences of running text, a bullet holding several conditions being
// several), and matched against the lexicon of lexicon.go. Words inside
// quotation marks are replies the instructions dictate: they are checked
// for names and $contact variables, never read as instructions.
package lint
