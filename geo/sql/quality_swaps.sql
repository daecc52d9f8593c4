-- Stage 2: records whose point disagrees with their text and whose point with latitude and
-- longitude exchanged (ST_FlipCoordinates) agrees: inside the tolerance of a named country,
-- or, with no country named, inside the region's boxes. A record fixed or withheld once is never
-- moved again (its quality_flags keep the fix or the withheld point), so the pass is idempotent.
-- strong: the text names a country and the flipped point lies inside one of them (the fix is
-- made even on a coarse text, docs/quality.md).
SELECT b.id, b.source_id, b.location_text, b.country, b.coarse, b.named,
       ST_X(b.geom) AS x, ST_Y(b.geom) AS y, b.h3_res,
       f.km AS flipped_km,
       cardinality(b.named) > 0 AND f.km = 0.0 AS strong,
       b.named_km, b.region_km,
       -- the flipped point's country before re-enrichment (a dry run reports this one)
       coalesce((SELECT p.iso3 FROM country_parts p WHERE ST_Intersects(p.geom, f.geom) LIMIT 1),
                'at_sea') AS flipped_country
FROM quality_base b
CROSS JOIN LATERAL (
    SELECT g.geom,
           CASE WHEN cardinality(b.named) > 0 THEN pg_temp.quality_named_km(g.geom, b.named)
                ELSE pg_temp.quality_box_km(g.geom, b.boxes) END AS km
    FROM (SELECT ST_FlipCoordinates(b.geom) AS geom) g
    WHERE abs(ST_X(b.geom)) <= 90
    OFFSET 0  -- keeps the distance computed once per record
) f
WHERE b.disagrees
  AND NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(b.quality_flags) e
      WHERE e ->> 'check' = 'swapped_coordinates' AND e ->> 'action' IN ('fixed', 'withheld'))
  AND CASE WHEN cardinality(b.named) > 0 THEN f.km <= CAST(:land_tolerance_km AS double precision)
           ELSE f.km = 0.0 END
ORDER BY b.id
