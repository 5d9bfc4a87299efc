-- "Have I responded?" (GET /api/surveys/<id>/responses/mine/) looks a user's responses up,
-- and deleting a user nulls theirs: both by respondent.
CREATE INDEX responses_by_respondent ON responses(respondent_id, survey_id);

-- `email_key` was ASCII-lowercase; it is now `Email::key` (NFKC and Unicode lowercase,
-- issue 13). The migration's Rust step computes the new keys; first every key is moved out
-- of the way, so no row's new key meets another row's old one.
UPDATE users SET email_key = chr(1) || id;
