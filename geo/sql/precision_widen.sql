-- Widen the precision of records whose location text names an area, not a place, and of
-- cumulative figures (docs/import.md, "Precision from the text"). Reads pg_temp.precision_texts
-- (one row per distinct vague text: area, named countries, gazetteer radius) and
-- pg_temp.precision_areas (equal-area radius of each country in play). Only ever widens:
-- uncertainty_m = greatest(own, area), precision no finer than before, h3_res the resolution of
-- the new radius. The caller sets h3_cell of the rows returned with a coarser resolution (the
-- cell of the point, docs/h3.md: h3_parent of the old cell is not always that cell, since H3
-- cells do not nest exactly). Idempotent.
WITH scope AS (
    SELECT i.id, i.location_precision, i.uncertainty_m, i.h3_cell, i.h3_res, i.precision_basis,
           i.sea_area, t.countries, t.radius_m,
           -- no text: the coordinates stand, but a cumulative figure is the area of its point
           coalesce(t.area, CASE WHEN i.incident_type = 'cumulative'
                                  AND coalesce(btrim(i.location_text), '') = ''
                                 THEN 'vague' END)                        AS area,
           coalesce(i.incident_type = 'cumulative', false) AS cumulative,
           (SELECT sqrt(sum(a.km2) / pi()) * 1000 FROM pg_temp.precision_areas AS a
             WHERE a.iso3 = ANY (t.countries))                            AS named_m,
           (SELECT sqrt(a.km2 / pi()) * 1000 FROM pg_temp.precision_areas AS a
             WHERE a.iso3 = i.country)                                    AS country_m,
           (SELECT sqrt(s.area_km2 / pi()) * 1000 FROM sea_areas AS s
             WHERE s.slug = i.sea_area)                                   AS sea_m,
           (SELECT b.length_km * 500 FROM land_borders AS b
             WHERE b.pair = CASE WHEN cardinality(t.countries) >= 2
                                 THEN least(t.countries[1], t.countries[2]) || '-'
                                      || greatest(t.countries[1], t.countries[2])
                                 ELSE i.border_pair END)                  AS border_m
    FROM incidents AS i
    LEFT JOIN pg_temp.precision_texts AS t
        ON t.text_key = regexp_replace(i.location_text, :number, '0', 'g')
    WHERE i.geom IS NOT NULL
      AND i.h3_cell IS NOT NULL
      AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
      AND (NOT :only_unset OR i.precision_basis IS NULL)
      -- only what can change: a text that names an area, a cumulative figure, a row not yet
      -- seen (an import writes 'coordinates'; a million plain rows are never rewritten)
      AND (t.text_key IS NOT NULL OR i.incident_type = 'cumulative'
           OR i.precision_basis IS NULL)
),
target AS (  -- the area each record lies in: its class and radius (NULL: the text names none)
    SELECT s.*, a.cls, CASE WHEN a.radius_m IS NOT NULL THEN least(a.radius_m, :max_m) END AS area_m
    FROM scope AS s
    LEFT JOIN LATERAL (
        SELECT * FROM (VALUES
            -- a named sea (the gazetteer's radius: "Channel of Sicily", "Libyan coast"), else
            -- for a sea, a crossing or a vague text at sea the sea area the point lies in
            (1, 'sea_area', CASE WHEN s.area = 'sea' THEN s.radius_m END),
            (2, 'sea_area', CASE WHEN s.area IN ('sea', 'crossing', 'vague') THEN s.sea_m END),
            (3, 'country', CASE WHEN s.area IN ('sea', 'crossing', 'country') THEN s.named_m END),
            (4, 'country', CASE WHEN s.area IN ('sea', 'crossing', 'country', 'vague')
                                THEN s.country_m END),
            (5, 'admin', CASE WHEN s.area = 'border' THEN s.border_m END),
            -- (a cumulative figure's area is never smaller than an admin area's radius)
            (6, 'admin', CASE WHEN s.area IN ('admin', 'border')
                              THEN greatest(coalesce(s.radius_m, :admin_m),
                                            CASE WHEN s.cumulative THEN :admin_m END) END),
            -- a cumulative figure of a named place: at least an admin area
            (7, 'admin', CASE WHEN s.cumulative THEN :admin_m END)
        ) AS v(rank, cls, radius_m)
        WHERE v.radius_m IS NOT NULL
        ORDER BY v.rank
        LIMIT 1
    ) AS a ON true
),
decided AS (
    SELECT t.*,
           CASE WHEN t.area_m IS NOT NULL AND t.area_m >= coalesce(t.uncertainty_m, 0)
                THEN CASE WHEN t.cumulative THEN 'cumulative' ELSE 'text' END
                -- unchanged: an earlier pass's reason stands (rules only ever widen)
                ELSE coalesce(t.precision_basis, 'coordinates') END       AS basis,
           greatest(t.uncertainty_m, t.area_m)                            AS new_m
    FROM target AS t
),
final AS (
    SELECT d.id, d.basis, d.new_m,
           CASE WHEN d.basis <> 'coordinates'
                     AND (CAST(:ranks AS jsonb) ->> d.cls)::int
                         > coalesce((CAST(:ranks AS jsonb) ->> d.location_precision)::int, -1)
                THEN d.cls ELSE d.location_precision END                  AS new_precision,
           least(d.h3_res,
                 coalesce((SELECT max(e.k - 1) FROM unnest(CAST(:edges AS float8[]))
                                WITH ORDINALITY AS e(m, k) WHERE e.m >= d.new_m), 0)
           )::smallint                                                    AS new_res,
           d.h3_cell, d.h3_res, d.location_precision, d.uncertainty_m, d.precision_basis
    FROM decided AS d
)
UPDATE incidents AS i
SET uncertainty_m = f.new_m,
    location_precision = f.new_precision,
    h3_res = f.new_res,
    precision_basis = f.basis
FROM final AS f
WHERE i.id = f.id
  AND (f.new_m IS DISTINCT FROM f.uncertainty_m
       OR f.new_precision IS DISTINCT FROM f.location_precision
       OR f.new_res IS DISTINCT FROM f.h3_res
       OR f.basis IS DISTINCT FROM f.precision_basis)
RETURNING i.id, f.basis, f.location_precision AS old_precision, f.new_precision,
          f.uncertainty_m AS old_m, f.new_m, f.h3_res AS old_res, f.new_res,
          ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat
