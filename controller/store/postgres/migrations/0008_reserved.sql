-- Version 8: reserved for a migration of another branch (issue 10: users,
-- sign-in); this file is only here so that 0009 loads on its own, and is
-- deleted when that branch's 0008_*.sql is merged.
SELECT 1;
