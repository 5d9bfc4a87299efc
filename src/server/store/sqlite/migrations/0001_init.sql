-- The first schema. Never edit a shipped migration: add the next number instead.
-- created_at columns hold UTC 'YYYY-MM-DD HH:MM:SS', the seed's format (CONTRACT.md Part 1).

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash    TEXT NOT NULL,
    -- bumped by POST /api/logout-all/; tokens carry the generation they were issued in
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE surveys (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    creator_id            INTEGER REFERENCES users(id) ON DELETE SET NULL,
    one_response_per_user INTEGER NOT NULL DEFAULT 0,
    closed_at             TEXT,
    -- kept in step with `responses` inside each response's transaction
    response_count        INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TABLE questions (
    id         INTEGER PRIMARY KEY,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'text')),
    required   INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX questions_by_survey ON questions(survey_id);

CREATE TABLE choices (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    -- the seed's counter; incremented in SQL, never read-modify-written
    selected    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX choices_by_question ON choices(question_id);

CREATE TABLE responses (
    id            INTEGER PRIMARY KEY,
    survey_id     INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    respondent_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- set only for one-response-per-user surveys, so the unique index below applies to them
    -- alone (NULLs never collide)
    exclusive_respondent_id INTEGER,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX responses_by_survey ON responses(survey_id);
CREATE UNIQUE INDEX one_response_per_user ON responses(survey_id, exclusive_respondent_id);

CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    choice_id   INTEGER REFERENCES choices(id) ON DELETE CASCADE,
    text        TEXT
);
CREATE INDEX answers_by_response ON answers(response_id);
CREATE INDEX answers_by_question ON answers(question_id);
