-- A message's token chosen by the client: sent again after a broken
-- connection (another node, a retry through the load balancer), it is
-- stored once.

ALTER TABLE chat_messages ADD COLUMN client_token TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX chat_messages_client_token ON chat_messages(sender_id, client_token) WHERE client_token <> '';
