-- okrbot schema, version 2: what the scheduler needs to keep its promises.

-- A claim belongs to the instance (process) that made it, so that the
-- claims of a process that died can be taken over, after checking Slack
-- for what it managed to send; target says where the message goes (a
-- user ID for a DM, a channel ID), so the check knows where to look. A
-- delivery Slack refused for good is marked failed with the reason.
ALTER TABLE deliveries ADD COLUMN target    TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN owner     TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN failed_at INTEGER;
ALTER TABLE deliveries ADD COLUMN error     TEXT NOT NULL DEFAULT '';
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries (claimed_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The running okrbot processes, each beating every few seconds while it
-- lives; a process on the same host whose PID is gone is known dead at once.
CREATE TABLE instances (
	id      TEXT    PRIMARY KEY,
	host    TEXT    NOT NULL,
	pid     INTEGER NOT NULL,
	beat_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A team may have a channel of its own for a weekly digest of its
-- objectives.
ALTER TABLE teams ADD COLUMN channel TEXT NOT NULL DEFAULT '';
