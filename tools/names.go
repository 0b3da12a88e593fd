package tools

// Action names, as the model and workspace files spell them.
const (
	CloseConversation    = "close_conversation"
	Assign               = "assign"
	Unassign             = "unassign"
	ReopenConversation   = "reopen_conversation"
	UpdateContactFields  = "update_contact_fields"
	UpdateLifecycleStage = "update_lifecycle_stage"
	TagContact           = "tag_contact"
	HTTPRequest          = "http_request"
	CRMUpsert            = "crm_upsert"
	CreateTask           = "create_task"
	SendEmail            = "send_email"
	SearchKnowledge      = "search_knowledge"
)
