-- Version 5: the version-1 policy tables are superseded by policy_sets
-- (version 3), which keeps a network's SLA classes, applications and
-- policies in the edge's shapes as one document. No controller ever wrote
-- them.
DROP TABLE policy_rules;
DROP TABLE policies;
DROP TABLE applications;
DROP TABLE sla_classes;
