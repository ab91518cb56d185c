-- okrbot schema, version 1. Times are Unix milliseconds in UTC.

-- Every write transaction increments the generation, so that readers on
-- several connections can tell that they see the same snapshot.
CREATE TABLE generation (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	value INTEGER NOT NULL
);
INSERT INTO generation (id, value) VALUES (1, 0);

CREATE TABLE cycles (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	name     TEXT    NOT NULL UNIQUE,
	start_at INTEGER NOT NULL,
	end_at   INTEGER NOT NULL,
	status   TEXT    NOT NULL CHECK (status IN ('upcoming', 'current', 'closed')),
	CHECK (end_at > start_at)
);
-- Exactly one cycle is current at a time.
CREATE UNIQUE INDEX cycles_one_current ON cycles (status) WHERE status = 'current';

CREATE TABLE teams (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	name      TEXT    NOT NULL,
	parent_id INTEGER REFERENCES teams (id),
	lead_id   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX teams_name ON teams (name COLLATE NOCASE);

CREATE TABLE team_members (
	team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	user_id TEXT    NOT NULL,
	PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members (user_id);

-- AUTOINCREMENT: IDs are never reused, so references like O12 and KR45 mean
-- the same thing forever.
CREATE TABLE objectives (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	cycle_id             INTEGER NOT NULL REFERENCES cycles (id),
	title                TEXT    NOT NULL,
	description          TEXT    NOT NULL DEFAULT '',
	level                TEXT    NOT NULL CHECK (level IN ('company', 'department', 'team', 'personal')),
	owner_id             TEXT    NOT NULL,
	team_id              INTEGER REFERENCES teams (id),
	status               TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed', 'archived')),
	score                REAL    CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
	parent_objective_id  INTEGER REFERENCES objectives (id),
	parent_key_result_id INTEGER REFERENCES key_results (id),
	rollup_children      INTEGER NOT NULL DEFAULT 0,
	weight               REAL    NOT NULL DEFAULT 1 CHECK (weight > 0),
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL,
	-- What analysing a cycle reads of an objective, as one JSON array kept
	-- in step by SQLite (see key_results.snapshot). The title comes last:
	-- it is the one field that may need unescaping.
	snapshot             TEXT    GENERATED ALWAYS AS (json_array(level, owner_id, team_id, parent_objective_id,
		parent_key_result_id, rollup_children, weight, title)) STORED
);
CREATE INDEX objectives_cycle ON objectives (cycle_id, status);
CREATE INDEX objectives_parent ON objectives (parent_objective_id) WHERE parent_objective_id IS NOT NULL;
CREATE INDEX objectives_parent_kr ON objectives (parent_key_result_id) WHERE parent_key_result_id IS NOT NULL;
CREATE INDEX objectives_owner ON objectives (owner_id);
-- Deleting an objective archives it; rows are never removed.
CREATE TRIGGER objectives_no_delete BEFORE DELETE ON objectives
BEGIN SELECT RAISE(ABORT, 'objectives are archived, never deleted'); END;

-- The last check-in is copied onto its key result (current, checked_at,
-- confidence), and the one before it (prev_value, prev_checked_at), so that
-- reading a cycle, week-over-week change included, never scans the check-in
-- history. cycle_id repeats the objective's cycle, which never changes, so
-- a cycle's key results are one index range.
CREATE TABLE key_results (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	objective_id    INTEGER NOT NULL REFERENCES objectives (id),
	cycle_id        INTEGER NOT NULL REFERENCES cycles (id),
	title           TEXT    NOT NULL,
	kind            TEXT    NOT NULL CHECK (kind IN ('increase', 'decrease', 'stay_above', 'stay_below', 'milestone')),
	start           REAL    NOT NULL,
	target          REAL    NOT NULL,
	current         REAL    NOT NULL,
	unit            TEXT    NOT NULL DEFAULT '',
	owner_id        TEXT    NOT NULL,
	weight          REAL    NOT NULL DEFAULT 1 CHECK (weight > 0),
	archived        INTEGER NOT NULL DEFAULT 0,
	checked_at      INTEGER,
	confidence      TEXT    CHECK (confidence IS NULL OR confidence IN ('on_track', 'at_risk', 'off_track')),
	prev_value      REAL,
	prev_checked_at INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	-- What analysing a cycle reads of a key result, as one JSON array that
	-- SQLite itself keeps in step with the columns above. Each value read
	-- out of SQLite costs about a tenth of a microsecond, so reading one
	-- value instead of twelve makes loading a large cycle several times
	-- faster. Order: see storage/graph.go parseSnapshot.
	snapshot        TEXT GENERATED ALWAYS AS (json_array(objective_id, kind, start, target, current, owner_id, weight,
		checked_at, confidence, created_at, prev_value, prev_checked_at)) STORED
);
CREATE INDEX key_results_objective ON key_results (objective_id);
CREATE INDEX key_results_cycle ON key_results (cycle_id);
CREATE INDEX key_results_owner ON key_results (owner_id);
CREATE TRIGGER key_results_no_delete BEFORE DELETE ON key_results
BEGIN SELECT RAISE(ABORT, 'key results are archived, never deleted'); END;

-- Check-ins are history: appended, never changed or removed.
CREATE TABLE checkins (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	key_result_id INTEGER NOT NULL REFERENCES key_results (id),
	author_id     TEXT    NOT NULL,
	value         REAL    NOT NULL,
	previous      REAL    NOT NULL,
	confidence    TEXT    NOT NULL CHECK (confidence IN ('on_track', 'at_risk', 'off_track')),
	note          TEXT    NOT NULL DEFAULT '',
	blockers      TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);
CREATE INDEX checkins_key_result ON checkins (key_result_id, created_at);
CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins
BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END;
CREATE TRIGGER checkins_no_delete BEFORE DELETE ON checkins
BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END;

-- Horizontal and directional links. Parent links live on objectives.
CREATE TABLE links (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	from_id    INTEGER NOT NULL REFERENCES objectives (id),
	to_id      INTEGER NOT NULL REFERENCES objectives (id),
	kind       TEXT    NOT NULL CHECK (kind IN ('depends_on', 'relates_to')),
	created_by TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (from_id, to_id, kind)
);
CREATE INDEX links_to ON links (to_id);

-- The Slack users cache.
CREATE TABLE users (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL DEFAULT '',
	tz         TEXT    NOT NULL DEFAULT '',
	is_admin   INTEGER NOT NULL DEFAULT 0,
	is_bot     INTEGER NOT NULL DEFAULT 0,
	deleted    INTEGER NOT NULL DEFAULT 0,
	away_till  INTEGER,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Run-time settings that override configuration defaults.
CREATE TABLE settings (
	key        TEXT    PRIMARY KEY,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The delivery ledger: one row per message promised exactly once.
CREATE TABLE deliveries (
	key        TEXT    PRIMARY KEY,
	ref        TEXT    NOT NULL DEFAULT '',
	claimed_at INTEGER NOT NULL,
	sent_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries (claimed_at) WHERE sent_at IS NULL;
