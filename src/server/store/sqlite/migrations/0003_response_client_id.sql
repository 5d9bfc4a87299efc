-- A client that queues responses while offline names each one (issue 7), so a resend (a retry
-- after a timeout, two syncs at once) is recognised and recorded once. NULL for responses sent
-- without a name: a UNIQUE index lets any number of NULLs through.
ALTER TABLE responses ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX responses_by_client_id ON responses(client_id);
