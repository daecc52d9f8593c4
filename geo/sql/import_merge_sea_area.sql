-- After import_merge.sql updated existing rows: a stored record whose location_precision is
-- 'sea_area' does not take a coast's country (docs/corridors.md). Imports never set the
-- precision, so only updated rows can have it, and this touches only them.
UPDATE incidents i
SET country = r.country_sea
FROM import_enriched r
WHERE i.location_precision = 'sea_area'
  AND i.source = r.source AND i.source_id = r.source_id
  AND i.import_run_id = r.import_run_id
  AND i.country IS DISTINCT FROM r.country_sea
