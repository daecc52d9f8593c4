-- The run's constants, one row, so the staged-rows view below needs no bind parameters.
CREATE TEMP TABLE import_params AS
SELECT CAST(:source AS text) AS source,
       CAST(:run_id AS uuid) AS run_id,
       CAST(:raw_keys AS text[]) AS raw_keys
