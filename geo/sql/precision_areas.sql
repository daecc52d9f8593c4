-- Equal-area radius inputs: the area (km², on the spheroid) of every country the pass may need:
-- those the vague texts name and those their points lie in. Few rows; dropped at commit.
CREATE TEMP TABLE precision_areas ON COMMIT DROP AS
SELECT c.iso3, ST_Area(c.geom::geography) / 1e6 AS km2
FROM countries AS c
WHERE c.iso3 = ANY (CAST(:named AS text[]))
   OR c.iso3 IN (
        SELECT i.country FROM incidents AS i
        JOIN pg_temp.precision_texts AS t
        ON t.text_key = regexp_replace(i.location_text, :number, '0', 'g')
        WHERE i.geom IS NOT NULL
          AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
          AND (NOT :only_unset OR i.precision_basis IS NULL))
