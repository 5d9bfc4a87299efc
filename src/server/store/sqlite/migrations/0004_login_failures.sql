-- Failed logins per e-mail and per client address, kept in the database rather than in one
-- process's memory (issue 12): the count survives a restart, and it is the same count that
-- PostgreSQL replicas share. `since` is when the window began, in ms since the epoch.
CREATE TABLE login_failures (
    key   TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    since INTEGER NOT NULL
);
CREATE INDEX login_failures_by_since ON login_failures(since);
