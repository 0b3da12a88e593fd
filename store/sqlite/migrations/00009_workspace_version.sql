-- The workspace's version: bumped, in the same transaction, by any change
-- to what an AI agent's turn reads of the workspace (its settings, users,
-- teams and their members, AI agents, contact fields, lifecycle stages,
-- labels, knowledge bases, flows, response rules). A turn reads the
-- version with its first statement and serves those entities from a
-- snapshot of that version (store/snapshot); triggers bump it, so that
-- no write path can forget. A team's round-robin cursor is not the
-- workspace's shape: moving it does not bump the version. UpdateWorkspace
-- bumps it itself (and returns it).

-- +goose Up
ALTER TABLE workspaces ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose StatementBegin
CREATE TRIGGER ai_agents_bump_insert AFTER INSERT ON ai_agents BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ai_agents_bump_update AFTER UPDATE ON ai_agents BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ai_agents_bump_delete AFTER DELETE ON ai_agents BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contact_fields_bump_insert AFTER INSERT ON contact_fields BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contact_fields_bump_update AFTER UPDATE ON contact_fields BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contact_fields_bump_delete AFTER DELETE ON contact_fields BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER lifecycle_stages_bump_insert AFTER INSERT ON lifecycle_stages BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER lifecycle_stages_bump_update AFTER UPDATE ON lifecycle_stages BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER lifecycle_stages_bump_delete AFTER DELETE ON lifecycle_stages BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER labels_bump_insert AFTER INSERT ON labels BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER labels_bump_update AFTER UPDATE ON labels BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER labels_bump_delete AFTER DELETE ON labels BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER knowledge_bases_bump_insert AFTER INSERT ON knowledge_bases BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER knowledge_bases_bump_update AFTER UPDATE ON knowledge_bases BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER knowledge_bases_bump_delete AFTER DELETE ON knowledge_bases BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER flows_bump_insert AFTER INSERT ON flows BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER flows_bump_update AFTER UPDATE ON flows BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER flows_bump_delete AFTER DELETE ON flows BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_rules_bump_insert AFTER INSERT ON response_rules BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_rules_bump_update AFTER UPDATE ON response_rules BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_rules_bump_delete AFTER DELETE ON response_rules BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_bump_insert AFTER INSERT ON users BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_bump_update AFTER UPDATE OF email, name, availability ON users BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_bump_delete AFTER DELETE ON users BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER teams_bump_insert AFTER INSERT ON teams BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER teams_bump_update AFTER UPDATE OF name ON teams BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER teams_bump_delete AFTER DELETE ON teams BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER team_members_bump_insert AFTER INSERT ON team_members BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = (SELECT workspace_id FROM teams WHERE id = NEW.team_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER team_members_bump_update AFTER UPDATE ON team_members BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = (SELECT workspace_id FROM teams WHERE id = NEW.team_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER team_members_bump_delete AFTER DELETE ON team_members BEGIN
    UPDATE workspaces SET version = version + 1 WHERE id = (SELECT workspace_id FROM teams WHERE id = OLD.team_id);
END;
-- +goose StatementEnd


-- A message, a stream event, takes its conversation's next seq in the
-- statement that inserts it (AppendMessage, AppendStreamEvent); these
-- triggers move the conversation's counters along, in that statement.
-- +goose StatementBegin
CREATE TRIGGER messages_seq AFTER INSERT ON messages BEGIN
    UPDATE conversations SET last_seq = max(last_seq, NEW.seq), updated_at = NEW.created_at WHERE id = NEW.conversation_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER conversation_stream_seq AFTER INSERT ON conversation_stream BEGIN
    UPDATE conversations SET stream_seq = max(stream_seq, NEW.seq) WHERE id = NEW.conversation_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER conversation_stream_seq;
DROP TRIGGER messages_seq;
DROP TRIGGER ai_agents_bump_insert;
DROP TRIGGER ai_agents_bump_update;
DROP TRIGGER ai_agents_bump_delete;
DROP TRIGGER contact_fields_bump_insert;
DROP TRIGGER contact_fields_bump_update;
DROP TRIGGER contact_fields_bump_delete;
DROP TRIGGER lifecycle_stages_bump_insert;
DROP TRIGGER lifecycle_stages_bump_update;
DROP TRIGGER lifecycle_stages_bump_delete;
DROP TRIGGER labels_bump_insert;
DROP TRIGGER labels_bump_update;
DROP TRIGGER labels_bump_delete;
DROP TRIGGER knowledge_bases_bump_insert;
DROP TRIGGER knowledge_bases_bump_update;
DROP TRIGGER knowledge_bases_bump_delete;
DROP TRIGGER flows_bump_insert;
DROP TRIGGER flows_bump_update;
DROP TRIGGER flows_bump_delete;
DROP TRIGGER response_rules_bump_insert;
DROP TRIGGER response_rules_bump_update;
DROP TRIGGER response_rules_bump_delete;
DROP TRIGGER users_bump_insert;
DROP TRIGGER users_bump_update;
DROP TRIGGER users_bump_delete;
DROP TRIGGER teams_bump_insert;
DROP TRIGGER teams_bump_update;
DROP TRIGGER teams_bump_delete;
DROP TRIGGER team_members_bump_insert;
DROP TRIGGER team_members_bump_update;
DROP TRIGGER team_members_bump_delete;
ALTER TABLE workspaces DROP COLUMN version;
