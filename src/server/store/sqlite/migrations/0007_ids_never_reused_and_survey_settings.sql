-- Issue 15. Ids are never handed out twice: without AUTOINCREMENT SQLite gives a new row the
-- largest id plus one, so deleting the newest survey and creating another gave the new one
-- the old one's id, and a response queued offline for the old survey was synced into it.
-- Every table whose ids leave the server is rebuilt with AUTOINCREMENT (SQLite's documented
-- way to change a table: create, copy, drop, rename; the runner turns foreign keys off
-- around it and checks them before the commit). Existing rows keep their ids.
--
-- Surveys gain their owner's settings on the way: when responses are taken (`opens_at`,
-- `closes_at`, seconds since the epoch), how many (`max_responses`), and `anonymous`,
-- `invitation_only`, `public_results`.

CREATE TABLE new_users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- `Email::key`: NFKC and Unicode lowercase, what accounts are unique under
    email_key        TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    -- bumped by POST /api/logout-all/; tokens carry the generation they were issued in
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
INSERT INTO new_users (id, email, email_key, password_hash, token_generation, created_at)
    SELECT id, email, email_key, password_hash, token_generation, created_at FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
CREATE UNIQUE INDEX users_by_email_key ON users(email_key);

CREATE TABLE new_surveys (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    name                  TEXT NOT NULL,
    creator_id            INTEGER REFERENCES users(id) ON DELETE SET NULL,
    one_response_per_user INTEGER NOT NULL DEFAULT 0,
    -- set when its owner closes it (or it reaches max_responses)
    closed_at             TEXT,
    -- kept in step with `responses` inside each response's transaction
    response_count        INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    opens_at              INTEGER,
    closes_at             INTEGER,
    max_responses         INTEGER,
    anonymous             INTEGER NOT NULL DEFAULT 0,
    invitation_only       INTEGER NOT NULL DEFAULT 0,
    public_results        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO new_surveys (id, name, creator_id, one_response_per_user, closed_at, response_count,
                         created_at)
    SELECT id, name, creator_id, one_response_per_user, closed_at, response_count, created_at
    FROM surveys;
DROP TABLE surveys;
ALTER TABLE new_surveys RENAME TO surveys;
CREATE INDEX surveys_by_creator ON surveys(creator_id);

CREATE TABLE new_questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'text')),
    required   INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
INSERT INTO new_questions (id, survey_id, text, kind, required, created_at)
    SELECT id, survey_id, text, kind, required, created_at FROM questions;
DROP TABLE questions;
ALTER TABLE new_questions RENAME TO questions;
CREATE INDEX questions_by_survey ON questions(survey_id);

CREATE TABLE new_choices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    -- the seed's counter; incremented in SQL, never read-modify-written
    selected    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
INSERT INTO new_choices (id, question_id, text, selected, created_at)
    SELECT id, question_id, text, selected, created_at FROM choices;
DROP TABLE choices;
ALTER TABLE new_choices RENAME TO choices;
CREATE INDEX choices_by_question ON choices(question_id);

CREATE TABLE new_responses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id     INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    respondent_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- set only for one-response-per-user surveys, so the unique index below applies to them
    -- alone (NULLs never collide)
    exclusive_respondent_id INTEGER,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    -- the client's name for the response (issue 7): a resend is recognised, not counted twice
    client_id     TEXT
);
INSERT INTO new_responses (id, survey_id, respondent_id, exclusive_respondent_id, created_at,
                           client_id)
    SELECT id, survey_id, respondent_id, exclusive_respondent_id, created_at, client_id
    FROM responses;
DROP TABLE responses;
ALTER TABLE new_responses RENAME TO responses;
CREATE INDEX responses_by_survey ON responses(survey_id);
CREATE UNIQUE INDEX one_response_per_user ON responses(survey_id, exclusive_respondent_id);
CREATE UNIQUE INDEX responses_by_client_id ON responses(client_id);
CREATE INDEX responses_by_respondent ON responses(respondent_id, survey_id);

-- Single-use invitations to an invitation_only survey. Only the code's SHA-256 is kept (and
-- its first characters, to tell codes apart); nothing links a use to the response it let in.
CREATE TABLE invitations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    used_at    TEXT
);
CREATE INDEX invitations_by_survey ON invitations(survey_id);
