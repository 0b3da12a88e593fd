package prompts

// FlowGenerate is what the system prompt of flow generation shows.
type FlowGenerate struct {
	Language  string // "fr" or "en": the visitor-facing texts
	Workspace string
	// Kinds and Actions are the flow format's blocks, each parameter in
	// one line ("timeout_seconds: integer 1–60, default 10").
	Kinds, Actions []FlowBlock
	// ActionCommon are the parameters every action node takes.
	ActionCommon []string
	Teams        []string // "Équipe de Planification (members: Marie Dubois, Luc Martin)"
	Users        []string
	Fields       []Field
	Stages       []string
	Tags         []string
	ClosingNotes []string
	// Examples are example flow documents (JSON).
	Examples []string
	// Edit is the flow to change (JSON), "" to write a new one.
	Edit string
}

// FlowBlock is a node kind or an action type with its parameters.
type FlowBlock struct {
	Name   string
	Params []string
	OneOf  []string
}

// RenderFlowGenerate renders the system prompt of flow generation.
func RenderFlowGenerate(g FlowGenerate) (string, error) { return render("flow_generate.tmpl", g) }

// FlowRepair asks the model to fix the problems of its draft (each "node
// \"id\": field.path: message").
func FlowRepair(problems []string) string { return fragment("flow_repair", problems) }
