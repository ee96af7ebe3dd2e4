-- +goose Up
-- Staff search members by handle, name and email (package social): a
-- trigram FTS5 index, so that any substring of three characters or more
-- is found without reading the users table. The index keeps its own copy
-- of the three lower-cased columns under search_key, a number given once
-- at insert (users.rowid then); a VACUUM may renumber users' rowids, never
-- search_key. Triggers keep it in step with users.
ALTER TABLE users ADD COLUMN search_key INTEGER;
UPDATE users SET search_key = rowid;
CREATE UNIQUE INDEX users_search_key ON users (search_key);
CREATE VIRTUAL TABLE users_search USING fts5(handle_lower, name_lower, email_lower, tokenize = 'trigram');
INSERT INTO users_search (rowid, handle_lower, name_lower, email_lower)
    SELECT search_key, handle_lower, name_lower, email_lower FROM users;

-- +goose StatementBegin
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    UPDATE users SET search_key = new.rowid WHERE id = new.id;
    INSERT INTO users_search (rowid, handle_lower, name_lower, email_lower)
        VALUES (new.rowid, new.handle_lower, new.name_lower, new.email_lower);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_search_update AFTER UPDATE OF handle_lower, name_lower, email_lower ON users BEGIN
    UPDATE users_search SET handle_lower = new.handle_lower, name_lower = new.name_lower, email_lower = new.email_lower
        WHERE rowid = new.search_key;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_search WHERE rowid = old.search_key;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_search_delete;
DROP TRIGGER users_search_update;
DROP TRIGGER users_search_insert;
DROP TABLE users_search;
DROP INDEX users_search_key;
ALTER TABLE users DROP COLUMN search_key;
