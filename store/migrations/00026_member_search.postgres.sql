-- +goose Up
-- Staff search members by handle, name and email (package social): a
-- trigram GIN index over the three lower-cased columns, so that a
-- substring of three characters or more is found from the index
-- (LIKE '%…%'), not by reading the users table. pg_trgm ships with
-- PostgreSQL and is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search_trgm ON users USING gin ((handle_lower || ' ' || name_lower || ' ' || email_lower) gin_trgm_ops);

-- +goose Down
DROP INDEX users_search_trgm;
