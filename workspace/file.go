package workspace

import (
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
)

// File is a workspace file. Entities are matched to the store by their
// natural key: users by email, contact fields by id, everything else by
// name. Apply removes from the workspace what the file no longer lists.
type File struct {
	// Warnings are what the file may do but probably should not (an AI
	// agent's instructions too long for every turn): Apply proceeds and
	// reports them.
	Warnings source.Problems `yaml:"-"`

	Workspace       Header          `yaml:"workspace"`
	Users           []User          `yaml:"users,omitempty"`
	Teams           []Team          `yaml:"teams,omitempty"`
	KnowledgeBases  []KnowledgeBase `yaml:"knowledge_bases,omitempty"`
	AIAgents        []AIAgent       `yaml:"ai_agents,omitempty"`
	ContactFields   []ContactField  `yaml:"contact_fields,omitempty"`
	LifecycleStages []string        `yaml:"lifecycle_stages,omitempty"`
	ClosingNotes    []Label         `yaml:"closing_notes,omitempty"`
	Tags            []Label         `yaml:"tags,omitempty"`
	Classifications []Label         `yaml:"classifications,omitempty"`
	// ResponseRules answer a keyword with a single reply (seed 001), in
	// order: the first that matches answers.
	ResponseRules []ResponseRule `yaml:"response_rules,omitempty"`

	// decoder is the parsed file's (positions of its paths and texts); nil
	// for a File built in Go.
	decoder *source.Decoder `yaml:"-"`
}

// TextPosition returns where the character at byte offset of the text at
// path (ai_agents[0].instructions) is in the file f was parsed from: the
// name given to Parse, the line and the column (1-based, the column in
// characters; see source.Decoder.TextPosition for whitespace and
// escapes). The path and the offset are those of the file as parsed:
// after the File is changed in Go, they still refer to the parsed text.
// ok is false for a File built in Go, a path holding no text and an
// offset outside the text.
func (f *File) TextPosition(path string, offset int) (file string, line, col int, ok bool) {
	if f == nil || f.decoder == nil {
		return "", 0, 0, false
	}
	if line, col, ok = f.decoder.TextPosition(path, offset); !ok {
		return "", 0, 0, false
	}
	return f.decoder.File(), line, col, true
}

// Locate returns p with the file and the position of its path (or of its
// nearest parent) in the file f was parsed from; p unchanged for a File
// built in Go.
func (f *File) Locate(p source.Problem) source.Problem {
	if f == nil {
		return p
	}
	return f.decoder.Locate(p)
}

// Header names the workspace and holds its settings.
type Header struct {
	// Slug is the workspace's key: apply updates the workspace with this
	// slug, or creates it.
	Slug     string   `yaml:"slug"`
	Name     string   `yaml:"name"`
	Language string   `yaml:"language,omitempty"`
	Settings Settings `yaml:"settings,omitempty"`
}

// Settings are the workspace options of a file.
type Settings struct {
	AssignUnavailableUsers bool     `yaml:"assign_unavailable_users,omitempty"`
	HTTPAllowlist          []string `yaml:"http_allowlist,omitempty"`
	// DefaultLifecycleStage is the stage new contacts start at.
	DefaultLifecycleStage string `yaml:"default_lifecycle_stage,omitempty"`
	// DefaultCountry (ISO 3166 code such as FR) reads phone numbers
	// written without +.
	DefaultCountry string `yaml:"default_country,omitempty"`
	// CRM is an external CRM that crm_upsert also sends contacts to.
	CRM *CRM `yaml:"crm,omitempty"`
	// HTTPActions are named HTTP calls AI agents may enable by name: the
	// method, URL, headers and body are fixed; the model fills only the
	// declared parameters ({{name}} in the templates).
	HTTPActions []store.HTTPAction `yaml:"http_actions,omitempty"`
	// AIAgentsFreeHTTP lets AI agents' http_request call URLs of the
	// model's choosing (off: only named HTTP actions).
	AIAgentsFreeHTTP bool `yaml:"ai_agents_free_http,omitempty"`
	// EmailRecipients are the addresses and domains ("@salon.fr") an AI
	// agent's send_email may write to besides the contact.
	EmailRecipients []string `yaml:"email_recipients,omitempty"`
	// FallbackTeam takes over a conversation whose AI agent or flow failed
	// (the fallback message promises a team member); none leaves it
	// unassigned in the inbox queue.
	FallbackTeam string `yaml:"fallback_team,omitempty"`
	// FallbackMessages replace the fallback text, by language code.
	FallbackMessages map[string]string `yaml:"fallback_messages,omitempty"`
	// WidgetOrigins are the origins whose pages may call the visitor API
	// (the web widget), e.g. https://salon.fr.
	WidgetOrigins []string `yaml:"widget_origins,omitempty"`
	// IdentitySecret verifies visitors a site identifies (identifier +
	// identifier_hash, HMAC-SHA256); "env:NAME" reads it from the
	// environment when serving.
	IdentitySecret string `yaml:"identity_secret,omitempty"`
}

// CRM is an external CRM endpoint.
type CRM struct {
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers,omitempty"`
}

// User is a human agent.
type User struct {
	Email        string `yaml:"email"`
	Name         string `yaml:"name"`
	Availability string `yaml:"availability,omitempty"`
}

// Team lists its members by email, in round-robin order.
type Team struct {
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"`
}

// KnowledgeBase declares a knowledge base; its documents are ingested with
// `causerie kb`.
type KnowledgeBase struct {
	Name        string `yaml:"name"`
	Language    string `yaml:"language,omitempty"`
	Description string `yaml:"description,omitempty"`
}

// AIAgent is an AI agent: its prose instructions, model, enabled actions
// and knowledge bases (by name).
type AIAgent struct {
	Name           string              `yaml:"name"`
	Instructions   string              `yaml:"instructions"`
	Model          store.ModelSettings `yaml:"model,omitempty"`
	Actions        []string            `yaml:"actions,omitempty"`
	KnowledgeBases []string            `yaml:"knowledge_bases,omitempty"`
	// Knowledge says how the agent uses its knowledge bases.
	Knowledge Knowledge `yaml:"knowledge,omitempty"`
}

// Knowledge is an AI agent's use of its knowledge bases.
type Knowledge struct {
	// Ground puts the passages most relevant to each message in the prompt.
	Ground bool `yaml:"ground,omitempty"`
	// TopK is how many passages grounding returns (default 4).
	TopK int `yaml:"top_k,omitempty"`
	// MessageBefore is said before searching (seed 003).
	MessageBefore string `yaml:"message_before,omitempty"`
}

// ContactField defines a contact field; ID is its stable key
// ($contact.<id>).
type ContactField struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Type    string   `yaml:"type"`
	Options []string `yaml:"options,omitempty"`
}

// Label is a closing note, tag or classification. In a file it is either
// a plain name or a mapping with a description.
type Label struct {
	Name        string `yaml:"name" shorthand:"true"`
	Description string `yaml:"description,omitempty"`
}

// ResponseRule answers a message matching one of its keywords with one
// reply, after its actions; flows handle multi-step conversations.
type ResponseRule struct {
	Name     string   `yaml:"name"`
	Keywords []string `yaml:"keywords"`
	// Match is contains (default), exact or regex; all ignore case and
	// accents.
	Match   string       `yaml:"match,omitempty"`
	Reply   string       `yaml:"reply"`
	Actions []RuleAction `yaml:"actions,omitempty"`
	// Enabled defaults to true.
	Enabled *bool `yaml:"enabled,omitempty"`
}

// RuleAction is an action of the catalogue a response rule runs.
type RuleAction struct {
	Action string         `yaml:"action"`
	Args   map[string]any `yaml:"args,omitempty"`
}
