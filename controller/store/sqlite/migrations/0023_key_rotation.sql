-- Version 23: WireGuard key rotation (docs/CONTROLLER.md). key_rotation
-- = 1: an operator or the schedule asked the site's edge for a new key;
-- next_public_key is the key its edge registered for the rotation (''
-- until then), which the other sites' edges learn as the site's next key;
-- the commit makes it public_key and clears both. key_rotated_at: the
-- last commit (NULL: never), from which the schedule counts.
ALTER TABLE sites ADD COLUMN key_rotation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN next_public_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN key_rotated_at INTEGER;
