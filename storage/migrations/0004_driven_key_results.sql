-- okrbot schema, version 4: a key result that objectives deliver is driven
-- by them (its progress is theirs, see okr/driven.go) unless it is set by
-- hand, which its first check-in does. A key result already checked in was
-- set by hand: its owners kept it themselves until now.
ALTER TABLE key_results ADD COLUMN by_hand INTEGER NOT NULL DEFAULT 0 CHECK (by_hand IN (0, 1));
UPDATE key_results SET by_hand = 1 WHERE checked_at IS NOT NULL;
