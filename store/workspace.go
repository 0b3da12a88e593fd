package store

import (
	"slices"
	"time"
)

// Workspace is the unit of isolation: every other entity belongs to one.
type Workspace struct {
	ID string
	// Slug is the workspace's stable key in workspace files and on the
	// command line ("salon").
	Slug     string
	Name     string
	Language string // BCP 47 tag of the conversations, e.g. "fr" or "en"
	Settings WorkspaceSettings
	// Version is bumped, in the same transaction, by every change to the
	// workspace's settings or to what a turn reads of it (users, teams,
	// AI agents, fields, stages, labels, knowledge bases, flows, rules):
	// store/snapshot keeps what it loaded while the version is unchanged.
	Version int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// WorkspaceSettings are workspace-wide options. The zero value is the
// default behaviour.
type WorkspaceSettings struct {
	// AssignUnavailableUsers lets team assignment pick users whose
	// availability is not "available". Off by default: they are skipped.
	AssignUnavailableUsers bool `json:"assign_unavailable_users,omitempty"`
	// HTTPAllowlist lists hosts or CIDR ranges that http_request may reach
	// even though they are private, loopback or link-local.
	HTTPAllowlist []string `json:"http_allowlist,omitempty"`
	// DefaultLifecycleStageID is the stage new contacts start at ("" for
	// none).
	DefaultLifecycleStageID string `json:"default_lifecycle_stage_id,omitempty"`
	// DefaultCountry (ISO 3166 code, e.g. "FR") reads phone numbers
	// written without an international prefix; without it they must
	// start with +.
	DefaultCountry string `json:"default_country,omitempty"`
	// CRM, when set, also receives the contacts crm_upsert creates or
	// updates.
	CRM *CRMEndpoint `json:"crm,omitempty"`
	// EmailRecipients are where an AI agent's send_email may write besides
	// the conversation's contact: addresses ("planning@salon.fr") and
	// domains ("@salon.fr"). Flows and humans write anywhere; a model,
	// which a prompt injection can steer, does not.
	EmailRecipients []string `json:"email_recipients,omitempty"`
	// HTTPActions are the workspace's named HTTP calls: AI agents that
	// enable one call it as a tool, filling only its declared parameters.
	HTTPActions []HTTPAction `json:"http_actions,omitempty"`
	// AIAgentsFreeHTTP lets AI agents call http_request with a URL of the
	// model's choosing; off by default (OWASP LLM06, excessive agency).
	AIAgentsFreeHTTP bool `json:"ai_agents_free_http,omitempty"`
	// FallbackTeam is the team a conversation is handed to when the AI
	// agent or a flow fails and the visitor is told a team member will take
	// over; "" leaves it unassigned, in the inbox queue.
	FallbackTeam string `json:"fallback_team,omitempty"`
	// FallbackMessages replace the default fallback text, by language
	// ("fr", "en").
	FallbackMessages map[string]string `json:"fallback_messages,omitempty"`
	// WidgetOrigins are the web origins ("https://salon.fr") whose pages
	// may call the visitor API (CORS); none: only same-origin pages.
	WidgetOrigins []string `json:"widget_origins,omitempty"`
	// IdentitySecret, when set, lets a site link a visitor to an existing
	// contact: it passes identifier and identifier_hash, the hex
	// HMAC-SHA256 of the identifier with this secret. "env:NAME" reads it
	// from environment variable NAME when serving (the secret then lives
	// in neither the file nor the store).
	IdentitySecret string `json:"identity_secret,omitempty"`
}

// HTTPAction is a named HTTP call an admin declares: the method, the URL,
// the headers and the body are fixed templates; the model gives only the
// declared parameters, which the templates insert escaped for their
// place ({{name}}).
type HTTPAction struct {
	Name        string            `json:"name" yaml:"name"`
	Description string            `json:"description" yaml:"description"`
	Method      string            `json:"method" yaml:"method"`
	URL         string            `json:"url" yaml:"url"`
	Headers     map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	Body        string            `json:"body,omitempty" yaml:"body,omitempty"` // JSON text with {{…}}
	Parameters  []HTTPParameter   `json:"parameters,omitempty" yaml:"parameters,omitempty"`
}

// HTTPParameter is one value the model gives a named HTTP action.
type HTTPParameter struct {
	Name        string   `json:"name" yaml:"name"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	Required    bool     `json:"required,omitempty" yaml:"required,omitempty"`
	Enum        []string `json:"enum,omitempty" yaml:"enum,omitempty"`
}

// HTTPAction returns the named HTTP action called name, nil if none.
func (s WorkspaceSettings) HTTPAction(name string) *HTTPAction {
	for i := range s.HTTPActions {
		if s.HTTPActions[i].Name == name {
			return &s.HTTPActions[i]
		}
	}
	return nil
}

// FallbackMessage is the workspace's own fallback text in lang, "" when
// it has none (the default catalogue text applies).
func (s WorkspaceSettings) FallbackMessage(lang string) string { return s.FallbackMessages[lang] }

// CRMEndpoint is an external CRM that crm_upsert posts contacts to.
type CRMEndpoint struct {
	URL string `json:"url"`
	// Headers are sent with every request (an Authorization token…).
	Headers map[string]string `json:"headers,omitempty"`
}

// Availability of a human agent.
type Availability string

// Availabilities.
const (
	Available   Availability = "available"
	Unavailable Availability = "unavailable"
)

// Availabilities lists the valid values, for validation messages.
var Availabilities = []Availability{Available, Unavailable}

// User is a human agent of a workspace.
type User struct {
	ID           string
	WorkspaceID  string
	Email        string // unique in the workspace; the user's key in workspace files
	Name         string
	Availability Availability

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Team is a named group of users that conversations can be assigned to.
type Team struct {
	ID          string
	WorkspaceID string
	Name        string
	// MemberIDs are user IDs in round-robin order.
	MemberIDs []string
	// RoundRobinCursor is the index in MemberIDs of the member who got the
	// last round-robin assignment, or -1 before the first.
	RoundRobinCursor int

	CreatedAt time.Time
	UpdatedAt time.Time
}

// AIAgent is an LLM-driven agent: prose instructions, model settings, the
// actions it may take and the knowledge bases it may search.
type AIAgent struct {
	ID           string
	WorkspaceID  string
	Name         string
	Instructions string
	Model        ModelSettings
	// Actions are the names of the enabled actions (see package tools).
	Actions []string
	// KnowledgeBaseIDs are the knowledge bases the agent may search.
	KnowledgeBaseIDs []string
	// Knowledge says how the agent uses its knowledge bases.
	Knowledge KnowledgeSettings

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Seed 004's bounds of a model's settings, for AI agents and the flows'
// ai_reply steps alike.
const (
	MinTemperature  = 0.0
	MaxTemperature  = 1.0
	MaxOutputTokens = 2000
)

// ModelSettings choose and tune an AI agent's model. Empty fields fall back
// to the deployment's defaults. Temperature is within MinTemperature and
// MaxTemperature, MaxOutputTokens at most the constant of that name.
type ModelSettings struct {
	Name            string   `json:"name,omitempty" yaml:"name,omitempty"`
	Temperature     *float64 `json:"temperature,omitempty" yaml:"temperature,omitempty"`
	MaxOutputTokens int      `json:"max_output_tokens,omitempty" yaml:"max_output_tokens,omitempty"`
}

// KnowledgeSettings say how an AI agent uses its knowledge bases.
type KnowledgeSettings struct {
	// Ground puts the passages most relevant to the visitor's message in
	// the prompt, before the model is called.
	Ground bool `json:"ground,omitempty"`
	// TopK is how many passages grounding or a search returns (default 4).
	TopK int `json:"top_k,omitempty"`
	// MessageBefore is said to the visitor before searching the knowledge
	// bases (seed 003: "message avant l'exécution de l'action").
	MessageBefore string `json:"message_before,omitempty"`
}

// FieldType is the type of a contact field's values.
type FieldType string

// Field types.
const (
	FieldText   FieldType = "text"
	FieldNumber FieldType = "number"
	FieldEmail  FieldType = "email"
	FieldPhone  FieldType = "phone"
	FieldDate   FieldType = "date"
	FieldSelect FieldType = "select"
)

// FieldTypes lists the valid field types, for validation messages.
var FieldTypes = []FieldType{FieldText, FieldNumber, FieldEmail, FieldPhone, FieldDate, FieldSelect}

// Valid reports whether t is a known field type.
func (t FieldType) Valid() bool { return slices.Contains(FieldTypes, t) }

// ContactField defines a contact attribute.
type ContactField struct {
	ID          string
	WorkspaceID string
	// Key is the field's stable id, used in instructions and templates
	// ($contact.bookingdate). Unique in the workspace.
	Key     string
	Name    string // display name ("Date de réservation"); unique in the workspace
	Type    FieldType
	Options []string // the allowed values of a select field
	// Position orders fields for display.
	Position int

	CreatedAt time.Time
	UpdatedAt time.Time
}

// LifecycleStage is one step of the contact lifecycle; stages are ordered
// by Position.
type LifecycleStage struct {
	ID          string
	WorkspaceID string
	Name        string
	Position    int

	CreatedAt time.Time
	UpdatedAt time.Time
}

// LabelKind says what a Label is.
type LabelKind string

// Label kinds.
const (
	ClosingNote    LabelKind = "closing_note"
	Tag            LabelKind = "tag"
	Classification LabelKind = "classification"
)

// LabelKinds lists the valid kinds.
var LabelKinds = []LabelKind{ClosingNote, Tag, Classification}

// Label is a named category of a workspace: a closing note (why a
// conversation ended), a tag (put on contacts) or a classification (of
// conversations).
type Label struct {
	ID          string
	WorkspaceID string
	Kind        LabelKind
	Name        string // unique per kind in the workspace
	Description string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// KnowledgeBase is a named collection of documents an AI agent can search.
type KnowledgeBase struct {
	ID          string
	WorkspaceID string
	Name        string
	// Language selects text search stemming: "french", "english" or
	// "simple".
	Language    string
	Description string
	// Embedder names the embedding its chunks were indexed with
	// ("hashed-lexical-768", "openai:text-embedding-3-small:768"); "" until
	// the first ingestion. Queries must use the same one.
	Embedder string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// KnowledgeBaseLanguages are the valid KnowledgeBase.Language values.
var KnowledgeBaseLanguages = []string{"french", "english", "simple"}
