-- okrbot schema, version 5: what people answered to parent suggestions.

-- A person linked a child objective to a suggested parent (accepted = 1) or
-- said the suggestion was not related (accepted = 0). The suggestion index
-- learns from both; the latest answer for a pair is the one that counts.
-- When either objective is deleted its answers go with it.
CREATE TABLE suggestion_feedback (
	child_id   INTEGER NOT NULL REFERENCES objectives (id) ON DELETE CASCADE,
	parent_id  INTEGER NOT NULL REFERENCES objectives (id) ON DELETE CASCADE,
	accepted   INTEGER NOT NULL,
	user_id    TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (child_id, parent_id)
) WITHOUT ROWID;
