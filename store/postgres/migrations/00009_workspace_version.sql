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
ALTER TABLE workspaces ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- +goose StatementBegin
CREATE FUNCTION bump_workspace_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE workspaces SET version = version + 1 WHERE id = OLD.workspace_id;
    ELSE
        UPDATE workspaces SET version = version + 1 WHERE id = NEW.workspace_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION bump_workspace_version_of_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE workspaces SET version = version + 1 WHERE id = (SELECT workspace_id FROM teams WHERE id = OLD.team_id);
    ELSE
        UPDATE workspaces SET version = version + 1 WHERE id = (SELECT workspace_id FROM teams WHERE id = NEW.team_id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER ai_agents_bump AFTER INSERT OR UPDATE OR DELETE ON ai_agents FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER contact_fields_bump AFTER INSERT OR UPDATE OR DELETE ON contact_fields FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER lifecycle_stages_bump AFTER INSERT OR UPDATE OR DELETE ON lifecycle_stages FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER labels_bump AFTER INSERT OR UPDATE OR DELETE ON labels FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER knowledge_bases_bump AFTER INSERT OR UPDATE OR DELETE ON knowledge_bases FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER flows_bump AFTER INSERT OR UPDATE OR DELETE ON flows FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER response_rules_bump AFTER INSERT OR UPDATE OR DELETE ON response_rules FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER users_bump AFTER INSERT OR UPDATE OF email, name, availability OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER teams_bump AFTER INSERT OR UPDATE OF name OR DELETE ON teams FOR EACH ROW EXECUTE FUNCTION bump_workspace_version();
CREATE TRIGGER team_members_bump AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH ROW EXECUTE FUNCTION bump_workspace_version_of_team();

-- +goose Down
DROP TRIGGER ai_agents_bump ON ai_agents;
DROP TRIGGER contact_fields_bump ON contact_fields;
DROP TRIGGER lifecycle_stages_bump ON lifecycle_stages;
DROP TRIGGER labels_bump ON labels;
DROP TRIGGER knowledge_bases_bump ON knowledge_bases;
DROP TRIGGER flows_bump ON flows;
DROP TRIGGER response_rules_bump ON response_rules;
DROP TRIGGER users_bump ON users;
DROP TRIGGER teams_bump ON teams;
DROP TRIGGER team_members_bump ON team_members;
DROP FUNCTION bump_workspace_version_of_team();
DROP FUNCTION bump_workspace_version();
ALTER TABLE workspaces DROP COLUMN version;
