package dsl

import "github.com/causerie/causerie/prompts"

// DefaultExitWords leave a flow when they are the visitor's whole message
// (seed 001: always give an exit). The texts the interpreter sends when
// the flow does not say are in the prompts message catalogue.
var DefaultExitWords = []string{"stop", "annuler", "quitter", "arrêter", "cancel", "quit", "exit"}

// retryHint is the default retry message of a question (by validation)
// or a choice ("choice").
func retryHint(lang, validation string) string {
	if validation == "" {
		validation = "text"
	}
	return prompts.Message(lang, prompts.FlowRetry+validation)
}
