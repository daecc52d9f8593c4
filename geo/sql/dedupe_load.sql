-- What the matcher knows about the records of candidate pairs and split parts
-- (geo.dedupe.Record): only they
-- are scored, grouped and reported, so only they are read into Python.
SELECT
    i.id,
    i.source,
    i.source_id,
    d.origin,
    i.category,
    i.event_date,
    i.date_precision,
    i.dead,
    i.missing,
    i.dead_and_missing AS total,
    i.cause,
    i.location_text,
    i.source_name,
    i.source_quality,
    i.location_precision,
    i.review_state,
    i.country,
    i.created_at,
    ST_X(i.geom) AS lon,
    ST_Y(i.geom) AS lat,
    i.uncertainty_m,
    i.incident_type
FROM dedupe_records AS d
JOIN incidents AS i ON i.id = d.id
WHERE d.id IN (SELECT p.a FROM dedupe_pairs AS p UNION SELECT p.b FROM dedupe_pairs AS p
               UNION SELECT s.whole FROM dedupe_parts AS s UNION SELECT s.part FROM dedupe_parts AS s)
