-- Issue 17: `canvass admin users disable` shuts an account out without deleting it. A
-- disabled user's login is refused like a wrong password, and no token of theirs is accepted.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
