-- Every user has a key now (0005's step filled them in); new users get theirs from
-- `create_user`.
CREATE UNIQUE INDEX users_by_email_key ON users(email_key);
