-- Issue 17, as SQLite's 0008: `canvass admin users disable` shuts an account out without
-- deleting it. A disabled user's login is refused like a wrong password, and no token of
-- theirs is accepted.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
