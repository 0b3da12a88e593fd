package lint

// Kind is a finding's stable identifier: scripts and CI filter on it.
type Kind string

// The kinds of findings. Each is documented in Kinds with its severity
// and the rule of seed 002 it enforces.
const (
	UnknownMention       Kind = "unknown-mention"
	UnknownTeam          Kind = "unknown-team"
	UnknownUser          Kind = "unknown-user"
	UnknownAIAgent       Kind = "unknown-ai-agent"
	UnknownAssignee      Kind = "unknown-assignee"
	UnknownField         Kind = "unknown-field"
	UnknownVariable      Kind = "unknown-variable"
	UnknownStage         Kind = "unknown-stage"
	UnknownClosingNote   Kind = "unknown-closing-note"
	UnknownTag           Kind = "unknown-tag"
	ActionNotEnabled     Kind = "action-not-enabled"
	ActionUnused         Kind = "action-unused"
	ScheduledAction      Kind = "scheduled-action"
	ContradictoryActions Kind = "contradictory-actions"
	OverloadedScenario   Kind = "overloaded-scenario"
	RoundRobinScope      Kind = "round-robin-scope"
	ReplyAfterHandoff    Kind = "reply-after-handoff"
	VagueScenario        Kind = "vague-scenario"
	SummaryConflict      Kind = "summary-conflict"
	Availability         Kind = "availability"
)

// KindInfo documents a kind.
type KindInfo struct {
	Kind     Kind
	Severity Severity
	// Rule is why it is a problem, after seed 002.
	Rule string
}

// Kinds lists every kind, in the order of the README's table.
var Kinds = []KindInfo{
	{UnknownMention, Error, "an @mention must be the exact name of a team, a user or an AI agent: a name that does not match makes the assignment fail"},
	{UnknownTeam, Error, "the team must exist under that exact name, or the assignment fails"},
	{UnknownUser, Error, "the user must exist under that exact name, or the assignment fails"},
	{UnknownAIAgent, Error, "the AI agent must exist under that exact name, or the assignment fails"},
	{UnknownAssignee, Error, "an assignment must name an existing team, user or AI agent exactly, or it fails"},
	{UnknownField, Error, "an AI agent cannot create contact fields and a wrong field name fails silently: use the exact name or id of an existing field"},
	{UnknownVariable, Error, "$contact.<id> and {{contact.<id>}} must name an existing contact field by its id, or the reply cannot be written"},
	{UnknownStage, Error, "an AI agent can only move a contact to a lifecycle stage that exists, named exactly"},
	{UnknownClosingNote, Error, "an AI agent can only choose an existing closing note, named exactly"},
	{UnknownTag, Error, "an AI agent can only apply a tag that exists, named exactly"},
	{ActionNotEnabled, Error, "the instructions ask for an action the agent does not have: enable it, or the agent cannot take it"},
	{ActionUnused, Info, "an enabled action that no instruction mentions: the model may take it without guidance"},
	{ScheduledAction, Error, "an AI agent acts only while it replies and cannot delay an action (\"at 5pm\", \"demain\"); a condition on the current time (\"if within business hours\") is fine"},
	{ContradictoryActions, Warning, "contradictory actions in one scenario (assign then unassign, close then assign, two stages or two assignees) leave the conversation in an undefined state"},
	{OverloadedScenario, Warning, "more than three chained actions in one scenario make the agent unpredictable and hard to debug: split them"},
	{RoundRobinScope, Error, "round robin shares conversations within one team: it cannot run across several teams, nor to a single user"},
	{ReplyAfterHandoff, Error, "once the conversation is unassigned or handed to a human, a team or another AI agent, this agent sends nothing more: the reply after it fails"},
	{VagueScenario, Warning, "a vague condition (\"peut-être\", \"or something\", \"if it feels like\") does not tell the agent when to act nor which value to use"},
	{SummaryConflict, Warning, "the instructions both forbid a summary and ask for one"},
	{Availability, Warning, "an AI agent cannot see who is online or available: name the team or the user, and let the assignment method choose"},
}

func infoOf(k Kind) KindInfo {
	for _, ki := range Kinds {
		if ki.Kind == k {
			return ki
		}
	}
	return KindInfo{Kind: k, Severity: Warning}
}
