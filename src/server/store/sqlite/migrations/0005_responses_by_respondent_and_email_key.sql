-- "Have I responded?" (GET /api/surveys/<id>/responses/mine/) looks a user's responses up,
-- and deleting a user nulls theirs: both by respondent.
CREATE INDEX responses_by_respondent ON responses(respondent_id, survey_id);

-- The key accounts are unique under (`Email::key`: NFKC and Unicode lowercase). NOCASE on
-- `email` folds ASCII only, so `Étienne@` and `étienne@` were two accounts (issue 13). The
-- keys are filled in by the migration's Rust step, then made unique by 0006.
ALTER TABLE users ADD COLUMN email_key TEXT;
