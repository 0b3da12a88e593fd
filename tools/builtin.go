package tools

// The built-in actions, in the order an admin reads them: conversation,
// contact, integrations, knowledge. Each is declared in its own file; a new
// one is a new file and a line here.
func init() {
	for _, a := range []*Action{
		closeConversation(), assign(), unassign(),
		updateContactFields(), updateLifecycleStage(), tagContact(),
		httpRequest(), crmUpsert(), createTask(), sendEmail(),
		searchKnowledge(),
		reopenConversation(),
	} {
		Register(a)
	}
}
